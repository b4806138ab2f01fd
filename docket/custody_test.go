package docket

import "testing"

func TestDetainedPlaceSaysOnlyWhatTheNameSays(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"SAIPAN - DET - CFR/RFR", true},
		{"OAKDALE  DETENTION - CFR/RFR", true},
		{"KROME NORTH SPC - CFR/RFR", true},
		{"HCDF CFR/RFR DOCKET", true},
		{"Krome North Processing Center, 18201 SW 12th Street", true},
		{"Adelanto Detention Facility, 10250 Rancho Road, Suite 201A", true},
		{"BERGEN COUNTY JAIL", true},
		{"TEXAS DOC- BETO II", true},
		{"26 FED PLAZA HOLDING AREA", true},
		{"Seattle Detained Juvenile", true},
		{"DETROIT, MICHIGAN", false},
		{"ATLANTA NON-DETAINED", false},
		{"CHELMSFORD - NONDETAINED", false},
		{"LOS ANGELES JUVENILE - NON DETAINED", false},
		{"DALLAS - CFR/RFR", false},
		{"1100 Commerce Street, Suite 1060", false},
		{"NEW YORK - BROADWAY - FERM DOCKET - FM", false},
		{"", false},
	} {
		if got := DetainedPlace(tc.name); got != tc.want {
			t.Errorf("DetainedPlace(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !(Court{Code: "EPD", Name: "El Paso Detained (El Paso SPC)"}).Detained() || (Court{Code: "DAL", Name: "Dallas"}).Detained() {
		t.Error("Court.Detained: want EPD detained and DAL not")
	}
}

func TestCustodyCodes(t *testing.T) {
	for _, code := range []string{"MD", "md", " RD ", "ID"} {
		if !EOIRDetainedSchedule(code) {
			t.Errorf("EOIRDetainedSchedule(%q) = false, want true", code)
		}
	}
	for _, code := range []string{"MM", "II", "CY", ""} {
		if EOIRDetainedSchedule(code) {
			t.Errorf("EOIRDetainedSchedule(%q) = true, want false", code)
		}
	}
	for code, want := range map[string]bool{"D": true, "d": true, "N": false, "R": false, "": false} {
		if got, err := ParseCustody(code); err != nil || got != want {
			t.Errorf("ParseCustody(%q) = %v, %v; want %v", code, got, err, want)
		}
	}
	if _, err := ParseCustody("X"); err == nil {
		t.Error("ParseCustody(X): want an error")
	}
}
