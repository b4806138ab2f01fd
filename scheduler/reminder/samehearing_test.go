package reminder

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// rosaOn is Rosa's master hearing at Dallas as a source lists it.
func rosaOn(start time.Time) docket.HearingRecord {
	return docket.HearingRecord{Key: "rosa-master", ANumber: "201555101", Start: start, Zone: "America/Chicago",
		CourtCode: "DAL", Type: "master", Medium: "in_person"}
}

// sameHearingStory lists Rosa's hearing on March 15 in the config and in the office's CSV, then lets mover move it
// to March 29 while the other source keeps saying March 15, and runs reminders until after March 29.
func sameHearingStory(t *testing.T, mover string) (f *fixture, march15, march29 time.Time) {
	t.Helper()
	t0 := time.Date(2028, 2, 20, 16, 0, 0, 0, time.UTC)
	f = newFixture(t, t0)
	f.rules.Precedence = []string{"config", "office"}
	march15 = time.Date(2028, 3, 15, 8, 30, 0, 0, chicago)
	march29 = time.Date(2028, 3, 29, 8, 30, 0, 0, chicago)
	f.hearingsFrom(t, "config", rosaOn(march15))
	f.hearingsFrom(t, "office", rosaOn(march15))
	if _, err := f.plan.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Hour)
	f.hearingsFrom(t, mover, rosaOn(march29))
	return f, march15, march29
}

// oneEvent checks that a feed's read of the office's hearings (all sources, by precedence) shows Rosa's hearing once,
// at want.
func oneEvent(t *testing.T, f *fixture, want time.Time) {
	t.Helper()
	hs, err := f.db.Hearings(context.Background(), docket.HearingFilter{From: f.clock.Now(), Precedence: f.rules.Precedence})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || !hs[0].Start.Equal(want) || hs[0].Source != "config" {
		var got []string
		for _, h := range hs {
			got = append(got, h.Source+"@"+h.Start.In(chicago).Format(time.DateTime))
		}
		t.Errorf("feed shows %v, want one event from config at %s", got, want.In(chicago).Format(time.DateTime))
	}
}

func TestConfigMovesAHearingTheCSVAlsoLists(t *testing.T) {
	f, _, march29 := sameHearingStory(t, "config")
	oneEvent(t, f, march29)
	f.runUntil(t, march29.Add(24*time.Hour))
	var notices, for15, for29 int
	for _, s := range f.sms.messages() {
		text := s.msg.Text
		switch {
		case strings.Contains(text, "29 de marzo") && strings.Contains(text, "15 de marzo"):
			notices++
		case strings.Contains(text, "15 de marzo"):
			for15++
		case strings.Contains(text, "29 de marzo"):
			for29++
		default:
			t.Errorf("text names neither date:\n%s", text)
		}
	}
	if notices != 1 || for15 != 0 || for29 != 3 {
		t.Errorf("texts: %d notices (want 1), %d reminders for March 15 (want 0), %d for March 29 (want 3)",
			notices, for15, for29)
	}
	for _, s := range f.email.messages() {
		if strings.Contains(s.msg.Text, "15 de marzo") && !strings.Contains(s.msg.Text, "29 de marzo") {
			t.Errorf("counsel reminded of March 15:\n%s", s.msg.Text)
		}
	}
	oneEvent(t, f, march29)
}

func TestCSVMovesAHearingTheConfigAlsoLists(t *testing.T) {
	f, march15, _ := sameHearingStory(t, "office")
	oneEvent(t, f, march15)
	f.runUntil(t, march15.Add(24*time.Hour))
	var for15 int
	for _, s := range f.sms.messages() {
		text := s.msg.Text
		if strings.Contains(text, "29 de marzo") {
			t.Errorf("the less trusted source's date reached the client:\n%s", text)
		}
		if strings.Contains(text, "15 de marzo") {
			for15++
		}
	}
	if for15 != 3 {
		t.Errorf("texts for March 15: %d, want 3", for15)
	}
	for _, s := range f.email.messages() {
		if strings.Contains(s.msg.Text, "29 de marzo") {
			t.Errorf("counsel told of the less trusted source's date:\n%s", s.msg.Text)
		}
	}
	oneEvent(t, f, march15)
}
