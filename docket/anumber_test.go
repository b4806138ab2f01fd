package docket

import (
	"errors"
	"regexp"
	"testing"
)

func TestParseANumber(t *testing.T) {
	tests := []struct {
		in   string
		want ANumber
		ok   bool
	}{
		{"201555123", "201555123", true},
		{"A201555123", "201555123", true},
		{"A201-555-123", "201555123", true},
		{"a-201-555-123", "201555123", true},
		{"a 201 555 123", "201555123", true},
		{" A 201 555 123 ", "201555123", true},
		{"20155512", "020155512", true},
		{"A#20155512", "020155512", true},
		{"12", "", false},
		{"2015551", "", false},
		{"2015551234", "", false},
		{"A20155512X", "", false},
		{"A2015551X", "", false},
		{"000000000", "", false},
		{"", "", false},
		{"AA201555123", "", false},
	}
	for _, tt := range tests {
		got, err := ParseANumber(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseANumber(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseANumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidANumber) {
				t.Errorf("ParseANumber(%q) error %v does not wrap ErrInvalidANumber", tt.in, err)
			}
			if len(tt.in) >= 7 && regexp.MustCompile(`\d{7}`).MatchString(err.Error()) {
				t.Errorf("ParseANumber(%q) error %q repeats the number", tt.in, err)
			}
		}
	}
}

func TestANumberString(t *testing.T) {
	for in, want := range map[ANumber]string{"201555123": "A201-555-123", "20155": "20155", "": ""} {
		if got := in.String(); got != want {
			t.Errorf("ANumber(%q).String() = %q, want %q", string(in), got, want)
		}
	}
	if got, want := ANumber("201555123").Masked(), "*****5123"; got != want {
		t.Errorf("Masked() = %q, want %q", got, want)
	}
}

// Whatever the input, ParseANumber either refuses it or returns 9 digits that parse again to themselves.
func FuzzParseANumber(f *testing.F) {
	for _, s := range []string{"A201-555-123", "20155512", "", "A", "0000000000", "a 1 2 3 4 5 6 7 8", "A٣٣"} {
		f.Add(s)
	}
	digits := regexp.MustCompile(`^[0-9]{9}$`)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseANumber(s)
		if err != nil {
			return
		}
		if !digits.MatchString(string(got)) {
			t.Fatalf("ParseANumber(%q) = %q, want 9 digits", s, got)
		}
		again, err := ParseANumber(string(got))
		if err != nil || again != got {
			t.Fatalf("ParseANumber not idempotent on %q: %q, %v", got, again, err)
		}
	})
}
