package feed

import (
	"bytes"
	"cmp"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/docketd/docketd/docket"
	"github.com/emersion/go-ical"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var (
	courtDallas  = Court{Code: "DAL", Name: "Dallas Immigration Court", Address: "1100 Commerce Street, Suite 1060|Dallas, TX 75242", Phone: "(214) 767-1814"}
	courtElPaso  = Court{Code: "ELP", Name: "El Paso Immigration Court", Address: "700 E. San Antonio Avenue, Suite 750|El Paso, TX 79901", Phone: "(915) 534-6020"}
	courtPhoenix = Court{Code: "PHO", Name: "Phoenix Immigration Court", Address: "250 N. Seventh Avenue, Suite 300|Phoenix, AZ 85007", Phone: "(602) 640-2747"}
)

// The people and numbers below are made up.
var family = []Client{
	{Name: "María José Núñez Ramírez", ANumber: "201555001", Phone: "+1 214-555-0142", Language: "Spanish"},
	{Name: "José Ángel Núñez Peña", ANumber: "201555002", Phone: "+1 214-555-0142", Language: "Spanish"},
	{Name: "Sofía Núñez Ramírez", ANumber: "020155503", Phone: "+1 214-555-0142", Language: "Spanish"},
	{Name: "Joaquín Núñez Ramírez", ANumber: "201555004", Phone: "+1 214-555-0142", Language: "Spanish"},
}

// testHearings is the fixture of the golden feeds: a Dallas family of four at
// a master hearing after the March 2026 DST change, an El Paso WebEx hearing
// (America/Denver) before it, a Phoenix bond hearing (no DST), and a cancelled
// Dallas hearing.
func testHearings(t testing.TB) []Hearing {
	chicago, denver, phoenix := mustLoc(t, "America/Chicago"), mustLoc(t, "America/Denver"), mustLoc(t, "America/Phoenix")
	return []Hearing{
		{
			ID: "101", Sequence: 1, Updated: time.Date(2026, 2, 20, 15, 4, 5, 0, time.UTC),
			Start: time.Date(2026, 3, 10, 8, 30, 0, 0, chicago),
			Type:  docket.TypeMaster, TypeCode: "MR", Medium: docket.MediumInPerson, MediumCode: "P", Status: docket.StatusScheduled,
			Judge: "Hon. Begoña Ibáñez Muñoz", WebEx: "https://eoir.webex.com/meet/IJ.Ibanez",
			Court: courtDallas, Clients: family,
			Counsel: "Lucía Fernández, Esq.", CounselPhone: "+1 214-555-0100",
			Reminders: []Reminder{
				{Channel: "sms", To: "client", Due: time.Date(2026, 3, 3, 16, 0, 0, 0, time.UTC), State: "delivered"},
				{Channel: "sms", To: "client", Due: time.Date(2026, 3, 7, 16, 0, 0, 0, time.UTC), State: "delivered"},
				{Channel: "sms", To: "client", Due: time.Date(2026, 3, 9, 15, 0, 0, 0, time.UTC), State: "pending"},
			},
			Confirmation: "Confirmed by text reply (SÍ) on 3 Mar",
		},
		{
			ID: "102", Updated: time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC),
			Start: time.Date(2026, 3, 5, 13, 0, 0, 0, denver),
			Type:  docket.TypeIndividual, TypeCode: "II", Medium: docket.MediumInternet, MediumCode: "W", Status: docket.StatusScheduled,
			Judge: "Hon. Ramón Cortés", WebEx: "https://eoir.webex.com/meet/IJ.Cortes",
			Court:   courtElPaso,
			Clients: []Client{{Name: "Ana Lucía Peña Ordóñez", ANumber: "098765432", Phone: "+1 915-555-0199", Language: "Spanish"}},
			Counsel: "Lucía Fernández, Esq.",
		},
		{
			ID: "103", Updated: time.Date(2026, 1, 30, 9, 0, 0, 0, time.UTC),
			Start: time.Date(2026, 3, 12, 9, 0, 0, 0, phoenix),
			Type:  docket.TypeBond, TypeCode: "CY", Medium: docket.MediumVideo, MediumCode: "V", Status: docket.StatusScheduled,
			Judge:   "Hon. Dana Whitfield",
			Court:   courtPhoenix,
			Clients: []Client{{Name: "Kʼicheʼ Tzoc Xiloj", ANumber: "123456789", Language: "Kʼicheʼ"}},
		},
		{
			ID: "104", Sequence: 3, Updated: time.Date(2026, 2, 27, 22, 15, 0, 0, time.UTC),
			Start: time.Date(2026, 4, 2, 13, 0, 0, 0, chicago),
			Type:  docket.TypeIndividual, TypeCode: "IR", Medium: docket.MediumInPerson, MediumCode: "P", Status: docket.StatusCancelled,
			Judge: "Hon. Begoña Ibáñez Muñoz", Court: courtDallas,
			Clients: []Client{{Name: "Héctor Ñancupil Olmos", ANumber: "201555099", Phone: "+1 469-555-0177", Language: "Spanish"}},
			Counsel: "Lucía Fernández, Esq.",
		},
	}
}

