package docket

import (
	"fmt"
	"strings"
	"unicode"
)

// Where a hearing tells that its respondent is in custody. A detained respondent is told nothing that asks them to
// travel, so a wrong "detained" keeps a free client from hearing of their hearing, which can end in a removal order
// in absentia: these rules mark only what the codes and names say plainly.

// eoirDetainedSchedules are EOIR's SCHEDULE_TYPE codes that EOIR itself describes as detained
// (eoir_schedule_types.csv). CY (custody) is left out: a bond hearing may be asked for by someone already released.
var eoirDetainedSchedules = map[string]bool{
	"MD": true, // Detained Master
	"RD": true, // Detained Master Reset
	"PD": true, // Detained Special Master
	"DC": true, // Detained Master CFR/RFR
	"ID": true, // Individual Detainee
	"CD": true, // AO-Detained Status Conference
}

// EOIRDetainedSchedule reports whether an EOIR SCHEDULE_TYPE code is one of a detained docket ("MD", detained
// master).
func EOIRDetainedSchedule(scheduleType string) bool {
	return eoirDetainedSchedules[strings.ToUpper(strings.TrimSpace(scheduleType))]
}

// ParseCustody reads EOIR's custody status: D detained, N never detained, R released (eoir_custody_status.csv).
// Empty is not detained; any other code is an error.
func ParseCustody(code string) (detained bool, err error) {
	switch strings.ToUpper(strings.TrimSpace(code)) {
	case "D", "DETAINED":
		return true, nil
	case "", "N", "R", "NEVER DETAINED", "RELEASED":
		return false, nil
	}
	return false, fmt.Errorf("expected a custody status D (detained), N (never detained) or R (released), got %q", code)
}

// detainedWords are words that, anywhere in the name of a place, say that the people heard there are held: EOIR's
// "DET" and "SPC" (service processing center), contract detention facilities ("CDF", "HCDF"), jails and prisons
// (the institutional hearing program, "IHP"; state departments of corrections, "DOC"; federal prisons, "BOP", "FCI").
var detainedWords = map[string]bool{
	"DET": true, "DETENTION": true, "DETAINED": true, "DETAINEE": true, "DETAINEES": true, "SPC": true, "CDF": true,
	"HCDF": true, "JAIL": true, "PRISON": true, "PENITENTIARY": true, "PENITENTARY": true, "CORRECTIONAL": true,
	"PRISONS": true, "PENIT": true, "CORRECTIONS": true, "CORRECTION": true, "CORR": true, "DOC": true, "NYDOCS": true,
	"IHP": true, "BOP": true, "FCI": true, "LSCI": true,
}

// detainedPhrases are the names of detention places written in more than one word.
var detainedPhrases = []string{"PROCESSING CENTER", "HOLDING AREA", "LAW ENFORCEMENT CENTER", "FAMILY RESIDENTIAL CENTER"}

// DetainedPlace reports whether the name or address of a court or hearing location says that it is a place of
// detention: "SAIPAN - DET - CFR/RFR", "OAKDALE DETENTION", "KROME NORTH SPC", "Adelanto Detention Facility",
// "Krome North Processing Center", "BERGEN COUNTY JAIL". A docket EOIR calls non-detained ("ATLANTA NON-DETAINED",
// "CHELMSFORD - NONDETAINED") is not one, whatever else its name says.
func DetainedPlace(name string) bool {
	up := strings.ToUpper(name)
	words := strings.FieldsFunc(up, func(r rune) bool { return !unicode.IsLetter(r) })
	for i, w := range words {
		if w == "NONDETAINED" || (w == "NON" && i+1 < len(words) && words[i+1] == "DETAINED") {
			return false
		}
	}
	for _, w := range words {
		if detainedWords[w] {
			return true
		}
	}
	joined := strings.Join(words, " ")
	for _, p := range detainedPhrases {
		if strings.Contains(joined, p) {
			return true
		}
	}
	return false
}

// Detained reports whether the court sits in a place of detention (its name or address says so: "Adelanto
// Detention Facility", "El Paso Detained"), so that everyone it hears is in custody.
func (c Court) Detained() bool { return DetainedPlace(c.Name) || DetainedPlace(c.Address) }
