package docket

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		name     string
		in, want string
	}{
		{MaskPhone, "phone", "+12145550123", "+1******0123"},
		{MaskPhone, "phone mexico", "+525512345678", "+5*******5678"},
		{MaskPhone, "phone formatted", "(214) 555-0123", "(***) ***-0123"},
		{MaskPhone, "phone short", "12345", "***45"},
		{MaskPhone, "phone empty", "", ""},
		{MaskPhone, "not a phone", "abc", "***"},
		{MaskEmail, "email", "maria@example.org", "m***@example.org"},
		{MaskEmail, "email accented", "íñigo@example.org", "í***@example.org"},
		{MaskEmail, "email no local", "@example.org", "***@example.org"},
		{MaskEmail, "not an email", "Maria Ramirez", "M. R."},
		{MaskANumber, "a-number", "201555123", "*****5123"},
		{MaskANumber, "a-number with A", "A201555123", "A*****5123"},
		{MaskANumber, "a-number dashed", "A-201-555-123", "A*****5123"},
		{MaskANumber, "a-number eight digits", "20155512", "****5512"},
		{MaskANumber, "a-number too short", "123", "***"},
		{MaskName, "name", "Maria Ramirez", "M. R."},
		{MaskName, "name accented", "Ángel Núñez Soto", "Á. N. S."},
		{MaskName, "name lowercase", "rosa castillo", "R. C."},
		{MaskName, "name empty", "", ""},
		{MaskContact, "contact phone", "+12145550123", "+1******0123"},
		{MaskContact, "contact email", "maria@example.org", "m***@example.org"},
		{MaskText, "text phone and email", "call +1 214 555 0123 or mail rosa.c@example.com", "call +1 *** *** 0123 or mail r***@example.com"},
		{MaskText, "text a-number", "case A201-555-123 moved", "case A***-**5-123 moved"},
		{MaskText, "text keeps the hotline and dates", "el martes 9 de febrero de 2027 a la 1:00 PM, 1-800-898-7180, Suite 1060",
			"el martes 9 de febrero de 2027 a la 1:00 PM, 1-800-898-7180, Suite 1060"},
		{MaskText, "text formatted phone", "Laura Medina: (214) 555-0142.", "Laura Medina: (***) ***-0142."},
		{MaskText, "text a-number in a path", "GET /cases/A201555123.json: 404", "GET /cases/A*****5123.json: 404"},
		{MaskText, "text hotline then more digits", "call 1-800-898-7180 (24 h) or 214-555-0142",
			"call 1-800-898-7180 (24 h) or ***-***-0142"},
		{MaskText, "text keeps dates and timestamps", "due 2028-02-07T16:00:00Z, was 2028-02-06 10:00:00.123456789 -0600",
			"due 2028-02-07T16:00:00Z, was 2028-02-06 10:00:00.123456789 -0600"},
		{MaskText, "text keeps a time of day", "next Tue Apr 11 2028 9:00 AM MDT", "next Tue Apr 11 2028 9:00 AM MDT"},
		{MaskText, "text phone then a time", "call 214 555 0142 10:30", "call *** *** 0142 10:30"},
		{MaskText, "text keeps our message-id", "sent <docketd.0123456789abcdef0123456789abcdef@mail.example.org>",
			"sent <docketd.0123456789abcdef0123456789abcdef@mail.example.org>"},
		{MaskText, "text masks a mailbox like ours", "docketd.maria@example.org", "d***@example.org"},
		{MaskText, "text date then a phone", "on 2028-02-07 2145550142", "on 2028-02-07 ******0142"},
		{MaskText, "text a phone that contains a date", "12028-02-07", "*****-02-07"},
		{MaskText, "text keeps an address", "dial tcp 192.168.10.20:5432: connection refused",
			"dial tcp 192.168.10.20:5432: connection refused"},
		{MaskText, "text dotted phone", "tel. 06.12.34.56.78", "tel. **.**.**.56.78"},
		{MaskText, "text dotted phone, not an address", "214.555.01.42", "***.***.01.42"},
		{MaskText, "text keeps a rejected date", `hearings[0].start: got "2027-13-01 08:30"; date "2027-02-30"`,
			`hearings[0].start: got "2027-13-01 08:30"; date "2027-02-30"`},
		{MaskText, "text keeps a day.month.year date", `date "30.02.2027" does not match`, `date "30.02.2027" does not match`},
		{MaskText, "text dotted phone, not a date", "06.12.34.56.78.2027", "**.**.**.**.**.2027"},
		{MaskText, "text keeps a twilio sid", "message_sid=SM0123456789abcdef0123456789abcdef",
			"message_sid=SM0123456789abcdef0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogValuersMask(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	logger.Info("x", "phone", Phone("+12145550123"), "email", EmailAddress("maria@example.org"),
		"a_number", ANumber("201555123"), "name", Name("Maria Ramirez"), "to", Contact("+12145550123"))
	got := buf.String()
	for _, secret := range []string{"2145550123", "maria@", "201555123", "Maria", "Ramirez"} {
		if strings.Contains(got, secret) {
			t.Errorf("log line leaks %q: %s", secret, got)
		}
	}
	for _, want := range []string{`"phone":"+1******0123"`, `"email":"m***@example.org"`, `"a_number":"*****5123"`, `"name":"M. R."`, `"to":"+1******0123"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log line lacks %s: %s", want, got)
		}
	}
}

// Whatever the input, a masked phone or A-number keeps at most five of its digits, and MaskText never leaves a run
// of seven or more digits whole outside the shapes it keeps on purpose (a timestamp's fraction, a Twilio SID).
func FuzzMask(f *testing.F) {
	for _, s := range []string{"+12145550123", "A201555123", "call 2145550123 now", "", "+", "١٢٣٤٥٦٧٨٩"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		count := func(x string) int {
			n := 0
			for _, r := range x {
				if r >= '0' && r <= '9' {
					n++
				}
			}
			return n
		}
		if n := count(MaskPhone(s)); n > 5 {
			t.Fatalf("MaskPhone(%q) keeps %d digits", s, n)
		}
		if n := count(MaskANumber(s)); n > 4 {
			t.Fatalf("MaskANumber(%q) keeps %d digits", s, n)
		}
		masked := MaskText(s)
		for _, part := range notPersonalPattern.Split(masked, -1) {
			run := 0
			for _, r := range part {
				if r >= '0' && r <= '9' {
					run++
					if run >= 7 {
						t.Fatalf("MaskText(%q) = %q leaves a run of digits", s, masked)
					}
				} else {
					run = 0
				}
			}
		}
	})
}
