package feed

import (
	"bytes"
	"cmp"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"hash/maphash"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-ical"
)

// A feed's bytes are the calendar's header, its VTIMEZONEs, its events and its footer, one after the other: go-ical
// writes each component on lines of its own and the folder works a line at a time, so each piece can be encoded
// and folded alone and the pieces joined give the same bytes as Render. pieceCache keeps the encoded pieces, so a
// change re-encodes only the events it touched.

// DefaultPieceBytes bounds the encoded events a Handler keeps: about forty 5,000-event feeds of full detail.
const DefaultPieceBytes = 256 << 20

// pieceKey names one event's encoded bytes: the hearing's identity, the store's version of it, and a hash of
// everything else the renderer reads of it (people, reminders, deadlines, the reader, the detail level, the
// duration the configuration gives), so that a feed of another audience or a change the version does not count
// gets its own entry.
type pieceKey struct {
	id      string
	seq     int
	updated int64
	sum     uint64
}

// piece is one encoded, folded component (a hearing's VEVENT with its deadlines' VEVENTs, or a VTIMEZONE) and the
// SHA-256 of its bytes, which the feed's ETag is made of.
type piece struct {
	text []byte
	sum  [sha256.Size]byte
	// zone and the years are the VTIMEZONE the event needs; a nil zone needs none.
	zone        *time.Location
	first, last int
	refs        int      // feeds whose last rendering used the piece
	key         pieceKey // its key in pieceCache.events
}

type zoneKey struct {
	name        string
	first, last int
}

// feedPieces is what one feed's last rendering used.
type feedPieces struct {
	events []*piece
	blocks map[[sha256.Size]byte]*block // its blocks, by the digest of their pieces' sums
	used   uint64                       // the cache's rendering count at its last rendering
}

// pieceCache holds the encoded events of every feed a Handler serves. An event is kept while the last rendering of
// some feed used it, and the bytes kept are bounded by maxBytes: beyond it, the feeds rendered longest ago let go
// of their events (their next rendering encodes them again). It is safe for concurrent use.
type pieceCache struct {
	seed     maphash.Seed
	maxBytes int

	mu     sync.Mutex
	events map[pieceKey]*piece
	zones  map[zoneKey]*piece
	feeds  map[string]*feedPieces
	bytes  int // of events' text
	count  uint64
}

func newPieceCache(maxBytes int) *pieceCache {
	return &pieceCache{seed: maphash.MakeSeed(), maxBytes: cmp.Or(maxBytes, DefaultPieceBytes),
		events: map[pieceKey]*piece{}, zones: map[zoneKey]*piece{}, feeds: map[string]*feedPieces{}}
}

// renderedFeed is a feed assembled from pieces: its bytes, as blocks, and a digest of them, the SHA-256 over the
// SHA-256s of its pieces, which changes whenever a byte does.
type renderedFeed struct {
	blocks []*block
	size   int
	digest [sha256.Size]byte
}

// render assembles cal for the feed named key from cached pieces, encoding those it lacks. The bytes are those
// Render writes.
func (pc *pieceCache) render(key string, cal Calendar) (renderedFeed, error) {
	head, foot, err := calendarFrame(cal)
	if err != nil {
		return renderedFeed{}, err
	}
	hs := sortedHearings(cal.Hearings)
	keys := make([]pieceKey, len(hs))
	parallel(len(hs), func(from, to int) {
		fp := fingerprint{buf: make([]byte, 0, 4096)}
		for i := from; i < to; i++ {
			keys[i] = fp.key(pc.seed, hs[i], cal.Options)
		}
	})

	events := make([]*piece, len(hs))
	var missing []int
	pc.mu.Lock()
	for i, k := range keys {
		if p := pc.events[k]; p != nil {
			events[i] = p
		} else {
			missing = append(missing, i)
		}
	}
	pc.mu.Unlock()
	if err := buildPieces(hs, cal.Options, missing, events); err != nil {
		return renderedFeed{}, err
	}
	for _, i := range missing {
		events[i].key = keys[i]
	}

	zones := zoneSpans{}
	for _, p := range events {
		if p.zone != nil {
			if err := zones.add(p.zone, p.first, p.last); err != nil {
				return renderedFeed{}, err
			}
		}
	}
	if len(hs) == 0 {
		if err := zones.add(mustLoad("Etc/UTC"), 2000, 2000); err != nil {
			return renderedFeed{}, err
		}
	}
	tzs, err := pc.zonePieces(zones)
	if err != nil {
		return renderedFeed{}, err
	}

	pc.mu.Lock()
	for _, i := range missing {
		k := keys[i]
		if p := pc.events[k]; p != nil {
			events[i] = p // one built by a concurrent rendering: the same bytes, kept once
		} else {
			pc.events[k] = events[i]
			pc.bytes += len(events[i].text)
		}
	}
	pc.retain(key, events)
	pc.mu.Unlock()

	all := make([]*piece, 0, len(tzs)+len(events)+2)
	all = append(append(append(append(all, head), tzs...), events...), foot)
	sums := make([]byte, 0, len(all)*sha256.Size)
	for _, p := range all {
		sums = append(sums, p.sum[:]...)
	}
	pc.mu.Lock()
	var prev map[[sha256.Size]byte]*block
	if f := pc.feeds[key]; f != nil {
		prev = f.blocks
	}
	pc.mu.Unlock()
	blocks, byID := pc.blocks(all, prev)
	pc.mu.Lock()
	if f := pc.feeds[key]; f != nil {
		f.blocks = byID
	}
	pc.mu.Unlock()
	out := renderedFeed{blocks: blocks, digest: sha256.Sum256(sums)}
	for _, b := range blocks {
		out.size += len(b.text)
	}
	return out, nil
}

