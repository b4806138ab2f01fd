// Package scheduler runs docketd's work on time: syncing sources, planning reminders from policies, and the
// dispatcher that sends each due message exactly once.
package reminder

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/docketd/docketd/docket"
)

// Offset is how long before a hearing a reminder goes out. Day offsets land on a local time of day in the
// recipient's zone; hour offsets are exact.
type Offset struct {
	Label  string        // as written: "7d", "2h"
	Days   int           // > 0 for a day offset
	Before time.Duration // for an hour offset
	At     int           // minutes after local midnight, for a day offset
}

// Policy says who gets reminders through which channel, and when.
type Policy struct {
	Name    string
	To      string // client | attorney
	Channel docket.Channel
	Offsets []Offset
	Types   []docket.HearingType // hearing types covered; empty means all
}

func (p Policy) covers(hearingType docket.HearingType) bool {
	if len(p.Types) == 0 {
		return true
	}
	for _, t := range p.Types {
		if t == hearingType {
			return true
		}
	}
	return false
}

// Quiet is the daily window, in the recipient's local time, when nothing is sent. Start == End means none.
type Quiet struct{ Start, End int } // minutes after midnight

func (q Quiet) contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	switch {
	case q.Start == q.End:
		return false
	case q.Start < q.End:
		return m >= q.Start && m < q.End
	default:
		return m >= q.Start || m < q.End
	}
}

// end returns the first instant at or after t (in t's zone) outside the window.
func (q Quiet) end(t time.Time) time.Time {
	if !q.contains(t) {
		return t
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), q.End/60, q.End%60, 0, 0, t.Location())
	if !d.After(t) {
		d = time.Date(t.Year(), t.Month(), t.Day()+1, q.End/60, q.End%60, 0, 0, t.Location())
	}
	return d
}

// start returns the last minute before t's quiet window began (in t's zone): the evening before.
func (q Quiet) start(t time.Time) time.Time {
	if !q.contains(t) {
		return t
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), q.Start/60, q.Start%60, 0, 0, t.Location())
	if d.After(t) {
		d = time.Date(t.Year(), t.Month(), t.Day()-1, q.Start/60, q.Start%60, 0, 0, t.Location())
	}
	return d.Add(-time.Minute)
}

// day is the minutes of a day.
const day = 24 * 60

// quietHours are the daily windows, in the recipient's local time, when nothing goes out to one recipient: the
// configured window, joined by a stricter state law's. The windows are merged (none overlaps or touches another),
// in order of their starts; one window of the whole day means nothing may ever go out.
type quietHours []Quiet

