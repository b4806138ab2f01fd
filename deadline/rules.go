package deadline

import (
	"fmt"
	"strings"
	"time"
)

// Rule names a kind of deadline. It is part of a deadline's identity (its calendar UID), so it never changes.
type Rule string

// The deadlines a hearing can have.
const (
	// RuleIndividual: filings (evidence, briefs, witness lists) for an individual (merits) hearing of a respondent
	// who is not detained.
	RuleIndividual Rule = "individual-filings"
	// RuleMaster: filings on which a ruling is wanted at a master calendar hearing of a respondent who is not detained.
	RuleMaster Rule = "master-filings"
	// RuleMedium: a written request to appear in person, or remotely, at an internet-based hearing.
	RuleMedium Rule = "medium-request"
	// RuleOrdered: the filing deadline a judge's scheduling order set; it replaces RuleIndividual and RuleMaster.
	RuleOrdered Rule = "ordered"
)

// Version is one period of a rule: how many days before the hearing it counts, and which deadlines it governs —
// those that fall on a day from From until the day before Until (a zero bound is open). The rule is chosen by the
// day the deadline falls on (SPEC §12), not the day of the hearing.
type Version struct {
	From, Until time.Time // see Day
	Days        int
	Authority   string // the citation
	// Uncertain says what about this version's dates could not be sourced exactly, and which way the table leans
	// (always to the stricter, earlier deadline). Empty when the dates are sourced.
	Uncertain string
}

// Spec is a rule with its versions, oldest first.
type Spec struct {
	Rule Rule
	What string // what is due, as a sentence's subject: "Filings for the individual hearing"
	// Short names the deadline in a calendar's title: "Filing deadline".
	Short    string
	Versions []Version
}

// Sources of the table's dates:
//   - The Practice Manual of April 1, 2008, ch. 3.1(b)(ii): filings for a non-detained individual calendar hearing
//     at least 15 days before it.
//   - The Practice Manual revision of December 23, 2020 changed that to 30 days, without notice or grace period
//     (NIJC pro bono alert, "Without any warning, EOIR changes the filing deadline"); the EOIR Policy Manual,
//     released January 13, 2021, kept 30 days (Part II ch. 3.1(b)(2); Appendix C, "OCIJ Deadlines").
//   - Director's Memorandum 22-04 returned the default to 15 days. Its date is not sourced here: NIJC reported the
//     change about a year after December 2020, and the Practice Manual of August 26, 2022 sets 15 days (CLINIC,
//     "Updates to the Immigration Court and BIA Practice Manuals"). The table starts 15 days on August 26, 2022, the
//     first day a source shows it in force, so a deadline between the memorandum and that day is given by the
//     stricter 30-day rule.
//   - The Acting Director's memorandum cancelling DM 22-04 restored 30 days in February 2025 (reported February 16,
//     2025). Its exact date is not sourced here: the table restores 30 days from February 1, 2025, the earliest day
//     it can have taken effect, so the stricter rule governs every February deadline.
//   - Master calendar filings on which a ruling is wanted: 15 days before the hearing, unchanged throughout
//     (ch. 3.1(b)(1); Appendix C).
//   - A request to appear in person at an internet-based hearing (or remotely at an in-person one): 15 days before
//     the hearing. The section number and the day the rule began are not sourced here; the table applies it to
//     every internet-based hearing.

