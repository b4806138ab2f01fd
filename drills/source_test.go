package drills

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/source"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/store/storetest"
)

// sourceDrill holds a store and runs one source against it.
type sourceDrill struct {
	db   *store.DB
	sync *ingest.Syncer
	now  time.Time
}

func newSourceDrill(t *testing.T, now time.Time) (*sourceDrill, *store.CourtZones) {
	t.Helper()
	db := storetest.Open(t)
	zones, err := db.Zones(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := &sourceDrill{db: db, now: now}
	d.sync = &ingest.Syncer{DB: db, Now: func() time.Time { return d.now }, Log: discard()}
	return d, zones
}

// snapshot lists the source's hearings as "key status start".
func (d *sourceDrill) snapshot(t *testing.T, src string) []string {
	t.Helper()
	hs, err := d.db.Hearings(context.Background(), docket.HearingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hs {
		if h.Source == src {
			out = append(out, fmt.Sprintf("%s %s %s", h.SourceKey, h.Status, h.Start.UTC().Format(time.RFC3339)))
		}
	}
	return out
}

func (d *sourceDrill) lastRun(t *testing.T, src string) docket.SyncRun {
	t.Helper()
	runs, err := d.db.LastSyncRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Source == src {
			return r
		}
	}
	t.Fatalf("no sync run recorded for %s", src)
	return docket.SyncRun{}
}

// breakage is one way a source goes wrong, and whether the run must fail (a malformed record only rejects itself).
type breakage struct {
	name     string
	apply    func()
	mustFail bool
}

// run syncs spec with a good source, then with each breakage five days later (past grace, so a misread would cancel
// hearings), and checks each time that nothing changed and the run is recorded; then once more with the good source.
func (d *sourceDrill) run(t *testing.T, spec ingest.SourceSpec, good func(), breakages []breakage) {
	t.Helper()
	ctx := context.Background()
	good()
	rep, err := d.sync.Run(ctx, spec, false, nil)
	if err != nil || rep.Created == 0 {
		t.Fatalf("first sync: %v (%s)", err, rep)
	}
	want := d.snapshot(t, spec.Name)
	base := d.now
	for _, b := range breakages {
		t.Run(b.name, func(t *testing.T) {
			d.now = base.Add(5 * 24 * time.Hour)
			b.apply()
			start := time.Now()
			rep, err := d.sync.Run(ctx, spec, false, nil)
			took := time.Since(start)
			got := d.snapshot(t, spec.Name)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("hearings changed:\ngot  %v\nwant %v", got, want)
			}
			if rep.Cancelled != 0 {
				t.Errorf("%d hearings cancelled", rep.Cancelled)
			}
			run := d.lastRun(t, spec.Name)
			t.Logf("%s in %v; recorded error %q, rejected %d", rep, took.Round(time.Millisecond), run.Error, run.Rejected)
			switch {
			case b.mustFail && rep.Holding():
				// The mass-change guard held what the broken file would move or cancel: the office is told, and
				// status shows the source as HELD.
			case b.mustFail && (err == nil || run.Error == ""):
				t.Errorf("run not recorded as failed nor held: err %v, recorded %q", err, run.Error)
			case !b.mustFail && err == nil && run.Rejected == 0:
				t.Errorf("bad record neither failed the run nor was rejected")
			}
			if took > 30*time.Second {
				t.Errorf("a broken source held the run for %v", took)
			}
		})
	}
	d.now = base.Add(6 * 24 * time.Hour)
	good()
	rep, err = d.sync.Run(ctx, spec, false, nil)
	if err != nil {
		t.Fatalf("sync after recovery: %v", err)
	}
	if got, want := rep.Unchanged, len(want); got != want {
		t.Errorf("after recovery: %d unchanged, want %d (%s)", got, want, rep)
	}
}