// union merges windows into quietHours: a time is quiet when any of ws holds it. Windows may wrap midnight; a
// window whose start is its end is none.
func union(ws ...Quiet) quietHours {
	type span struct{ from, to int } // [from, to) within one day
	var spans []span
	for _, w := range ws {
		switch {
		case w.Start == w.End:
		case w.Start < w.End:
			spans = append(spans, span{w.Start, w.End})
		default:
			spans = append(spans, span{w.Start, day}, span{0, w.End})
		}
	}
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	merged := []span{spans[0]}
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.from <= last.to {
			last.to = max(last.to, s.to)
			continue
		}
		merged = append(merged, s)
	}
	if len(merged) == 1 && merged[0].from == 0 && merged[0].to == day {
		return quietHours{{Start: 0, End: day}}
	}
	if n := len(merged); n > 1 && merged[0].from == 0 && merged[n-1].to == day {
		// The last span runs to midnight and the first from it: one window across midnight.
		merged[0].from = merged[n-1].from
		merged = merged[:n-1]
	}
	out := make(quietHours, len(merged))
	for i, s := range merged {
		out[i] = Quiet{Start: s.from, End: s.to % day}
	}
	slices.SortFunc(out, func(a, b Quiet) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// allDay reports whether q leaves no minute of the day.
func (q quietHours) allDay() bool { return len(q) == 1 && q[0].Start == 0 && q[0].End == day }

func (q quietHours) contains(t time.Time) bool {
	if q.allDay() {
		return true
	}
	for _, w := range q {
		if w.contains(t) {
			return true
		}
	}
	return false
}

// never is how far end moves a time when no minute of the day is outside quiet hours: past any hearing.
const never = 100 * 365 * 24 * time.Hour

// end returns the first instant at or after t (in t's zone) outside every window.
func (q quietHours) end(t time.Time) time.Time {
	if q.allDay() {
		return t.Add(never)
	}
	for range len(q) + 1 {
		moved := false
		for _, w := range q {
			if w.contains(t) {
				t, moved = w.end(t), true
			}
		}
		if !moved {
			break
		}
	}
	return t
}

// start returns the last minute before t's quiet hours began (in t's zone), or the zero time when no minute of
// the day is outside them.
func (q quietHours) start(t time.Time) time.Time {
	if q.allDay() {
		return time.Time{}
	}
	for range len(q) + 1 {
		moved := false
		for _, w := range q {
			if w.contains(t) {
				t, moved = w.start(t), true
			}
		}
		if !moved {
			break
		}
	}
	return t
}

// quietFor returns the quiet hours of a recipient reached on channel whose law state (docket.LawState) is state:
// the configured window, joined for texts by the hours a stricter state law forbids (texts and calls are what those
// laws govern; an email is not narrowed).
func (r Rules) quietFor(channel docket.Channel, state string) quietHours {
	if law, ok := r.lawFor(channel, state); ok {
		return union(r.Quiet, Quiet{Start: law.Until, End: law.From})
	}
	return union(r.Quiet)
}

// lawFor returns the stricter state law on the hours of texts that governs a message on channel to someone whose
// law state is state, false when none does.
func (r Rules) lawFor(channel docket.Channel, state string) (docket.HoursLaw, bool) {
	if !channel.ByPhone() {
		return docket.HoursLaw{}, false
	}
	return docket.HoursLawOf(state)
}

// Rules are the reminder settings of the config.
type Rules struct {
	Policies      []Policy
	Quiet         Quiet
	CatchUp       time.Duration
	NotifyChanges bool
	DefaultZone   *time.Location // for people with no zone of their own
	OrgName       string
	OrgShort      string // the name texts begin with; empty: OrgName
	OrgPhone      string
	// Precedence lists sources from most to least trusted; when two report one case on one day, only the first
	// source's hearing gets reminders (see docket.Prevailing).
	Precedence []string
	// Deadlines turns on counsel's filing deadlines ([deadlines] enabled): named in counsel's email reminders, and
	// the alarm when a hearing moves earlier onto one (see deadlineAlarms).
	Deadlines bool
	// Fallback moves a client's reminder down their channels (see ladder.go): docket.FallbackUndelivered,
	// docket.FallbackUnconfirmed, or "" / "off" for never.
	Fallback string
}

// dueTime computes when a reminder for a hearing at start should reach someone living in loc, or false when there
// is no decent time for it: the time is moved out of quiet hours (later if that is still before the hearing,
// else earlier) and never reaches the hearing's start.
func dueTime(start time.Time, o Offset, loc *time.Location, q quietHours) (time.Time, bool) {
	var due time.Time
	if o.Days > 0 {
		local := start.In(loc)
		due = time.Date(local.Year(), local.Month(), local.Day()-o.Days, o.At/60, o.At%60, 0, 0, loc)
	} else {
		due = start.Add(-o.Before).In(loc)
	}
	return decent(due, start, q)
}

// decent moves t out of quiet hours to the evening before them: a reminder that comes early is still useful, one
// moved to the morning of the hearing may come too late to get to court. A time at or after the start is never
// decent.
func decent(t, start time.Time, q quietHours) (time.Time, bool) {
	t = q.start(t)
	if t.IsZero() || !t.Before(start) {
		return time.Time{}, false
	}
	return t, true
}

func (o Offset) String() string {
	if o.Label != "" {
		return o.Label
	}
	if o.Days > 0 {
		return fmt.Sprintf("%dd", o.Days)
	}
	return o.Before.String()
}