// A feed is written as blocks: runs of consecutive pieces joined, each ended after an event whose hearing's
// identity hashes to a cut (one in cutEvery, about 16 KiB a block), or at maxBlock bytes. Where a block ends depends
// on its last event alone, not on the sizes before it, so a change moves no block's end but its own. The hash has no
// seed: every process cuts a feed alike, so the gzip bytes behind one strong ETag are the same bytes on every
// replica and after a restart. A change joins again only the block of the event it touched, and the gzip encoding
// compresses each block on its own (the deflate stream starts afresh at each block; little is lost), so a change
// compresses one block again, not the whole feed.
const (
	maxBlock = 128 << 10
	cutEvery = 16
)

// block is a run of a feed's pieces, joined, and its deflate encoding once a request asked for gzip.
type block struct {
	text []byte

	deflateOnce sync.Once
	deflated    []byte
}

// blocks cuts all into blocks, taking from prev (the feed's last blocks, by the digest of their pieces' sums) those
// whose pieces are the same. It returns the blocks in order and by digest.
func (pc *pieceCache) blocks(all []*piece, prev map[[sha256.Size]byte]*block) ([]*block, map[[sha256.Size]byte]*block) {
	var out []*block
	byID := map[[sha256.Size]byte]*block{}
	start, size := 0, 0
	for i, p := range all {
		size += len(p.text)
		last := i == len(all)-1
		cut := p.key.id != "" && crc32.ChecksumIEEE([]byte(p.key.id))%cutEvery == 0
		if !last && size < maxBlock && !cut {
			continue
		}
		h := sha256.New()
		for _, q := range all[start : i+1] {
			h.Write(q.sum[:])
		}
		var id [sha256.Size]byte
		h.Sum(id[:0])
		b := byID[id]
		if b == nil {
			b = prev[id]
		}
		if b == nil {
			text := make([]byte, 0, size)
			for _, q := range all[start : i+1] {
				text = append(text, q.text...)
			}
			b = &block{text: text}
		}
		out = append(out, b)
		byID[id] = b
		start, size = i+1, 0
	}
	return out, byID
}

// deflate is the block's raw deflate encoding, ended by a sync flush (byte-aligned, not final), so that the
// blocks' encodings one after another are one deflate stream.
func (b *block) deflate() []byte {
	b.deflateOnce.Do(func() {
		var buf bytes.Buffer
		buf.Grow(len(b.text) / 4)
		zw, _ := deflaters.Get().(*flate.Writer)
		if zw == nil {
			zw, _ = flate.NewWriter(&buf, flate.BestCompression) // the level is valid: no error
		} else {
			zw.Reset(&buf)
		}
		zw.Write(b.text) //nolint:errcheck // writes to a bytes.Buffer
		zw.Flush()       //nolint:errcheck // writes to a bytes.Buffer
		deflaters.Put(zw)
		b.deflated = buf.Bytes()
	})
	return b.deflated
}

var deflaters sync.Pool