// Table is every rule docketd computes, with its versions.
var Table = []Spec{
	{
		Rule: RuleIndividual, What: "Filings for the individual hearing", Short: "Filing deadline",
		Versions: []Version{
			{Until: Day(2020, time.December, 23), Days: 15,
				Authority: "Immigration Court Practice Manual ch. 3.1(b)(ii) (2008)"},
			{From: Day(2020, time.December, 23), Until: Day(2022, time.August, 26), Days: 30,
				Authority: "Practice Manual ch. 3.1(b)(2) as revised December 23, 2020; EOIR Policy Manual (2021), " +
					"Part II ch. 3.1(b)(2) and Appendix C",
				Uncertain: "DM 22-04's own date is not sourced: 30 days is kept until August 26, 2022, when the " +
					"Practice Manual is known to say 15"},
			{From: Day(2022, time.August, 26), Until: Day(2025, time.February, 1), Days: 15,
				Authority: "Director's Memorandum 22-04; Practice Manual ch. 3.1(b)(2) (August 26, 2022)",
				Uncertain: "the start and the end are the stricter ends of what is sourced (see the 30-day versions)"},
			{From: Day(2025, time.February, 1), Days: 30,
				Authority: "Practice Manual ch. 3.1(b)(2) and Appendix C, as restored by the cancellation of " +
					"DM 22-04 (February 2025)",
				Uncertain: "the cancellation's exact date in February 2025 is not sourced: 30 days from February 1"},
		},
	},
	{
		Rule: RuleMaster, What: "Filings on which a ruling is wanted at the master calendar hearing",
		Short: "Filing deadline",
		Versions: []Version{{Days: 15,
			Authority: "Immigration Court Practice Manual ch. 3.1(b)(1); Appendix C"}},
	},
	{
		Rule: RuleMedium, What: "Requests to appear in person (or remotely) at the internet-based hearing",
		Short: "Appearance request deadline",
		Versions: []Version{{Days: 15,
			Authority: "Immigration Court Practice Manual ch. 4 (internet-based hearings)",
			Uncertain: "the section number and the rule's first day are not sourced; applied to every internet-based hearing"}},
	},
}

// SpecOf returns the table's entry for r.
func SpecOf(r Rule) (Spec, bool) {
	for _, s := range Table {
		if s.Rule == r {
			return s, true
		}
	}
	return Spec{}, false
}

// Hearing is what the deadlines of a hearing depend on.
type Hearing struct {
	Day      time.Time // the hearing's date in the court's zone (see DayOf)
	Type     string    // "master", "individual", ...: docket's hearing types
	Remote   bool      // an internet-based hearing, joined from where the respondent is
	Detained bool      // the respondent is in custody: the court sets every deadline, so only Ordered counts
	// Ordered is the filing deadline of a judge's scheduling order; zero when there is none.
	Ordered time.Time
}

// Deadline is one deadline of a hearing.
type Deadline struct {
	Rule      Rule
	What      string
	Short     string
	Hearing   time.Time // the hearing's day
	Due       time.Time // the last day to file (see Day)
	Safe      time.Time // the business day before Due: the day to aim for
	Days      int       // how many days before the hearing the rule counts; 0 for a judge's date
	Authority string
	// Moved names why Due is later than the day counted: "Saturday", "Sunday" or the holiday; empty when it is not.
	Moved string
	// Counted is the day counted back from the hearing, before moving off a weekend or holiday.
	Counted time.Time
	// Ended is set when the version that governed the filing ended before its own deadline came and the next
	// version's deadline had already passed on the day it took effect: Due is then the old version's last business
	// day, the last day a filing was on time.
	Ended     bool
	Uncertain string
}

