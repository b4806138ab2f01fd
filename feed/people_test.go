package feed

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/emersion/go-ical"
)

// The people and numbers below are made up. The 2027 change to daylight time is on Sunday 14 March: a hearing on
// Tuesday 9 March is at 9:00 CST (8:00 MST in El Paso), one on Tuesday 16 March at 9:00 CDT (8:00 MDT in El Paso,
// and 7:00 MST in Phoenix, which keeps standard time).
func peopleHearings(t testing.TB) (mario, ana Client, family []Client, hs map[string]Hearing) {
	chicago, denver, phoenix := mustLoc(t, "America/Chicago"), mustLoc(t, "America/Denver"), mustLoc(t, "America/Phoenix")
	dallas := courtDallas
	dallas.Place = "Dallas"
	rosa := Client{Name: "Rosa Elena Castillo Ibarra", ANumber: "201555301", Phone: "+1 915-555-0131",
		Language: "Spanish", Home: denver, City: "El Paso"}
	mario = Client{Name: "Mario Ruiz Treviño", ANumber: "201555310", Phone: "+1 915-555-0140", Language: "Spanish",
		Home: denver, City: "El Paso", Detained: true, Contact: "Rosa Ruiz, +1 915-555-0141"}
	family = []Client{rosa,
		{Name: "José Castillo Ibarra", ANumber: "201555302", Phone: rosa.Phone, Language: "Spanish", Home: denver, City: "El Paso"},
		{Name: "Daniela Castillo Ibarra", ANumber: "201555303", Phone: rosa.Phone, Language: "Spanish", Home: denver, City: "El Paso"},
		{Name: "Mateo Castillo Ibarra", ANumber: "201555304", Phone: rosa.Phone, Language: "Spanish", Home: denver, City: "El Paso"},
	}
	base := Hearing{Updated: time.Date(2027, 2, 1, 15, 0, 0, 0, time.UTC), Type: docket.TypeMaster,
		Status: docket.StatusScheduled, Judge: "Hon. Begoña Ibáñez Muñoz", WebEx: "https://eoir.webex.com/meet/IJ.Ibanez",
		Court: dallas, Counsel: "Laura Medina", CounselPhone: "(214) 555-0142"}
	at := func(id string, start time.Time, m docket.Medium, clients ...Client) Hearing {
		h := base
		h.ID, h.Start, h.Medium, h.Clients = id, start, m, clients
		return h
	}
	before := time.Date(2027, 3, 9, 9, 0, 0, 0, chicago)
	after := time.Date(2027, 3, 16, 9, 0, 0, 0, chicago)
	phx := rosa
	phx.Name, phx.ANumber, phx.Home, phx.City = "Ana Tzoc", "201555320", phoenix, "Phoenix"
	return mario, phx, family, map[string]Hearing{
		"in person":         at("p1", after, docket.MediumInPerson, rosa),
		"online":            at("w1", after, docket.MediumInternet, rosa),
		"online, before":    at("w0", before, docket.MediumInternet, rosa),
		"telephone":         at("t1", after, docket.MediumTelephone, rosa),
		"video":             at("v1", after, docket.MediumVideo, rosa),
		"phoenix, before":   at("x0", before, docket.MediumInternet, phx),
		"phoenix, after":    at("x1", after, docket.MediumInternet, phx),
		"detained online":   at("d1", after, docket.MediumInternet, mario),
		"family online":     at("f1", after, docket.MediumInternet, family...),
		"family, one held":  at("f2", after, docket.MediumInPerson, append([]Client{mario}, family[1:]...)...),
		"family, all held":  at("f3", after, docket.MediumInPerson, held(family)...),
		"family, two zones": at("f4", after, docket.MediumInternet, family[0], phx),
	}
}

func held(cs []Client) []Client {
	out := make([]Client, len(cs))
	for i, c := range cs {
		c.Detained = true
		out[i] = c
	}
	return out
}

