package feed

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/store/storetest"
)

// benchHearings are the 5,000 hearings of BenchmarkRender5000: the fixtures, each with its own identity and day.
func benchHearings(b *testing.B, n int) []Hearing {
	base := testHearings(b)
	hs := make([]Hearing, 0, n)
	for i := range n {
		h := base[i%len(base)]
		h.ID = strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String()
		h.Start = h.Start.AddDate(0, 0, i/10)
		hs = append(hs, h)
	}
	// In start order, as the store reads them.
	slices.SortStableFunc(hs, func(a, b Hearing) int { return a.Start.Compare(b.Start) })
	return hs
}

// change moves hearing i's judge, a change the store's version of the hearing does not count (the piece key's hash
// does), alternating so that every round has something new to encode.
func change(hs []Hearing, i int) {
	h := &hs[i%len(hs)]
	if strings.HasSuffix(h.Judge, " (substitute)") {
		h.Judge = strings.TrimSuffix(h.Judge, " (substitute)")
	} else {
		h.Judge += " (substitute)"
	}
}

// BenchmarkFeed5000 renders a 5,000-event feed: the calendar as one go-ical tree (renderTree, the reference),
// Render (what `docketd feed` writes: the pieces from nothing, written out), the cached path cold (an empty cache),
// and the cached path after one hearing changed.
func BenchmarkFeed5000(b *testing.B) {
	hs := benchHearings(b, 5000)
	cal := Calendar{Name: "bench", Hearings: hs}
	for _, r := range []struct {
		name   string
		render func(io.Writer, Calendar) error
	}{{"tree", renderTree}, {"render", Render}} {
		b.Run(r.name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := r.render(&buf, cal); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
	b.Run("cold", func(b *testing.B) {
		var n int
		for b.Loop() {
			out, err := newPieceCache(0).render("org", cal)
			if err != nil {
				b.Fatal(err)
			}
			n = out.size
		}
		b.SetBytes(int64(n))
	})
	b.Run("one-change", func(b *testing.B) {
		pc := newPieceCache(0)
		if _, err := pc.render("org", cal); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			change(hs, i*7919)
			i++
			if _, err := pc.render("org", cal); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchSource is a Source holding one calendar in memory, so the handler's figures are the handler's own.
type benchSource struct {
	hash []byte
	mu   sync.Mutex
	hs   []Hearing
	tag  int
}

func (s *benchSource) FeedByTokenHash(_ context.Context, hash []byte) (Feed, error) {
	if !bytes.Equal(hash, s.hash) {
		return Feed{}, ErrUnknownFeed
	}
	return Feed{ID: "1", TokenHash: s.hash, Scope: "org", Detail: DetailFull}, nil
}

func (s *benchSource) Version(context.Context, string) (Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Version{Tag: strconv.Itoa(s.tag), Modified: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}, nil
}

func (s *benchSource) Calendar(context.Context, Feed, time.Time) (Calendar, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Calendar{Name: "bench", Hearings: s.hs}, nil
}

func (s *benchSource) Touch(context.Context, string, time.Time) error { return nil }

// benchWriter stands in for a connection: it copies every byte once into a reused buffer, as a socket write copies
// into the kernel. The handler and the limit write into the same one.
type benchWriter struct {
	header http.Header
	code   int
	n      int
}

var benchWire = make([]byte, 64<<10)

func (w *benchWriter) Header() http.Header { return w.header }
func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *benchWriter) Write(p []byte) (int, error) {
	for rest := p; len(rest) > 0; {
		rest = rest[copy(benchWire, rest):]
	}
	w.n += len(p)
	return len(p), nil
}

func (w *benchWriter) reset() {
	clear(w.header)
	w.code, w.n = 0, 0
}

// BenchmarkServe5000 is the handler's cost per poll of a 5,000-event feed, beside its limit in the same run: one
// w.Write of the cached bytes. Its sub-benchmarks run in turn, so with -count N they alternate round by round.
//
//   - limit: one w.Write of the body, nothing else.
//   - 200: a full answer of unchanged data (token lookup, version, headers, the write).
//   - 304: a revalidation with the ETag.
//   - 200-after-change: one hearing changed and the version with it, then a full answer: the rendering from
//     pieces, the ETag and the write.
//   - 200-gzip-after-change: the same, to a client that accepts gzip, which compresses the new body once.
func BenchmarkServe5000(b *testing.B) {
	token, err := NewToken()
	if err != nil {
		b.Fatal(err)
	}
	src := &benchSource{hash: HashToken(token), hs: benchHearings(b, 5000)}
	h := NewHandler(src)
	now := time.Date(2026, 2, 15, 12, 0, 0, 0, time.UTC)
	h.Now = func() time.Time { return now }
	path := PathPrefix + token + ".ics"
	req := func(header ...string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://bench.example"+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return r
	}
	w := &benchWriter{header: http.Header{}}
	h.ServeHTTP(w, req())
	if w.code != http.StatusOK {
		b.Fatalf("status %d", w.code)
	}
	etag := w.header.Get("ETag")
	h.mu.Lock()
	var body []byte
	for _, p := range h.cache[Feed{Scope: "org", Detail: DetailFull}.cacheKey()].parts {
		body = append(body, p...)
	}
	h.mu.Unlock()

	serve := func(b *testing.B, r *http.Request, want int, before func(i int)) {
		i := 0
		for b.Loop() {
			if before != nil {
				before(i)
			}
			i++
			w.reset()
			h.ServeHTTP(w, r)
			if w.code != want {
				b.Fatalf("status %d, want %d", w.code, want)
			}
		}
	}
	bump := func(i int) {
		src.mu.Lock()
		change(src.hs, i*7919)
		src.tag++
		src.mu.Unlock()
	}
	b.Run("limit", func(b *testing.B) {
		for b.Loop() {
			w.reset()
			w.Write(body) //nolint:errcheck // the bench writer never fails
		}
	})
	b.Run("200", func(b *testing.B) { serve(b, req(), http.StatusOK, nil) })
	b.Run("304", func(b *testing.B) { serve(b, req("If-None-Match", etag), http.StatusNotModified, nil) })
	b.Run("200-after-change", func(b *testing.B) { serve(b, req(), http.StatusOK, bump) })
	b.Run("200-gzip-after-change", func(b *testing.B) {
		serve(b, req("Accept-Encoding", "gzip"), http.StatusOK, bump)
	})
}

// BenchmarkPollSQLite is a revalidating poll through the Service over a real SQLite store, beside the token lookup
// alone: what is left of a 304 once the feed is rendered.
func BenchmarkPollSQLite(b *testing.B) {
	db := storetest.OpenSQLite(b)
	ctx := context.Background()
	token, err := NewToken()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateFeedToken(ctx, HashToken(token), "org", "bench"); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 2, 15, 12, 0, 0, 0, time.UTC)
	svc := NewService(db, func() Settings { return Settings{OrgName: "Bench"} }, func() time.Time { return now })
	h := svc.Handler()
	r, _ := http.NewRequest(http.MethodGet, "http://bench.example"+PathPrefix+token+".ics", nil)
	w := &benchWriter{header: http.Header{}}
	h.ServeHTTP(w, r)
	if w.code != http.StatusOK {
		b.Fatalf("status %d", w.code)
	}
	r.Header.Set("If-None-Match", w.header.Get("ETag"))
	hash := HashToken(token)
	b.Run("token-lookup", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.FeedTokenByHash(ctx, hash); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("304", func(b *testing.B) {
		for b.Loop() {
			w.reset()
			h.ServeHTTP(w, r)
			if w.code != http.StatusNotModified {
				b.Fatalf("status %d", w.code)
			}
		}
	})
}

// BenchmarkServiceCalendarSQLite5000 is what a rendering needs before it renders: the Service loading a 5,000-hearing
// org feed from a real SQLite file (hearings, then each hearing's outbox rows), beside the assembly from pieces
// after one change, measured in the same run.
func BenchmarkServiceCalendarSQLite5000(b *testing.B) {
	f := newStoreFeed(b, 5000)
	ctx := context.Background()
	cal, err := f.svc.Calendar(ctx, Feed{Scope: "org"}, f.now)
	if err != nil || len(cal.Hearings) != 5000 {
		b.Fatalf("%d hearings, %v", len(cal.Hearings), err)
	}
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.svc.Calendar(ctx, Feed{Scope: "org"}, f.now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("assemble-after-one-change", func(b *testing.B) {
		pc := newPieceCache(0)
		if _, err := pc.render("org", cal); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			change(cal.Hearings, i*7919)
			i++
			if _, err := pc.render("org", cal); err != nil {
				b.Fatal(err)
			}
		}
	})
}
