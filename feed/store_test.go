package feed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/store/storetest"
	"github.com/emersion/go-ical"
)

// storeFeed is the Service over a real SQLite file, serving org and attorney feeds of n hearings, every other one
// with a client and counsel, four a day.
type storeFeed struct {
	db      *store.DB
	svc     *Service
	h       *Handler
	srv     *httptest.Server
	now     time.Time
	clients []docket.Client
	atts    []docket.Attorney
	recs    []docket.HearingRecord
}

func newStoreFeed(t testing.TB, n int) *storeFeed {
	f := &storeFeed{db: storetest.OpenSQLite(t), now: time.Date(2027, 3, 1, 15, 0, 0, 0, time.UTC)}
	attID := "lucia"
	f.atts = []docket.Attorney{{ID: attID, Name: "Lucía Fernández", Email: "lucia@example.org", Phone: "+12145550100", Active: true}}
	chicago := mustLoc(t, "America/Chicago")
	for i := range n {
		a := docket.ANumber(fmt.Sprintf("2015%05d", i))
		if i%2 == 0 {
			f.clients = append(f.clients, docket.Client{ID: fmt.Sprint("c", i), Name: fmt.Sprintf("Cliente Número %d", i),
				ANumber: a, Phone: "+12145550142", Language: "es", AttorneyID: &attID, Active: true, Origin: "config"})
		}
		f.recs = append(f.recs, docket.HearingRecord{Key: fmt.Sprint("k", i), ANumber: a,
			Start: time.Date(2027, 3, 2+i/4, 8+i%4, 30, 0, 0, chicago), Zone: "America/Chicago", CourtCode: "DAL",
			Type: docket.TypeMaster, TypeCode: "MR", Medium: docket.MediumInPerson, MediumCode: "P",
			Judge: "Hon. Begoña Ibáñez Muñoz", Address: "1100 Commerce Street|Dallas, TX 75242"})
	}
	f.people(t)
	f.sync(t)
	f.svc = NewService(f.db, func() Settings {
		return Settings{OrgName: "Legal Aid", Deadlines: true, KeepPast: 24 * time.Hour, KeepCancelled: 30 * 24 * time.Hour}
	}, func() time.Time { return f.now })
	f.h = f.svc.Handler()
	f.h.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *storeFeed) people(t testing.TB) {
	t.Helper()
	if err := f.db.ReplacePeople(context.Background(), f.atts, f.clients); err != nil {
		t.Fatal(err)
	}
}

func (f *storeFeed) sync(t testing.TB) {
	t.Helper()
	s, err := f.db.BeginSync(context.Background(), docket.SyncOptions{Source: "eoir", Now: f.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(f.recs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Finish(); err != nil {
		t.Fatal(err)
	}
}

// grant makes a token for scope and returns its URL.
func (f *storeFeed) grant(t *testing.T, scope string) string {
	t.Helper()
	token, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.CreateFeedToken(context.Background(), HashToken(token), scope, "test"); err != nil {
		t.Fatal(err)
	}
	return f.srv.URL + PathPrefix + token + ".ics"
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: %d, %v", resp.StatusCode, err)
	}
	return body
}

// fresh is Render of what the Service loads for scope now: what the handler served before it kept pieces.
func (f *storeFeed) fresh(t *testing.T, scope string) []byte {
	t.Helper()
	cal, err := f.svc.Calendar(context.Background(), Feed{Scope: scope}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	return render(t, cal)
}

// Changes made in a real store (a hearing moved, another cancelled, a client renamed, another's language, a
// hearing gone) each reach the feeds at once, the served feed is Render's bytes, it parses, and the org feed's
// events are only those of the hearings it still shows.
func TestServiceOverSQLiteServesRenderBytes(t *testing.T) {
	f := newStoreFeed(t, 24)
	urls := map[string]string{"org": f.grant(t, "org"), "attorney:lucia": f.grant(t, "attorney:lucia")}
	check := func(step string) []byte {
		t.Helper()
		var org []byte
		for scope, url := range urls {
			got, want := get(t, url), f.fresh(t, scope)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: the %s feed served differs from a fresh rendering", step, scope)
			}
			checkWellFormed(t, got)
			if scope == "org" {
				org = got
			}
		}
		return org
	}
	check("first")
	steps := []struct {
		name string
		edit func()
		see  func(cal *ical.Calendar) bool
	}{
		{"moved", func() { f.recs[10].Start = f.recs[10].Start.Add(2 * time.Hour) }, func(cal *ical.Calendar) bool {
			ev := eventByUID(t, cal, UID(docket.Identity("eoir", "k10")))
			start, err := ev.DateTimeStart(nil)
			return err == nil && start.Equal(f.recs[10].Start)
		}},
		{"cancelled", func() { f.recs[11].Status = docket.StatusCancelled }, func(cal *ical.Calendar) bool {
			s, _ := eventByUID(t, cal, UID(docket.Identity("eoir", "k11"))).Props.Text(ical.PropStatus)
			return s == "CANCELLED"
		}},
		{"renamed", func() { f.clients[6].Name = "Cliente Renombrado" }, func(cal *ical.Calendar) bool {
			s, _ := eventByUID(t, cal, UID(docket.Identity("eoir", "k12"))).Props.Text(ical.PropSummary)
			return bytes.Contains([]byte(s), []byte("Cliente Renombrado"))
		}},
		{"language", func() { f.clients[7].Language = "pt" }, func(cal *ical.Calendar) bool {
			s, _ := eventByUID(t, cal, UID(docket.Identity("eoir", "k14"))).Props.Text(ical.PropDescription)
			return bytes.Contains([]byte(s), []byte("Portuguese"))
		}},
		{"aged out", func() { f.now = time.Date(2027, 3, 4, 12, 0, 0, 0, time.UTC) }, func(cal *ical.Calendar) bool {
			for _, ev := range cal.Events() {
				if uid, _ := ev.Props.Text(ical.PropUID); uid == UID(docket.Identity("eoir", "k0")) {
					return false
				}
			}
			return true
		}},
	}
	for _, st := range steps {
		st.edit()
		f.now = f.now.Add(time.Minute)
		f.people(t)
		f.sync(t)
		f.svc.Bump()
		org := check(st.name)
		if !st.see(mustDecode(t, org)) {
			t.Errorf("%s: the org feed does not show the change", st.name)
		}
		n, _ := f.h.pieces.len()
		// Hearing events of two feeds (org and counsel's render the same hearings with different people filters,
		// but equal events are kept once): never more than both feeds show.
		if limit := 2 * len(f.recs); n > limit {
			t.Errorf("%s: %d events kept, more than the %d the feeds show", st.name, n, limit)
		}
	}
}

func eventByUID(t *testing.T, cal *ical.Calendar, uid string) ical.Event {
	t.Helper()
	for _, ev := range cal.Events() {
		if u, _ := ev.Props.Text(ical.PropUID); u == uid {
			return ev
		}
	}
	t.Fatalf("no event %s", uid)
	return ical.Event{}
}
