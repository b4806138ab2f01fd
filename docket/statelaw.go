package docket

import (
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// HoursLaw is a state's law on when texts and calls may reach a person there, stricter than most offices' own
// quiet hours: a window of the day when they may be sent, and a cap on messages about one subject.
type HoursLaw struct {
	State string // two letters, "FL"
	// From and Until bound the local hours when a text may go out, in minutes after midnight: 8:00 to 20:00.
	From, Until int
	// PerSubject is the most messages on one subject (one hearing) a person may get within Per.
	PerSubject int
	Per        time.Duration
}

// hoursLaws are the states whose telephone solicitation acts allow texts only from 8:00 to 20:00 of the called
// person's time and at most three on one subject in 24 hours. A reminder of a hearing is not a sales call, but the
// office follows the strictest reading that may apply.
var hoursLaws = map[string]HoursLaw{
	"FL": {State: "FL", From: 8 * 60, Until: 20 * 60, PerSubject: 3, Per: 24 * time.Hour},
	"OK": {State: "OK", From: 8 * 60, Until: 20 * 60, PerSubject: 3, Per: 24 * time.Hour},
}

// HoursLawOf returns the law on the hours of texts of a state (two letters), false when the state has none
// stricter than the office's own rules.
func HoursLawOf(state string) (HoursLaw, bool) {
	l, ok := hoursLaws[strings.ToUpper(state)]
	return l, ok
}

// usStates are the US states, the District of Columbia and the territories, by their postal codes.
var usStates = map[string]string{
	"AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
	"CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
	"HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
	"KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
	"MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
	"NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
	"ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
	"RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
	"UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
	"WY": "Wyoming",
	"PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands", "MP": "Northern Mariana Islands",
	"AS": "American Samoa",
}

// ParseState returns the postal code of a US state or territory written as its two letters in any case ("fl",
// " FL "), false when s names none.
func ParseState(s string) (string, bool) {
	code := strings.ToUpper(strings.TrimSpace(s))
	_, ok := usStates[code]
	return code, ok
}

// lawAreaCodes are the area codes of the states in hoursLaws. The geocoding data names the state of most numbers by
// their area code alone, but of a newer area code (an overlay) only the exchanges it knows; a number of another
// exchange there still falls under the state's law. A test checks this list against the data.
var lawAreaCodes = map[string]string{
	"239": "FL", "305": "FL", "321": "FL", "324": "FL", "352": "FL", "386": "FL", "407": "FL", "448": "FL",
	"561": "FL", "645": "FL", "656": "FL", "689": "FL", "727": "FL", "728": "FL", "754": "FL", "772": "FL",
	"786": "FL", "813": "FL", "850": "FL", "863": "FL", "904": "FL", "941": "FL", "954": "FL",
	"405": "OK", "539": "OK", "572": "OK", "580": "OK", "918": "OK",
}

// PhoneState is the US state or territory a phone number's area code belongs to (two letters), or "" for a number
// outside the United States or one whose area code is not tied to a state (toll-free, non-geographic). It reads a
// table of area codes made from the geocoding data of libphonenumber (areacodes.go).
func PhoneState(phone string) string {
	nsn, ok := nanp(phone)
	if !ok {
		p, err := phonenumbers.Parse(phone, "US")
		if err != nil || p.GetCountryCode() != 1 {
			return ""
		}
		nsn = phonenumbers.GetNationalSignificantNumber(p)
	}
	if len(nsn) != 10 {
		return ""
	}
	if s, ok := areaStates[nsn[:3]]; ok {
		return s
	}
	return lawAreaCodes[nsn[:3]]
}

// nanp reads the ten digits of a number written in E.164 in the North American plan ("+13055550142"), as docketd
// stores phones, without the general parser: the planner asks for every recipient of every hearing.
func nanp(phone string) (string, bool) {
	if len(phone) != 12 || !strings.HasPrefix(phone, "+1") || phone[2] < '2' {
		return "", false
	}
	for _, c := range phone[2:] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return phone[2:], true
}

// LawState is the state whose law decides when someone with this state key and phone may be texted: the key when
// given (a client who moved keeps their old number), else the phone's area code.
func LawState(state, phone string) string {
	if state != "" {
		return strings.ToUpper(state)
	}
	return PhoneState(phone)
}

// LawState is the state whose law decides when the client may be texted: their state key, else their phone's area
// code.
func (c Client) LawState() string { return LawState(c.State, c.Phone) }
