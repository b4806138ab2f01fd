// Package feed renders hearings as iCalendar feeds (RFC 5545 with the RFC 7986
// calendar properties) and serves them over HTTP to calendar apps.
//
// go-ical builds and encodes the components; this package adds what go-ical
// lacks: VTIMEZONE generation from Go's zone database and line folding at 75
// octets on UTF-8 boundaries.
package feed

import (
	"bytes"
	"io"
)

// maxLineOctets is RFC 5545 §3.1's limit for one physical line, CRLF excluded.
const maxLineOctets = 75

// Fold returns src with every content line folded at 75 octets: lines end in
// CRLF, and a long line continues on lines that start with one space (which
// counts toward that line's 75). Input lines may end in LF or CRLF. A cut never
// falls inside a UTF-8 sequence, because a split "ó" is garbled by ical.js and
// python-icalendar even though RFC 5545 only speaks of octets.
func Fold(src []byte) []byte {
	// Folding adds 3 octets per 74 at most; a tenth more is plenty.
	dst := make([]byte, 0, len(src)+len(src)/10+8)
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			return appendFoldedLine(dst, src)
		}
		dst = appendFoldedLine(dst, trimCR(src[:i]))
		dst = append(dst, '\r', '\n')
		src = src[i+1:]
	}
	return dst
}

// FoldWriter is an io.Writer filter that folds what is written through it the
// way Fold does. go-ical's encoder writes one content line per Write, so the
// filter rarely buffers; a line split across writes is held until its end.
type FoldWriter struct {
	w       io.Writer
	partial []byte // start of a line whose end has not been written yet
	out     []byte // reused output buffer, so steady state allocates nothing
}

// NewFoldWriter returns a FoldWriter that writes folded lines to w. Call Flush
// at the end to write a last line that has no line ending.
func NewFoldWriter(w io.Writer) *FoldWriter {
	return &FoldWriter{w: w}
}

// Write folds the complete lines in p and writes them; it keeps an unfinished
// last line for the next Write or Flush.
func (f *FoldWriter) Write(p []byte) (int, error) {
	n := len(p)
	f.out = f.out[:0]
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			f.partial = append(f.partial, p...)
			break
		}
		line := p[:i]
		if len(f.partial) > 0 {
			f.partial = append(f.partial, line...)
			line = f.partial
		}
		f.out = appendFoldedLine(f.out, trimCR(line))
		f.out = append(f.out, '\r', '\n')
		f.partial = f.partial[:0]
		p = p[i+1:]
	}
	if len(f.out) == 0 {
		return n, nil
	}
	if _, err := f.w.Write(f.out); err != nil {
		return 0, err
	}
	return n, nil
}

// Flush writes a buffered last line that had no line ending, folded and
// without adding one.
func (f *FoldWriter) Flush() error {
	if len(f.partial) == 0 {
		return nil
	}
	f.out = appendFoldedLine(f.out[:0], f.partial)
	f.partial = f.partial[:0]
	_, err := f.w.Write(f.out)
	return err
}

func trimCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}

// appendFoldedLine appends one content line (without its line ending) to dst,
// folded. Each cut backs up over at most three UTF-8 continuation octets to the
// start of the rune; more than that means the input is not UTF-8, and then the
// cut falls at the limit rather than never.
func appendFoldedLine(dst, line []byte) []byte {
	limit := maxLineOctets
	for len(line) > limit {
		cut := limit
		for back := 0; back < 3 && cut > 0 && isContinuation(line[cut]); back++ {
			cut--
		}
		if isContinuation(line[cut]) || cut == 0 {
			cut = limit
		}
		dst = append(dst, line[:cut]...)
		dst = append(dst, '\r', '\n', ' ')
		line = line[cut:]
		limit = maxLineOctets - 1 // the leading space counts
	}
	return append(dst, line...)
}

func isContinuation(b byte) bool { return b&0xC0 == 0x80 }