// gzipParts is the gzip encoding (RFC 1952) of the blocks' bytes, as parts to write one after another, and their
// total length: a header without a name or a time (equal bodies give equal bytes), the blocks' deflate encodings
// (made on every CPU when many are new), a final empty block, and the CRC-32 and length of the whole.
func gzipParts(blocks []*block) ([][]byte, int) {
	parallel(len(blocks), func(from, to int) {
		for _, b := range blocks[from:to] {
			b.deflate()
		}
	})
	parts := make([][]byte, 0, len(blocks)+2)
	parts = append(parts, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255}) // deflate, no flags, no time, best compression, unknown OS
	crc := crc32.NewIEEE()
	size := 0
	for _, b := range blocks {
		parts = append(parts, b.deflated)
		crc.Write(b.text)
		size += len(b.text)
	}
	tail := []byte{0x03, 0x00} // a final block of fixed codes holding only its end
	tail = binary.LittleEndian.AppendUint32(tail, crc.Sum32())
	tail = binary.LittleEndian.AppendUint32(tail, uint32(size)) //nolint:gosec // ISIZE is the length modulo 2^32
	parts = append(parts, tail)
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	return parts, n
}

// retain records that the feed named key now uses events, lets go of what it used before, drops events no feed
// uses, and keeps the bytes under the bound. pc.mu is held.
func (pc *pieceCache) retain(key string, events []*piece) {
	pc.count++
	for _, p := range events {
		p.refs++
	}
	var blocks map[[sha256.Size]byte]*block
	if old := pc.feeds[key]; old != nil {
		pc.release(old.events)
		blocks = old.blocks // until this rendering's blocks replace them
	}
	pc.feeds[key] = &feedPieces{events: events, blocks: blocks, used: pc.count}
	for pc.bytes > pc.maxBytes {
		oldest := ""
		var at uint64
		for k, f := range pc.feeds {
			if k != key && (oldest == "" || f.used < at) {
				oldest, at = k, f.used
			}
		}
		if oldest == "" {
			break // this feed alone is over the bound; it still renders, from what it just built
		}
		pc.release(pc.feeds[oldest].events)
		delete(pc.feeds, oldest)
	}
}

func (pc *pieceCache) release(events []*piece) {
	for _, p := range events {
		if p.refs--; p.refs <= 0 && pc.events[p.key] == p {
			delete(pc.events, p.key)
			pc.bytes -= len(p.text)
		}
	}
}

// sortedHearings are hs in Render's order, by start, then identity.
func sortedHearings(hs []Hearing) []*Hearing {
	type sortKey struct {
		sec  int64
		nsec int
		h    *Hearing
	}
	ks := make([]sortKey, len(hs))
	for i := range hs {
		ks[i] = sortKey{sec: hs[i].Start.Unix(), nsec: hs[i].Start.Nanosecond(), h: &hs[i]}
	}
	startOnly := func(a, b sortKey) int { return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec)) }
	byStart := func(a, b sortKey) int { return cmp.Or(startOnly(a, b), strings.Compare(a.h.ID, b.h.ID)) }
	if slices.IsSortedFunc(ks, startOnly) {
		// The store reads hearings by start (then by its own row id): only the hearings of one start need ordering
		// by identity, a few at a time.
		for i := 0; i < len(ks); {
			j := i + 1
			for j < len(ks) && startOnly(ks[i], ks[j]) == 0 {
				j++
			}
			if j-i > 1 {
				slices.SortFunc(ks[i:j], byStart)
			}
			i = j
		}
	} else {
		slices.SortFunc(ks, byStart)
	}
	out := make([]*Hearing, len(hs))
	for i, k := range ks {
		out[i] = k.h
	}
	return out
}

// len reports how many events are kept and their bytes, for tests.
func (pc *pieceCache) len() (int, int) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.events), pc.bytes
}

// maxZonePieces bounds the VTIMEZONEs kept: a few zones times the spans of years feeds use.
const maxZonePieces = 1024