// TestBrokenSources feeds each source kind garbage, half a file, nothing, or no answer at all: no hearing is
// cancelled, the last good data stays, and the run is recorded as failed with the reason, or held by the guard.
func TestBrokenSources(t *testing.T) {
	needDrills(t)
	now := time.Date(2027, 1, 4, 15, 0, 0, 0, time.UTC)
	chicago, _ := time.LoadLocation("America/Chicago")

	t.Run("csv", func(t *testing.T) {
		d, zones := newSourceDrill(t, now)
		path := filepath.Join(t.TempDir(), "docket.csv")
		var good strings.Builder
		good.WriteString("key,a_number,date,time,court,type,medium\n")
		for i := range 40 {
			day := now.AddDate(0, 1, 0).Add(time.Duration(i%20) * 24 * time.Hour)
			fmt.Fprintf(&good, "EV%04d,A2%02d-555-%03d,%s,%02d:30,DAL,Master Calendar,In Person\n", i, i%100, i,
				day.Format("2006-01-02"), 8+i%8)
		}
		write := func(b []byte) func() {
			return func() {
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		g := []byte(good.String())
		garbage := make([]byte, 4096)
		for i := range garbage {
			garbage[i] = byte(i*7919%251) ^ 0x5a
		}
		spec := ingest.SourceSpec{Name: "office-export", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2,
			Reader: &source.CSV{Path: path, Zoner: zones}}
		d.run(t, spec, write(g), []breakage{
			{"garbage", write(garbage), true},
			{"half a file", write(g[:len(g)/2]), true},
			{"half a file at a line end", write(g[:strings.LastIndexByte(string(g[:len(g)/2]), '\n')+1]), true},
			{"empty", write(nil), true},
			{"header only", write(g[:strings.IndexByte(string(g), '\n')+1]), true},
			{"missing", func() { os.Remove(path) }, true},
		})
	})

	t.Run("ics", func(t *testing.T) {
		d, zones := newSourceDrill(t, now)
		var mode atomic.Value
		var cal strings.Builder
		cal.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Drill//EN\r\n")
		for i := range 30 {
			day := now.AddDate(0, 1, 0).Add(time.Duration(i%15) * 24 * time.Hour)
			fmt.Fprintf(&cal, "BEGIN:VEVENT\r\nUID:drill-%d@office\r\nDTSTAMP:20270101T000000Z\r\n"+
				"DTSTART;TZID=America/Chicago:%sT0%d3000\r\nSUMMARY:Master hearing A2%02d-555-%03d\r\nEND:VEVENT\r\n",
				i, day.Format("20060102"), 8+i%2, i, i)
		}
		cal.WriteString("END:VCALENDAR\r\n")
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch mode.Load().(string) {
			case "good":
				w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
				fmt.Fprint(w, cal.String())
			case "garbage":
				w.Header().Set("Content-Type", "text/calendar")
				fmt.Fprint(w, "\x00\x01garbage<html>not a calendar")
			case "half":
				w.Header().Set("Content-Type", "text/calendar")
				fmt.Fprint(w, cal.String()[:cal.Len()/2])
			case "empty":
				w.Header().Set("Content-Type", "text/calendar")
			case "500":
				http.Error(w, "upstream broke", http.StatusInternalServerError)
			case "hang":
				<-r.Context().Done()
			}
		}))
		t.Cleanup(srv.Close)
		refused := closedURL(t)
		reader := &source.ICS{Path: srv.URL + "/office.ics", Court: "DAL", Zoner: zones, DefaultZone: chicago,
			HTTPClient: &http.Client{Timeout: time.Second}}
		spec := ingest.SourceSpec{Name: "office-calendar", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2,
			Reader: reader}
		set := func(m string) func() {
			return func() { mode.Store(m); reader.Path = srv.URL + "/office.ics" }
		}
		d.run(t, spec, set("good"), []breakage{
			{"garbage", set("garbage"), true},
			{"half a calendar", set("half"), true},
			{"empty answer", set("empty"), true},
			{"server error", set("500"), true},
			{"hangs", set("hang"), true},
			{"refuses connections", func() { reader.Path = refused + "/office.ics" }, true},
		})
	})

	t.Run("acis", func(t *testing.T) {
		d, zones := newSourceDrill(t, now)
		sample, err := os.ReadFile(filepath.Join(repoRoot(t), "source", "testdata", "acis_getcaseinfo_sample.json"))
		if err != nil {
			t.Fatal(err)
		}
		var mode atomic.Value
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch mode.Load().(string) {
			case "good":
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"a_number": "201555123",
					"nationality":  map[string]string{"code": "MX", "name": "Mexico"},
					"retrieved_at": "2027-01-04T15:00:00Z", "cached": false, "acis": json.RawMessage(sample)})
			case "garbage":
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"a_number": "201555123", "acis": {"Data": [garbage`)
			case "502":
				http.Error(w, `{"detail":"ACIS upstream error"}`, http.StatusBadGateway)
			case "hang":
				<-r.Context().Done()
			}
		}))
		t.Cleanup(srv.Close)
		refused := closedURL(t)
		reader := &source.ACIS{URL: srv.URL, APIKey: "k", Zoner: zones, Rate: 100,
			Cases:      []source.ACISCase{{ANumber: "201555123", Nationality: "MX"}},
			HTTPClient: &http.Client{Timeout: time.Second}}
		spec := ingest.SourceSpec{Name: "acis", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2,
			Reader: reader}
		set := func(m string) func() {
			return func() { mode.Store(m); reader.URL = srv.URL }
		}
		d.run(t, spec, set("good"), []breakage{
			// A malformed answer fails that case, not the run (SPEC §9); its hearing is protected.
			{"garbage answer", set("garbage"), false},
			{"upstream 502", set("502"), false},
			{"hangs", set("hang"), true},
			{"refuses connections", func() { reader.URL = refused }, true},
		})
	})
}

// closedURL returns an http URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