// For returns the deadlines of h, earliest first: for a respondent who is not detained, the filing deadline of an
// individual or master hearing (or the judge's ordered date instead), and for a remote hearing the request to appear
// in person; for a detained respondent only the judge's ordered date.
func For(h Hearing) []Deadline {
	day := DayOf(h.Day)
	var out []Deadline
	if !h.Ordered.IsZero() {
		due := NextBusinessDay(h.Ordered)
		out = append(out, Deadline{Rule: RuleOrdered, What: "Filings, by the judge's scheduling order",
			Short: "Filing deadline", Hearing: day, Due: due, Safe: PreviousBusinessDay(due),
			Authority: "the immigration judge's scheduling order (Practice Manual ch. 3.1(b): a judge's deadline " +
				"replaces the default)", Counted: DayOf(h.Ordered), Moved: movedBy(DayOf(h.Ordered), due)})
	}
	if h.Detained {
		return out
	}
	if h.Ordered.IsZero() {
		switch h.Type {
		case "individual":
			out = appendRule(out, RuleIndividual, day)
		case "master":
			out = appendRule(out, RuleMaster, day)
		}
	}
	if h.Remote {
		out = appendRule(out, RuleMedium, day)
	}
	if len(out) == 2 && out[1].Due.Before(out[0].Due) {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

func appendRule(out []Deadline, r Rule, hearing time.Time) []Deadline {
	s, _ := SpecOf(r)
	if d, ok := s.Due(hearing); ok {
		out = append(out, d)
	}
	return out
}

// Due computes the rule's deadline for a hearing on day hearing. Each version counts its days back from the hearing
// (the hearing day is day 0) and moves a deadline that falls on a weekend or federal holiday to the next business
// day (Practice Manual ch. 3.1(c)); a version governs a deadline that falls within its period. When the deadline
// of the version in force runs past the version's end, a filing was on time until that end, so the version's last
// business day is a candidate too. Of the days a filing is on time, the last is the deadline.
func (s Spec) Due(hearing time.Time) (Deadline, bool) {
	hearing = DayOf(hearing)
	var best Deadline
	found := false
	for _, v := range s.Versions {
		counted := hearing.AddDate(0, 0, -v.Days)
		due := NextBusinessDay(counted)
		ended := false
		if !v.Until.IsZero() && !due.Before(v.Until) {
			due, ended = v.Until.AddDate(0, 0, -1), true
			if !BusinessDay(due) {
				due = PreviousBusinessDay(due)
			}
		}
		if !v.From.IsZero() && due.Before(v.From) {
			continue
		}
		if found && !due.After(best.Due) {
			continue
		}
		found = true
		best = Deadline{Rule: s.Rule, What: s.What, Short: s.Short, Hearing: hearing, Due: due,
			Safe: PreviousBusinessDay(due), Days: v.Days, Authority: v.Authority, Counted: counted, Ended: ended,
			Uncertain: v.Uncertain}
		if !ended {
			best.Moved = movedBy(counted, due)
		}
	}
	return best, found
}

// movedBy names the day that kept a deadline off counted: its weekday on a weekend, else the holiday.
func movedBy(counted, due time.Time) string {
	if counted.Equal(due) {
		return ""
	}
	if wd := counted.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return wd.String()
	}
	if h, ok := HolidayOn(counted); ok {
		return h.Name
	}
	return ""
}

// Explain is the deadline in English for counsel: what is due, when, under which rule, and the safe day.
func (d Deadline) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s are due by %s", d.What, long(d.Due))
	switch {
	case d.Rule == RuleOrdered:
		fmt.Fprintf(&b, ", the date the judge ordered")
	case d.Ended:
		fmt.Fprintf(&b, ", the last business day before the %d-day rule gave way to a stricter one", d.Days)
	default:
		fmt.Fprintf(&b, ", %d days before the hearing of %s (the hearing is day 0)", d.Days, long(d.Hearing))
	}
	b.WriteString(".")
	if d.Moved != "" {
		fmt.Fprintf(&b, " The day counted, %s, is a %s, so the deadline moves to the next business day.",
			long(d.Counted), dayKind(d.Moved))
	}
	fmt.Fprintf(&b, " Safe date: %s, the business day before.", long(d.Safe))
	fmt.Fprintf(&b, " Rule: %s.", d.Authority)
	if d.Uncertain != "" {
		fmt.Fprintf(&b, " Note: %s.", d.Uncertain)
	}
	b.WriteString(" A judge may set other deadlines; the judge's order governs.")
	return b.String()
}

// dayKind is what moved a deadline, as a noun: "Saturday", or "federal holiday (Memorial Day)".
func dayKind(moved string) string {
	if moved == time.Saturday.String() || moved == time.Sunday.String() {
		return moved
	}
	return "federal holiday (" + moved + ")"
}

// long writes a day as "Friday, March 14, 2025".
func long(d time.Time) string { return d.Format("Monday, January 2, 2006") }
