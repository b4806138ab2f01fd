package source_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/feed"
	"github.com/docketd/docketd/source"
	"github.com/docketd/docketd/store"
)

// An ACIS answer with the hearing's date and no time keeps the hearing on that date, marked time unknown; counsel's
// feed shows it as an all-day event that says so; the answer that later gives the time is no move.
func TestACISDateWithoutTimeIsKeptWithTheTimeUnknown(t *testing.T) {
	withTime := sampleFor(t, "201555123", "71002233")
	for _, noTime := range []string{`"AdjTime": ""`, `"AdjTime": null`, `"AdjTime": "  "`} {
		t.Run(noTime, func(t *testing.T) {
			dateOnly := strings.Replace(withTime, `"AdjTime": "1:00 PM"`, noTime, 1)
			if dateOnly == withTime {
				t.Fatal("the sample has no AdjTime to blank")
			}
			r := newACISRun(t, acisAnswers(t, map[string]string{"201555123": dateOnly}), "201555123")
			if rep := r.run(t); rep.Rejected != 0 || rep.Created != 1 {
				t.Fatalf("report %s: want the hearing created, nothing rejected", rep)
			}
			h, ok := r.hearings(t)["201555123"]
			chicago, _ := time.LoadLocation("America/Chicago")
			if !ok || !h.TimeUnknown || h.Status != docket.StatusScheduled ||
				h.Local().Format(time.DateOnly) != "2027-02-09" {
				t.Fatalf("stored %+v; want a scheduled hearing on 2027-02-09, time unknown", h)
			}
			if !h.Start.Equal(time.Date(2027, 2, 9, 0, 0, 0, 0, chicago)) {
				t.Errorf("start %s, want the court day's midnight", h.Start)
			}

			ev := feedEvent(t, r)
			start := ev.Props.Get(ical.PropDateTimeStart)
			if start == nil || start.ValueType() != ical.ValueDate || start.Value != "20270209" ||
				start.Params.Get(ical.ParamTimezoneID) != "" {
				t.Errorf("DTSTART = %+v, want an all-day date 20270209", start)
			}
			if end := ev.Props.Get(ical.PropDateTimeEnd); end == nil || end.ValueType() != ical.ValueDate ||
				end.Value != "20270210" {
				t.Errorf("DTEND = %+v, want 20270210 (the day after)", end)
			}
			summary, _ := ev.Props.Text(ical.PropSummary)
			desc, _ := ev.Props.Text(ical.PropDescription)
			if !strings.Contains(summary, "Time not known yet") {
				t.Errorf("summary %q does not say the time is not known", summary)
			}
			if strings.Contains(desc, "12:00 AM") || !strings.Contains(desc, "time not known yet") {
				t.Errorf("description states a time or does not say it is unknown:\n%s", desc)
			}

			// The next answer has the time: the hearing keeps its identity, gets the time, and the change log
			// records the time becoming known, not a move.
			r.spec.Reader.(*source.ACIS).URL = acisAnswers(t, map[string]string{"201555123": withTime})
			r.now = r.now.Add(time.Hour)
			rep := r.run(t)
			if rep.Moved != 0 {
				t.Errorf("report %s: the time becoming known counted as a move", rep)
			}
			h2 := r.hearings(t)["201555123"]
			if h2.ID != h.ID || h2.TimeUnknown || !h2.Start.Equal(time.Date(2027, 2, 9, 13, 0, 0, 0, chicago)) {
				t.Fatalf("after the time is known: %+v", h2)
			}
			changes, err := r.db.LastChange(context.Background(), h2)
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) != 1 || changes[0].Field != "time" || changes[0].From != "2027-02-09" {
				t.Errorf("change log %+v, want one \"time\" change from the date alone", changes)
			}
			ev = feedEvent(t, r)
			if start := ev.Props.Get(ical.PropDateTimeStart); start.ValueType() == ical.ValueDate ||
				start.Params.Get(ical.ParamTimezoneID) != "America/Chicago" {
				t.Errorf("DTSTART once the time is known = %+v, want a date-time in the court's zone", start)
			}
		})
	}
}

// An answer whose AdjTime is there but unreadable is still rejected: the time is not known to be missing.
func TestACISUnreadableTimeIsRejected(t *testing.T) {
	bad := strings.Replace(sampleFor(t, "201555123", "71002233"), `"AdjTime": "1:00 PM"`, `"AdjTime": "25:00"`, 1)
	r := newACISRun(t, acisAnswers(t, map[string]string{"201555123": bad}), "201555123")
	if rep := r.run(t); rep.Rejected != 1 || rep.Created != 0 {
		t.Errorf("report %s: want the answer rejected", rep)
	}
}

// feedEvent renders the org feed from the run's store and decodes its one event with the iCalendar parser.
func feedEvent(t *testing.T, r *acisRun) ical.Event {
	t.Helper()
	svc := feed.NewService(r.db, func() feed.Settings { return feed.Settings{OrgName: "Office"} },
		func() time.Time { return r.now })
	cal, err := svc.Calendar(context.Background(), feed.Feed{Scope: "org", Detail: feed.DetailFull}, r.now)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := feed.Render(&buf, cal); err != nil {
		t.Fatal(err)
	}
	dec, err := ical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatal(err)
	}
	evs := dec.Events()
	if len(evs) != 1 {
		t.Fatalf("feed has %d events, want 1", len(evs))
	}
	return evs[0]
}

var _ feed.Store = (*store.DB)(nil)
