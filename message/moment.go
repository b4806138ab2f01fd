package message

import (
	"fmt"
	"time"
)

// Moment is a hearing's start as one reader must be told it. A hearing joined from where the reader is (online, by
// telephone, by video from home) happens at the reader's clock, so it is told in the reader's time first, with the
// court's beside it whenever the two differ; a hearing in person happens at the court's clock, which is the one
// told. A zone abbreviation alone ("CDT") means little to most readers, so a time that could be misread names its
// place: "8:00 a. m., hora de El Paso (9:00 a. m. en Dallas)".
//
// Messages, the replies to FECHA / NEXT and the calendar feeds all tell times through Moment, so they cannot differ.
type Moment struct {
	Start      time.Time      // the instant the hearing starts
	Court      *time.Location // the court's zone; nil: Start's own
	CourtPlace string         // the court's city, e.g. "Dallas"
	Home       *time.Location // the zone of the person who joins (the client); nil: the court's
	HomePlace  string         // the client's city, e.g. "El Paso"; empty says "your time"
	Remote     bool           // joined from where the client is
	// DateOnly marks a start whose day is known and whose time is not: every clock reads "time not yet set by the
	// court" instead of the midnight Start holds.
	DateOnly bool
}

func (m Moment) court() time.Time {
	if m.Court == nil {
		return m.Start
	}
	return m.Start.In(m.Court)
}

func (m Moment) home() time.Time {
	if m.Home == nil {
		return m.court()
	}
	return m.Start.In(m.Home)
}

// Apart reports whether the client's clock and the court's show different times at the start.
func (m Moment) Apart() bool {
	_, c := m.court().Zone()
	_, h := m.home().Zone()
	return c != h
}

// Split reports whether the client must be told two clocks: a remote hearing with the client in another zone.
func (m Moment) Split() bool { return m.Remote && m.Apart() }

// Local is the start on the clock the client goes by: theirs for a remote hearing, the court's otherwise.
func (m Moment) Local() time.Time {
	if m.Split() {
		return m.home()
	}
	return m.court()
}

// CourtTime is the start on the court's clock.
func (m Moment) CourtTime() time.Time { return m.court() }

// HomeTime is the start on the client's clock.
func (m Moment) HomeTime() time.Time { return m.home() }

// Date is the day of the start as the client goes by it, e.g. "martes 9 de febrero de 2027".
func (m Moment) Date(lang string) string { return wordsFor(lang).date(wordsFor(lang), m.Local()) }

// Weekday is Date without the year, e.g. "Tuesday, February 9" / "martes 9 de febrero".
func (m Moment) Weekday(lang string) string {
	w, t := wordsFor(lang), m.Local()
	if BaseLanguage(lang) == "es" {
		return fmt.Sprintf("%s %d de %s", w.weekdays[t.Weekday()], t.Day(), w.months[t.Month()-1])
	}
	return fmt.Sprintf("%s, %s %d", w.weekdays[t.Weekday()], w.months[t.Month()-1], t.Day())
}

// TypeName is what a hearing of type t is called in lang: "master calendar hearing", "audiencia preliminar".
func TypeName(lang, t string) string {
	if n, ok := wordsFor(lang).types[t]; ok {
		return n
	}
	return wordsFor(lang).types["other"]
}

// Clock is the time of the start for the client: "8:00 a. m., hora de El Paso (9:00 a. m. en Dallas)" for a
// remote hearing across zones; "9:00 a. m., hora de El Paso" for an in-person hearing in a zone other than the
// client's, so nobody arrives an hour off; "9:00 a. m." when the client's clock and the court's agree.
func (m Moment) Clock(lang string) string {
	w := wordsFor(lang)
	switch {
	case m.DateOnly:
		return w.noTime
	case m.Split():
		return w.split(w.hour(m.home()), m.HomePlace, w.hour(m.court()), m.CourtPlace)
	case m.Apart() && m.CourtPlace != "":
		return w.placed(w.hour(m.court()), m.CourtPlace)
	default:
		return w.hour(m.Local())
	}
}

// Named is Clock with the place named even when the clocks agree, for an email, where the words cost nothing:
// "1:00 PM Dallas time".
func (m Moment) Named(lang string) string {
	w := wordsFor(lang)
	if m.Split() || m.CourtPlace == "" || m.DateOnly {
		return m.Clock(lang)
	}
	return w.placed(w.hour(m.court()), m.CourtPlace)
}

// At is Clock with its preposition: "a las 8:00 a. m., hora de El Paso (9:00 a. m. en Dallas)", "at 9:00 AM".
func (m Moment) At(lang string) string {
	w := wordsFor(lang)
	if m.DateOnly {
		return m.Clock(lang)
	}
	return w.at(m.Clock(lang), m.Local())
}

// Formal is the start as counsel reads it: court time with its abbreviation and place, and, for a remote hearing
// across zones, the client's: "9:00 AM CDT, Dallas time (the client joins at 8:00 AM MDT, El Paso time)".
func (m Moment) Formal(lang string) string {
	w := wordsFor(lang)
	if m.DateOnly {
		return w.noTime
	}
	c := m.court()
	s := w.placed(w.hour(c)+" "+abbr(c), m.CourtPlace)
	if m.Split() {
		h := m.home()
		s += " " + w.joins(w.hour(h)+" "+abbr(h), m.HomePlace)
	}
	return s
}

func abbr(t time.Time) string {
	a, _ := t.Zone()
	return a
}

// When says, in lang, how far the start is from now on the client's calendar: "mañana" / "tomorrow", "hoy" /
// "today", or "" when it is further (or now is zero).
func (m Moment) When(lang string, now time.Time) string {
	if now.IsZero() {
		return ""
	}
	t := m.Local()
	n := now.In(t.Location())
	y1, m1, d1 := t.Date()
	days := int(time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC).Sub(time.Date(n.Year(), n.Month(), n.Day(), 12, 0, 0, 0, time.UTC)).Hours() / 24)
	w := wordsFor(lang)
	switch days {
	case 0:
		return w.today
	case 1:
		return w.tomorrow
	}
	return ""
}

func wordsFor(lang string) words {
	if w, ok := locales[BaseLanguage(lang)]; ok {
		return w
	}
	return locales[FallbackLanguage]
}

// Placed reports whether Clock names a place, after which a text needs a comma.
func (m Moment) Placed() bool { return m.Split() || (m.Apart() && m.CourtPlace != "") }

// hour12 is the hour on a 12-hour clock, with its minutes unless on the hour: "1", "12:30", as people say them.
func hour12(t time.Time) string {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	if t.Minute() == 0 {
		return fmt.Sprint(h)
	}
	return fmt.Sprintf("%d:%02d", h, t.Minute())
}
