package reminder

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// A household's message names its people in one order, whatever the order of its outbox rows: counsel's email
// subject is the same on every render and retry.
func TestHouseholdNamesDoNotDependOnRowOrder(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	f.hearings(t, family(start)...)
	ctx := context.Background()
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := f.db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var rows []docket.Reminder
	for _, r := range all {
		if r.Recipient == docket.ToAttorney && r.Channel == docket.Email && r.Kind == docket.KindReminder {
			rows = append(rows, r)
		}
	}
	if len(rows) != 4 {
		t.Fatalf("counsel's reminder rows: got %d, want one per family member", len(rows))
	}
	for _, r := range rows[1:] {
		if r.GroupKey != rows[0].GroupKey {
			t.Fatalf("counsel's rows are not one group: %q and %q", rows[0].GroupKey, r.GroupKey)
		}
	}
	r := f.disp.Renderer
	first, _, err := r.Render(ctx, rows, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(rows)
	slices.Reverse(reversed)
	second, _, err := r.Render(ctx, reversed, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Subject != second.Subject {
		t.Errorf("subject depends on the rows' order:\n%s\n%s", first.Subject, second.Subject)
	}
	if first.Text != second.Text {
		t.Error("text depends on the rows' order")
	}
	// By A-number: the order EOIR issued them in, the lead respondent's first.
	if want := "Rosa Mendoza, Jorge Mendoza, Valeria Mendoza y Mateo Mendoza"; !strings.Contains(first.Subject, want) {
		t.Errorf("subject %q does not name %s", first.Subject, want)
	}
}
