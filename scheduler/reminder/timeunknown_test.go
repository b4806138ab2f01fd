package reminder

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// A hearing whose source gave the date and no time gets no reminder and no notice, is logged once (masked), and
// gets its reminders, with no "your hearing moved" notice, once a later answer gives the time.
func TestTimeUnknownPlansNothingUntilTheTimeIsKnown(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	var logs bytes.Buffer
	f.plan.Log = slog.New(slog.NewTextHandler(&logs, nil))
	day := time.Date(2028, 2, 8, 0, 0, 0, 0, chicago)
	rec := docket.HearingRecord{Key: "sam-1", ANumber: "208555310", Start: day, TimeUnknown: true,
		Zone: "America/Chicago", CourtCode: "DAL", Type: "master", Medium: "in_person"}
	f.hearings(t, rec)

	for range 2 {
		res, err := f.plan.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Planned != 0 {
			t.Errorf("planned %d rows for a hearing whose time is unknown, want none", res.Planned)
		}
	}
	if rows, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{}); len(rows) != 0 {
		t.Errorf("outbox has %d rows for a hearing whose time is unknown: %+v", len(rows), rows)
	}
	if n := strings.Count(logs.String(), "hearing time not known yet"); n != 1 {
		t.Errorf("logged %d times over two runs, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "level=INFO") || strings.Contains(logs.String(), "208555310") {
		t.Errorf("want one info line with the A-number masked:\n%s", logs.String())
	}

	// The next answer gives the time on the same day: reminders are planned from then on, and no notice says the
	// hearing moved (from a midnight nobody was told).
	f.clock.Advance(24 * time.Hour)
	rec.Start, rec.TimeUnknown = time.Date(2028, 2, 8, 8, 30, 0, 0, chicago), false
	f.hearings(t, rec)
	h := f.hearing(t, "sam-1")
	if h.TimeUnknown || !h.Start.Equal(rec.Start) {
		t.Fatalf("stored hearing: time unknown %v, start %s; want the known time %s", h.TimeUnknown, h.Start, rec.Start)
	}
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	reminders := 0
	for _, r := range rows {
		switch r.Kind {
		case docket.KindReminder:
			reminders++
			if r.Sequence != h.Sequence {
				t.Errorf("reminder planned for sequence %d, hearing is at %d", r.Sequence, h.Sequence)
			}
		case docket.KindRescheduled, docket.KindCancelled:
			t.Errorf("the time becoming known planned a %s notice: %+v", r.Kind, r)
		}
	}
	if reminders != 3 { // the client's texts 7, 3 and 1 days before; Samuel has no counsel
		t.Errorf("planned %d reminders once the time is known, want 3: %+v", reminders, rows)
	}

	// Everything the client is sent states the known time, 8:30.
	f.runUntil(t, rec.Start)
	sent := f.sms.messages()
	if len(sent) != 3 {
		t.Fatalf("sent %d texts, want 3", len(sent))
	}
	for _, s := range sent {
		if !strings.Contains(s.msg.Text, "8:30") || strings.Contains(s.msg.Text, "12:00") {
			t.Errorf("text does not state 8:30 or states midnight:\n%s", s.msg.Text)
		}
	}
}

// A hearing known only by its date that moves to another day has no old time to tell: no notice says it was at
// midnight, and the reminders give the new date and time.
func TestTimeUnknownMovedToAnotherDayGetsNoMidnightNotice(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	rec := docket.HearingRecord{Key: "sam-1", ANumber: "208555310", Start: time.Date(2028, 2, 8, 0, 0, 0, 0, chicago),
		TimeUnknown: true, Zone: "America/Chicago", CourtCode: "DAL", Type: "master", Medium: "in_person"}
	f.hearings(t, rec)
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	rec.Start, rec.TimeUnknown = time.Date(2028, 2, 10, 13, 0, 0, 0, chicago), false
	f.hearings(t, rec)
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	reminders := 0
	for _, r := range rows {
		if r.Kind == docket.KindRescheduled {
			t.Errorf("planned a rescheduled notice whose old start has no known time: %+v", r)
		}
		if r.Kind == docket.KindReminder {
			reminders++
		}
	}
	if reminders != 3 {
		t.Errorf("planned %d reminders for the new date, want 3", reminders)
	}
}

func (f *fixture) hearing(t *testing.T, key string) docket.Hearing {
	t.Helper()
	hs, err := f.db.Hearings(context.Background(), docket.HearingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if h.SourceKey == key {
			return h
		}
	}
	t.Fatalf("no hearing %s", key)
	return docket.Hearing{}
}
