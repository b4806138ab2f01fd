package feed

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

var testStamp = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// checkFolded fails unless every physical line of out fits in 75 octets, holds
// no CR or LF (a lone CR in the input is passed through), and is valid UTF-8 on
// its own when the input was.
func checkFolded(t *testing.T, in, out []byte) {
	t.Helper()
	lines := bytes.Split(out, []byte("\r\n"))
	loneCR := bytes.IndexByte(bytes.ReplaceAll(in, []byte("\r\n"), nil), '\r') >= 0
	for i, l := range lines {
		if len(l) > maxLineOctets {
			t.Errorf("line %d has %d octets: %q", i, len(l), l)
		}
		if bytes.IndexByte(l, '\n') >= 0 || (!loneCR && bytes.IndexByte(l, '\r') >= 0) {
			t.Errorf("line %d has a bare CR or LF: %q", i, l)
		}
		if utf8.Valid(in) && !utf8.Valid(l) {
			t.Errorf("line %d was cut inside a UTF-8 sequence: %q", i, l)
		}
	}
}

// unfold undoes RFC 5545 folding and normalises line ends to LF.
func unfold(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n "), nil)
	return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
}

func TestFold(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"short LF", "BEGIN:VCALENDAR\n", "BEGIN:VCALENDAR\r\n"},
		{"short CRLF", "BEGIN:VCALENDAR\r\n", "BEGIN:VCALENDAR\r\n"},
		{"no final newline", "VERSION:2.0", "VERSION:2.0"},
		{"exactly 75", strings.Repeat("a", 75) + "\n", strings.Repeat("a", 75) + "\r\n"},
		{"76", strings.Repeat("a", 76) + "\n", strings.Repeat("a", 75) + "\r\n a\r\n"},
		{
			"continuation holds 74",
			strings.Repeat("a", 75+74+1) + "\n",
			strings.Repeat("a", 75) + "\r\n " + strings.Repeat("a", 74) + "\r\n a\r\n",
		},
		{
			// "ó" is 2 octets at 74–75: it fits exactly.
			"two-octet rune ends at 75",
			strings.Repeat("a", 73) + "ó" + "b\n",
			strings.Repeat("a", 73) + "ó\r\n b\r\n",
		},
		{
			// "ñ" would occupy octets 75–76: it moves whole to the next line.
			"two-octet rune straddles 75",
			strings.Repeat("a", 74) + "ñb\n",
			strings.Repeat("a", 74) + "\r\n ñb\r\n",
		},
		{
			"four-octet emoji straddles 75",
			strings.Repeat("a", 73) + "😀z\n",
			strings.Repeat("a", 73) + "\r\n 😀z\r\n",
		},
		{
			"three-octet rune straddles the continuation limit",
			strings.Repeat("a", 75) + strings.Repeat("b", 72) + "€\n",
			strings.Repeat("a", 75) + "\r\n " + strings.Repeat("b", 72) + "\r\n €\r\n",
		},
		{"empty lines kept", "A:1\n\nB:2\n", "A:1\r\n\r\nB:2\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fold([]byte(tt.in))
			if string(got) != tt.want {
				t.Errorf("Fold(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			checkFolded(t, []byte(tt.in), got)

			// The writer gives the same bytes however the input is chunked.
			for _, chunk := range []int{1, 2, 3, 7, 1 << 20} {
				var buf bytes.Buffer
				fw := NewFoldWriter(&buf)
				for in := []byte(tt.in); len(in) > 0; {
					n := min(chunk, len(in))
					if _, err := fw.Write(in[:n]); err != nil {
						t.Fatal(err)
					}
					in = in[n:]
				}
				if err := fw.Flush(); err != nil {
					t.Fatal(err)
				}
				if got := buf.String(); got != tt.want {
					t.Errorf("FoldWriter chunk %d\n got %q\nwant %q", chunk, got, tt.want)
				}
			}
		})
	}
}

