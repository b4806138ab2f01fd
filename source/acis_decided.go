package source

import (
	"strings"

	"github.com/docketd/docketd/docket"
)

// noHearing is what an answer that lists no hearing gives. For a case not decided it is nothing: ACIS is often
// between hearings, and the source's complete key says what its silence means. For a decided case it is one record
// marked NoHearing: ACIS says the proceedings are over, so the hearing docketd had for the case will not be held.
// That hearing is not cancelled on this one answer (the sync takes it as missing, keeps it for the source's grace
// period and cancels it after, whether or not the source is complete), and the office is told on every run.
func (ci *getCaseInfo) noHearing(an docket.ANumber) []docket.SourceRecord {
	if !ci.decided() {
		return nil
	}
	return []docket.SourceRecord{{Key: string(an), ANumber: an, CaseID: string(ci.Data.CaseID), NoHearing: true}}
}

// decidedUnscheduled reports whether the answer shows a decided case whose Schedule has no date (an answer may keep
// the object with its fields empty): that lists no hearing, rather than an unreadable one, which would be rejected
// and its hearing protected for ever.
func (ci *getCaseInfo) decidedUnscheduled() bool {
	return ci.Schedule != nil && strings.TrimSpace(ci.Schedule.AdjDate) == "" && ci.decided()
}