func testCalendar(t testing.TB, detail Detail) Calendar {
	return Calendar{
		Options:  Options{Detail: detail},
		Name:     "Audiencias – Lucía Fernández",
		Hearings: testHearings(t),
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./feed -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if intended)\n got:\n%s", name, got)
	}
}

// render is Render's output for cal, checked byte for byte against renderTree's.
func render(t *testing.T, cal Calendar) []byte {
	t.Helper()
	var buf, tree bytes.Buffer
	if err := Render(&buf, cal); err != nil {
		t.Fatal(err)
	}
	if err := renderTree(&tree, cal); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), tree.Bytes()) {
		t.Fatalf("Render's pieces differ from the calendar encoded as one tree\n got:\n%s\nwant:\n%s", buf.Bytes(), tree.Bytes())
	}
	return buf.Bytes()
}

// checkWellFormed checks what every calendar file must satisfy: CRLF lines of
// at most 75 octets, valid UTF-8 per line, and a VTIMEZONE for every TZID.
func checkWellFormed(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("END:VCALENDAR\r\n")) {
		t.Errorf("does not end in END:VCALENDAR CRLF")
	}
	checkFolded(t, b, b)
	text := string(unfold(b))
	for _, line := range strings.Split(text, "\n") {
		_, rest, ok := strings.Cut(line, ";TZID=")
		if !ok {
			continue
		}
		tzid, _, _ := strings.Cut(rest, ":")
		tzid, _, _ = strings.Cut(tzid, ";")
		if !strings.Contains(text, "\nTZID:"+tzid+"\n") {
			t.Errorf("TZID %s is used but has no VTIMEZONE", tzid)
		}
	}
}

func TestRenderGolden(t *testing.T) {
	for _, detail := range []Detail{DetailFull, DetailInitials, DetailBusy} {
		t.Run(string(detail), func(t *testing.T) {
			got := render(t, testCalendar(t, detail))
			checkWellFormed(t, got)
			golden(t, "feed-"+string(detail)+".ics", got)
		})
	}
	t.Run("empty", func(t *testing.T) {
		got := render(t, Calendar{Name: "Nada todavía"})
		checkWellFormed(t, got)
		golden(t, "feed-empty.ics", got)
	})
}

func TestRenderDeterministic(t *testing.T) {
	cal := testCalendar(t, DetailFull)
	want := render(t, cal)
	slices.Reverse(cal.Hearings)
	if got := render(t, cal); !bytes.Equal(got, want) {
		t.Errorf("rendering depends on input order")
	}
	if got := render(t, testCalendar(t, DetailFull)); !bytes.Equal(got, want) {
		t.Errorf("rendering the same data twice gave different bytes")
	}
}