func TestFoldInvalidUTF8StillFolds(t *testing.T) {
	in := append([]byte("X:"), bytes.Repeat([]byte{0x80}, 200)...)
	got := Fold(in)
	checkFolded(t, in, got)
	if got, want := unfold(got), in; !bytes.Equal(got, want) {
		t.Errorf("unfold(Fold(x)) = %q, want %q", got, want)
	}
}

// TestFoldRoundTripGoICal encodes events with accented Spanish names and emoji
// at every offset around the 75-octet boundary, folds them, and checks that
// go-ical's decoder gives back the exact text.
func TestFoldRoundTripGoICal(t *testing.T) {
	names := []string{
		"María José Núñez Ramírez",
		"Joaquín Peña Ibáñez 😀 familia",
		"Ñandú Ólafsdóttir €€€ 👨‍👩‍👧‍👦",
	}
	for pad := 0; pad < 12; pad++ {
		for _, name := range names {
			summary := strings.Repeat("x", 50+pad) + " " + name + " " + strings.Repeat(name, 4)
			cal := ical.NewCalendar()
			cal.Props.SetText(ical.PropProductID, "-//test//EN")
			cal.Props.SetText(ical.PropVersion, "2.0")
			ev := ical.NewEvent()
			ev.Props.SetText(ical.PropUID, "u1")
			ev.Props.SetText(ical.PropSummary, summary)
			ev.Props.SetText(ical.PropDescription, "Cliente: "+name+"\nTeléfono: —")
			ev.Props.SetDateTime(ical.PropDateTimeStamp, testStamp)
			cal.Children = append(cal.Children, ev.Component)

			var buf bytes.Buffer
			fw := NewFoldWriter(&buf)
			if err := ical.NewEncoder(fw).Encode(cal); err != nil {
				t.Fatal(err)
			}
			checkFolded(t, []byte(summary), buf.Bytes())

			dec, err := ical.NewDecoder(bytes.NewReader(buf.Bytes())).Decode()
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, buf.Bytes())
			}
			evs := dec.Events()
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			got, err := evs[0].Props.Text(ical.PropSummary)
			if err != nil {
				t.Fatal(err)
			}
			if got != summary {
				t.Errorf("summary after round trip\n got %q\nwant %q", got, summary)
			}
		}
	}
}

func FuzzFold(f *testing.F) {
	f.Add([]byte("SUMMARY:Audiencia de María José Núñez Ramírez en la corte de inmigración de Dallas 😀\n"))
	f.Add([]byte(strings.Repeat("ó", 100)))
	f.Add([]byte("A\r\nB\n\xff\xfe" + strings.Repeat("\x80", 90)))
	f.Fuzz(func(t *testing.T, in []byte) {
		got := Fold(in)
		checkFolded(t, in, got)
		// Folding loses nothing but the CR of CRLF pairs.
		want := bytes.ReplaceAll(in, []byte("\r\n"), []byte("\n"))
		// A line that starts with a space, or a lone CR, reads back differently
		// by RFC 5545's own rules; go-ical emits neither.
		if bytes.Contains(in, []byte("\n ")) || bytes.IndexByte(in, '\r') >= 0 || (len(in) > 0 && in[0] == ' ') {
			return
		}
		if u := unfold(got); !bytes.Equal(u, want) {
			t.Errorf("unfold(Fold(%q)) = %q", in, u)
		}
	})
}

func BenchmarkFold(b *testing.B) {
	line := "DESCRIPTION:Master calendar hearing\\nCliente: María José Núñez Ramírez\\nA-number: 123-456-789\\nJudge: Hon. Ana Pérez\\n\n"
	src := []byte(strings.Repeat(line, 10000))
	b.SetBytes(int64(len(src)))
	var buf bytes.Buffer
	fw := NewFoldWriter(&buf)
	for b.Loop() {
		buf.Reset()
		for l := src; len(l) > 0; {
			i := bytes.IndexByte(l, '\n')
			fw.Write(l[:i+1])
			l = l[i+1:]
		}
	}
}
