package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/feed"
)

// Feed serving is timed in rounds that alternate the handler and the static baseline, keeping each side's best
// round, so that a neighbour's burst on the shared machine does not land on one side only.
const (
	feedRounds = 3
	// renderRuns is how many times the feed is rendered; the median is reported.
	renderRuns = 7
)

// runFeed measures rendering an o.Events-event feed, and serving it through feed.Handler against
// http.ServeContent serving the same bytes, for full answers (200) and revalidations (304).
func runFeed(ctx context.Context, o *options) (metrics, error) {
	cal := benchCalendar(o.Events, time.Now())
	var times []float64
	var body []byte
	for range renderRuns {
		var buf bytes.Buffer
		start := time.Now()
		if err := feed.Render(&buf, cal); err != nil {
			return nil, err
		}
		times = append(times, time.Since(start).Seconds())
		body = buf.Bytes()
	}
	slices.Sort(times)
	m := metrics{"render_seconds": times[len(times)/2], "bytes": float64(len(body))}

	token, err := feed.NewToken()
	if err != nil {
		return nil, err
	}
	h := feed.NewHandler(&calendarSource{hash: feed.HashToken(token), cal: cal})
	h.Logger = discardLog()
	path := feed.PathPrefix + token + ".ics"
	first := serve(h, path, "")
	if first.code != http.StatusOK {
		return nil, fmt.Errorf("feed handler answered %d", first.code)
	}
	etag := first.header.Get("ETag")
	modified := cal.Modified
	static := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Cache-Control", "private, no-cache")
		http.ServeContent(w, r, "feed.ics", modified, bytes.NewReader(first.body))
	})
	if got := serve(static, path, etag).code; got != http.StatusNotModified {
		return nil, fmt.Errorf("static baseline answered %d to a matching If-None-Match, want 304", got)
	}
	if got := serve(h, path, etag).code; got != http.StatusNotModified {
		return nil, fmt.Errorf("feed handler answered %d to a matching If-None-Match, want 304", got)
	}
	for _, c := range []struct {
		name string
		etag string
	}{{"200", ""}, {"304", etag}} {
		var best [2]float64
		for range feedRounds {
			for i, hd := range []http.Handler{h, static} {
				if r := rate(hd, path, c.etag, o.FeedRound); r > best[i] {
					best[i] = r
				}
			}
		}
		m["handler_"+c.name], m["static_"+c.name] = best[0], best[1]
	}
	return m, nil
}

// rate answers GET path for d and returns the requests per second.
func rate(h http.Handler, path, etag string, d time.Duration) float64 {
	start := time.Now()
	n := 0
	for time.Since(start) < d {
		serveTo(&sink{header: http.Header{}}, h, path, etag)
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}

// serve runs one GET through h, with If-None-Match when etag is set, and keeps what a client would read.
func serve(h http.Handler, path, etag string) *sink {
	return serveTo(&sink{header: http.Header{}, keep: true}, h, path, etag)
}

func serveTo(w *sink, h http.Handler, path, etag string) *sink {
	r, _ := http.NewRequest(http.MethodGet, "http://bench.example"+path, nil)
	if etag != "" {
		r.Header.Set("If-None-Match", etag)
	}
	h.ServeHTTP(w, r)
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w
}

// sink is an http.ResponseWriter standing in for a connection: it copies every byte once, into a reused buffer, as
// a socket write copies into the kernel, and keeps the body only when asked. Both sides write to the same sink, so
// the figures compare the handlers, not the network.
type sink struct {
	header http.Header
	code   int
	keep   bool
	body   []byte
	n      int
}

// wire is the buffer sinks copy into; the benchmark is single-threaded.
var wire = make([]byte, 64<<10)

func (s *sink) Header() http.Header { return s.header }

func (s *sink) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
}

func (s *sink) Write(p []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	if s.keep {
		s.body = append(s.body, p...)
	}
	for rest := p; len(rest) > 0; {
		rest = rest[copy(wire, rest):]
	}
	s.n += len(p)
	return len(p), nil
}