// zonePieces are the VTIMEZONEs of z in Render's order (by zone name), from the cache where it has them.
func (pc *pieceCache) zonePieces(z zoneSpans) ([]*piece, error) {
	names := make([]string, 0, len(z))
	for n := range z {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]*piece, 0, len(names))
	for _, n := range names {
		s := z[n]
		k := zoneKey{name: n, first: s.first, last: s.last}
		pc.mu.Lock()
		p := pc.zones[k]
		pc.mu.Unlock()
		if p == nil {
			tz, err := VTimezone(s.loc, s.first, s.last)
			if err != nil {
				return nil, err
			}
			if p, err = new(pieceEncoder).encode(tz); err != nil {
				return nil, err
			}
			pc.mu.Lock()
			if len(pc.zones) >= maxZonePieces {
				clear(pc.zones)
			}
			pc.zones[k] = p
			pc.mu.Unlock()
		}
		out = append(out, p)
	}
	return out, nil
}

// parallel runs fn over [0, n) in contiguous parts, one per CPU when n is large enough to be worth it.
func parallel(n int, fn func(from, to int)) {
	workers := min(runtime.GOMAXPROCS(0), n/512+1)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { fn(n*w/workers, n*(w+1)/workers) })
	}
	wg.Wait()
}

// buildPieces encodes the events of hs at the indexes in missing into out, on every CPU when there are many.
func buildPieces(hs []*Hearing, opts Options, missing []int, out []*piece) error {
	workers := min(runtime.GOMAXPROCS(0), len(missing)/64+1)
	if workers <= 1 {
		var enc pieceEncoder
		for _, i := range missing {
			p, err := eventPiece(&enc, hs[i], opts)
			if err != nil {
				return err
			}
			out[i] = p
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var enc pieceEncoder
			for j := w; j < len(missing); j += workers {
				i := missing[j]
				p, err := eventPiece(&enc, hs[i], opts)
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = p
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// eventPiece encodes a hearing's event and its deadlines' events with enc.
func eventPiece(enc *pieceEncoder, h *Hearing, opts Options) (*piece, error) {
	zones := zoneSpans{}
	ev, err := buildEvent(h, opts, zones)
	if err != nil {
		return nil, err
	}
	p, err := enc.encode(append([]*ical.Component{ev}, deadlineEvents(h, opts)...)...)
	if err != nil {
		return nil, err
	}
	for _, s := range zones { // at most one: the zone of the hearing's start
		p.zone, p.first, p.last = s.loc, s.first, s.last
	}
	return p, nil
}

// pieceFrame is the placeholder component calendarFrame splits the calendar's encoding at.
const pieceFrame = "X-DOCKETD-PIECE"

// frameHead and frameFoot are what go-ical writes around the components a pieceEncoder wraps in a calendar.
var (
	frameHead = "BEGIN:VCALENDAR\r\n" + ical.PropProductID + ":" + ProdID + "\r\n" + ical.PropVersion + ":2.0\r\n"
	frameFoot = "END:VCALENDAR\r\n"
)

// pieceEncoder encodes pieces with go-ical, each inside a calendar holding nothing else; its buffer and that
// calendar are reused from one piece to the next. The zero value is ready to use; it is not safe for concurrent use.
type pieceEncoder struct {
	buf   bytes.Buffer
	frame *ical.Calendar
}

// encode encodes components and keeps their lines, folded.
func (e *pieceEncoder) encode(cs ...*ical.Component) (*piece, error) {
	if e.frame == nil {
		e.frame = ical.NewCalendar()
		setText(e.frame.Component, ical.PropProductID, ProdID)
		setText(e.frame.Component, ical.PropVersion, "2.0")
	}
	c, buf := e.frame, &e.buf
	c.Children = cs
	buf.Reset()
	if err := ical.NewEncoder(buf).Encode(c); err != nil {
		return nil, fmt.Errorf("encode calendar: %w", err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte(frameHead)) || !bytes.HasSuffix(b, []byte(frameFoot)) {
		return nil, fmt.Errorf("encode calendar: unexpected frame around a component")
	}
	text := Fold(b[len(frameHead) : len(b)-len(frameFoot)])
	return &piece{text: text, sum: sha256.Sum256(text)}, nil
}

// calendarFrame is the feed's header (BEGIN:VCALENDAR and the calendar's properties) and footer, as Render writes
// them around the components.
func calendarFrame(cal Calendar) (head, foot *piece, err error) {
	c := newCalendar(cal)
	c.Children = []*ical.Component{{Name: pieceFrame, Props: ical.Props{}}}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(c); err != nil {
		return nil, nil, fmt.Errorf("encode calendar: %w", err)
	}
	marker := "BEGIN:" + pieceFrame + "\r\nEND:" + pieceFrame + "\r\n"
	before, after, ok := bytes.Cut(buf.Bytes(), []byte(marker))
	if !ok {
		return nil, nil, fmt.Errorf("encode calendar: no placeholder in the calendar's encoding")
	}
	h, f := Fold(before), Fold(after)
	return &piece{text: h, sum: sha256.Sum256(h)}, &piece{text: f, sum: sha256.Sum256(f)}, nil
}

// key is the key of h's event in a feed with opts.
func (f *fingerprint) key(seed maphash.Seed, h *Hearing, opts Options) pieceKey {
	f.buf = f.buf[:0]
	f.hearing(h, opts)
	return pieceKey{id: h.ID, seq: h.Sequence, updated: h.Updated.UnixNano(), sum: maphash.Bytes(seed, f.buf)}
}

// fingerprint writes everything the renderer reads of a hearing into a buffer to hash, each value length- or
// kind-delimited so that two different hearings never write the same bytes. TestFingerprintCoversEveryField
// changes every field of Hearing in turn and checks the key changes, so a field added to Hearing and not here
// fails it.
type fingerprint struct {
	buf []byte
}

func (f *fingerprint) int(n int64) {
	f.buf = binary.LittleEndian.AppendUint64(f.buf, uint64(n))
}

func (f *fingerprint) str(s string) {
	f.buf = binary.AppendUvarint(f.buf, uint64(len(s)))
	f.buf = append(f.buf, s...)
}

func (f *fingerprint) bool(b bool) {
	if b {
		f.buf = append(f.buf, 1)
	} else {
		f.buf = append(f.buf, 0)
	}
}

func (f *fingerprint) loc(l *time.Location) {
	if l == nil {
		f.str("\x00nil")
		return
	}
	f.str(l.String())
}

func (f *fingerprint) time(t time.Time) {
	f.bool(t.IsZero())
	f.int(t.Unix())
	f.int(int64(t.Nanosecond()))
	f.loc(t.Location())
}

func (f *fingerprint) client(c *Client) {
	f.str(c.Name)
	f.str(string(c.ANumber))
	f.str(c.Phone)
	f.str(c.Language)
	f.loc(c.Home)
	f.str(c.City)
	f.bool(c.Detained)
	f.str(c.Contact)
}

func (f *fingerprint) hearing(h *Hearing, opts Options) {
	f.str(string(cmp.Or(opts.Detail, DetailFull)))
	f.int(int64(h.duration(opts.Durations)))
	f.str(h.ID)
	f.int(int64(h.Sequence))
	f.time(h.Updated)
	f.time(h.Start)
	f.bool(h.TimeUnknown)
	f.int(int64(h.Duration))
	f.str(string(h.Type))
	f.str(h.TypeCode)
	f.str(string(h.Medium))
	f.str(h.MediumCode)
	f.str(string(h.Status))
	f.str(h.Judge)
	f.str(h.WebEx)
	f.str(h.Court.Code)
	f.str(h.Court.Name)
	f.str(h.Court.Address)
	f.str(h.Court.Phone)
	f.str(h.Court.Place)
	f.int(int64(len(h.Clients)))
	for i := range h.Clients {
		f.client(&h.Clients[i])
	}
	f.str(h.Counsel)
	f.str(h.CounselPhone)
	f.int(int64(len(h.Reminders)))
	for _, r := range h.Reminders {
		f.str(string(r.Channel))
		f.str(r.To)
		f.time(r.Due)
		f.str(r.State)
	}
	f.str(h.Confirmation)
	f.bool(h.Reader != nil)
	if h.Reader != nil {
		f.client(h.Reader)
	}
	f.int(int64(len(h.Deadlines)))
	for _, d := range h.Deadlines {
		f.str(string(d.Rule))
		f.str(d.What)
		f.str(d.Short)
		f.time(d.Hearing)
		f.time(d.Due)
		f.time(d.Safe)
		f.int(int64(d.Days))
		f.str(d.Authority)
		f.str(d.Moved)
		f.time(d.Counted)
		f.bool(d.Ended)
		f.str(d.Uncertain)
	}
}

// etagOf is the strong ETag of a feed with this digest.
func etagOf(digest [sha256.Size]byte) string {
	return `"` + base64.RawURLEncoding.EncodeToString(digest[:18]) + `"`
}
