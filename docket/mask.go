package docket

import (
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The product rule is that logs at info level never show a client's name, phone, email or A-number in full. The
// masking policy is written here once; every room logs through it.

// MaskPhone keeps the country code's first digit and the last four digits, which is enough for staff to tell two
// numbers apart: "+12145550123" becomes "+1******0123".
func MaskPhone(phone string) string {
	digits := 0
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits == 0 {
		return stars(utf8.RuneCountInString(phone))
	}
	keepHead := 0
	if strings.HasPrefix(phone, "+") && digits > 8 {
		keepHead = 1
	}
	keepTail := 4
	if digits < 8 {
		keepTail = 2
	}
	var b strings.Builder
	seen := 0
	for _, r := range phone {
		if r < '0' || r > '9' {
			if r == '+' || r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' {
				b.WriteRune(r)
			} else {
				b.WriteByte('*')
			}
			continue
		}
		seen++
		if seen <= keepHead || seen > digits-keepTail {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// MaskEmail keeps the first letter of the mailbox and the whole domain, since the domain (an organisation's, or a
// public provider's) says little about the person: "maria@example.org" becomes "m***@example.org".
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return MaskName(email)
	}
	local, domain := email[:at], email[at+1:]
	if local == "" {
		return "***@" + domain
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}

// MaskANumber keeps the last four digits of an alien registration number, as EOIR's own letters do:
// "201555123" becomes "*****5123" and "A201555123" becomes "A*****5123".
func MaskANumber(a string) string {
	prefix := ""
	if strings.HasPrefix(a, "A") || strings.HasPrefix(a, "a") {
		prefix, a = a[:1], a[1:]
	}
	var digits []byte
	for i := 0; i < len(a); i++ {
		if a[i] >= '0' && a[i] <= '9' {
			digits = append(digits, a[i])
		}
	}
	if len(digits) <= 4 {
		return prefix + stars(len(digits))
	}
	return prefix + stars(len(digits)-4) + string(digits[len(digits)-4:])
}

// MaskName reduces a name to initials: "María Ramírez" becomes "M. R.".
func MaskName(name string) string {
	var parts []string
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) {
			parts = append(parts, string(unicode.ToUpper(r))+".")
		}
	}
	return strings.Join(parts, " ")
}

// MaskContact masks a channel address: an email address if it has an "@", else a phone number.
func MaskContact(address string) string {
	if strings.Contains(address, "@") {
		return MaskEmail(address)
	}
	return MaskPhone(address)
}

// eoirHotline is public and appears in every reminder; masking it would only make the logs harder to read.
const eoirHotline = "1-800-898-7180"

// ourMessageID is the Message-ID notify.SMTP gives the mail it sends: "docketd.", a digest, "@" and the host. It
// reads as an email address but names no one, and it is how a mail is found in the mail server's logs.
const ourMessageID = `docketd\.[0-9a-f]{32}@[A-Za-z0-9.-]*[A-Za-z0-9]`

var (
	emailPattern = regexp.MustCompile(`[^\s@<>()"',;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	// A run of digits with the separators phones and A-numbers are written with; the digit count decides below.
	numberPattern = regexp.MustCompile(`\+?\(?\d[\d\-. ()]*\d`)
	// What the email and number patterns would take for personal data but is not, so it stays readable: the
	// hotline, a date or timestamp as Go and SQL write them (also one that is not a real date, such as 2027-02-30
	// or 2027-13-01, which a rejected value quotes), a date written day.month.year, a time of day (which would join a date's digits to a
	// run), an IPv4 address (a server's, in a network error), a Twilio SID, by which staff find a text in Twilio's
	// console, and our Message-IDs. Each is kept only when it stands alone (see standsAlone), so a longer number
	// that merely contains one is still masked.
	notPersonalPattern = regexp.MustCompile(regexp.QuoteMeta(eoirHotline) +
		`|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?` +
		`|\d{1,2}\.\d{1,2}\.\d{4}` +
		`|\d{1,2}:\d{2}(?::\d{2})?` +
		`|((?:\d{1,3}\.){3}\d{1,3})` +
		`|[A-Z]{2}[0-9a-f]{32}` +
		`|` + ourMessageID)
	ourMessageIDPattern = regexp.MustCompile(`^` + ourMessageID + `$`)
)

func MaskText(text string) string {
	text = emailPattern.ReplaceAllStringFunc(text, func(email string) string {
		if ourMessageIDPattern.MatchString(email) {
			return email
		}
		return MaskEmail(email)
	})
	var b strings.Builder
	last := 0
	for _, m := range notPersonalPattern.FindAllStringSubmatchIndex(text, -1) {
		if !standsAlone(text, m[0], m[1]) || m[2] >= 0 && !isIPv4(text[m[2]:m[3]]) {
			continue
		}
		b.WriteString(maskNumbers(text[last:m[0]]))
		b.WriteString(text[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(maskNumbers(text[last:]))
	return b.String()
}

// maskNumbers masks the phone numbers and A-numbers in text, which holds no email address and nothing that
// notPersonalPattern keeps.
func maskNumbers(text string) string {
	return numberPattern.ReplaceAllStringFunc(text, func(s string) string {
		n := 0
		for _, r := range s {
			if r >= '0' && r <= '9' {
				n++
			}
		}
		if n < 7 {
			return s
		}
		if s[0] == '+' {
			return MaskPhone(s)
		}
		var b strings.Builder
		seen := 0
		for _, r := range s {
			if r >= '0' && r <= '9' {
				seen++
				if seen <= n-4 {
					r = '*'
				}
			}
			b.WriteRune(r)
		}
		return b.String()
	})
}

// standsAlone reports whether text[i:j] is not part of a longer word or number: no letter or digit touches it, nor
// a separator that goes on to more digits ("06.12.34.56.78" is a phone, not an address and a number).
func standsAlone(text string, i, j int) bool {
	if i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
		if r == '-' || r == '.' {
			if r, _ := utf8.DecodeLastRuneInString(text[:i-size]); unicode.IsDigit(r) {
				return false
			}
		}
	}
	if j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
		if r == '-' || r == '.' {
			if r, _ := utf8.DecodeRuneInString(text[j+size:]); unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

// isIPv4 reports whether four dotted numbers are an address: each at most 255.
func isIPv4(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if n, err := strconv.Atoi(part); err != nil || n > 255 {
			return false
		}
	}
	return true
}

func stars(n int) string { return strings.Repeat("*", n) }

// Phone is a phone number that masks itself when logged: slog.String("to", ...) leaks, slog.Any("to", Phone(p))
// does not.
type Phone string

// LogValue masks the number.
func (p Phone) LogValue() slog.Value { return slog.StringValue(MaskPhone(string(p))) }

// EmailAddress is an email address that masks itself when logged.
type EmailAddress string

// LogValue masks the address.
func (e EmailAddress) LogValue() slog.Value { return slog.StringValue(MaskEmail(string(e))) }

// Contact is a phone number or email address that masks itself when logged, for values that may be either.
type Contact string

// LogValue masks the address.
func (c Contact) LogValue() slog.Value { return slog.StringValue(MaskContact(string(c))) }

// Name is a person's name that logs as initials.
type Name string

// LogValue reduces the name to initials.
func (n Name) LogValue() slog.Value { return slog.StringValue(MaskName(string(n))) }
