package feed

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the same zones on every machine that runs the tests

	"github.com/emersion/go-ical"
)

// courtZones reads the distinct iana_tz values of the shared court table.
func courtZones(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../shared/data/eoir_courts.csv")
	if err != nil {
		t.Skipf("court table not available: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "iana_tz")
	if col < 0 {
		t.Fatal("no iana_tz column")
	}
	var zones []string
	for _, r := range rows[1:] {
		if z := r[col]; z != "" && !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	slices.Sort(zones)
	return zones
}

// observance is one STANDARD or DAYLIGHT block as the test evaluator reads it
// back from the encoded text, independently of the generator's types.
type observance struct {
	kind     string
	start    time.Time // DTSTART wall clock, read as if UTC
	from, to int
	name     string
	rrule    map[string]string
}

// tzEvaluator answers "what is the UTC offset at instant u" from the onsets of
// a parsed VTIMEZONE, the way RFC 5545 §3.6.5 defines it.
type tzEvaluator struct {
	onsets []evalOnset // sorted by instant
}

type evalOnset struct {
	at   time.Time
	to   int
	name string
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	sign := 1
	switch s[0] {
	case '-':
		sign = -1
	case '+':
	default:
		t.Fatalf("offset %q has no sign", s)
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := 0
	if len(s) == 7 {
		sec, _ = strconv.Atoi(s[5:7])
	}
	return sign * (h*3600 + m*60 + sec)
}

// parseVTimezone reads observances from unfolded iCalendar text.
func parseVTimezone(t *testing.T, text string) []observance {
	t.Helper()
	var obs []observance
	var cur *observance
	for _, line := range strings.Split(string(unfold([]byte(text))), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch {
		case name == "BEGIN" && (value == "STANDARD" || value == "DAYLIGHT"):
			cur = &observance{kind: value}
		case name == "END" && cur != nil:
			obs = append(obs, *cur)
			cur = nil
		case cur == nil:
		case name == "DTSTART":
			st, err := time.Parse(icalLocalFormat, value)
			if err != nil {
				t.Fatalf("DTSTART %q: %v", value, err)
			}
			cur.start = st
		case name == "TZOFFSETFROM":
			cur.from = parseOffset(t, value)
		case name == "TZOFFSETTO":
			cur.to = parseOffset(t, value)
		case name == "TZNAME":
			cur.name = value
		case name == "RRULE":
			cur.rrule = map[string]string{}
			for _, part := range strings.Split(value, ";") {
				k, v, _ := strings.Cut(part, "=")
				cur.rrule[k] = v
			}
		}
	}
	return obs
}

var weekdayCodes = map[string]time.Weekday{"SU": 0, "MO": 1, "TU": 2, "WE": 3, "TH": 4, "FR": 5, "SA": 6}

// nthWeekday finds the n-th (or, for n = -1, the last) weekday of a month.
func nthWeekday(year int, m time.Month, n int, wd time.Weekday) int {
	if n > 0 {
		first := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC).Weekday()
		return 1 + (int(wd)-int(first)+7)%7 + 7*(n-1)
	}
	last := time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC)
	return last.Day() - (int(last.Weekday())-int(wd)+7)%7
}

func newTZEvaluator(t *testing.T, obs []observance, untilYear int) *tzEvaluator {
	t.Helper()
	ev := &tzEvaluator{}
	for _, o := range obs {
		add := func(wall time.Time) {
			ev.onsets = append(ev.onsets, evalOnset{at: wall.Add(-time.Duration(o.from) * time.Second), to: o.to, name: o.name})
		}
		add(o.start)
		if o.rrule == nil {
			continue
		}
		if o.rrule["FREQ"] != "YEARLY" {
			t.Fatalf("unexpected RRULE %v", o.rrule)
		}
		month, err := strconv.Atoi(o.rrule["BYMONTH"])
		if err != nil {
			t.Fatalf("BYMONTH in %v: %v", o.rrule, err)
		}
		byday := o.rrule["BYDAY"]
		n, err := strconv.Atoi(byday[:len(byday)-2])
		if err != nil {
			t.Fatalf("BYDAY %q: %v", byday, err)
		}
		wd, ok := weekdayCodes[byday[len(byday)-2:]]
		if !ok {
			t.Fatalf("BYDAY %q", byday)
		}
		var until time.Time
		if u, ok := o.rrule["UNTIL"]; ok {
			if until, err = time.Parse("20060102T150405Z", u); err != nil {
				t.Fatalf("UNTIL %q: %v", u, err)
			}
		}
		for y := o.start.Year() + 1; y <= untilYear; y++ {
			d := nthWeekday(y, time.Month(month), n, wd)
			wall := time.Date(y, time.Month(month), d, o.start.Hour(), o.start.Minute(), o.start.Second(), 0, time.UTC)
			if !until.IsZero() && wall.Add(-time.Duration(o.from)*time.Second).After(until) {
				break
			}
			add(wall)
		}
	}
	slices.SortFunc(ev.onsets, func(a, b evalOnset) int { return a.at.Compare(b.at) })
	return ev
}

// offset is the TZOFFSETTO of the latest onset at or before u.
func (ev *tzEvaluator) offset(u time.Time) (int, string, bool) {
	i, found := slices.BinarySearchFunc(ev.onsets, u, func(o evalOnset, u time.Time) int { return o.at.Compare(u) })
	if !found {
		i--
	}
	if i < 0 {
		return 0, "", false
	}
	return ev.onsets[i].to, ev.onsets[i].name, true
}

// localOffsets lists the offsets under which a wall-clock time exists: one
// normally, none in a spring-forward gap, two in a fall-back overlap.
func (ev *tzEvaluator) localOffsets(wall time.Time) []int {
	var got []int
	seen := map[int]bool{}
	for _, o := range ev.onsets {
		if seen[o.to] {
			continue
		}
		seen[o.to] = true
		if off, _, ok := ev.offset(wall.Add(-time.Duration(o.to) * time.Second)); ok && off == o.to {
			got = append(got, o.to)
		}
	}
	return got
}

func encodeComponent(t *testing.T, c *ical.Component) string {
	t.Helper()
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, "-//test//EN")
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Children = append(cal.Children, c)
	var buf bytes.Buffer
	if err := ical.NewEncoder(NewFoldWriter(&buf)).Encode(cal); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestVTimezoneAgreesWithGo checks, for every court zone and the years
// 2025–2030, every hour and both sides of every transition: the offset the
// generated VTIMEZONE gives equals Go's.
func TestVTimezoneAgreesWithGo(t *testing.T) {
	const first, last = 2025, 2030
	zones := append(courtZones(t), "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata")
	for _, zone := range zones {
		t.Run(zone, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			tz, err := VTimezone(loc, first, last)
			if err != nil {
				t.Fatal(err)
			}
			text := encodeComponent(t, tz)
			obs := parseVTimezone(t, text)
			if len(obs) == 0 {
				t.Fatalf("no observances in\n%s", text)
			}
			ev := newTZEvaluator(t, obs, last+1)

			var probes []time.Time
			start := time.Date(first, 1, 1, 0, 0, 0, 0, loc)
			end := time.Date(last+1, 1, 1, 0, 0, 0, 0, loc)
			for u := start; u.Before(end); u = u.Add(time.Hour) {
				probes = append(probes, u)
			}
			transitions := 0
			for u := start; ; {
				_, next := u.ZoneBounds()
				if next.IsZero() || !next.Before(end) {
					break
				}
				transitions++
				probes = append(probes, next.Add(-time.Second), next, next.Add(time.Second))
				u = next
			}
			for _, u := range probes {
				wantName, want := u.In(loc).Zone()
				got, gotName, ok := ev.offset(u)
				if !ok || got != want || gotName != wantName {
					t.Fatalf("at %s: VTIMEZONE gives %d %q (ok %v), Go gives %d %q\n%s",
						u.UTC().Format(time.RFC3339), got, gotName, ok, want, wantName, text)
				}
			}

			// A wall-clock time that exists exactly once maps to Go's offset.
			for u := start; u.Before(end); u = u.Add(time.Hour) {
				wall := time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), 0, 0, 0, time.UTC)
				offs := ev.localOffsets(wall)
				goTime := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), 0, 0, 0, loc)
				sameWall := goTime.Hour() == wall.Hour() && goTime.Day() == wall.Day()
				switch {
				case len(offs) == 1 && sameWall:
					if _, off := goTime.Zone(); off != offs[0] {
						t.Fatalf("local %s: VTIMEZONE offset %d, Go %d", wall.Format(icalLocalFormat), offs[0], off)
					}
				case len(offs) == 0 && sameWall:
					t.Fatalf("local %s exists in Go but falls in a VTIMEZONE gap", wall.Format(icalLocalFormat))
				}
			}

			std, dst := 0, 0
			for _, o := range obs {
				if o.kind == "DAYLIGHT" {
					dst++
				} else {
					std++
				}
			}
			if transitions == 0 && (std != 1 || dst != 0) {
				t.Errorf("zone without DST: got %d STANDARD and %d DAYLIGHT, want one STANDARD\n%s", std, dst, text)
			}
			if transitions > 0 && len(obs) > 4 {
				t.Errorf("%d observances for a steady DST rule, want RRULE form\n%s", len(obs), text)
			}
		})
	}
}