// event renders one hearing in a feed and decodes it with go-ical.
func event(t *testing.T, h Hearing, detail Detail) (summary, location, description string, raw []byte) {
	t.Helper()
	raw = render(t, Calendar{Options: Options{Detail: detail}, Name: "test", Hearings: []Hearing{h}})
	checkWellFormed(t, raw)
	evs := mustDecode(t, raw).Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	ev := evs[0]
	start, err := ev.DateTimeStart(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !start.Equal(h.Start) || start.Location().String() != h.Start.Location().String() {
		t.Errorf("DTSTART %v, want %v in the court's zone", start, h.Start)
	}
	summary, _ = ev.Props.Text(ical.PropSummary)
	location, _ = ev.Props.Text(ical.PropLocation)
	description, _ = ev.Props.Text(ical.PropDescription)
	return summary, location, description, raw
}

func reader(c Client) *Client { return &c }

func TestRenderTellsEachReaderTheirClock(t *testing.T) {
	mario, ana, family, hs := peopleHearings(t)
	rosa := family[0]
	for _, tt := range []struct {
		name   string
		h      string
		reader *Client // nil: counsel's feed
		detail Detail
		want   []string // in SUMMARY, LOCATION or DESCRIPTION
		not    []string
	}{
		{"in person: no link anywhere", "in person", nil, DetailFull,
			[]string{"LOCATION:Dallas Immigration Court, 1100 Commerce Street", "When: Tue 16 Mar 2027, 9:00 AM CDT (court time)\n",
				"Medium: In person"},
			[]string{"webex", "joins", "Join at"}},
		{"in person in the client's feed: court time only", "in person", reader(rosa), DetailFull,
			[]string{"When: Tue 16 Mar 2027, 9:00 AM CDT (court time)\n"},
			[]string{"webex", "Join at", "El Paso"}},
		{"online: the link", "online", nil, DetailFull,
			[]string{"LOCATION:https://eoir.webex.com/meet/IJ.Ibanez", "WebEx: https://eoir.webex.com/meet/IJ.Ibanez\n",
				"SUMMARY:Master calendar hearing (WebEx): "},
			[]string{"1100 Commerce"}},
		{"the El Paso client's feed after the change", "online", reader(rosa), DetailFull,
			[]string{"When: Tue 16 Mar 2027, 9:00 AM CDT (court time, Dallas)\nJoin at: 8:00 AM El Paso time (9:00 AM in Dallas)\n",
				"WebEx: https://eoir.webex.com/meet/IJ.Ibanez"},
			[]string{"detained", "the client joins"}},
		{"the El Paso client's feed before the change", "online, before", reader(rosa), DetailFull,
			[]string{"When: Tue 9 Mar 2027, 9:00 AM CST (court time, Dallas)\nJoin at: 8:00 AM El Paso time (9:00 AM in Dallas)\n"},
			nil},
		{"counsel's feed of the El Paso client", "online", nil, DetailFull,
			[]string{"When: Tue 16 Mar 2027, 9:00 AM CDT Dallas time (the client joins at 8:00 AM MDT, El Paso time)\n"},
			[]string{"Join at", "detained"}},
		{"counsel's feed before the change", "online, before", nil, DetailInitials,
			[]string{"When: Tue 9 Mar 2027, 9:00 AM CST Dallas time (the client joins at 8:00 AM MST, El Paso time)\n"},
			[]string{"Rosa"}},
		{"a telephone hearing is joined from home", "telephone", reader(rosa), DetailFull,
			[]string{"Join at: 8:00 AM El Paso time (9:00 AM in Dallas)", "LOCATION:By telephone (Dallas Immigration Court)\n"},
			[]string{"webex", "Commerce"}},
		{"a video hearing is joined at a court", "video", reader(rosa), DetailFull,
			[]string{"When: Tue 16 Mar 2027, 9:00 AM CDT (court time)\n"},
			[]string{"Join at", "webex"}},
		{"Phoenix is one hour behind Dallas in winter", "phoenix, before", reader(ana), DetailFull,
			[]string{"When: Tue 9 Mar 2027, 9:00 AM CST (court time, Dallas)\nJoin at: 8:00 AM Phoenix time (9:00 AM in Dallas)\n"},
			nil},
		{"and two in summer time", "phoenix, after", nil, DetailFull,
			[]string{"9:00 AM CDT Dallas time (the client joins at 7:00 AM MST, Phoenix time)"}, nil},
		{"a detained client in counsel's feed", "detained online", nil, DetailFull,
			[]string{"SUMMARY:Master calendar hearing (WebEx): Mario Ruiz Treviño (detained) – DAL",
				"- Mario Ruiz Treviño · A201-555-310 · +1 915-555-0140 · Spanish · Client detained: do not expect the client to travel; the client's contact: Rosa Ruiz, +1 915-555-0141\n",
				"When: Tue 16 Mar 2027, 9:00 AM CDT (court time)\n"},
			[]string{"joins"}},
		{"at initials, no contact", "detained online", nil, DetailInitials,
			[]string{"SUMMARY:Master calendar hearing (WebEx): M.R.T. (detained) – DAL",
				"- M.R.T. · Spanish · Client detained: do not expect the client to travel\n"},
			[]string{"Rosa Ruiz", "0141", "Mario"}},
		{"busy says nothing of custody", "detained online", nil, DetailBusy,
			[]string{"SUMMARY:Court hearing"}, []string{"detained", "Mario", "M.R.T."}},
		{"a detained client's own feed: court time, no custody note", "detained online", reader(mario), DetailFull,
			[]string{"When: Tue 16 Mar 2027, 9:00 AM CDT (court time)\n", "SUMMARY:Master calendar hearing (WebEx): Mario Ruiz Treviño – DAL"},
			[]string{"detained", "Join at"}},
		{"a family of four online, counsel's feed", "family online", nil, DetailFull,
			[]string{"SUMMARY:Master calendar hearing (WebEx): Rosa Elena Castillo Ibarra +3 – DAL",
				"When: Tue 16 Mar 2027, 9:00 AM CDT Dallas time (the client joins at 8:00 AM MDT, El Paso time)\n",
				"- Mateo Castillo Ibarra · A201-555-304 · +1 915-555-0131 · Spanish\n"},
			[]string{"detained", "Join at"}},
		{"the family's feed", "family online", reader(family[1]), DetailFull,
			[]string{"Join at: 8:00 AM El Paso time (9:00 AM in Dallas)\n", "- José Castillo Ibarra · A201-555-302"},
			nil},
		{"a family with its father held", "family, one held", nil, DetailFull,
			[]string{"SUMMARY:Master calendar hearing: Mario Ruiz Treviño +3 (1 detained) – DAL",
				"- Mario Ruiz Treviño · A201-555-310 · +1 915-555-0140 · Spanish · Client detained",
				"- José Castillo Ibarra · A201-555-302 · +1 915-555-0131 · Spanish\n"},
			[]string{"webex"}},
		{"a family held", "family, all held", nil, DetailFull,
			[]string{"SUMMARY:Master calendar hearing: Rosa Elena Castillo Ibarra +3 (all detained) – DAL"}, nil},
		{"a family held, initials", "family, all held", nil, DetailInitials,
			[]string{"SUMMARY:Master calendar hearing: R.E.C.I. (detained), J.C.I. (detained), D.C.I. (detained), M.C.I. (detained) – DAL"}, nil},
		{"a family over two zones: each client's clock", "family, two zones", nil, DetailFull,
			[]string{"When: Tue 16 Mar 2027, 9:00 AM CDT Dallas time (the client joins at 8:00 AM MDT, El Paso time)\n",
				"- Ana Tzoc · A201-555-320 · +1 915-555-0131 · Spanish · 9:00 AM CDT Dallas time (the client joins at 7:00 AM MST, Phoenix time)\n"},
			nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := hs[tt.h]
			h.Reader = tt.reader
			summary, location, desc, raw := event(t, h, tt.detail)
			text := "SUMMARY:" + summary + "\nLOCATION:" + location + "\n" + desc + "\n"
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(strings.ToLower(text), strings.ToLower(n)) {
					t.Errorf("has %q:\n%s", n, text)
				}
			}
			if !bytes.Contains(raw, []byte("DTSTART;TZID=America/Chicago:")) {
				t.Errorf("DTSTART is not in the court's zone:\n%s", raw)
			}
		})
	}
}

