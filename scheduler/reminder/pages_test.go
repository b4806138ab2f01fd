package reminder

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// Paging by at least pageHearings hearings plans exactly what paging by single court days plans: the same rows, due
// at the same times, for hearings on either side of every page's end, evening hearings (before 10:00 UTC) included.
func TestPagesOfManyDaysPlanWhatDayPagesPlan(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	var recs []docket.HearingRecord
	people := []docket.ANumber{"201555101", "201555102", "201555103", "201555104", "208555310"}
	for i := range 700 {
		day := t0.AddDate(0, 0, 9+i/25) // 25 hearings a day for four weeks
		// Morning and evening sessions: from 8:00 to 21:00 Chicago time, some after midnight UTC.
		start := time.Date(day.Year(), day.Month(), day.Day(), 8+(i%14), 15*(i%4), 0, 0, chicago)
		recs = append(recs, docket.HearingRecord{Key: fmt.Sprint("h", i), ANumber: people[i%len(people)], Start: start,
			Zone: "America/Chicago", CourtCode: "DAL", Type: "master", Medium: "in_person"})
	}
	plan := func(page int) []string {
		saved := pageHearings
		pageHearings = page
		defer func() { pageHearings = saved }()
		f := newFixture(t, t0)
		f.hearings(t, recs...)
		if _, err := f.plan.Plan(context.Background()); err != nil {
			t.Fatal(err)
		}
		rows, err := f.db.OutboxRows(context.Background(), docket.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.DedupeKey+" "+r.Due.UTC().Format(time.RFC3339))
		}
		slices.Sort(out)
		return out
	}
	byDay, byMany := plan(1), plan(500)
	if len(byDay) < 700 {
		t.Fatalf("only %d rows planned for 700 hearings", len(byDay))
	}
	if !slices.Equal(byDay, byMany) {
		t.Errorf("pages of 500 hearings planned %d rows, pages of one day %d; they differ", len(byMany), len(byDay))
	}
	if small := plan(37); !slices.Equal(byDay, small) {
		t.Errorf("pages of 37 hearings planned %d rows, pages of one day %d; they differ", len(small), len(byDay))
	}
}
