package message

import (
	"fmt"
	"time"

	"github.com/docketd/docketd/docket"
)

// Deadline is a filing deadline of the hearing a notice to counsel is about (SPEC §12).
type Deadline struct {
	// Rule names the rule: "individual-filings", "master-filings", "medium-request" or "ordered" (the judge's
	// order); templates choose their words by it. What says it in English.
	Rule, What string
	Short      string    // "Filing deadline"
	Due, Safe  time.Time // the last day to file, and the business day before it; dates at midnight UTC
	Days       int       // days before the hearing the rule counts; 0 for a judge's date
	Authority  string    // the citation, in English: rules are cited as written
	// Passed says the deadline was before the day the message is sent; Near that it is within a week of it.
	Passed, Near bool
	// Before is the deadline before the hearing moved, on an alarm; zero when it did not change.
	Before time.Time
}

// templateCount is how many templates a complete language has: every kind on every channel with templates of its
// own (templateChannels), and counsel's own kinds by email.
func templateCount() int { return len(docket.Kinds)*len(templateChannels) + len(docket.CounselKinds) }

// counselOnly reports whether name is the template of a kind only emailed to counsel ("deadline.email").
func counselOnly(name string) bool {
	for _, k := range docket.CounselKinds {
		if name == templateName(k, docket.Email) {
			return true
		}
	}
	return false
}

// deadlineSamples are the samples of counsel's own kinds, from counsel's sample email: the family's master hearing,
// moved four weeks earlier, so that its 15-day filing deadline has passed.
func deadlineSamples(counsel Notice) []Notice {
	n := counsel
	n.Kind, n.Channel, n.Urgent = docket.KindDeadline, docket.Email, true
	n.Key = fmt.Sprintf("sample-%s-email-0", docket.KindDeadline)
	n.OldStart = n.Start.AddDate(0, 0, 28)
	n.Now = time.Date(2027, 1, 29, 16, 0, 0, 0, time.UTC)
	n.Deadlines = []Deadline{{Rule: "master-filings",
		What:  "Filings on which a ruling is wanted at the master calendar hearing",
		Short: "Filing deadline", Due: time.Date(2027, 1, 25, 0, 0, 0, 0, time.UTC),
		Safe: time.Date(2027, 1, 22, 0, 0, 0, 0, time.UTC), Days: 15,
		Authority: "Immigration Court Practice Manual ch. 3.1(b)(1); Appendix C", Passed: true, Near: true,
		Before: time.Date(2027, 2, 22, 0, 0, 0, 0, time.UTC)}}
	return []Notice{n}
}
