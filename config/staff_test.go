package config

import (
	"errors"
	"strings"
	"testing"
)

func TestStaffEntries(t *testing.T) {
	const argon = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$0000000000000000000000000000000000000000000"
	const bcrypt = "$2b$10$abcdefghijklmnopqrstuv0123456789ABCDEFGHIJKLMNOPQRSTU"
	src := `[organization]
name = "Oficina"
timezone = "America/Chicago"
language = "es"

[[staff]]
email = "ana@example.org"
password_hash = "` + argon + `"

[[staff]]
email = "ben@example.org"
password_hash = '` + bcrypt + `'
name = "Ben"
language = "en"
`
	cfg, err := Parse("staff.toml", []byte(src), Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Staff[0].Name, "ana@example.org"; got != want {
		t.Errorf("name: got %q, want the email %q", got, want)
	}
	if got, want := cfg.Staff[0].Language, "es"; got != want {
		t.Errorf("language: got %q, want the office's %q", got, want)
	}
	if got, want := cfg.Staff[1].Language, "en"; got != want {
		t.Errorf("language: got %q, want %q", got, want)
	}

	bad := `[organization]
name = "Oficina"
timezone = "America/Chicago"

[[staff]]
email = "ana@example.org"
password_hash = "hunter2"

[[staff]]
email = "ANA@example.org"
password_hash = "` + argon + `"
language = "fr"

[[staff]]
email = "not an email"
`
	_, err = Parse("staff.toml", []byte(bad), Options{Courts: testCourts})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want Errors", err)
	}
	got := errs.Error()
	for _, want := range []string{
		"staff.toml:7:1: staff[0].password_hash: is not an argon2id or bcrypt hash",
		`staff.toml:10:1: staff[1].email: "ANA@example.org" signs in twice`,
		`staff.toml:12:1: staff[1].language: expected one of "en", "es", got "fr"`,
		`staff.toml:15:1: staff[2].email: expected an email address`,
		"staff[2].password_hash: is required: make one with `docketd staff hash`",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "hunter2") {
		t.Errorf("an error quotes what may be a password:\n%s", got)
	}
}
