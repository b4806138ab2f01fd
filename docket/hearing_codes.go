package docket

import "strings"

// How sources write hearing types and media: EOIR's calendar, schedule and medium codes (eoir_schedule_types.csv,
// EOIR-DATA.md), or the words of a docket export or an office calendar. Every source reads them through these rules.

// eoirScheduleTypes maps EOIR SCHEDULE_TYPE codes to a hearing type. The schedule type is more precise than CAL_TYPE
// (CAL_TYPE C covers custody, conferences and circulation alike), so it decides first.
var eoirScheduleTypes = map[string]HearingType{
	"MM": TypeMaster, "MR": TypeMaster, "MD": TypeMaster, "MA": TypeMaster, "MC": TypeMaster,
	"MS": TypeMaster, "MT": TypeMaster, "MP": TypeMaster, "CI": TypeMaster, "CD": TypeMaster,
	"DC": TypeMaster, "RD": TypeMaster, "PD": TypeMaster,
	"II": TypeIndividual, "IR": TypeIndividual, "IA": TypeIndividual, "ID": TypeIndividual,
	// A custody hearing is a bond redetermination in practice.
	"CY": TypeBond,
	// Credible fear, reasonable fear and their "reasonable cause" resets are all reviews of an asylum officer's fear
	// finding (CAL_TYPE R/T).
	"RR": TypeCredibleFear, "ED": TypeCredibleFear, "TD": TypeCredibleFear,
}

// eoirCalTypes maps EOIR CAL_TYPE codes, used when the schedule type is missing or unknown. T and V name a medium,
// not a kind of hearing.
var eoirCalTypes = map[string]HearingType{
	"M": TypeMaster,
	"I": TypeIndividual,
	"C": TypeBond, // EOIR-DATA.md lists C as custody; a known non-custody schedule type overrides it
	"R": TypeCredibleFear,
}

// EOIRHearingType maps EOIR's CAL_TYPE and SCHEDULE_TYPE codes to a hearing type and returns the raw codes joined as
// "CAL/SCHEDULE", the form kept beside the type (Hearing.TypeCode).
func EOIRHearingType(calType, scheduleType string) (typ HearingType, code string) {
	c := strings.ToUpper(strings.TrimSpace(calType))
	s := strings.ToUpper(strings.TrimSpace(scheduleType))
	switch {
	case c != "" && s != "":
		code = c + "/" + s
	case s != "":
		code = "/" + s
	default:
		code = c
	}
	if t, ok := eoirScheduleTypes[s]; ok {
		return t, code
	}
	if s != "" && c == "C" {
		// A conference or circulation entry on the custody calendar.
		return TypeOther, code
	}
	if t, ok := eoirCalTypes[c]; ok {
		return t, code
	}
	return TypeOther, code
}

// ParseHearingType reads a hearing type written by people or other systems: EOIR codes ("M", "MM", "I/II") or words
// ("Master", "Individual hearing"). Text it does not recognise is TypeOther. The code returned is the text as given
// (trimmed), to keep beside the type.
func ParseHearingType(s string) (typ HearingType, code string) {
	raw := strings.TrimSpace(s)
	u := strings.ToUpper(raw)
	if u == "" {
		return TypeOther, ""
	}
	if c, st, ok := strings.Cut(u, "/"); ok && len(c) <= 1 && len(st) <= 2 {
		t, _ := EOIRHearingType(c, st)
		return t, raw
	}
	if _, ok := eoirScheduleTypes[u]; ok {
		t, _ := EOIRHearingType("", u)
		return t, raw
	}
	if _, ok := eoirCalTypes[u]; ok {
		t, _ := EOIRHearingType(u, "")
		return t, raw
	}
	l := strings.ToLower(raw)
	switch {
	case strings.Contains(l, "master"):
		return TypeMaster, raw
	case strings.Contains(l, "individual"), strings.Contains(l, "merits"):
		return TypeIndividual, raw
	case strings.Contains(l, "bond"), strings.Contains(l, "custody"):
		return TypeBond, raw
	case strings.Contains(l, "credible"), strings.Contains(l, "reasonable fear"), l == "cfr", l == "rfr":
		return TypeCredibleFear, raw
	}
	return TypeOther, raw
}

// EOIRMedium maps an EOIR hearing-medium code (ADJ_MEDIUM, ACIS's HearingMedium). Only P, V and T are documented by
// EOIR; W is taken for WebEx. Other codes (H, A, C, N, M appear in the dump) map to "" because guessing wrong would
// send someone to the wrong place; the caller keeps the raw code (Hearing.MediumCode).
func EOIRMedium(code string) Medium {
	switch strings.ToUpper(strings.TrimSpace(code)) {
	case "P":
		return MediumInPerson
	case "V":
		return MediumVideo
	case "T":
		return MediumTelephone
	case "W":
		return MediumInternet
	}
	return ""
}

// ParseMedium reads a medium written as an EOIR code or in words such as "in person", "WebEx" or "video"; text it
// does not recognise is "".
func ParseMedium(s string) Medium {
	raw := strings.TrimSpace(s)
	if len(raw) == 1 {
		return EOIRMedium(raw)
	}
	l := strings.ToLower(raw)
	switch {
	case l == "":
		return ""
	case strings.Contains(l, "person"):
		return MediumInPerson
	case strings.Contains(l, "webex"), strings.Contains(l, "internet"), strings.Contains(l, "online"),
		strings.Contains(l, "remote"), strings.Contains(l, "zoom"):
		return MediumInternet
	case strings.Contains(l, "video"), l == "vtc":
		return MediumVideo
	case strings.Contains(l, "phon"):
		return MediumTelephone
	}
	return ""
}
