// Package scheduler runs docketd's work on time: syncing sources, planning reminders from policies, and the
// dispatcher that sends each due message exactly once.
package reminder

import (
	"fmt"
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
}

// dueTime computes when a reminder for a hearing at start should reach someone living in loc, or false when there
// is no decent time for it: the time is moved out of quiet hours (later if that is still before the hearing,
// else earlier) and never reaches the hearing's start.
func dueTime(start time.Time, o Offset, loc *time.Location, q Quiet) (time.Time, bool) {
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
func decent(t, start time.Time, q Quiet) (time.Time, bool) {
	t = q.start(t)
	if !t.Before(start) {
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
