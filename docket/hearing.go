package docket

import (
	"strings"
	"time"
)

// HearingType is what kind of hearing a court date is. EOIR has dozens of calendar and schedule codes; reminders,
// feeds and deadlines only need to tell these apart, and the raw code is kept beside them.
type HearingType string

// Hearing types.
const (
	TypeMaster       HearingType = "master"
	TypeIndividual   HearingType = "individual"
	TypeBond         HearingType = "bond"
	TypeCredibleFear HearingType = "credible_fear"
	TypeOther        HearingType = "other"
)

// HearingTypes lists every hearing type, in the order people are shown them.
var HearingTypes = []HearingType{TypeMaster, TypeIndividual, TypeBond, TypeCredibleFear, TypeOther}

// Medium is how a hearing is held. The empty medium means the source did not say or used a code EOIR does not
// document; the raw code is kept beside it.
type Medium string

// Hearing media.
const (
	MediumInPerson  Medium = "in_person"
	MediumVideo     Medium = "video"
	MediumTelephone Medium = "telephone"
	MediumInternet  Medium = "internet" // WebEx
)

// Media lists every medium.
var Media = []Medium{MediumInPerson, MediumVideo, MediumTelephone, MediumInternet}

// Online reports whether the hearing is joined over the internet (WebEx) rather than at a court. The WebEx link is
// filled in even for hearings held in person, so only the medium decides; an online hearing gets no street address,
// which could send someone to the wrong place.
func (m Medium) Online() bool { return m == MediumInternet }

// Remote reports whether the respondent joins from where they are, on their own clock: online or by telephone.
// A video (VTC) hearing is joined from a court or a detention facility, so it is not.
func (m Medium) Remote() bool { return m == MediumInternet || m == MediumTelephone }

// HearingStatus is where a hearing stands.
type HearingStatus string

// Hearing statuses.
const (
	StatusScheduled HearingStatus = "scheduled"
	StatusCancelled HearingStatus = "cancelled"
	// StatusCompleted is a hearing of a case the judge has decided (ACIS shows a decision and completion date): the
	// proceedings are over, so the hearing on the calendar is not held. It gets no reminders and no change notice (a
	// decision is counsel's to explain, never a text's), and counsel's feed shows it as decided.
	StatusCompleted HearingStatus = "completed"
)

// Hearing is one court date with the people it concerns and the court that holds it. A hearing that moves stays the
// same hearing with a new Start and Sequence + 1.
type Hearing struct {
	// ID is the store's row id: stable within one database, never shown to people or used as an identity outside it.
	ID uint
	// CaseID is the store's id of the proceeding; hearings of one case share it.
	CaseID uint
	// Source and SourceKey are the hearing's identity: the source that reported it and its key there.
	Source, SourceKey string
	// ANumber is the respondent's A-number, or "" when only EOIR's case id is known.
	ANumber ANumber
	// Start is the instant the hearing starts; Zone is the IANA zone of the court where it takes place.
	Start time.Time
	Zone  string
	// FirstStart is where the hearing was when its source first listed it: a moved hearing keeps it, and through it
	// stays one hearing with another source's report of that slot (see Prevailing).
	FirstStart time.Time
	// TimeUnknown marks a hearing whose date is known and whose time of day is not yet: Start is that day's
	// midnight in Zone, a time nobody may be told. It gets no reminders until a source gives the time, and feeds show
	// it as an all-day event.
	TimeUnknown bool
	// CourtCode is the EOIR base-city code, LocationCode the hearing-location code that decided the zone.
	CourtCode, LocationCode string
	Type                    HearingType
	TypeCode                string // the source's raw code(s), e.g. "I/II"
	Medium                  Medium
	MediumCode              string // the source's raw code, e.g. "P"
	Judge                   string
	WebEx                   string // the judge's WebEx room
	// Detained marks a hearing on a detained docket: a detained court or hearing location, a detained schedule type,
	// or a source's custody status D. Its respondents are in custody (see InCustody).
	Detained bool
	// Address is the hearing's address as the source gave it, when it differs from the court's.
	Address string
	// FilingDeadline is the filing deadline a judge's scheduling order set ("2027-01-15"), which replaces the
	// default the Practice Manual sets; "" when there is none.
	FilingDeadline string
	Status         HearingStatus
	Sequence       int
	// FirstSeen and LastSeen are when a source first and last listed it; MissingSince is set while a complete
	// source no longer lists it.
	FirstSeen, LastSeen time.Time
	MissingSince        *time.Time
	// ChangedAt is the last change of anything shown to people; feeds use it as DTSTAMP.
	ChangedAt time.Time
	// UpdatedAt is the last write of the hearing's row.
	UpdatedAt time.Time
	// SetAside marks a hearing another, more trusted source also reports (see Prevailing), when it was read with
	// HearingFilter.MarkSetAside; no one hears of it.
	SetAside bool

	// Clients are the case's active clients, Attorneys their counsel, Court the court of CourtCode.
	Clients   []Client
	Attorneys []Attorney
	Court     Court
}

// Location is the zone of the court where the hearing takes place (see Zone for a name that does not load).
func (h Hearing) Location() *time.Location { return Zone(h.Zone) }

// Local is the start in the court's zone.
func (h Hearing) Local() time.Time { return h.Start.In(h.Location()) }

// Online reports whether the hearing is joined over the internet rather than at a court.
func (h Hearing) Online() bool { return h.Medium.Online() }

// Place is the hearing's street address on one line: the source's own address when it gave one, else the court's
// street, city and state. EOIR's "|" separators become ", ".
func (h Hearing) Place() string {
	if h.Address != "" {
		return oneLine(h.Address)
	}
	return h.Court.Place()
}

// CourtName is what people call the court: "Dallas Immigration Court" (see Court.DisplayName), or the court's code
// when the court table does not know it.
func (h Hearing) CourtName() string {
	if h.Court.Code == "" && h.Court.Name == "" {
		return h.CourtCode
	}
	return h.Court.DisplayName()
}

// oneLine joins the parts of an address written with "|" or ", " separators into one line.
func oneLine(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '|' })
	kept := parts[:0]
	for _, p := range parts {
		if p = strings.Trim(strings.TrimSpace(p), ","); p != "" {
			kept = append(kept, strings.TrimSpace(p))
		}
	}
	return strings.Join(kept, ", ")
}

// AnyInCustody reports whether a respondent of h is detained: the hearing is on a detained docket, or one of its
// clients is in custody. The court then sets the filing deadlines.
func (h Hearing) AnyInCustody() bool {
	if h.Detained {
		return true
	}
	for _, c := range h.Clients {
		if h.InCustody(c) {
			return true
		}
	}
	return false
}

// InCustody reports whether client c of h is detained: the client is marked so, or the hearing is on a detained
// docket.
func (h Hearing) InCustody(c Client) bool { return c.Detained || h.Detained }
