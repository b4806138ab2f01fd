package deadline

import (
	"time"

	"github.com/docketd/docketd/docket"
)

// Of returns the deadlines of stored hearing h as it stands: the Practice Manual's defaults for its type, medium
// and custody, or the judge's ordered date (a [[hearings]] filing_deadline) in place of the default filing
// deadline. A decided case has none left to meet; a cancelled hearing keeps them, so a feed can show them
// cancelled. Counsel's feeds and the "moved earlier" alarm both read a hearing's deadlines here.
func Of(h docket.Hearing) []Deadline {
	if h.Status == docket.StatusCompleted {
		return nil
	}
	// The request to appear in person is for an internet-based hearing (Practice Manual ch. 4): a telephone
	// hearing has none.
	in := Hearing{Day: h.Local(), Type: string(h.Type), Remote: h.Medium.Online(), Detained: h.AnyInCustody()}
	if d, err := time.Parse(time.DateOnly, h.FilingDeadline); err == nil {
		in.Ordered = d
	}
	return For(in)
}