// The feeds of the golden files below are parsed by ical.js in CI, with every other golden feed.
func TestRenderPeopleGolden(t *testing.T) {
	_, _, family, hs := peopleHearings(t)
	client := []Hearing{hs["online"], hs["online, before"], hs["in person"], hs["telephone"]}
	for i := range client {
		client[i].Reader = &family[0]
	}
	counsel := []Hearing{hs["online"], hs["detained online"], hs["family online"], hs["family, one held"], hs["phoenix, after"]}
	for name, cal := range map[string]Calendar{
		"feed-client-remote.ics":   {Name: "Hearings – Rosa Elena Castillo Ibarra", Hearings: client},
		"feed-counsel-custody.ics": {Name: "Hearings – Laura Medina", Hearings: counsel},
	} {
		t.Run(name, func(t *testing.T) {
			got := render(t, cal)
			checkWellFormed(t, got)
			golden(t, name, got)
			if again := render(t, cal); !bytes.Equal(again, got) {
				t.Errorf("a second rendering of the same data differs")
			}
		})
	}
}

// feedStore is the part of the store a feed reads, in memory.
type feedStore struct {
	hearings []docket.Hearing
}

func (s *feedStore) FeedTokenByHash(context.Context, []byte) (docket.FeedToken, error) {
	return docket.FeedToken{}, docket.ErrNotFound
}
func (s *feedStore) TouchFeedToken(context.Context, uint, time.Time) error { return nil }
func (s *feedStore) DataVersion(context.Context) (string, time.Time, error) {
	return "1", time.Time{}, nil
}

