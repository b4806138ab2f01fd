package docket

import "testing"

func TestEOIRHearingType(t *testing.T) {
	tests := []struct {
		cal, sched string
		want       HearingType
		code       string
	}{
		{"M", "MM", TypeMaster, "M/MM"},
		{"M", "MR", TypeMaster, "M/MR"},
		{"I", "II", TypeIndividual, "I/II"},
		{"i", "ir", TypeIndividual, "I/IR"},
		{"C", "CY", TypeBond, "C/CY"},
		{"C", "", TypeBond, "C"},
		{"C", "CN", TypeOther, "C/CN"},
		{"R", "RR", TypeCredibleFear, "R/RR"},
		{"", "RR", TypeCredibleFear, "/RR"},
		{"M", "", TypeMaster, "M"},
		{"V", "VC", TypeOther, "V/VC"},
		{"T", "TD", TypeCredibleFear, "T/TD"},
		{"", "", TypeOther, ""},
		{"*", "**", TypeOther, "*/**"},
	}
	for _, tt := range tests {
		got, code := EOIRHearingType(tt.cal, tt.sched)
		if got != tt.want || code != tt.code {
			t.Errorf("EOIRHearingType(%q, %q) = %q, %q, want %q, %q", tt.cal, tt.sched, got, code, tt.want, tt.code)
		}
	}
}

func TestParseHearingType(t *testing.T) {
	tests := []struct {
		in   string
		want HearingType
	}{
		{"Master", TypeMaster},
		{"master calendar hearing", TypeMaster},
		{"Individual", TypeIndividual},
		{"Merits hearing", TypeIndividual},
		{"Bond", TypeBond},
		{"custody redetermination", TypeBond},
		{"Credible Fear Review", TypeCredibleFear},
		{"M", TypeMaster},
		{"II", TypeIndividual},
		{"I/IR", TypeIndividual},
		{"CY", TypeBond},
		{"status conference", TypeOther},
		{"", TypeOther},
	}
	for _, tt := range tests {
		got, code := ParseHearingType(tt.in)
		if got != tt.want {
			t.Errorf("ParseHearingType(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if code != tt.in {
			t.Errorf("ParseHearingType(%q) code = %q, want the raw text", tt.in, code)
		}
	}
}

func TestMediumCodes(t *testing.T) {
	tests := []struct {
		in         string
		code, text Medium
	}{
		{"P", MediumInPerson, MediumInPerson},
		{"v", MediumVideo, MediumVideo},
		{"T", MediumTelephone, MediumTelephone},
		{"W", MediumInternet, MediumInternet},
		{"H", "", ""},
		{"In Person", "", MediumInPerson},
		{"in-person", "", MediumInPerson},
		{"WebEx", "", MediumInternet},
		{"Video (VTC)", "", MediumVideo},
		{"Telephonic", "", MediumTelephone},
		{"courtroom 5", "", ""},
	}
	for _, tt := range tests {
		if got := EOIRMedium(tt.in); got != tt.code {
			t.Errorf("EOIRMedium(%q) = %q, want %q", tt.in, got, tt.code)
		}
		if got := ParseMedium(tt.in); got != tt.text {
			t.Errorf("ParseMedium(%q) = %q, want %q", tt.in, got, tt.text)
		}
	}
}
