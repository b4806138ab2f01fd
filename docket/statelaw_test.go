package docket

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

func TestPhoneState(t *testing.T) {
	for _, tt := range []struct {
		phone, want string
	}{
		{"+13055550142", "FL"}, // Miami
		{"+17865550100", "FL"},
		{"+17285550100", "FL"}, // Palm Beach overlay, known to the data by exchange
		{"+19545550100", "FL"},
		{"+14055550177", "OK"}, // Oklahoma City
		{"+19185550177", "OK"}, // Tulsa
		{"+12145550142", "TX"}, // Dallas
		{"+19155550100", "TX"}, // El Paso
		{"+12125550100", "NY"},
		{"+17875550100", "PR"},
		{"+18005550100", ""}, // toll-free
		{"+14165550100", ""}, // Toronto: the North American plan, not the United States
		{"+18765550100", ""}, // Jamaica
		{"(305) 555-0142", "FL"},
		{"+1 405 555 0177", "OK"},
		{"+525512345678", ""},
		{"not a number", ""},
		{"", ""},
	} {
		if got := PhoneState(tt.phone); got != tt.want {
			t.Errorf("PhoneState(%s) = %q, want %q", MaskPhone(tt.phone), got, tt.want)
		}
	}
}

// TestLawAreaCodesMatchTheGeocodingData checks the list of area codes of the stricter-law states against the
// geocoding data, over every area code: a newer data set that places another area code in Florida or Oklahoma
// fails here until the list has it.
func TestLawAreaCodesMatchTheGeocodingData(t *testing.T) {
	got := map[string]string{}
	for ac := 200; ac <= 999; ac++ {
		for _, exchange := range []string{"202", "234", "321", "456", "555", "987"} {
			n := fmt.Sprintf("+1%d%s1234", ac, exchange)
			if s := PhoneState(n); s == "FL" || s == "OK" {
				got[fmt.Sprint(ac)] = s
			}
		}
	}
	if !maps.Equal(got, lawAreaCodes) {
		t.Errorf("area codes the data places in FL or OK:\n%v\nthe list:\n%v", sorted(got), sorted(lawAreaCodes))
	}
	for ac, state := range lawAreaCodes {
		if _, ok := HoursLawOf(state); !ok {
			t.Errorf("area code %s names %s, which has no hours law", ac, state)
		}
	}
}

func sorted(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+":"+v)
	}
	slices.Sort(out)
	return out
}

func TestLawStateKeyWinsOverTheAreaCode(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    Client
		want string
		law  bool
	}{
		{"Miami number", Client{Phone: "+13055550142"}, "FL", true},
		{"moved to Dallas with a Miami number", Client{Phone: "+13055550142", State: "TX"}, "TX", false},
		{"Dallas number living in Florida", Client{Phone: "+12145550142", State: "FL"}, "FL", true},
		{"Oklahoma number", Client{Phone: "+14055550177"}, "OK", true},
		{"no phone, state given", Client{State: "ok"}, "OK", true},
		{"Dallas", Client{Phone: "+12145550142"}, "TX", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.LawState()
			if got != tt.want {
				t.Errorf("LawState = %q, want %q", got, tt.want)
			}
			law, ok := HoursLawOf(got)
			if ok != tt.law {
				t.Fatalf("HoursLawOf(%q) = %v, want %v", got, ok, tt.law)
			}
			if ok && (law.From != 8*60 || law.Until != 20*60 || law.PerSubject != 3) {
				t.Errorf("law of %s: %+v, want 8:00-20:00 and 3 a day", got, law)
			}
		})
	}
}

func TestParseState(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"FL", "FL", true}, {" fl ", "FL", true}, {"tx", "TX", true}, {"PR", "PR", true}, {"DC", "DC", true},
		{"XX", "XX", false}, {"Florida", "FLORIDA", false}, {"", "", false},
	} {
		got, ok := ParseState(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseState(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
