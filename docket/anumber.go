package docket

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// ANumber is an alien registration number in its 9-digit form ("201555123"), the key EOIR knows a respondent by.
// It masks itself when logged.
type ANumber string

// ErrInvalidANumber is wrapped by ParseANumber's errors.
var ErrInvalidANumber = errors.New("invalid a-number")

// ParseANumber returns the 9-digit form of an A-number written as "A201-555-123", "a 20155 5123" or "20155512"
// (8 digits get the leading zero EOIR expects). The error never repeats the number.
func ParseANumber(s string) (ANumber, error) {
	s = strings.TrimSpace(s)
	if len(s) > 0 && (s[0] == 'A' || s[0] == 'a') {
		s = s[1:]
	}
	var b strings.Builder
	b.Grow(9)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if b.Len() == 9 {
				return "", fmt.Errorf("%w: more than 9 digits", ErrInvalidANumber)
			}
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '#' || r == '\t':
		default:
			return "", fmt.Errorf("%w: unexpected character %q", ErrInvalidANumber, r)
		}
	}
	d := b.String()
	switch len(d) {
	case 9:
	case 8:
		d = "0" + d
	default:
		return "", fmt.Errorf("%w: %d digits, want 8 or 9", ErrInvalidANumber, len(d))
	}
	if strings.Trim(d, "0") == "" {
		return "", fmt.Errorf("%w: all zeros", ErrInvalidANumber)
	}
	return ANumber(d), nil
}

// String writes the number the way EOIR's notices print it, "A201-555-123"; a value that is not 9 digits (a
// source's raw text) is returned as it is.
func (a ANumber) String() string {
	d := string(a)
	if len(d) != 9 || strings.Trim(d, "0123456789") != "" {
		return d
	}
	return "A" + d[:3] + "-" + d[3:6] + "-" + d[6:]
}

// Masked is the number as logs may show it: all but the last four digits hidden ("A*****5123").
func (a ANumber) Masked() string { return MaskANumber(string(a)) }

// LogValue masks the number.
func (a ANumber) LogValue() slog.Value { return slog.StringValue(a.Masked()) }