func (s *feedStore) Hearings(_ context.Context, f docket.HearingFilter) ([]docket.Hearing, error) {
	var out []docket.Hearing
	for _, h := range s.hearings {
		for _, c := range h.Clients {
			if f.ClientID == "" || c.ID == f.ClientID {
				out = append(out, h)
				break
			}
		}
	}
	return out, nil
}

func (s *feedStore) OutboxRows(context.Context, docket.OutboxFilter) ([]docket.Reminder, error) {
	return nil, nil
}
func (s *feedStore) Attorneys(context.Context) ([]docket.Attorney, error) { return nil, nil }
func (s *feedStore) Clients(context.Context) ([]docket.Client, error) {
	var out []docket.Client
	for _, h := range s.hearings {
		out = append(out, h.Clients...)
	}
	return out, nil
}

func (s *feedStore) Court(context.Context, string) (docket.Court, error) {
	return docket.Court{}, docket.ErrNotFound
}

// The service gives the renderer each client's zone (their own, else the office's), city and custody, and the
// client whose feed it is; a client who moves changes the feed's bytes and its Modified time.
func TestServiceReadsTheClientsClock(t *testing.T) {
	ctx := context.Background()
	central, mountain := mustLoc(t, "America/Chicago"), mustLoc(t, "America/Denver")
	changed := time.Date(2027, 2, 1, 15, 0, 0, 0, time.UTC)
	rosa := docket.Client{ID: "rosa", Name: "Rosa Elena Castillo Ibarra", Phone: "+19155550131", Language: "es",
		Zone: "America/Denver", City: "El Paso", Active: true, UpdatedAt: changed}
	mario := docket.Client{ID: "mario", Name: "Mario Ruiz Treviño", Phone: "+19155550140", Language: "es",
		Detained: true, Contact: docket.Proxy{Name: "Rosa Ruiz", Phone: "+19155550141"}, Active: true, UpdatedAt: changed}
	court := docket.Court{Code: "DAL", Name: "Dallas", Address: "1100 Commerce Street, Suite 1060", City: "Dallas",
		State: "TX", Zone: "America/Chicago"}
	st := &feedStore{hearings: []docket.Hearing{
		{ID: 1, Source: "csv", SourceKey: "1", Start: time.Date(2027, 3, 16, 14, 0, 0, 0, time.UTC), Zone: "America/Chicago",
			CourtCode: "DAL", Court: court, Type: docket.TypeMaster, Medium: docket.MediumInternet,
			WebEx: "https://eoir.webex.com/meet/ij.dal", Status: docket.StatusScheduled, ChangedAt: changed,
			Clients: []docket.Client{rosa}},
		{ID: 2, Source: "csv", SourceKey: "2", Start: time.Date(2027, 3, 17, 14, 0, 0, 0, time.UTC), Zone: "America/Chicago",
			CourtCode: "DAL", Court: court, Type: docket.TypeBond, Medium: docket.MediumInternet,
			WebEx: "https://eoir.webex.com/meet/ij.dal", Status: docket.StatusScheduled, ChangedAt: changed,
			Clients: []docket.Client{mario}},
	}}
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	office := mountain
	svc := NewService(st, func() Settings { return Settings{OrgName: "Legal Aid", Zone: office} }, func() time.Time { return now })
	feedOf := func(scope string) (Calendar, string) {
		t.Helper()
		cal, err := svc.Calendar(ctx, Feed{Scope: scope}, now)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Render(&b, cal); err != nil {
			t.Fatal(err)
		}
		return cal, string(unfold(b.Bytes()))
	}

	cal, text := feedOf("client:rosa")
	if r := cal.Hearings[0].Reader; r == nil || r.City != "El Paso" || r.Home.String() != "America/Denver" {
		t.Fatalf("client feed's reader = %+v, want Rosa in El Paso", r)
	}
	if got := cal.Hearings[0].Court.Place; got != "Dallas" {
		t.Errorf("court place = %q, want Dallas", got)
	}
	if !strings.Contains(text, `Join at: 8:00 AM El Paso time (9:00 AM in Dallas)`) {
		t.Errorf("Rosa's feed lacks her clock:\n%s", text)
	}

	// Mario has no zone of his own: he lives where the office is. He is detained, so no clock of his is told.
	cal, text = feedOf("org")
	var held *Hearing
	for i := range cal.Hearings {
		if cal.Hearings[i].Type == docket.TypeBond {
			held = &cal.Hearings[i]
		}
	}
	if held == nil || len(held.Clients) != 1 {
		t.Fatalf("org feed hearings = %+v", cal.Hearings)
	}
	if c := held.Clients[0]; !c.Detained || c.Home.String() != "America/Denver" || c.Contact != "Rosa Ruiz, +19155550141" || held.Reader != nil {
		t.Errorf("Mario in the org feed = %+v (reader %v)", c, held.Reader)
	}
	if !strings.Contains(text, "Mario Ruiz Treviño (detained)") || !strings.Contains(text, "the client joins at 8:00 AM MDT\\, El Paso time") {
		t.Errorf("org feed:\n%s", text)
	}

	// Rosa moves to Dallas: her client row changes, and with it the feed and its Modified time.
	before, beforeText := feedOf("client:rosa")
	moved := time.Date(2027, 2, 20, 9, 0, 0, 0, time.UTC)
	st.hearings[0].Clients[0].Zone, st.hearings[0].Clients[0].City = central.String(), "Dallas"
	st.hearings[0].Clients[0].UpdatedAt = moved
	after, afterText := feedOf("client:rosa")
	if afterText == beforeText || strings.Contains(afterText, "Join at") {
		t.Errorf("after the move the feed still tells her El Paso clock:\n%s", afterText)
	}
	if !after.Modified.Equal(moved) || !after.Modified.After(before.Modified) {
		t.Errorf("Modified %v then %v, want it to move to %v", before.Modified, after.Modified, moved)
	}

	// An office without a zone leaves a client without one on the court's clock, not on UTC.
	office = nil
	st.hearings[0].Clients[0].Zone, st.hearings[0].Clients[0].City = "", ""
	if _, text := feedOf("client:rosa"); strings.Contains(text, "Join at") || strings.Contains(text, "UTC") {
		t.Errorf("a client with no zone is told another clock:\n%s", text)
	}
}
