package feed

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/deadline"
	"github.com/docketd/docketd/docket"
	"github.com/emersion/go-ical"
)

// deadlineHearings is the golden fixture with each hearing's deadlines: the family's master hearing (15 days), the
// El Paso individual hearing by WebEx (30 days, and the request to appear in person), the Phoenix bond hearing
// (none) and the cancelled Dallas individual hearing (cancelled with it).
func deadlineHearings(t testing.TB) []Hearing {
	hs := testHearings(t)
	for i := range hs {
		h := &hs[i]
		h.Deadlines = deadline.For(deadline.Hearing{Day: h.Start, Type: string(h.Type), Remote: h.Medium.Online()})
	}
	return hs
}

func TestDeadlineEventsGolden(t *testing.T) {
	got := render(t, Calendar{Name: "Audiencias – Lucía Fernández", Hearings: deadlineHearings(t)})
	checkWellFormed(t, got)
	golden(t, "feed-deadlines.ics", got)

	byUID := map[string]ical.Event{}
	for _, ev := range mustDecode(t, got).Events() {
		uid, _ := ev.Props.Text(ical.PropUID)
		byUID[uid] = ev
	}
	tests := []struct {
		uid, date, summary, status, sequence string
		description                          []string
	}{
		{DeadlineUID("101", deadline.RuleMaster), "20260223",
			"Filing deadline — María José Núñez Ramírez +3 (master calendar hearing Mar 10)", "CONFIRMED", "1",
			[]string{"Filings on which a ruling is wanted at the master calendar hearing are due by Monday, February 23, 2026, 15 days before",
				"Safe date: Friday, February 20, 2026", "Rule: Immigration Court Practice Manual ch. 3.1(b)(1); Appendix C",
				"Hearing: Master calendar hearing, Tue 10 Mar 2026, 8:30 AM CDT, Dallas Immigration Court (DAL)"}},
		{DeadlineUID("102", deadline.RuleIndividual), "20260203",
			"Filing deadline — Ana Lucía Peña Ordóñez (individual hearing Mar 5)", "CONFIRMED", "0",
			[]string{"30 days before the hearing of Thursday, March 5, 2026", "Safe date: Monday, February 2, 2026",
				"Clients: Ana Lucía Peña Ordóñez A098-765-432"}},
		{DeadlineUID("102", deadline.RuleMedium), "20260218",
			"Appearance request deadline — Ana Lucía Peña Ordóñez (individual hearing Mar 5)", "CONFIRMED", "0",
			[]string{"Requests to appear in person (or remotely) at the internet-based hearing are due by Wednesday, February 18, 2026"}},
		{DeadlineUID("104", deadline.RuleIndividual), "20260303",
			"Cancelled: Filing deadline — Héctor Ñancupil Olmos (individual hearing Apr 2)", "CANCELLED", "3",
			[]string{"CANCELLED with its hearing."}},
	}
	if len(byUID) != 4+4 {
		t.Errorf("got %d events, want 4 hearings and 4 deadlines", len(byUID))
	}
	for _, tt := range tests {
		ev, ok := byUID[tt.uid]
		if !ok {
			t.Errorf("no event %s", tt.uid)
			continue
		}
		if p := ev.Props.Get(ical.PropDateTimeStart); p == nil || p.Value != tt.date || p.Params.Get(ical.ParamValue) != "DATE" {
			t.Errorf("%s: DTSTART %+v, want VALUE=DATE:%s", tt.uid, p, tt.date)
		}
		if p := ev.Props.Get(ical.PropSequence); p == nil || p.Value != tt.sequence {
			t.Errorf("%s: SEQUENCE %+v, want %s", tt.uid, p, tt.sequence)
		}
		for name, want := range map[string]string{ical.PropSummary: tt.summary, ical.PropStatus: tt.status,
			ical.PropTransparency: "TRANSPARENT"} {
			if got, _ := ev.Props.Text(name); got != want {
				t.Errorf("%s: %s = %q, want %q", tt.uid, name, got, want)
			}
		}
		hearingUID := UID(strings.TrimSuffix(strings.SplitN(tt.uid, "-", 4)[3], "@docketd"))
		if got, _ := ev.Props.Text(ical.PropRelatedTo); got != hearingUID {
			t.Errorf("%s: RELATED-TO %q, want %q", tt.uid, got, hearingUID)
		}
		desc, _ := ev.Props.Text(ical.PropDescription)
		for _, want := range tt.description {
			if !strings.Contains(desc, want) {
				t.Errorf("%s: DESCRIPTION %q\nwant it to contain %q", tt.uid, desc, want)
			}
		}
	}
}

