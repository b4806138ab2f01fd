package reminder

import (
	"context"
	"fmt"
	"time"

	"github.com/docketd/docketd/deadline"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
)

// Counsel's deadlines (SPEC §12). A hearing moved earlier drags its filing deadlines with it; when one of them has
// passed by then, or is a week away at most, counsel are emailed at once, marked urgent: the "moved earlier" alarm.
// Other tools fail here, because a deadline computed once from the first date is silently wrong after such a move.

// alarmWindow is how close a deadline brought earlier by a move raises the alarm: a week, the time a filing takes to
// put together.
const alarmWindow = 7 // days

// priorView is h as it stood before its latest change, from the change log: its start, type, medium and judge's
// deadline. It is false unless the start changed from a known instant (a start known only by its date, or a time
// of day just learnt, is no move).
func priorView(h docket.Hearing, changes []docket.HearingChange) (docket.Hearing, bool) {
	before, moved := h, false
	for _, c := range changes {
		switch c.Field {
		case "start":
			// The log keeps a start whose time was not known as its court-local day.
			if day, err := time.ParseInLocation(time.DateOnly, c.From, h.Location()); err == nil {
				before.Start, before.TimeUnknown, moved = day, true, true
				continue
			}
			t, err := time.Parse(time.RFC3339, c.From)
			if err != nil {
				return h, false
			}
			before.Start, before.TimeUnknown, moved = t, false, true
		case "type":
			before.Type = docket.HearingType(c.From)
		case "medium":
			before.Medium = docket.Medium(c.From)
		case "filing_deadline":
			before.FilingDeadline = c.From
		case "time":
			return h, false
		}
	}
	return before, moved
}

// alarm is a deadline a move brought close, with where it was before.
type alarm struct {
	deadline.Deadline
	before time.Time // zero when the rule had no deadline before the move
}

// alarming returns the deadlines of h that its move from where before had it raises the alarm for, earliest
// first: each one the move brought earlier (or created), that had not passed on the day of the move (at, in the
// court's zone) under the former date — a deadline already past then asked nothing new of counsel — and that has
// passed by then or falls within alarmWindow days of it. A hearing that did not move earlier raises none.
func alarming(h, before docket.Hearing, at time.Time) []alarm {
	if !h.Start.Before(before.Start) {
		return nil
	}
	today := deadline.DayOf(at.In(h.Location()))
	was := map[deadline.Rule]time.Time{}
	for _, d := range deadline.Of(before) {
		was[d.Rule] = d.Due
	}
	var out []alarm
	for _, d := range deadline.Of(h) {
		old, had := was[d.Rule]
		switch {
		case had && !d.Due.Before(old): // not brought earlier
		case had && old.Before(today): // already past before the move
		case d.Due.After(today.AddDate(0, 0, alarmWindow)): // still more than a week away
		default:
			out = append(out, alarm{Deadline: d, before: old})
		}
	}
	return out
}

// deadlineAlarms plans the alarm for h's latest change (changes, from the change log) when it moved h earlier onto a
// filing deadline (alarming): one email to each of h's counsel who has an address, whatever the policies say, due
// at once (outside quiet hours, like a change notice). Its key names the hearing's sequence, so a move raises it
// once, and a later move again.
func (p *Planner) deadlineAlarms(h docket.Hearing, rules Rules, now time.Time, changes []docket.HearingChange) []docket.Reminder {
	// A hearing moved to a day whose time the court has not given yet is alarmed too: the filing deadlines count
	// from the day, and the alarm names the day with no time.
	if !rules.Deadlines || h.Status != docket.StatusScheduled {
		return nil
	}
	counsel := counselByEmail(h, rules)
	if len(counsel) == 0 {
		return nil
	}
	before, moved := priorView(h, changes)
	if !moved || len(alarming(h, before, h.ChangedAt)) == 0 {
		return nil
	}
	return p.atOnce(h, docket.KindDeadline, [][]recipient{counsel}, now,
		"deadline alarm has no decent time before the hearing; counsel's feed shows the deadline")
}

// noteDeadlines gives a message to counsel by email the deadlines of its hearing: every one in a reminder (with
// [deadlines] on), and in an alarm the ones the move brought close, with the former date of the hearing, marked
// urgent.
func (r *Renderer) noteDeadlines(ctx context.Context, n *message.Notice, first docket.Reminder, h docket.Hearing, rules Rules) error {
	if !n.ToCounsel || first.Channel != docket.Email {
		return nil
	}
	today := deadline.DayOf(n.Now.In(h.Location()))
	note := func(d deadline.Deadline, before time.Time) message.Deadline {
		m := message.Deadline{Rule: string(d.Rule), What: d.What, Short: d.Short, Due: d.Due, Safe: d.Safe,
			Days: d.Days, Authority: d.Authority, Passed: !n.Now.IsZero() && d.Due.Before(today),
			Near: !n.Now.IsZero() && !d.Due.After(today.AddDate(0, 0, alarmWindow))}
		if !before.Equal(d.Due) {
			m.Before = before
		}
		return m
	}
	switch first.Kind {
	case docket.KindReminder:
		if !rules.Deadlines {
			return nil
		}
		for _, d := range deadline.Of(h) {
			n.Deadlines = append(n.Deadlines, note(d, time.Time{}))
		}
	case docket.KindDeadline:
		n.Urgent = true
		changes, err := r.db.LastChange(ctx, h)
		if err != nil {
			return fmt.Errorf("deadlines of hearing %d: %w", h.ID, err)
		}
		if before, moved := priorView(h, changes); moved {
			n.OldStart, n.OldTimeUnknown = before.Start, before.TimeUnknown
			for _, a := range alarming(h, before, h.ChangedAt) {
				n.Deadlines = append(n.Deadlines, note(a.Deadline, a.before))
			}
		}
		if len(n.Deadlines) == 0 {
			// The row was planned for this very change, so this is only a safeguard: name every deadline.
			for _, d := range deadline.Of(h) {
				n.Deadlines = append(n.Deadlines, note(d, time.Time{}))
			}
		}
	}
	return nil
}