// calendarSource is a feed.Source holding one calendar in memory: the serving figures measure the handler, not a
// database.
type calendarSource struct {
	hash []byte
	cal  feed.Calendar
}

func (s *calendarSource) FeedByTokenHash(_ context.Context, hash []byte) (feed.Feed, error) {
	if !bytes.Equal(hash, s.hash) {
		return feed.Feed{}, feed.ErrUnknownFeed
	}
	return feed.Feed{ID: "1", TokenHash: s.hash, Scope: "org", Detail: feed.DetailFull}, nil
}

func (s *calendarSource) Version(context.Context, string) (feed.Version, error) {
	return feed.Version{Tag: "1", Modified: s.cal.Modified}, nil
}

func (s *calendarSource) Calendar(context.Context, feed.Feed, time.Time) (feed.Calendar, error) {
	return s.cal, nil
}

func (s *calendarSource) Touch(context.Context, string, time.Time) error { return nil }

// benchCalendar is an office's feed of n hearings over the coming year, at several courts and zones, with
// clients, counsel and reminders, as the full detail level shows them.
func benchCalendar(n int, now time.Time) feed.Calendar {
	rng := rand.New(rand.NewPCG(syntheticSeed, 2))
	courts := []struct {
		code, zone, name string
	}{{"DAL", "America/Chicago", "Dallas Immigration Court"}, {"ELP", "America/Denver", "El Paso Immigration Court"},
		{"PHO", "America/Phoenix", "Phoenix Immigration Court"}, {"NYC", "America/New_York", "New York Immigration Court"},
		{"LOS", "America/Los_Angeles", "Los Angeles Immigration Court"}}
	types := []docket.HearingType{docket.TypeMaster, docket.TypeMaster, docket.TypeIndividual, docket.TypeBond}
	media := []docket.Medium{docket.MediumInPerson, docket.MediumInPerson, docket.MediumVideo, docket.MediumInternet}
	cal := feed.Calendar{Options: feed.Options{Detail: feed.DetailFull},
		Name: "Bench Legal Aid — all hearings", Modified: now.Add(-time.Hour).UTC().Truncate(time.Second)}
	for i := range n {
		c := courts[rng.IntN(len(courts))]
		loc, _ := time.LoadLocation(c.zone)
		day := now.In(loc).AddDate(0, 0, 1+rng.IntN(365))
		minutes := 8*60 + 15*rng.IntN(33)
		start := time.Date(day.Year(), day.Month(), day.Day(), minutes/60, minutes%60, 0, 0, loc)
		status := docket.StatusScheduled
		if i%50 == 0 {
			status = docket.StatusCancelled
		}
		cal.Hearings = append(cal.Hearings, feed.Hearing{
			ID: fmt.Sprint(i + 1), Sequence: rng.IntN(3), Updated: now.Add(-time.Duration(rng.IntN(1000)) * time.Hour),
			Start: start, Type: types[rng.IntN(len(types))], TypeCode: "M", Medium: media[rng.IntN(len(media))],
			MediumCode: "P", Status: status, Judge: "Example, Judge", WebEx: "https://eoir.webex.com/meet/IJ.Example",
			Court: feed.Court{Code: c.code, Name: c.name, Address: "1100 Commerce St|Suite 1060|Dallas, TX 75242",
				Phone: "+12147675000"},
			Clients: []feed.Client{{Name: fmt.Sprintf("Cliente Número %d Pérez", i), ANumber: aNumber(i),
				Phone: phone(i), Language: "Spanish"}},
			Counsel: "Lucía Fernández", CounselPhone: "+12145550111",
			Reminders: []feed.Reminder{{Channel: "sms", To: "client", Due: start.AddDate(0, 0, -7), State: "sent"},
				{Channel: "sms", To: "client", Due: start.AddDate(0, 0, -1), State: "pending"}},
		})
	}
	return cal
}