// TestRenderRoundTrip decodes the feed with go-ical and checks that every
// event comes back with its instant, zone, UID, sequence, status and text.
func TestRenderRoundTrip(t *testing.T) {
	cal := testCalendar(t, DetailFull)
	dec, err := ical.NewDecoder(bytes.NewReader(render(t, cal))).Decode()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := dec.Props.Text("X-WR-CALNAME"); got != cal.Name {
		t.Errorf("X-WR-CALNAME = %q, want %q", got, cal.Name)
	}
	if got := dec.Props.Get(ical.PropMethod); got != nil {
		t.Errorf("feed has METHOD %q, want none", got.Value)
	}
	if got := dec.Props.Get(ical.PropRefreshInterval); got == nil || got.Value != "PT1H" || got.Params.Get(ical.ParamValue) != "DURATION" {
		t.Errorf("REFRESH-INTERVAL = %+v, want VALUE=DURATION:PT1H", got)
	}
	events := dec.Events()
	if got, want := len(events), len(cal.Hearings); got != want {
		t.Fatalf("got %d events, want %d", got, want)
	}
	byUID := map[string]ical.Event{}
	for _, ev := range events {
		uid, _ := ev.Props.Text(ical.PropUID)
		byUID[uid] = ev
	}
	for _, h := range cal.Hearings {
		ev, ok := byUID[UID(h.ID)]
		if !ok {
			t.Errorf("hearing %s: no event with its UID", h.ID)
			continue
		}
		start, err := ev.DateTimeStart(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !start.Equal(h.Start) || start.Location().String() != h.Start.Location().String() {
			t.Errorf("hearing %s: DTSTART %v, want %v", h.ID, start, h.Start)
		}
		end, err := ev.DateTimeEnd(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := end.Sub(start), DefaultDurations[h.Type]; got != want {
			t.Errorf("hearing %s: duration %v, want %v", h.ID, got, want)
		}
		stamp, err := ev.Props.DateTime(ical.PropDateTimeStamp, nil)
		if err != nil || !stamp.Equal(h.Updated) {
			t.Errorf("hearing %s: DTSTAMP %v (%v), want %v", h.ID, stamp, err, h.Updated)
		}
		if seq, err := ev.Props.Get(ical.PropSequence).Int(); err != nil || seq != h.Sequence {
			t.Errorf("hearing %s: SEQUENCE %d (%v), want %d", h.ID, seq, err, h.Sequence)
		}
		status, _ := ev.Status()
		wantStatus := ical.EventConfirmed
		if h.Status == docket.StatusCancelled {
			wantStatus = ical.EventCancelled
		}
		if status != wantStatus {
			t.Errorf("hearing %s: STATUS %s, want %s", h.ID, status, wantStatus)
		}
		desc, _ := ev.Props.Text(ical.PropDescription)
		for _, c := range h.Clients {
			if !strings.Contains(desc, c.Name) {
				t.Errorf("hearing %s: description lacks %q:\n%s", h.ID, c.Name, desc)
			}
		}
		loc, _ := ev.Props.Text(ical.PropLocation)
		if h.Medium == docket.MediumInternet {
			if loc != h.WebEx {
				t.Errorf("hearing %s: LOCATION %q, want the WebEx link", h.ID, loc)
			}
		} else if !strings.Contains(loc, h.Court.Name) || !strings.Contains(loc, "Suite") {
			t.Errorf("hearing %s: LOCATION %q, want the court address", h.ID, loc)
		}
	}
}

// TestRenderDetailLevels checks what each level must never reveal.
func TestRenderDetailLevels(t *testing.T) {
	var secrets, names []string
	for _, h := range testHearings(t) {
		for _, c := range h.Clients {
			names = append(names, c.Name)
			secrets = append(secrets, c.Phone, c.ANumber.String(), string(c.ANumber))
		}
	}
	secrets = slices.DeleteFunc(secrets, func(s string) bool { return s == "" })
	for _, detail := range []Detail{DetailInitials, DetailBusy} {
		text := string(unfold(render(t, testCalendar(t, detail))))
		for _, s := range append(secrets, names...) {
			if strings.Contains(text, s) {
				t.Errorf("%s feed reveals %q", detail, s)
			}
		}
		if detail == DetailBusy {
			for _, s := range []string{"M.J.N.R.", "DESCRIPTION", "LOCATION", "Núñez", "Judge"} {
				if strings.Contains(text, s) {
					t.Errorf("busy feed contains %q", s)
				}
			}
		} else if !strings.Contains(text, "M.J.N.R.") {
			t.Errorf("initials feed lacks the client's initials")
		}
	}
	full := string(unfold(render(t, testCalendar(t, DetailFull))))
	for _, s := range []string{"A201-555-001", "A020-155-503", "+1 214-555-0142", "Hon. Begoña Ibáñez Muñoz", "(214) 767-1814", "delivered", "SÍ"} {
		if !strings.Contains(full, s) {
			t.Errorf("full feed lacks %q", s)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	good := testHearings(t)[0]
	tests := []struct {
		name string
		edit func(h *Hearing)
	}{
		{"local zone", func(h *Hearing) { h.Start = h.Start.In(time.Local) }},
		{"fixed zone", func(h *Hearing) { h.Start = h.Start.In(time.FixedZone("CST", -6*3600)) }},
		{"no id", func(h *Hearing) { h.ID = "" }},
		{"no start", func(h *Hearing) { h.Start = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := good
			tt.edit(&h)
			if err := Render(&bytes.Buffer{}, Calendar{Hearings: []Hearing{h}}); err == nil {
				t.Errorf("Render succeeded, want an error")
			}
		})
	}
}

func TestRenderTextEdgeCases(t *testing.T) {
	h := testHearings(t)[1]
	h.Judge = "Hon. A\r\nB; C, D\\E"
	h.Clients[0].Name = "Zoë \"Zee\" O'Brien"
	h.Duration = 90 * time.Minute
	cal := Calendar{Options: Options{Durations: map[docket.HearingType]time.Duration{docket.TypeIndividual: 3 * time.Hour}}, Hearings: []Hearing{h}}
	b := render(t, cal)
	checkWellFormed(t, b)
	dec, err := ical.NewDecoder(bytes.NewReader(b)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	ev := dec.Events()[0]
	desc, _ := ev.Props.Text(ical.PropDescription)
	if !strings.Contains(desc, "Judge: Hon. A\nB; C, D\\E\n") {
		t.Errorf("description did not survive escaping:\n%q", desc)
	}
	start, _ := ev.DateTimeStart(nil)
	end, _ := ev.DateTimeEnd(nil)
	if got, want := end.Sub(start), 90*time.Minute; got != want {
		t.Errorf("duration %v, want the hearing's own %v", got, want)
	}
	h.Duration = 0
	cal.Hearings = []Hearing{h}
	ev = mustDecode(t, render(t, cal)).Events()[0]
	start, _ = ev.DateTimeStart(nil)
	end, _ = ev.DateTimeEnd(nil)
	if got, want := end.Sub(start), 3*time.Hour; got != want {
		t.Errorf("duration %v, want the configured %v", got, want)
	}
}

func mustDecode(t *testing.T, b []byte) *ical.Calendar {
	t.Helper()
	c, err := ical.NewDecoder(bytes.NewReader(b)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRenderInvite(t *testing.T) {
	h := testHearings(t)[0]
	opts := Options{}
	org := Person{Name: "Oficina \"Legal\" Aid", Email: "calendar@legal.example.org"}
	att := Person{Name: "Lucía Fernández", Email: "lucia@legal.example.org"}
	for _, method := range []string{"REQUEST", "CANCEL"} {
		t.Run(method, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderInvite(&buf, method, opts, h, org, att); err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, buf.Bytes())
			golden(t, "invite-"+strings.ToLower(method)+".ics", buf.Bytes())

			dec := mustDecode(t, buf.Bytes())
			if got := dec.Props.Get(ical.PropMethod); got == nil || got.Value != method {
				t.Errorf("METHOD = %v, want %s", got, method)
			}
			ev := dec.Events()[0]
			feedEv := mustDecode(t, render(t, Calendar{Options: opts, Hearings: []Hearing{h}})).Events()[0]
			for _, prop := range []string{ical.PropUID, ical.PropSequence, ical.PropDateTimeStart} {
				if got, want := ev.Props.Get(prop).Value, feedEv.Props.Get(prop).Value; got != want {
					t.Errorf("%s = %q, want the feed's %q", prop, got, want)
				}
			}
			if got := ev.Props.Get(ical.PropAttendee); got == nil || got.Value != "mailto:lucia@legal.example.org" || got.Params.Get(ical.ParamCommonName) != att.Name {
				t.Errorf("ATTENDEE = %+v", got)
			}
			if got := ev.Props.Get(ical.PropOrganizer); got == nil || got.Value != "mailto:calendar@legal.example.org" {
				t.Errorf("ORGANIZER = %+v", got)
			}
			status, _ := ev.Status()
			if method == "CANCEL" && status != ical.EventCancelled {
				t.Errorf("CANCEL has STATUS %s", status)
			}
		})
	}
	if err := RenderInvite(&bytes.Buffer{}, "PUBLISH", opts, h, org, att); err == nil {
		t.Errorf("RenderInvite accepted method PUBLISH")
	}
	if err := RenderInvite(&bytes.Buffer{}, "REQUEST", opts, h, org, Person{}); err == nil {
		t.Errorf("RenderInvite accepted an attendee without email")
	}
}

func TestInitialsAndANumber(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"María José Núñez Ramírez", "M.J.N.R."},
		{"Ana-Lucía Peña", "A.L.P."},
		{"Ñandú", "Ñ."},
		{"", ""},
	} {
		if got := initials(tt.in); got != tt.want {
			t.Errorf("initials(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkRender5000(b *testing.B) {
	base := testHearings(b)
	cal := Calendar{Name: "bench"}
	for i := range 5000 {
		h := base[i%len(base)]
		h.ID = strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Duration(i).String()
		h.Start = h.Start.AddDate(0, 0, i/10)
		cal.Hearings = append(cal.Hearings, h)
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, cal); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

// FuzzEscapeText: the byte-wise escaper agrees with go-ical's SetText.
func FuzzEscapeText(f *testing.F) {
	f.Add("Núñez, María; A\\B\nC")
	f.Add("")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		p := ical.NewProp(ical.PropSummary)
		p.SetText(s)
		if got, want := escapeText(s), p.Value; got != want {
			t.Errorf("escapeText(%q) = %q, go-ical gives %q", s, got, want)
		}
	})
}

// renderTree is the reference Render is checked against: the whole calendar built as one go-ical tree and encoded
// at once, independently of the pieces.
func renderTree(w io.Writer, cal Calendar) error {
	c := newCalendar(cal)
	hs := slices.Clone(cal.Hearings)
	slices.SortFunc(hs, func(a, b Hearing) int {
		return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.ID, b.ID))
	})
	events := make([]*ical.Component, 0, len(hs))
	zones := zoneSpans{}
	for i := range hs {
		ev, err := buildEvent(&hs[i], cal.Options, zones)
		if err != nil {
			return err
		}
		events = append(events, ev)
		events = append(events, deadlineEvents(&hs[i], cal.Options)...)
	}
	if len(hs) == 0 {
		// A VCALENDAR must hold a component and an empty feed is legitimate:
		// Etc/UTC's VTIMEZONE is the smallest valid one, and the same every year.
		if err := zones.add(mustLoad("Etc/UTC"), 2000, 2000); err != nil {
			return err
		}
	}
	tzs, err := zones.components()
	if err != nil {
		return err
	}
	c.Children = append(tzs, events...)
	return encode(w, c)
}