// A hearing that moves keeps its deadline's UID; the deadline moves and takes the hearing's new sequence.
func TestDeadlineMovesWithItsHearing(t *testing.T) {
	h := deadlineHearings(t)[1]
	moved := h
	moved.Start, moved.Sequence = h.Start.AddDate(0, 0, -14), h.Sequence+1
	moved.Deadlines = deadline.For(deadline.Hearing{Day: moved.Start, Type: string(moved.Type), Remote: true})
	uid := DeadlineUID(h.ID, deadline.RuleIndividual)
	find := func(h Hearing) (date, seq string) {
		for _, ev := range mustDecode(t, render(t, Calendar{Name: "x", Hearings: []Hearing{h}})).Events() {
			if got, _ := ev.Props.Text(ical.PropUID); got == uid {
				return ev.Props.Get(ical.PropDateTimeStart).Value, ev.Props.Get(ical.PropSequence).Value
			}
		}
		t.Fatalf("no event %s", uid)
		return "", ""
	}
	if d, s := find(h); d != "20260203" || s != "0" {
		t.Errorf("before: %s seq %s", d, s)
	}
	if d, s := find(moved); d != "20260120" || s != "1" {
		t.Errorf("after moving two weeks earlier: %s seq %s, want 20260120 (Jan 19 is a holiday) seq 1", d, s)
	}
}

func TestDeadlineEventsHideWhatTheDetailHides(t *testing.T) {
	for _, tt := range []struct {
		detail  Detail
		summary string
		hidden  []string
	}{
		{DetailInitials, "Filing deadline — A.L.P.O. (individual hearing Mar 5)", []string{"Ana", "098"}},
		{DetailBusy, "Filing deadline (hearing Mar 5)", []string{"Ana", "A.L.P.O.", "individual", "Rule"}},
	} {
		raw := render(t, Calendar{Options: Options{Detail: tt.detail}, Name: "x",
			Hearings: []Hearing{deadlineHearings(t)[1]}})
		for _, ev := range mustDecode(t, raw).Events() {
			uid, _ := ev.Props.Text(ical.PropUID)
			if uid != DeadlineUID("102", deadline.RuleIndividual) {
				continue
			}
			if got, _ := ev.Props.Text(ical.PropSummary); got != tt.summary {
				t.Errorf("%s: SUMMARY %q, want %q", tt.detail, got, tt.summary)
			}
			summary, _ := ev.Props.Text(ical.PropSummary)
			desc, _ := ev.Props.Text(ical.PropDescription)
			for _, h := range tt.hidden {
				if strings.Contains(summary+desc, h) {
					t.Errorf("%s: %q shows %q", tt.detail, summary+"\n"+desc, h)
				}
			}
		}
	}
}

// deadlineStore is the Store of one hearing with counsel and a client.
type deadlineStore struct{ h docket.Hearing }

