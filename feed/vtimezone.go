package feed

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-ical"
)

// icalLocalFormat is a DATE-TIME in local (wall) time, as a VTIMEZONE
// observance's DTSTART must be.
const icalLocalFormat = "20060102T150405"

// epoch1970 stands in for the onset of an offset that has held since before
// 1970: the usual choice of generators, and it keeps ancient LMT history (and
// dates some clients mishandle) out of the feed.
var epoch1970 = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// VTimezone returns a VTIMEZONE component for loc, correct for every instant
// from the start of firstYear to the end of lastYear in that zone, built from
// Go's zone database.
//
// Observances are in RRULE form (FREQ=YEARLY;BYMONTH=..;BYDAY=..), which
// Outlook handles best. Transitions are read with time.Time.ZoneBounds and
// grouped into runs of consecutive years that follow one rule; a run that
// stops before the span ends gets an UNTIL, a rule still in force after it has
// none, and a transition that follows no yearly rule is an observance of its
// own. A zone without daylight saving time gets a single observance.
func VTimezone(loc *time.Location, firstYear, lastYear int) (*ical.Component, error) {
	if err := checkNamedZone(loc); err != nil {
		return nil, err
	}
	if lastYear < firstYear {
		return nil, fmt.Errorf("vtimezone %s: year span %d-%d is empty", loc, firstYear, lastYear)
	}

	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.Set(&ical.Prop{Name: ical.PropTimezoneID, Params: ical.Params{}, Value: loc.String()})
	for _, r := range zoneRuns(loc, firstYear, lastYear) {
		tz.Children = append(tz.Children, r.component())
	}
	return tz, nil
}

// checkNamedZone refuses locations whose name is not an IANA zone: go-ical
// writes loc.String() as the TZID, and "Local" or a FixedZone's name would
// leave the event floating or wrong in every client.
func checkNamedZone(loc *time.Location) error {
	if loc == nil {
		return fmt.Errorf("time zone is nil")
	}
	name := loc.String()
	if name == "" || name == "Local" {
		return fmt.Errorf("time zone %q is not a named IANA zone", name)
	}
	if _, ok := namedZones.Load(name); ok {
		return nil
	}
	if _, err := time.LoadLocation(name); err != nil {
		return fmt.Errorf("time zone %q is not a named IANA zone: %w", name, err)
	}
	namedZones.Store(name, struct{}{})
	return nil
}

// namedZones are the zone names time.LoadLocation has loaded: it reads the zone database each time, and a feed's
// events are encoded one at a time, each checking its zone.
var namedZones sync.Map

// transition is one change of UTC offset or zone name.
type transition struct {
	at       time.Time // the instant, UTC
	from, to int       // UTC offsets in seconds, before and after
	name     string    // abbreviation after the transition
	dst      bool      // daylight saving time after the transition
}

// wall is the transition's onset in local time before it, which is how RFC
// 5545 writes an observance's DTSTART.
func (t transition) wall() time.Time {
	return t.at.Add(time.Duration(t.from) * time.Second)
}

// ruleKey is what transitions of one yearly rule share, apart from the day.
type ruleKey struct {
	dst       bool
	from, to  int
	name      string
	month     time.Month
	weekday   time.Weekday
	clockSecs int
}

func (t transition) key() ruleKey {
	w := t.wall()
	return ruleKey{
		dst: t.dst, from: t.from, to: t.to, name: t.name,
		month: w.Month(), weekday: w.Weekday(),
		clockSecs: w.Hour()*3600 + w.Minute()*60 + w.Second(),
	}
}

