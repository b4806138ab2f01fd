package deadline

import (
	"strings"
	"testing"
	"time"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRuleTable covers every rule on a plain weekday, counted onto a Saturday, a Sunday and a federal holiday (an
// observed one too), and the individual-hearing rule on both sides of each of its effective-date boundaries. The
// expected days are worked out by hand from a calendar. A 15-day rule counts onto a Saturday only from a Sunday
// "hearing": courts do not sit then, but the arithmetic is the same.
func TestRuleTable(t *testing.T) {
	tests := []ruleCase{
		// Individual, 30 days (from February 2025).
		{"individual weekday", RuleIndividual, "2026-05-15", "", "2026-04-15", "2026-04-14", 30, "", false, "Practice Manual ch. 3.1(b)(2) and Appendix C"},
		{"individual weekday before a holiday weekend", RuleIndividual, "2026-03-19", "", "2026-02-17", "2026-02-13", 30, "", false, "Practice"},
		{"individual Saturday then a holiday Monday", RuleIndividual, "2026-03-16", "", "2026-02-17", "2026-02-13", 30, "Saturday", false, "Practice"},
		{"individual Sunday then a holiday Monday", RuleIndividual, "2026-03-17", "", "2026-02-17", "2026-02-13", 30, "Sunday", false, "Practice"},
		{"individual holiday", RuleIndividual, "2026-03-18", "", "2026-02-17", "2026-02-13", 30, "Washington's Birthday", false, "Practice"},
		{"individual Memorial Day", RuleIndividual, "2026-06-24", "", "2026-05-26", "2026-05-22", 30, "Memorial Day", false, "Practice"},
		{"individual observed Independence Day", RuleIndividual, "2026-08-02", "", "2026-07-06", "2026-07-02", 30, "Independence Day", false, "Practice"},
		// Individual across December 23, 2020 (15 → 30 days).
		{"individual last 15-day deadline of 2020", RuleIndividual, "2021-01-06", "", "2020-12-22", "2020-12-21", 15, "", false, "Immigration Court Practice Manual ch. 3.1(b)(ii) (2008)"},
		{"individual 15-day rule ended before its deadline", RuleIndividual, "2021-01-07", "", "2020-12-22", "2020-12-21", 15, "", true, "Immigration"},
		{"individual first 30-day deadline", RuleIndividual, "2021-01-22", "", "2020-12-23", "2020-12-22", 30, "", false, "Practice Manual ch. 3.1(b)(2) as revised December 23, 2020"},
		// December 24, 2020 was closed by executive order, not by 5 U.S.C. 6103: it is a business day here.
		{"individual 30 days onto Christmas 2020", RuleIndividual, "2021-01-24", "", "2020-12-28", "2020-12-24", 30, "Christmas Day", false, "Practice Manual ch. 3.1(b)(2) as revised"},
		// Individual across August 26, 2022 (30 → 15 days).
		{"individual last 30-day deadline of 2022", RuleIndividual, "2022-09-09", "", "2022-08-10", "2022-08-09", 30, "", false, "Practice Manual ch. 3.1(b)(2) as revised"},
		{"individual first 15-day deadline of 2022", RuleIndividual, "2022-09-10", "", "2022-08-26", "2022-08-25", 15, "", false, "Director's Memorandum 22-04"},
		{"individual 15 days once 30 would have ended", RuleIndividual, "2022-09-30", "", "2022-09-15", "2022-09-14", 15, "", false, "Director's"},
		{"individual 15 days onto Labor Day 2022", RuleIndividual, "2022-09-20", "", "2022-09-06", "2022-09-02", 15, "Labor Day", false, "Director's"},
		// Individual across February 1, 2025 (15 → 30 days).
		{"individual last 15-day deadline of 2025", RuleIndividual, "2025-02-14", "", "2025-01-30", "2025-01-29", 15, "", false, "Director's"},
		{"individual 15 days due on the rule's last day", RuleIndividual, "2025-02-15", "", "2025-01-31", "2025-01-30", 15, "", false, "Director's"},
		{"individual 15-day rule ended before its deadline", RuleIndividual, "2025-02-20", "", "2025-01-31", "2025-01-30", 15, "", true, "Director's"},
		{"individual ended, counted onto a holiday weekend", RuleIndividual, "2025-03-02", "", "2025-01-31", "2025-01-30", 15, "", true, "Director's"},
		{"individual first 30-day deadline of 2025", RuleIndividual, "2025-03-04", "", "2025-02-03", "2025-01-31", 30, "Sunday", false, "Practice Manual ch. 3.1(b)(2) and Appendix C"},
		// Master, 15 days.
		{"master weekday", RuleMaster, "2026-03-31", "", "2026-03-16", "2026-03-13", 15, "", false, "Immigration Court Practice Manual ch. 3.1(b)(1)"},
		{"master Saturday", RuleMaster, "2026-03-29", "", "2026-03-16", "2026-03-13", 15, "Saturday", false, "Immigration"},
		{"master Sunday", RuleMaster, "2026-03-30", "", "2026-03-16", "2026-03-13", 15, "Sunday", false, "Immigration"},
		{"master Thanksgiving", RuleMaster, "2026-12-11", "", "2026-11-27", "2026-11-25", 15, "Thanksgiving Day", false, "Immigration"},
		{"master before the 2020 change", RuleMaster, "2020-06-30", "", "2020-06-15", "2020-06-12", 15, "", false, "Immigration"},
		// Request to appear in person at an internet-based hearing, 15 days.
		{"medium weekday", RuleMedium, "2026-04-16", "", "2026-04-01", "2026-03-31", 15, "", false, "Immigration Court Practice Manual ch. 4"},
		{"medium Saturday (Independence Day itself)", RuleMedium, "2026-07-19", "", "2026-07-06", "2026-07-02", 15, "Saturday", false, "Immigration"},
		{"medium Sunday", RuleMedium, "2026-01-05", "", "2025-12-22", "2025-12-19", 15, "Sunday", false, "Immigration"},
		{"medium holiday", RuleMedium, "2026-02-03", "", "2026-01-20", "2026-01-16", 15, "Birthday of Martin Luther King, Jr.", false, "Immigration"},
		{"medium observed holiday", RuleMedium, "2026-07-18", "", "2026-07-06", "2026-07-02", 15, "Independence Day", false, "Immigration"},
		// A judge's order.
		{"ordered weekday", RuleOrdered, "2026-05-01", "2026-04-10", "2026-04-10", "2026-04-09", 0, "", false, "the immigration judge's scheduling order"},
		{"ordered Saturday", RuleOrdered, "2026-05-01", "2026-04-11", "2026-04-13", "2026-04-10", 0, "Saturday", false, "the"},
		{"ordered Sunday", RuleOrdered, "2026-05-01", "2026-04-12", "2026-04-13", "2026-04-10", 0, "Sunday", false, "the"},
		{"ordered holiday", RuleOrdered, "2026-11-01", "2026-10-12", "2026-10-13", "2026-10-09", 0, "Columbus Day", false, "the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t) })
	}
	// Every rule of the table (and a judge's order) has each kind of day; every boundary has a case on each side.
	covered := coverage(t, tests)
	for _, r := range []Rule{RuleIndividual, RuleMaster, RuleMedium, RuleOrdered} {
		for _, what := range []string{"weekday", "Saturday", "Sunday", "holiday"} {
			if !covered[r][what] {
				t.Errorf("no case of rule %s on a %s", r, what)
			}
		}
	}
	for _, s := range Table {
		for _, v := range s.Versions {
			if v.From.IsZero() {
				continue
			}
			for _, side := range []string{"before ", "from "} {
				if !covered[s.Rule][side+v.From.Format(time.DateOnly)] {
					t.Errorf("rule %s: no case %s%s", s.Rule, side, v.From.Format(time.DateOnly))
				}
			}
		}
	}
}

// ruleCase is one row of TestRuleTable.
type ruleCase struct {
	name            string
	rule            Rule
	hearing         string
	ordered         string // RuleOrdered only
	due, safe       string
	days            int
	moved           string
	ended           bool
	authorityPrefix string
}

func (tt ruleCase) check(t *testing.T) {
	var got Deadline
	if tt.rule == RuleOrdered {
		ds := For(Hearing{Day: day(t, tt.hearing), Type: "individual", Ordered: day(t, tt.ordered)})
		if len(ds) != 1 {
			t.Fatalf("For: got %d deadlines, want the ordered one alone: %+v", len(ds), ds)
		}
		got = ds[0]
	} else {
		s, ok := SpecOf(tt.rule)
		if !ok {
			t.Fatalf("no rule %s", tt.rule)
		}
		if got, ok = s.Due(day(t, tt.hearing)); !ok {
			t.Fatal("no deadline")
		}
	}
	if got.Rule != tt.rule {
		t.Errorf("rule: got %s, want %s", got.Rule, tt.rule)
	}
	if g := got.Due.Format(time.DateOnly); g != tt.due {
		t.Errorf("due: got %s (%s), want %s", g, got.Due.Weekday(), tt.due)
	}
	if g := got.Safe.Format(time.DateOnly); g != tt.safe {
		t.Errorf("safe: got %s, want %s", g, tt.safe)
	}
	if got.Days != tt.days || got.Moved != tt.moved || got.Ended != tt.ended {
		t.Errorf("days, moved, ended: got %d %q %v, want %d %q %v", got.Days, got.Moved, got.Ended, tt.days, tt.moved,
			tt.ended)
	}
	if !strings.HasPrefix(got.Authority, tt.authorityPrefix) {
		t.Errorf("authority: got %q, want it to start %q", got.Authority, tt.authorityPrefix)
	}
	if !BusinessDay(got.Due) || !BusinessDay(got.Safe) || !got.Safe.Before(got.Due) {
		t.Errorf("due %s and safe %s must be business days, safe first", got.Due, got.Safe)
	}
}

// coverage says what the cases cover, by rule: "weekday", "Saturday", "Sunday", "holiday" (the day counted), and
// for the individual-hearing rule "before D" and "from D" for a deadline within 20 days before or from each of its
// versions' first days D.
func coverage(t *testing.T, tests []ruleCase) map[Rule]map[string]bool {
	covered := map[Rule]map[string]bool{}
	mark := func(r Rule, what string) {
		if covered[r] == nil {
			covered[r] = map[string]bool{}
		}
		covered[r][what] = true
	}
	for _, tt := range tests {
		switch {
		case tt.moved == "Saturday" || tt.moved == "Sunday":
			mark(tt.rule, tt.moved)
		case tt.moved != "":
			mark(tt.rule, "holiday")
		default:
			mark(tt.rule, "weekday")
		}
		if tt.rule != RuleIndividual {
			continue
		}
		d := day(t, tt.due)
		for _, v := range Table[0].Versions {
			if v.From.IsZero() {
				continue
			}
			b := v.From.Format(time.DateOnly)
			if d.Before(v.From) && !d.Before(v.From.AddDate(0, 0, -20)) {
				mark(tt.rule, "before "+b)
			}
			if !d.Before(v.From) && d.Before(v.From.AddDate(0, 0, 20)) {
				mark(tt.rule, "from "+b)
			}
		}
	}
	return covered
}

func TestFor(t *testing.T) {
	rules := func(ds []Deadline) string {
		var s []string
		for _, d := range ds {
			s = append(s, string(d.Rule)+"@"+d.Due.Format(time.DateOnly))
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		name string
		h    Hearing
		want string
	}{
		{"individual", Hearing{Day: Day(2026, 5, 15), Type: "individual"}, "individual-filings@2026-04-15"},
		{"master", Hearing{Day: Day(2026, 3, 31), Type: "master"}, "master-filings@2026-03-16"},
		{"internet master, earliest first", Hearing{Day: Day(2026, 3, 31), Type: "master", Remote: true},
			"master-filings@2026-03-16 medium-request@2026-03-16"},
		{"internet individual", Hearing{Day: Day(2026, 5, 15), Type: "individual", Remote: true},
			"individual-filings@2026-04-15 medium-request@2026-04-30"},
		{"bond hearing: no default filing deadline", Hearing{Day: Day(2026, 5, 15), Type: "bond"}, ""},
		{"detained: only what the court orders", Hearing{Day: Day(2026, 5, 15), Type: "individual", Detained: true, Remote: true}, ""},
		{"detained with an order", Hearing{Day: Day(2026, 5, 15), Type: "individual", Detained: true,
			Ordered: Day(2026, 5, 1)}, "ordered@2026-05-01"},
		{"an order replaces the default, not the request", Hearing{Day: Day(2026, 5, 15), Type: "individual",
			Remote: true, Ordered: Day(2026, 5, 8)}, "medium-request@2026-04-30 ordered@2026-05-08"},
		{"a start instant's date is the court's", Hearing{Day: time.Date(2026, 5, 15, 8, 30, 0, 0,
			time.FixedZone("CDT", -5*3600)), Type: "individual"}, "individual-filings@2026-04-15"},
	}
	for _, tt := range tests {
		if got := rules(For(tt.h)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExplain(t *testing.T) {
	s, _ := SpecOf(RuleIndividual)
	d, _ := s.Due(Day(2026, 3, 16))
	got := d.Explain()
	for _, want := range []string{
		"Filings for the individual hearing are due by Tuesday, February 17, 2026, 30 days before the hearing of Monday, March 16, 2026",
		"The day counted, Saturday, February 14, 2026, is a Saturday, so the deadline moves to the next business day.",
		"Safe date: Friday, February 13, 2026",
		"Rule: Practice Manual ch. 3.1(b)(2) and Appendix C",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Explain() = %q\nwant it to contain %q", got, want)
		}
	}
}