func (s deadlineStore) FeedTokenByHash(context.Context, []byte) (docket.FeedToken, error) {
	return docket.FeedToken{}, docket.ErrNotFound
}
func (s deadlineStore) TouchFeedToken(context.Context, uint, time.Time) error { return nil }
func (s deadlineStore) DataVersion(context.Context) (string, time.Time, error) {
	return "1", s.h.ChangedAt, nil
}
func (s deadlineStore) Hearings(context.Context, docket.HearingFilter) ([]docket.Hearing, error) {
	return []docket.Hearing{s.h}, nil
}
func (s deadlineStore) OutboxRows(context.Context, docket.OutboxFilter) ([]docket.Reminder, error) {
	return nil, nil
}
func (s deadlineStore) Attorneys(context.Context) ([]docket.Attorney, error) {
	return s.h.Attorneys, nil
}
func (s deadlineStore) Clients(context.Context) ([]docket.Client, error)    { return s.h.Clients, nil }
func (s deadlineStore) Court(context.Context, string) (docket.Court, error) { return s.h.Court, nil }

// Counsel's and the office's feeds carry the deadlines; a client's and a court's do not, nor any feed when
// [deadlines] is off. A judge's order replaces the default date; a detained client's hearing has only the order.
func TestServiceDeadlinesByScope(t *testing.T) {
	chicago := mustLoc(t, "America/Chicago")
	h := docket.Hearing{ID: 7, Source: "config", SourceKey: "201555101#1", Zone: "America/Chicago",
		Start: time.Date(2027, 3, 15, 8, 30, 0, 0, chicago), CourtCode: "DAL", Type: docket.TypeIndividual,
		Medium: docket.MediumInPerson, Status: docket.StatusScheduled, ChangedAt: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC),
		Clients:   []docket.Client{{ID: "c1", Name: "Rosa Rosales", ANumber: "201555101"}},
		Attorneys: []docket.Attorney{{ID: "a1", Name: "Laura Medina"}},
		Court:     docket.Court{Code: "DAL", Name: "Dallas Immigration Court", Zone: "America/Chicago"}}
	now := time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	count := func(h docket.Hearing, on bool, scope string) (n int, dates []string) {
		svc := NewService(deadlineStore{h}, func() Settings {
			return Settings{OrgName: "Office", Deadlines: on, KeepPast: time.Hour, KeepCancelled: time.Hour}
		}, func() time.Time { return now })
		cal, err := svc.Calendar(context.Background(), Feed{Scope: scope}, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, fh := range cal.Hearings {
			for _, d := range fh.Deadlines {
				dates = append(dates, string(d.Rule)+"@"+d.Due.Format(time.DateOnly))
			}
		}
		return len(dates), dates
	}
	for _, tt := range []struct {
		scope string
		on    bool
		want  int
	}{{"attorney:a1", true, 1}, {"org", true, 1}, {"client:c1", true, 0}, {"court:DAL", true, 0},
		{"attorney:a1", false, 0}, {"org", false, 0}} {
		if got, dates := count(h, tt.on, tt.scope); got != tt.want {
			t.Errorf("%s (deadlines %v): %d deadlines %v, want %d", tt.scope, tt.on, got, dates, tt.want)
		}
	}
	if _, dates := count(h, true, "org"); len(dates) != 1 || dates[0] != "individual-filings@2027-02-16" {
		t.Errorf("default: %v, want individual-filings@2027-02-16 (day 30 is Saturday Feb 13, and Monday Feb 15 "+
			"is Washington's Birthday)", dates)
	}
	ordered := h
	ordered.FilingDeadline = "2027-03-01"
	if _, dates := count(ordered, true, "org"); len(dates) != 1 || dates[0] != "ordered@2027-03-01" {
		t.Errorf("judge's order: %v, want ordered@2027-03-01", dates)
	}
	detained := h
	detained.Clients = []docket.Client{{ID: "c1", Name: "Rosa Rosales", Detained: true}}
	if n, dates := count(detained, true, "org"); n != 0 {
		t.Errorf("detained, no order: %v, want none", dates)
	}
	detained.FilingDeadline = "2027-03-01"
	if _, dates := count(detained, true, "org"); len(dates) != 1 || dates[0] != "ordered@2027-03-01" {
		t.Errorf("detained with an order: %v, want the order alone", dates)
	}
}
