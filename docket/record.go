package docket

import (
	"fmt"
	"time"
)

// SourceRecord is one hearing as a source reports it, normalised so that every kind
// of source can be compared with every other.
type SourceRecord struct {
	// Key identifies the hearing within its source across runs (IDNSCHEDULE,
	// an A-number, an event UID), so a moved hearing keeps its key.
	Key string
	// ANumber is 9 digits, or "" when the source does not carry one (EOIR's
	// dump has none).
	ANumber ANumber
	// CaseID is EOIR's IDNCASE when known.
	CaseID string
	// Court is the EOIR base-city code (e.g. "DAL").
	Court string
	// Location is the EOIR hearing-location code, a separate namespace from
	// courts; it decides the zone first.
	Location string
	// Start is the hearing's instant, expressed in the court's zone. When TimeUnknown is set only its date is
	// known, and Start is that day's midnight in the court's zone.
	Start time.Time
	// TimeUnknown marks a hearing whose source gave the date and no time of day (an ACIS answer without AdjTime).
	TimeUnknown bool
	// Type is the hearing type (TypeMaster…).
	Type HearingType
	// TypeCode keeps the source's raw type code(s), e.g. "I/II".
	TypeCode string
	// Medium is how the hearing is held (MediumInPerson…), or "".
	Medium Medium
	// MediumCode keeps the source's raw medium code, e.g. "P".
	MediumCode string
	// Judge, WebEx and Address are shown to people as they are.
	Judge, WebEx, Address string
	// FilingDeadline is a judge's filing deadline for the hearing ("2027-01-15"), when the source gives one.
	FilingDeadline string
	// Detained marks a hearing on a detained docket as the record itself says: a detained schedule type (EOIR
	// "MD") or a custody status D. The store adds what the place says (a detained court or hearing location).
	Detained bool
	// Contact data some dockets carry; personal, never log it unmasked.
	ClientName, Phone, Email, Language, Attorney string
	// State is the client's US state (two letters), whose stricter law on the hours of texts applies.
	State string
	// ClientDetained is the named client's own custody as the source gives it (a CSV "detained" column).
	ClientDetained bool
	// Line is the line or record number the hearing came from, for messages.
	Line int
	// Status is where the source says the hearing stands; "" means scheduled. ACIS marks a decided case's hearing
	// StatusCompleted.
	Status HearingStatus
	// NoHearing marks an answer about a case that lists no hearing for it: ACIS shows the case decided with nothing
	// scheduled. It carries Key, ANumber and CaseID only. No hearing is made from it; the one the source had under
	// Key is taken as missing, as a complete source's would be (kept for the grace period, then cancelled), even
	// when the source is not complete.
	NoHearing bool
}

// RecordError is one input the source could not turn into a SourceRecord. It is
// reported and skipped so that the good records of the same run still apply.
type RecordError struct {
	// File is the file, URL or lookup the record came from.
	File string
	// Line is the 1-based line (or record) number, 0 when not applicable.
	Line int
	// Key is the hearing or case key when it could be read, so the sync can
	// leave that hearing alone instead of taking it for missing.
	Key string
	// ANumber is the case's 9-digit A-number when it could be read, for the
	// same reason; Error never prints it.
	ANumber ANumber
	// Reason says what is wrong, without personal data.
	Reason string
}

// Error prints "file:line: reason", the form editors and terminals link.
func (e RecordError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}