// ordinals is a bit set of the BYDAY ordinals that name a transition's day:
// bit n for "the n-th weekday of the month" (1–5), bit 0 for "the last".
func (t transition) ordinals() uint8 {
	w := t.wall()
	d := w.Day()
	set := uint8(1) << ((d-1)/7 + 1)
	if d+7 > daysIn(w.Year(), w.Month()) {
		set |= 1
	}
	return set
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// run is one observance: onsets in consecutive years that follow one rule.
type run struct {
	onsets   []transition
	ordinals uint8 // BYDAY ordinals every onset agrees with
	open     bool  // the rule is still in force after the span: no UNTIL
}

// zoneRuns lists loc's transitions from the one in force at the start of
// firstYear up to the end of lastYear+1, and groups them into runs. The extra
// year tells a rule that continues from one that ended inside the span.
func zoneRuns(loc *time.Location, firstYear, lastYear int) []*run {
	start := time.Date(firstYear, 1, 1, 0, 0, 0, 0, loc)
	limit := time.Date(lastYear+2, 1, 1, 0, 0, 0, 0, loc)

	var ts []transition
	if begin, _ := start.ZoneBounds(); !begin.IsZero() && !begin.Before(epoch1970) {
		ts = append(ts, transitionAt(loc, begin))
	} else {
		// The offset at the start has held since before 1970 (or forever).
		name, off := start.Zone()
		ts = append(ts, transition{
			at: epoch1970.Add(-time.Duration(off) * time.Second), from: off, to: off,
			name: name, dst: start.IsDST(),
		})
	}
	for t := start; ; {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(limit) {
			break
		}
		tr := transitionAt(loc, end)
		prev := ts[len(ts)-1]
		// The database sometimes splits a period without a visible change.
		if tr.to != prev.to || tr.name != prev.name || tr.dst != prev.dst {
			ts = append(ts, tr)
		}
		t = end
	}

	open := map[ruleKey]*run{}
	var runs []*run
	for _, tr := range ts {
		k, ords := tr.key(), tr.ordinals()
		if r := open[k]; r != nil {
			last := r.onsets[len(r.onsets)-1]
			if tr.wall().Year() == last.wall().Year()+1 && r.ordinals&ords != 0 {
				r.onsets = append(r.onsets, tr)
				r.ordinals &= ords
				continue
			}
		}
		r := &run{onsets: []transition{tr}, ordinals: ords}
		open[k] = r
		runs = append(runs, r)
	}
	for _, r := range runs {
		last := r.onsets[len(r.onsets)-1]
		r.open = len(r.onsets) > 1 && last.wall().Year() == lastYear+1
	}
	slices.SortStableFunc(runs, func(a, b *run) int { return a.onsets[0].at.Compare(b.onsets[0].at) })
	return runs
}

func transitionAt(loc *time.Location, at time.Time) transition {
	after := at.In(loc)
	name, to := after.Zone()
	_, from := at.Add(-time.Nanosecond).In(loc).Zone()
	return transition{at: at.UTC(), from: from, to: to, name: name, dst: after.IsDST()}
}

var bydayCodes = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

func (r *run) component() *ical.Component {
	first := r.onsets[0]
	name := ical.CompTimezoneStandard
	if first.dst {
		name = ical.CompTimezoneDaylight
	}
	c := ical.NewComponent(name)
	set := func(prop, value string) {
		c.Props.Set(&ical.Prop{Name: prop, Params: ical.Params{}, Value: value})
	}
	set(ical.PropDateTimeStart, first.wall().Format(icalLocalFormat))
	set(ical.PropTimezoneOffsetFrom, formatOffset(first.from))
	set(ical.PropTimezoneOffsetTo, formatOffset(first.to))
	if first.name != "" {
		set(ical.PropTimezoneName, first.name)
	}
	if len(r.onsets) > 1 {
		w := first.wall()
		rule := "FREQ=YEARLY;BYMONTH=" + strconv.Itoa(int(w.Month())) +
			";BYDAY=" + r.ordinal() + bydayCodes[w.Weekday()]
		if !r.open {
			rule += ";UNTIL=" + r.onsets[len(r.onsets)-1].at.Format("20060102T150405Z")
		}
		set(ical.PropRecurrenceRule, rule)
	}
	return c
}

// ordinal picks the BYDAY ordinal: the n-th weekday when every onset agrees,
// since that is what the rules of American zones say, else "last" (-1).
func (r *run) ordinal() string {
	for n := 1; n <= 5; n++ {
		if r.ordinals&(1<<n) != 0 {
			return strconv.Itoa(n)
		}
	}
	return "-1"
}

// formatOffset writes a UTC-OFFSET value: ±HHMM, or ±HHMMSS when seconds are
// not zero.
func formatOffset(secs int) string {
	sign := byte('+')
	if secs < 0 {
		sign, secs = '-', -secs
	}
	b := []byte{sign}
	b = fmt.Appendf(b, "%02d%02d", secs/3600, secs/60%60)
	if s := secs % 60; s != 0 {
		b = fmt.Appendf(b, "%02d", s)
	}
	return string(b)
}
