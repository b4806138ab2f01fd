package source_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/source"
)

// decidedNoSchedule is the sample answer about aNumber with the case decided (a decision code and a completion
// date) and no hearing scheduled: Schedule null, or kept with its fields empty.
func decidedNoSchedule(t *testing.T, aNumber, caseID string, emptySchedule bool) string {
	t.Helper()
	s := sampleFor(t, aNumber, caseID)
	s = strings.Replace(s, `"CompDate": null`, `"CompDate": "2026-11-30T00:00:00"`, 1)
	s = strings.Replace(s, `"DecisionCode": null`, `"DecisionCode": "X"`, 1)
	i := strings.Index(s, `"Schedule": {`)
	if i < 0 {
		t.Fatal("sample has no Schedule")
	}
	if emptySchedule {
		return s[:i] + `"Schedule": {"AdjDate": null, "AdjTime": null, "CalType": null, "HearingLocationCode": null}}`
	}
	return s[:i] + `"Schedule": null}`
}

// A decided case with no hearing scheduled: the hearing docketd had is not cancelled on the answer, nor kept for
// ever. It stays scheduled (with its reminders) for the source's grace period, the office is told on each run, and
// it is cancelled once the grace period is over; an answer listing the hearing again before that restores it. This
// holds for a source that is not complete too, since the answer is about that very case.
func TestACISDecidedWithNoHearingIsCancelledAfterGrace(t *testing.T) {
	for _, tc := range []struct {
		name          string
		complete      bool
		emptySchedule bool
	}{
		{"not complete", false, false},
		{"complete", true, false},
		{"empty schedule", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheduled := sampleFor(t, "201555123", "71002233")
			decided := decidedNoSchedule(t, "201555123", "71002233", tc.emptySchedule)
			r := newACISRun(t, acisAnswers(t, map[string]string{"201555123": scheduled}), "201555123")
			r.spec.Complete = tc.complete
			var logs bytes.Buffer
			r.s.Log = slog.New(docket.MaskingHandler(slog.NewTextHandler(&logs, nil)))
			r.run(t)
			if h := r.hearings(t)["201555123"]; h.Status != docket.StatusScheduled {
				t.Fatalf("first run: status %q, want scheduled", h.Status)
			}
			acis := r.spec.Reader.(*source.ACIS)

			// One answer: the hearing is kept, marked missing, and the office is told.
			acis.URL = acisAnswers(t, map[string]string{"201555123": decided})
			r.now = r.now.Add(time.Hour)
			rep := r.run(t)
			h := r.hearings(t)["201555123"]
			if h.Status != docket.StatusScheduled || h.MissingSince == nil || rep.Cancelled != 0 || rep.Missing != 1 {
				t.Fatalf("one decided answer: status %q missing since %v, report %s; want scheduled, missing, "+
					"nothing cancelled", h.Status, h.MissingSince, rep)
			}
			if !strings.Contains(rep.String(), "1 missing, within grace") {
				t.Errorf("report %q does not say the hearing is missing", rep)
			}
			out := logs.String()
			if !strings.Contains(out, "decided and lists no hearing") || !strings.Contains(out, "a_number=") {
				t.Errorf("the office is not told of the decided case:\n%s", out)
			}
			if strings.Contains(out, "201555123") {
				t.Errorf("log shows the A-number unmasked:\n%s", out)
			}

			// Within the grace period the hearing stays scheduled, however many answers say the same.
			r.now = r.now.Add(48 * time.Hour)
			r.run(t)
			if h := r.hearings(t)["201555123"]; h.Status != docket.StatusScheduled {
				t.Fatalf("within grace: status %q, want scheduled", h.Status)
			}

			// Past the grace period it is cancelled, with the change on record (the planner's cancellation notice
			// reaches client and counsel).
			r.now = r.now.Add(24 * time.Hour)
			rep = r.run(t)
			h = r.hearings(t)["201555123"]
			if h.Status != docket.StatusCancelled || rep.Cancelled != 1 || h.Sequence != 1 {
				t.Fatalf("past grace: status %q sequence %d, report %s; want cancelled at sequence 1", h.Status,
					h.Sequence, rep)
			}
		})
	}
}

// One odd answer never cancels: when ACIS lists the hearing again within the grace period, it is as it was.
func TestACISDecidedAnswerThenScheduledAgainRestoresTheHearing(t *testing.T) {
	scheduled := sampleFor(t, "201555123", "71002233")
	r := newACISRun(t, acisAnswers(t, map[string]string{"201555123": scheduled}), "201555123")
	r.spec.Complete = false
	r.run(t)
	acis := r.spec.Reader.(*source.ACIS)
	acis.URL = acisAnswers(t, map[string]string{"201555123": decidedNoSchedule(t, "201555123", "71002233", false)})
	r.now = r.now.Add(time.Hour)
	r.run(t)
	acis.URL = acisAnswers(t, map[string]string{"201555123": scheduled})
	r.now = r.now.Add(time.Hour)
	rep := r.run(t)
	h := r.hearings(t)["201555123"]
	if h.Status != docket.StatusScheduled || h.MissingSince != nil || h.Sequence != 0 || rep.Restored != 1 {
		t.Errorf("listed again: status %q missing since %v sequence %d, report %s; want scheduled, not missing, "+
			"unchanged", h.Status, h.MissingSince, h.Sequence, rep)
	}
	// A decided case docketd never had a hearing for adds nothing.
	acis.Cases = append(acis.Cases, source.ACISCase{ANumber: "201555124", Nationality: "MX"})
	acis.URL = acisAnswers(t, map[string]string{"201555123": scheduled,
		"201555124": decidedNoSchedule(t, "201555124", "71002234", false)})
	r.now = r.now.Add(time.Hour)
	rep = r.run(t)
	if _, ok := r.hearings(t)["201555124"]; ok || rep.Created != 0 || rep.Rejected != 0 {
		t.Errorf("decided case with no stored hearing: report %s, want nothing created or rejected", rep)
	}
}

// An office whose only tracked case is decided: the answer is about the case, not an empty source, so the pass is
// not refused (which would keep the hearing scheduled for ever) and the hearing goes through the grace rule.
func TestACISOnlyCaseDecidedIsNotAnEmptySource(t *testing.T) {
	r := newACISRun(t, acisAnswers(t, map[string]string{"201555123": sampleFor(t, "201555123", "71002233")}),
		"201555123")
	r.run(t)
	r.spec.Reader.(*source.ACIS).URL = acisAnswers(t, map[string]string{
		"201555123": decidedNoSchedule(t, "201555123", "71002233", false)})
	r.now = r.now.Add(time.Hour)
	rep, err := r.s.Run(context.Background(), r.spec, false, nil)
	if err != nil || rep.Missing != 1 {
		t.Fatalf("run: %v, report %s; want the hearing marked missing", err, rep)
	}
}
