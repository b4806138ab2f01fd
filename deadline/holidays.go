package deadline

import (
	"slices"
	"sync"
	"time"
)

// Day is a calendar day: midnight UTC of that date. Deadlines are dates, not instants; keeping them at UTC midnight
// makes two days compare and subtract without a zone's daylight-saving hour getting in the way.
func Day(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

// DayOf is the calendar day of t as t's own zone has it (a hearing's start in the court's zone gives the court's
// date).
func DayOf(t time.Time) time.Time { return Day(t.Year(), t.Month(), t.Day()) }

// Holiday is a legal public holiday of the federal government on the day it is observed.
type Holiday struct {
	Day  time.Time // the observed day (see Day)
	Name string
}

// Holidays lists the legal public holidays of 5 U.S.C. 6103(a) observed in year, in order of date, with the rule of
// 5 U.S.C. 6103(b) and Executive Order 11582 for full-time employees on a Monday-to-Friday week: a holiday on a
// Saturday is observed on the Friday before, one on a Sunday on the Monday after. So New Year's Day of year+1 is
// listed here when it falls on a Saturday (observed on December 31), and New Year's Day of year is not.
//
// Left out: Inauguration Day (a holiday only in the Washington, D.C. area, every four years) and the extra days a
// President closes federal offices by executive order (e.g. December 24 in some years); both are announced, not
// computed. Juneteenth is a holiday from 2021 (Pub. L. 117-17), Martin Luther King Jr.'s birthday from 1986.
func Holidays(year int) []Holiday { return slices.Clone(observed(year)) }

// years holds each year's observed holidays once computed: a feed of thousands of hearings asks whether a court is
// open on many days of the same few years, and each answer is then a lookup.
var years sync.Map // int → []Holiday

// observed is Holidays(year), computed once per year and shared: callers must not change it.
func observed(year int) []Holiday {
	if hs, ok := years.Load(year); ok {
		return hs.([]Holiday)
	}
	hs, _ := years.LoadOrStore(year, holidays(year))
	return hs.([]Holiday)
}

// holidays computes Holidays(year).
func holidays(year int) []Holiday {
	var out []Holiday
	add := func(d time.Time, name string) {
		switch d.Weekday() {
		case time.Saturday:
			d = d.AddDate(0, 0, -1)
		case time.Sunday:
			d = d.AddDate(0, 0, 1)
		}
		if d.Year() == year {
			out = append(out, Holiday{Day: d, Name: name})
		}
	}
	add(Day(year, time.January, 1), "New Year's Day")
	if year >= 1986 {
		add(nthWeekday(year, time.January, time.Monday, 3), "Birthday of Martin Luther King, Jr.")
	}
	add(nthWeekday(year, time.February, time.Monday, 3), "Washington's Birthday")
	add(lastWeekday(year, time.May, time.Monday), "Memorial Day")
	if year >= 2021 {
		add(Day(year, time.June, 19), "Juneteenth National Independence Day")
	}
	add(Day(year, time.July, 4), "Independence Day")
	add(nthWeekday(year, time.September, time.Monday, 1), "Labor Day")
	add(nthWeekday(year, time.October, time.Monday, 2), "Columbus Day")
	add(Day(year, time.November, 11), "Veterans Day")
	add(nthWeekday(year, time.November, time.Thursday, 4), "Thanksgiving Day")
	add(Day(year, time.December, 25), "Christmas Day")
	add(Day(year+1, time.January, 1), "New Year's Day") // observed on December 31 when it falls on a Saturday
	return out
}

// HolidayOn returns the federal holiday observed on day d, if any.
func HolidayOn(d time.Time) (Holiday, bool) {
	d = DayOf(d)
	for _, h := range observed(d.Year()) {
		if h.Day.Equal(d) {
			return h, true
		}
	}
	return Holiday{}, false
}

// BusinessDay reports whether the immigration courts are open on d: a weekday that is not a federal holiday.
func BusinessDay(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, holiday := HolidayOn(d)
	return !holiday
}

// NextBusinessDay is d when the courts are open on d, else the first day after it that they are.
func NextBusinessDay(d time.Time) time.Time {
	d = DayOf(d)
	for !BusinessDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// PreviousBusinessDay is the last business day strictly before d.
func PreviousBusinessDay(d time.Time) time.Time {
	d = DayOf(d).AddDate(0, 0, -1)
	for !BusinessDay(d) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// nthWeekday is the n-th weekday wd of month (n from 1).
func nthWeekday(year int, month time.Month, wd time.Weekday, n int) time.Time {
	first := Day(year, month, 1)
	shift := (int(wd) - int(first.Weekday()) + 7) % 7
	return first.AddDate(0, 0, shift+7*(n-1))
}

// lastWeekday is the last weekday wd of month.
func lastWeekday(year int, month time.Month, wd time.Weekday) time.Time {
	last := Day(year, month+1, 0)
	shift := (int(last.Weekday()) - int(wd) + 7) % 7
	return last.AddDate(0, 0, -shift)
}
