package deadline

import (
	"testing"
	"time"
)

// opm is the federal holidays schedule OPM publishes (opm.gov, "Federal Holidays"), as observed, for 2025 to 2028.
// OPM lists New Year's Day 2028, a Saturday, in its 2027 table as observed on Friday, December 31, 2027.
var opm = map[int][]string{
	2025: {"2025-01-01", "2025-01-20", "2025-02-17", "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01",
		"2025-10-13", "2025-11-11", "2025-11-27", "2025-12-25"},
	2026: {"2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07",
		"2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25"},
	2027: {"2027-01-01", "2027-01-18", "2027-02-15", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06",
		"2027-10-11", "2027-11-11", "2027-11-25", "2027-12-24", "2027-12-31"},
	2028: {"2028-01-17", "2028-02-21", "2028-05-29", "2028-06-19", "2028-07-04", "2028-09-04", "2028-10-09",
		"2028-11-10", "2028-11-23", "2028-12-25"},
}

func TestHolidaysMatchOPM(t *testing.T) {
	for year, want := range opm {
		got := Holidays(year)
		if len(got) != len(want) {
			t.Errorf("%d: got %d holidays %v, want %d %v", year, len(got), got, len(want), want)
			continue
		}
		for i, h := range got {
			if g := h.Day.Format(time.DateOnly); g != want[i] {
				t.Errorf("%d: holiday %d (%s): got %s, want %s", year, i, h.Name, g, want[i])
			}
		}
	}
}

func TestBusinessDays(t *testing.T) {
	tests := []struct {
		day        string
		business   bool
		next, prev string
	}{
		{"2026-07-03", false, "2026-07-06", "2026-07-02"}, // Independence Day observed on Friday
		{"2026-07-04", false, "2026-07-06", "2026-07-02"}, // the Saturday itself
		{"2027-12-31", false, "2028-01-03", "2027-12-30"}, // New Year's Day 2028 observed
		{"2028-01-01", false, "2028-01-03", "2027-12-30"},
		{"2027-12-24", false, "2027-12-27", "2027-12-23"}, // Christmas observed on Friday
		{"2025-01-20", false, "2025-01-21", "2025-01-17"}, // Martin Luther King Jr. Day
		{"2026-03-17", true, "2026-03-17", "2026-03-16"},
		{"2026-03-16", true, "2026-03-16", "2026-03-13"}, // Monday: the business day before is Friday
	}
	for _, tt := range tests {
		d, _ := time.Parse(time.DateOnly, tt.day)
		if got := BusinessDay(d); got != tt.business {
			t.Errorf("BusinessDay(%s) = %v, want %v", tt.day, got, tt.business)
		}
		if got := NextBusinessDay(d).Format(time.DateOnly); got != tt.next {
			t.Errorf("NextBusinessDay(%s) = %s, want %s", tt.day, got, tt.next)
		}
		if got := PreviousBusinessDay(d).Format(time.DateOnly); got != tt.prev {
			t.Errorf("PreviousBusinessDay(%s) = %s, want %s", tt.day, got, tt.prev)
		}
	}
}

// TestHolidaysEveryYear checks the observed-day rules over a span of years: eleven holidays a year once Juneteenth
// is one, none on a weekend, and New Year's Day in exactly one of the two years it can be observed in.
func TestHolidaysEveryYear(t *testing.T) {
	for year := 2021; year <= 2060; year++ {
		n := 0
		for _, h := range Holidays(year) {
			if wd := h.Day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Errorf("%d: %s observed on a %s", year, h.Name, wd)
			}
			if h.Day.Year() != year {
				t.Errorf("%d: %s listed on %s", year, h.Name, h.Day.Format(time.DateOnly))
			}
			n++
		}
		jan1 := Day(year, time.January, 1).Weekday() == time.Saturday
		dec31 := Day(year+1, time.January, 1).Weekday() == time.Saturday
		want := 11
		if jan1 {
			want--
		}
		if dec31 {
			want++
		}
		if n != want {
			t.Errorf("%d: %d holidays, want %d", year, n, want)
		}
	}
}

func BenchmarkBusinessDay(b *testing.B) {
	d := Day(2027, time.July, 5)
	for b.Loop() {
		BusinessDay(d)
	}
}

func BenchmarkForInternetIndividual(b *testing.B) {
	h := Hearing{Day: Day(2027, time.May, 14), Type: "individual", Remote: true}
	for b.Loop() {
		For(h)
	}
}
