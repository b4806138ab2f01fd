package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a length of time written as "30m", "2h", "7d" or "1d12h". A value that does not parse is kept with its
// error so that validation can report it together with every other problem in the file.
type Duration struct {
	D   time.Duration
	Raw string
	err error
}

// UnmarshalText records the text and its parse error; it never fails, so decoding goes on to find other errors.
func (d *Duration) UnmarshalText(b []byte) error {
	d.Raw = string(b)
	d.D, d.err = ParseDuration(d.Raw)
	return nil
}

// MarshalText writes the duration back in the form it was given.
func (d Duration) MarshalText() ([]byte, error) {
	if d.Raw != "" {
		return []byte(d.Raw), nil
	}
	return []byte(FormatDuration(d.D)), nil
}

// Days returns the number of days of an offset written in days only ("7d"), which lands on a local time of day
// rather than an exact number of hours before.
func (d Duration) Days() (int, bool) {
	s := strings.TrimSpace(d.Raw)
	if !strings.HasSuffix(s, "d") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// ParseDuration reads "7d", "2h", "30m", "1d12h": Go's duration syntax plus "d" for 24 hours.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	rest := s
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		total = time.Duration(n) * 24 * time.Hour
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		total += d
	}
	return total, nil
}

// FormatDuration writes d in the shortest form ParseDuration reads back, preferring days.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	day := 24 * time.Hour
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	s = strings.TrimSuffix(s, "0m")
	return s
}

// ClockTime is a local time of day written "HH:MM".
type ClockTime struct {
	Hour, Minute int
	Raw          string
	err          error
}

// UnmarshalText records the text and its parse error (see Duration).
func (c *ClockTime) UnmarshalText(b []byte) error {
	c.Raw = string(b)
	c.Hour, c.Minute, c.err = parseClock(c.Raw)
	return nil
}

// MarshalText writes the time as "HH:MM".
func (c ClockTime) MarshalText() ([]byte, error) {
	if c.Raw == "" {
		return nil, nil
	}
	return []byte(fmt.Sprintf("%02d:%02d", c.Hour, c.Minute)), nil
}

// IsZero reports whether no time was given.
func (c ClockTime) IsZero() bool { return c.Raw == "" }

// Minutes returns the time as minutes after midnight.
func (c ClockTime) Minutes() int { return c.Hour*60 + c.Minute }

func parseClock(s string) (int, int, error) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(m) != 2 || len(h) < 1 || len(h) > 2 {
		return 0, 0, fmt.Errorf("%q is not a time of day like \"10:00\"", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, 0, fmt.Errorf("%q is not a time of day like \"10:00\"", s)
	}
	return hh, mm, nil
}

// QuietHours is a daily window, in the recipient's local time, when nothing is sent. It may wrap midnight.
type QuietHours struct {
	Start, End int // minutes after midnight; Start == End means no quiet hours
}

// ParseQuietHours reads "21:00-08:00".
func ParseQuietHours(s string) (QuietHours, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("%q is not a window like \"21:00-08:00\"", s)
	}
	h1, m1, err := parseClock(a)
	if err != nil {
		return QuietHours{}, err
	}
	h2, m2, err := parseClock(b)
	if err != nil {
		return QuietHours{}, err
	}
	return QuietHours{Start: h1*60 + m1, End: h2*60 + m2}, nil
}

// Percent is a share written "20%".
type Percent struct {
	F   float64
	Raw string
	err error
}

// UnmarshalText records the text and its parse error (see Duration).
func (p *Percent) UnmarshalText(b []byte) error {
	p.Raw = string(b)
	s := strings.TrimSpace(p.Raw)
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	switch {
	case !strings.HasSuffix(s, "%") || err != nil || v < 0 || v > 100:
		p.err = fmt.Errorf("%q is not a percentage like \"20%%\"", p.Raw)
	default:
		p.F = v / 100
	}
	return nil
}

// MarshalText writes the share as a percentage.
func (p Percent) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatFloat(p.F*100, 'f', -1, 64) + "%"), nil
}