func TestVTimezoneChicago(t *testing.T) {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	tz, err := VTimezone(loc, 2025, 2027)
	if err != nil {
		t.Fatal(err)
	}
	got := encodeComponent(t, tz)
	want := strings.Join([]string{
		"BEGIN:VTIMEZONE",
		"TZID:America/Chicago",
		"BEGIN:STANDARD",
		"DTSTART:20241103T020000",
		"RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
		"TZNAME:CST",
		"TZOFFSETFROM:-0500",
		"TZOFFSETTO:-0600",
		"END:STANDARD",
		"BEGIN:DAYLIGHT",
		"DTSTART:20250309T020000",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
		"TZNAME:CDT",
		"TZOFFSETFROM:-0600",
		"TZOFFSETTO:-0500",
		"END:DAYLIGHT",
		"END:VTIMEZONE",
	}, "\r\n")
	if !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant it to contain\n%s", got, want)
	}
}

func TestVTimezonePhoenix(t *testing.T) {
	loc, err := time.LoadLocation("America/Phoenix")
	if err != nil {
		t.Fatal(err)
	}
	tz, err := VTimezone(loc, 2025, 2030)
	if err != nil {
		t.Fatal(err)
	}
	got := encodeComponent(t, tz)
	want := "BEGIN:VTIMEZONE\r\nTZID:America/Phoenix\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n" +
		"TZNAME:MST\r\nTZOFFSETFROM:-0700\r\nTZOFFSETTO:-0700\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	if !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant it to contain\n%s", got, want)
	}
}

// TestVTimezoneRuleChange covers a zone whose rule changed inside the span:
// Mexico City dropped DST after October 2022.
func TestVTimezoneRuleChange(t *testing.T) {
	loc, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	tz, err := VTimezone(loc, 2019, 2025)
	if err != nil {
		t.Fatal(err)
	}
	text := encodeComponent(t, tz)
	ev := newTZEvaluator(t, parseVTimezone(t, text), 2027)
	for u := time.Date(2019, 1, 1, 0, 0, 0, 0, loc); u.Year() < 2026; u = u.Add(time.Hour) {
		_, want := u.Zone()
		if got, _, _ := ev.offset(u); got != want {
			t.Fatalf("at %s: got %d, want %d\n%s", u.Format(time.RFC3339), got, want, text)
		}
	}
	if !strings.Contains(text, "UNTIL=") {
		t.Errorf("want a bounded RRULE for the abolished rule\n%s", text)
	}
}

func TestVTimezoneRejectsUnnamedZones(t *testing.T) {
	for _, loc := range []*time.Location{nil, time.Local, time.FixedZone("CST", -6*3600)} {
		if _, err := VTimezone(loc, 2025, 2026); err == nil {
			t.Errorf("VTimezone(%v) succeeded, want an error", loc)
		}
	}
}

func TestFormatOffset(t *testing.T) {
	tests := []struct {
		secs int
		want string
	}{
		{0, "+0000"}, {-6 * 3600, "-0600"}, {5*3600 + 1800, "+0530"}, {-(3*3600 + 1800), "-0330"}, {-(4*3600 + 56*60 + 2), "-045602"},
	}
	for _, tt := range tests {
		if got := formatOffset(tt.secs); got != tt.want {
			t.Errorf("formatOffset(%d) = %q, want %q", tt.secs, got, tt.want)
		}
	}
}

func ExampleVTimezone() {
	loc, _ := time.LoadLocation("America/Denver")
	tz, _ := VTimezone(loc, 2026, 2026)
	for _, c := range tz.Children {
		fmt.Println(c.Name, c.Props.Get("DTSTART").Value, c.Props.Get("RRULE").Value)
	}
	// Output:
	// STANDARD 20251102T020000 FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
	// DAYLIGHT 20260308T020000 FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
}
