package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/robfig/cron/v3"
	"golang.org/x/text/language"

	"github.com/docketd/docketd/docket"
)

type validator struct {
	file     string
	pos      map[string]position
	problems []Problem
	// badType holds the keys whose value was of the wrong type: that is their one problem.
	badType map[string]bool
}

// add records a problem at key, pointing at the nearest enclosing key the file wrote.
func (v *validator) add(key, format string, args ...any) {
	if v.badType[key] {
		return
	}
	p := Problem{File: v.file, Key: key, Msg: fmt.Sprintf(format, args...)}
	for k := key; k != ""; k = parentKey(k) {
		if at, ok := v.pos[k]; ok {
			p.Line, p.Col = at.line, at.col
			break
		}
	}
	v.problems = append(v.problems, p)
}

func parentKey(k string) string {
	if strings.HasSuffix(k, "]") {
		if i := strings.LastIndexByte(k, '['); i >= 0 {
			return k[:i]
		}
	}
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		return k[:i]
	}
	return ""
}

// The names a hearing's type and medium may take: docketd's own.
var (
	hearingTypes = stringsOf(docket.HearingTypes)
	media        = stringsOf(docket.Media)
)

func stringsOf[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// StartLayouts are the forms a hand-entered hearing's start may take, in court local time.
var StartLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 3:04 PM", "2006-01-02 3:04PM"}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func (v *validator) validate(c *Config, opts Options) {
	v.lengths(reflect.ValueOf(c).Elem(), "")
	v.organization(c)
	v.database(c)
	v.http(c)
	v.log(c)
	v.sms(c)
	v.emailSection(c)
	v.reminders(c)
	v.feeds(c)
	v.duration("retention.bodies", c.Retention.Bodies, true)
	v.duration("retention.outbox", c.Retention.Outbox, true)
	v.duration("retention.changes", c.Retention.Changes, true)
	v.duration("retention.sync_runs", c.Retention.SyncRuns, true)
	v.emailAddress("inbox.email", c.Inbox.Email, false)
	if c.Inbox.Email == "" {
		c.Inbox.Email = c.Organization.Email
	}
	v.duration("inbox.call_list", c.Inbox.CallList, true)
	courts := v.courts(c, opts.Courts)
	v.sources(c)
	attorneys := v.attorneys(c)
	v.clients(c, attorneys)
	v.hearings(c, courts)
	v.staff(c)
	v.channels(c)
	v.warnings(c)
}

// warn records something questionable at key that does not make the file invalid.
func (v *validator) warn(c *Config, key, format string, args ...any) {
	n := len(v.problems)
	v.add(key, format, args...)
	if len(v.problems) > n {
		c.Warnings = append(c.Warnings, v.problems[n])
		v.problems = v.problems[:n]
	}
}

func (v *validator) warnings(c *Config) {
	if len(c.Reminders.Policies) == 0 {
		v.warn(c, "reminders", "no [[reminders.policy]]: no reminder will be sent to anyone")
	}
	counselEmail := map[string]bool{}
	for _, a := range c.Attorneys {
		counselEmail[a.ID] = a.Email != ""
	}
	for i, cl := range c.Clients {
		reachable := cl.Contact.Name != "" && (cl.Contact.Phone != "" || cl.Contact.Email != "")
		if cl.Detained && !reachable && !counselEmail[cl.Attorney] {
			v.warn(c, fmt.Sprintf("clients[%d].detained", i), "client %q is detained and has neither a contact "+
				"([clients.contact]) nor counsel with an email: nobody will be reminded of their hearings", cl.ID)
		}
	}
	if c.SMS.Provider == "twilio" {
		if u, err := url.Parse(c.HTTP.PublicURL); err == nil && isLoopback(u.Hostname()) {
			v.warn(c, "http.public_url", "%q is this machine only: Twilio would post delivery reports and replies "+
				"(STOP) to it and never reach docketd; set the address the internet reaches docketd at", c.HTTP.PublicURL)
		}
	}
}

// isLoopback reports whether host names this machine only.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// MaxValueLen is the most bytes one string value of the file may hold, after ${VAR} expansion. The longest real
// values (a database URL, a WebEx link, a name) are a few hundred bytes; a value of megabytes is a mistake, and it
// would be stored and read back on every start.
const MaxValueLen = 1000

// MaxPolicyName is the longest policy name, in characters. Every outbox row's key (docket.DedupeKey) names its
// policy beside the hearing's identity, the recipient and the offset, and keys are stored in a column of 255
// characters; 64 leaves the rest of the key room to spare.
const MaxPolicyName = 64

// lengths reports every string value longer than MaxValueLen, with its key.
func (v *validator) lengths(rv reflect.Value, path string) {
	switch rv.Kind() {
	case reflect.String:
		if n := rv.Len(); n > MaxValueLen {
			v.add(path, "is %d bytes long, more than the %d a value may hold", n, MaxValueLen)
			// The file is invalid now; what is kept is only what later messages quote.
			rv.SetString(strings.ToValidUTF8(rv.String()[:40], "") + "…")
		}
	case reflect.Struct:
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
			if name == "" || name == "-" || !t.Field(i).IsExported() {
				continue
			}
			v.lengths(rv.Field(i), joinKey(path, name))
		}
	case reflect.Slice:
		for i := 0; i < rv.Len(); i++ {
			v.lengths(rv.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
	case reflect.Map:
		for _, k := range rv.MapKeys() {
			key := joinKey(path, k.String())
			if k.Len() > MaxValueLen {
				v.add(path, "has a key %d bytes long, more than the %d a key may hold", k.Len(), MaxValueLen)
				continue
			}
			v.lengths(rv.MapIndex(k), key)
		}
	}
}

func (v *validator) organization(c *Config) {
	o := &c.Organization
	if strings.TrimSpace(o.Name) == "" {
		v.add("organization.name", "is required: it is how clients recognise who is writing to them")
	}
	v.phone("organization.phone", &o.Phone, false)
	v.zone("organization.timezone", o.Timezone, true)
	o.Language = v.language("organization.language", o.Language, DefaultLanguage)
	v.emailAddress("organization.email", o.Email, false)
}

func (v *validator) database(c *Config) {
	u := c.Database.URL
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		if strings.TrimPrefix(u, "sqlite:") == "" {
			v.add("database.url", "sqlite: needs a path, like \"sqlite:/var/lib/docketd/docketd.db\"")
		}
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		if _, err := url.Parse(u); err != nil {
			v.add("database.url", "is not a valid postgres:// URL")
		}
	default:
		// Only the scheme is quoted: the rest may hold a password.
		scheme, _, _ := strings.Cut(u, ":")
		v.add("database.url", "expected \"sqlite:PATH\" or \"postgres://user:pass@host/db\", got a URL starting %q",
			scheme+":")
	}
}

func (v *validator) http(c *Config) {
	if _, port, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		v.add("http.listen", "expected host:port like \"127.0.0.1:8080\", got %q", c.HTTP.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.add("http.listen", "port %q is not a number from 0 to 65535", port)
	}
	if c.HTTP.PublicURL == "" {
		host := c.HTTP.Listen
		if h, p, err := net.SplitHostPort(host); err == nil && (h == "" || h == "0.0.0.0" || h == "::") {
			host = net.JoinHostPort("localhost", p)
		}
		c.HTTP.PublicURL = "http://" + host
		return
	}
	u, err := url.Parse(c.HTTP.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add("http.public_url", "expected an absolute http(s) URL like \"https://docket.example.org\", got %q", c.HTTP.PublicURL)
		return
	}
	c.HTTP.PublicURL = strings.TrimSuffix(c.HTTP.PublicURL, "/")
}

func (v *validator) log(c *Config) {
	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	v.oneOf("log.format", c.Log.Format, "text", "json")
}

// maxConcurrency bounds the requests one channel keeps in flight.
const maxConcurrency = 64

func (v *validator) sms(c *Config) {
	s := &c.SMS
	v.oneOf("sms.provider", s.Provider, "twilio", "log")
	if s.Rate <= 0 {
		v.add("sms.rate", "must be more than 0 messages per second, got %v", s.Rate)
	}
	if s.Concurrency < 0 || s.Concurrency > maxConcurrency {
		v.add("sms.concurrency", "must be between 0 (automatic) and %d requests in flight, got %d", maxConcurrency,
			s.Concurrency)
	}
	v.duration("sms.twilio.timeout", s.Twilio.Timeout, true)
	if u, err := url.Parse(s.Twilio.APIURL); err != nil || u.Scheme == "" || u.Host == "" {
		v.add("sms.twilio.api_url", "expected an absolute URL like %q, got %q", DefaultTwilioAPIURL, s.Twilio.APIURL)
	}
	if s.Provider != "twilio" {
		return
	}
	t := &s.Twilio
	// SIDs and tokens hold no spaces: what surrounds one came from a file or a shell, not from Twilio.
	t.AccountSID = strings.TrimSpace(t.AccountSID)
	t.AuthToken = strings.TrimSpace(t.AuthToken)
	t.MessagingServiceSID = strings.TrimSpace(t.MessagingServiceSID)
	if !strings.HasPrefix(t.AccountSID, "AC") {
		v.add("sms.twilio.account_sid", "expected a Twilio account SID starting with AC (set provider = \"log\" to send nothing)")
	}
	switch {
	case t.AuthToken == "":
		v.add("sms.twilio.auth_token", "is required with provider = \"twilio\"; write \"${TWILIO_AUTH_TOKEN}\" to keep it out of the file")
	case !twilioToken.MatchString(t.AuthToken):
		// Twilio answers a wrong token with 21224 or 20003 on every message; say so now, without showing the token.
		v.add("sms.twilio.auth_token", "expected the account's auth token, 32 hexadecimal characters (Twilio console, "+
			"Account Info); got %s", describeSecret(t.AuthToken))
	}
	switch {
	case t.From == "" && t.MessagingServiceSID == "":
		v.add("sms.twilio", "needs from (a phone number) or messaging_service_sid")
	case t.From != "" && t.MessagingServiceSID != "":
		v.add("sms.twilio.from", "set from or messaging_service_sid, not both")
	case t.From != "":
		v.phone("sms.twilio.from", &t.From, true)
	case !strings.HasPrefix(t.MessagingServiceSID, "MG"):
		v.add("sms.twilio.messaging_service_sid", "expected a SID starting with MG")
	}
}

// twilioToken is the shape of a Twilio auth token.
var twilioToken = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// describeSecret says what is wrong with a secret's shape without showing it.
func describeSecret(s string) string {
	n := utf8.RuneCountInString(s)
	other := 0
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			other++
		}
	}
	if other == 0 {
		return fmt.Sprintf("%d characters", n)
	}
	return fmt.Sprintf("%d characters, %d of them not hexadecimal", n, other)
}

func (v *validator) emailSection(c *Config) {
	e := &c.Email
	v.oneOf("email.provider", e.Provider, "smtp", "log")
	if e.Concurrency < 0 || e.Concurrency > maxConcurrency {
		v.add("email.concurrency", "must be between 0 (automatic) and %d mails in flight, got %d", maxConcurrency,
			e.Concurrency)
	}
	v.duration("email.smtp.timeout", e.SMTP.Timeout, true)
	v.oneOf("email.smtp.tls", e.SMTP.TLS, "starttls", "tls", "none")
	if e.SMTP.Port == 0 {
		e.SMTP.Port = map[string]int{"starttls": 587, "tls": 465, "none": 25}[e.SMTP.TLS]
	} else if e.SMTP.Port < 1 || e.SMTP.Port > 65535 {
		v.add("email.smtp.port", "must be from 1 to 65535, got %d", e.SMTP.Port)
	}
	if e.Provider == "smtp" {
		v.emailAddress("email.from", e.From, true)
		if e.SMTP.Host == "" {
			v.add("email.smtp.host", "is required with provider = \"smtp\"")
		}
		if e.SMTP.Username != "" && e.SMTP.Password == "" {
			v.add("email.smtp.password", "is required when username is set; write \"${SMTP_PASSWORD}\" to keep it out of the file")
		}
	} else {
		v.emailAddress("email.from", e.From, false)
	}
}

func (v *validator) reminders(c *Config) {
	r := &c.Reminders
	if _, err := ParseQuietHours(r.QuietHours); err != nil {
		v.add("reminders.quiet_hours", "%v", err)
	}
	v.duration("reminders.catch_up", r.CatchUp, false)
	if r.TemplatesDir != "" {
		if st, err := os.Stat(r.TemplatesDir); err != nil || !st.IsDir() {
			v.add("reminders.templates_dir", "%q is not a directory", r.TemplatesDir)
		}
	}
	names := map[string]bool{}
	for i := range r.Policies {
		p := &r.Policies[i]
		key := fmt.Sprintf("reminders.policy[%d]", i)
		switch {
		case p.Name == "":
			v.add(key+".name", "is required: outbox rows and logs name the policy")
		case names[p.Name]:
			v.add(key+".name", "policy %q is defined twice", p.Name)
		case utf8.RuneCountInString(p.Name) > MaxPolicyName:
			v.add(key+".name", "is %d characters long; at most %d: every outbox row's key names its policy, and a key "+
				"holds at most 255 characters", utf8.RuneCountInString(p.Name), MaxPolicyName)
		}
		names[p.Name] = true
		v.oneOf(key+".to", p.To, "client", "attorney")
		v.oneOf(key+".channel", p.Channel, stringsOf(docket.Channels)...)
		if len(p.Before) == 0 {
			v.add(key+".before", "needs at least one offset, like [\"7d\", \"1d\"]")
		}
		days := false
		for j, b := range p.Before {
			if b.err != nil {
				v.add(fmt.Sprintf("%s.before[%d]", key, j), "expected a duration like \"7d\" or \"2h\": %v", b.err)
			} else if b.D <= 0 {
				v.add(fmt.Sprintf("%s.before[%d]", key, j), "must be more than zero")
			}
			if _, ok := b.Days(); ok {
				days = true
			}
		}
		if p.At.err != nil {
			v.add(key+".at", "%v", p.At.err)
		} else if days && p.At.IsZero() {
			v.add(key+".at", "is required for day offsets (like \"7d\"): the local time of day they land on, e.g. \"10:00\"")
		}
		for j, t := range p.Types {
			v.oneOf(fmt.Sprintf("%s.types[%d]", key, j), t, hearingTypes...)
		}
	}
}

func (v *validator) feeds(c *Config) {
	f := &c.Feeds
	v.duration("feeds.refresh", f.Refresh, true)
	v.duration("feeds.keep_cancelled", f.KeepCancelled, false)
	v.duration("feeds.keep_past", f.KeepPast, false)
	v.oneOf("feeds.detail", f.Detail, "full", "initials", "busy")
	for t, d := range f.Durations {
		key := "feeds.durations." + t
		v.oneOf(key, t, hearingTypes...)
		v.duration(key, d, true)
	}
}

// courts validates [[courts]] and returns every court code known, embedded plus the file's, with its time zone
// (the file's when it sets one, as the court table will have it; "" when neither knows it).
func (v *validator) courts(c *Config, known map[string]string) map[string]string {
	all := make(map[string]string, len(known)+len(c.Courts))
	for k, z := range known {
		all[k] = z
	}
	seen := map[string]bool{}
	for i := range c.Courts {
		ct := &c.Courts[i]
		key := fmt.Sprintf("courts[%d]", i)
		ct.Code = strings.ToUpper(strings.TrimSpace(ct.Code))
		switch {
		case !regexp.MustCompile(`^[A-Z0-9]{2,4}$`).MatchString(ct.Code):
			v.add(key+".code", "expected an EOIR court or hearing-location code of 2 to 4 letters or digits, got %q", ct.Code)
		case seen[ct.Code]:
			v.add(key+".code", "court %s is defined twice", ct.Code)
		}
		seen[ct.Code] = true
		if _, ok := known[ct.Code]; !ok {
			// A new court must be complete; an override may change a single field.
			if ct.Name == "" {
				v.add(key+".name", "is required for a court not in the EOIR table")
			}
			if ct.Timezone == "" {
				v.add(key+".timezone", "is required for a court not in the EOIR table")
			}
		}
		if ct.Timezone != "" {
			v.zone(key+".timezone", ct.Timezone, true)
		}
		v.phone(key+".phone", &ct.Phone, false)
		if ct.Timezone != "" || all[ct.Code] == "" {
			all[ct.Code] = ct.Timezone
		}
	}
	if known == nil {
		return nil
	}
	return all
}

// SourceKinds are the kinds a [[sources]] entry may name. Config knows which keys each kind needs; the readers are
// source's (source.Kinds), and a test of cmd/docketd, which imports both, keeps the two lists the same.
var SourceKinds = []string{"csv", "eoir_bulk", "acis", "ics"}

// sourceLimits checks a source's grace period, guard, timeout, zone and tolerance, and fills their defaults.
func (v *validator) sourceLimits(key string, s *Source) {
	if s.Grace.Raw == "" {
		s.Grace.D = DefaultGrace
	} else {
		v.duration(key+".grace", s.Grace, false)
	}
	if s.MaxChange.Raw == "" {
		s.MaxChange.F = DefaultMaxChange
	} else if s.MaxChange.err != nil {
		v.add(key+".max_change", "%v", s.MaxChange.err)
	}
	if s.MaxChangeMin == nil {
		n := DefaultMaxChangeMin
		s.MaxChangeMin = &n
	} else if *s.MaxChangeMin < 1 {
		v.add(key+".max_change_min", "must be at least 1, got %d", *s.MaxChangeMin)
	}
	if s.Timeout.Raw == "" {
		s.Timeout.D = DefaultProviderTimeout
	} else {
		v.duration(key+".timeout", s.Timeout, true)
	}
	if s.Timezone != "" {
		v.zone(key+".timezone", s.Timezone, false)
	}
	if s.Tolerance.Raw != "" {
		v.duration(key+".tolerance", s.Tolerance, true)
	}
}

func (v *validator) sources(c *Config) {
	names := map[string]bool{"config": true}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	for i := range c.Sources {
		s := &c.Sources[i]
		key := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			v.add(key+".name", "is required")
		case s.Name == "config":
			v.add(key+".name", "\"config\" is the name of the file's own [[hearings]]; choose another")
		case names[s.Name]:
			v.add(key+".name", "source %q is defined twice", s.Name)
		case !idPattern.MatchString(s.Name):
			v.add(key+".name", "use letters, digits, '-', '_' or '.', got %q", s.Name)
		}
		names[s.Name] = true
		v.oneOf(key+".kind", s.Kind, SourceKinds...)
		switch {
		case s.Every.Raw == "" && s.Schedule == "":
			v.add(key, "needs every = \"30m\" or schedule = \"<cron>\"")
		case s.Every.Raw != "" && s.Schedule != "":
			v.add(key+".schedule", "set every or schedule, not both")
		case s.Every.Raw != "":
			v.duration(key+".every", s.Every, true)
			if s.Every.err == nil && s.Every.D < time.Minute {
				v.add(key+".every", "must be at least 1m, got %s", s.Every.Raw)
			}
		default:
			if _, err := parser.Parse(s.Schedule); err != nil {
				v.add(key+".schedule", "expected a cron expression like \"0 6 * * *\": %v", err)
			}
		}
		v.sourceLimits(key, s)
		switch s.Kind {
		case "csv", "eoir_bulk":
			if s.Path == "" {
				v.add(key+".path", "is required for kind = %q", s.Kind)
			}
		case "ics":
			if (s.Path == "") == (s.URL == "") {
				v.add(key, "kind = \"ics\" needs path or url (one of them)")
			}
		case "acis":
			if s.Path == "" && s.URL == "" {
				v.add(key, "kind = \"acis\" needs url (a lookup service) or path (a folder of saved answers)")
			}
			if s.Rate == 0 {
				s.Rate = DefaultACISRate
			} else if s.Rate < 0 {
				v.add(key+".rate", "must be more than 0 lookups per second")
			}
		}
		if s.URL != "" {
			if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				v.add(key+".url", "expected an http(s) URL, got %q", s.URL)
			}
		}
		if s.ANumberPattern != "" {
			if _, err := regexp.Compile(s.ANumberPattern); err != nil {
				v.add(key+".a_number_pattern", "is not a regular expression: %v", err)
			}
		}
		for j, b := range s.BaseCities {
			s.BaseCities[j] = strings.ToUpper(strings.TrimSpace(b))
		}
		if s.Kind != "csv" && (len(s.Columns) > 0 || s.DateFormat != "" || s.TimeFormat != "") {
			v.add(key+".columns", "columns, date_format and time_format apply to kind = \"csv\" only")
		}
		v.separator(key, s)
	}
}

// separator checks a csv source's field separator: one character that is not a quote, a line break or the
// Unicode replacement character (what encoding/csv accepts), and fills the default ",".
func (v *validator) separator(key string, s *Source) {
	if s.Separator == "" {
		if s.Kind == "csv" {
			s.Separator = ","
		}
		return
	}
	if s.Kind != "csv" {
		v.add(key+".separator", "applies to kind = \"csv\" only")
		return
	}
	r, n := utf8.DecodeRuneInString(s.Separator)
	switch {
	case n != len(s.Separator):
		v.add(key+".separator", "expected one character, like \",\" or \";\", got %q", s.Separator)
	case r == 0 || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError:
		v.add(key+".separator", "%q cannot separate fields; use \",\", \";\" or \"\\t\"", s.Separator)
	}
}

func (v *validator) attorneys(c *Config) map[string]bool {
	ids := map[string]bool{}
	for i := range c.Attorneys {
		a := &c.Attorneys[i]
		key := fmt.Sprintf("attorneys[%d]", i)
		v.id(key+".id", a.ID, ids, "attorney")
		if strings.TrimSpace(a.Name) == "" {
			v.add(key+".name", "is required")
		}
		v.emailAddress(key+".email", a.Email, false)
		v.phone(key+".phone", &a.Phone, false)
		// Counsel read English unless their entry says otherwise: the office's language is its clients'.
		a.Language = v.language(key+".language", a.Language, "en")
		if a.Timezone == "" {
			a.Timezone = c.Organization.Timezone
		} else {
			v.zone(key+".timezone", a.Timezone, false)
		}
	}
	return ids
}

func (v *validator) clients(c *Config, attorneys map[string]bool) {
	ids := map[string]bool{}
	anumbers := map[string]string{}
	for i := range c.Clients {
		cl := &c.Clients[i]
		key := fmt.Sprintf("clients[%d]", i)
		v.id(key+".id", cl.ID, ids, "client")
		if strings.TrimSpace(cl.Name) == "" {
			v.add(key+".name", "is required")
		}
		if cl.ANumber != "" {
			if a, err := docket.ParseANumber(cl.ANumber); err != nil {
				v.add(key+".a_number", "expected an A-number of 8 or 9 digits, like \"A201-555-123\", got %q", cl.ANumber)
			} else {
				cl.ANumber = string(a)
				if other, dup := anumbers[cl.ANumber]; dup {
					v.add(key+".a_number", "A-number is also given to client %q", other)
				}
				anumbers[cl.ANumber] = cl.ID
			}
		}
		if cl.Nationality != "" && !regexp.MustCompile(`^[A-Za-z]{1,3}$`).MatchString(cl.Nationality) {
			v.add(key+".nationality", "expected an EOIR nationality code like \"MX\", got %q", cl.Nationality)
		}
		cl.Nationality = strings.ToUpper(cl.Nationality)
		v.phone(key+".phone", &cl.Phone, false)
		v.emailAddress(key+".email", cl.Email, false)
		cl.Language = v.language(key+".language", cl.Language, c.Organization.Language)
		if cl.Timezone == "" {
			cl.Timezone = c.Organization.Timezone
		} else {
			v.zone(key+".timezone", cl.Timezone, false)
		}
		if cl.State != "" {
			if code, ok := docket.ParseState(cl.State); ok {
				cl.State = code
			} else {
				v.add(key+".state", "expected the two-letter code of a US state, like \"FL\", got %q", cl.State)
			}
		}
		if cl.Attorney != "" && !attorneys[cl.Attorney] {
			v.add(key+".attorney", "no [[attorneys]] entry has id %q", cl.Attorney)
		}
		v.contact(key+".contact", &cl.Contact, cl.Language)
	}
}

// contact checks a client's contact person: one with a name needs a phone or an email to be reached by, and one
// reached without a name could not be greeted.
func (v *validator) contact(key string, ct *Contact, clientLanguage string) {
	ct.Name = strings.TrimSpace(ct.Name)
	v.phone(key+".phone", &ct.Phone, false)
	v.emailAddress(key+".email", ct.Email, false)
	ct.Language = v.language(key+".language", ct.Language, clientLanguage)
	switch {
	case ct.Name != "" && ct.Phone == "" && ct.Email == "":
		v.add(key, "a contact with a name needs a phone or an email to be reached by")
	case ct.Name == "" && (ct.Phone != "" || ct.Email != ""):
		v.add(key+".name", "is required when a contact phone or email is given")
	}
}

func (v *validator) hearings(c *Config, courts map[string]string) {
	ids := map[string]bool{}
	for i := range c.Hearings {
		h := &c.Hearings[i]
		key := fmt.Sprintf("hearings[%d]", i)
		if h.ID != "" {
			v.id(key+".id", h.ID, ids, "hearing")
		}
		if a, err := docket.ParseANumber(h.ANumber); err != nil {
			v.add(key+".a_number", "expected an A-number of 8 or 9 digits, got %q", h.ANumber)
		} else {
			h.ANumber = string(a)
		}
		h.Court = strings.ToUpper(strings.TrimSpace(h.Court))
		h.Location = strings.ToUpper(strings.TrimSpace(h.Location))
		switch {
		case h.Court == "":
			v.add(key+".court", "is required: the court decides the time zone of start")
		case courts != nil && !hasKey(courts, h.Court):
			v.add(key+".court", "%q is not an EOIR court code (add it under [[courts]] if it is new)", h.Court)
		}
		if h.Type == "" {
			h.Type = string(docket.TypeMaster)
		}
		v.oneOf(key+".type", h.Type, hearingTypes...)
		if h.Medium == "" {
			h.Medium = string(docket.MediumInPerson)
			if h.WebEx != "" {
				h.Medium = string(docket.MediumInternet)
			}
		}
		v.oneOf(key+".medium", h.Medium, media...)
		if h.WebEx != "" {
			if u, err := url.Parse(h.WebEx); err != nil || u.Scheme != "https" {
				v.add(key+".webex", "expected an https:// link, got %q", h.WebEx)
			}
		}
		var start time.Time
		perr := fmt.Errorf("empty")
		for _, layout := range StartLayouts {
			if start, perr = time.Parse(layout, strings.TrimSpace(h.Start)); perr == nil {
				break
			}
		}
		if perr != nil {
			v.add(key+".start", "expected court local time like \"2027-02-09 08:30\", got %q", h.Start)
			continue
		}
		h.StartTime = start // wall clock; the caller reads it in the court's zone (see StartIn)
		v.localTime(c, key+".start", h, courts)
		v.filingDeadline(key+".filing_deadline", h)
	}
}

// filingDeadline checks a judge's filing deadline: a date, on or before the hearing's own day.
func (v *validator) filingDeadline(key string, h *Hearing) {
	h.FilingDeadline = strings.TrimSpace(h.FilingDeadline)
	if h.FilingDeadline == "" {
		return
	}
	d, err := time.Parse(time.DateOnly, h.FilingDeadline)
	if err != nil {
		v.add(key, "expected the date of the judge's order like \"2027-01-15\" (YYYY-MM-DD), got %q", h.FilingDeadline)
		return
	}
	day := time.Date(h.StartTime.Year(), h.StartTime.Month(), h.StartTime.Day(), 0, 0, 0, 0, time.UTC)
	if d.After(day) {
		v.add(key, "%s is after the hearing (%s): a filing deadline comes before the hearing it is for",
			h.FilingDeadline, day.Format(time.DateOnly))
	}
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// localTime checks that a hand-entered start names one instant in the hearing's zone: the location's when it is a
// court code, else the court's. A time the clocks jump over (02:30 on the night clocks go forward) names none, and
// time.Date would silently store it an hour off, so it is a problem; a time the clocks go back over names two, and
// the first is kept, which a warning says. A location that is not a court code has its zone from the store's
// hearing-location table, which validation does not have: its hearings are not checked here.
func (v *validator) localTime(c *Config, key string, h *Hearing, courts map[string]string) {
	code := h.Court
	if h.Location != "" && h.Location != h.Court {
		if !hasKey(courts, h.Location) {
			return
		}
		code = h.Location
	}
	name := courts[code]
	if name == "" {
		return
	}
	loc, err := docket.LoadZone(name)
	if err != nil {
		return // the court's own timezone key says so
	}
	w := h.StartTime
	t := h.StartIn(loc)
	if t.Hour() != w.Hour() || t.Minute() != w.Minute() {
		v.add(key, "%s does not exist on %s in %s (%s): the clocks go forward an hour over it; check the time on "+
			"the hearing notice", w.Format("15:04"), w.Format("2006-01-02"), code, name)
		return
	}
	_, offset := t.Zone()
	for _, d := range []time.Duration{time.Hour, -time.Hour} {
		o := t.Add(d)
		if _, oo := o.Zone(); oo == offset || o.Hour() != w.Hour() || o.Minute() != w.Minute() {
			continue
		}
		which := "first"
		if d < 0 {
			which = "second"
		}
		v.warn(c, key, "%s happens twice on %s in %s (%s): the clocks go back an hour over it; the %s is kept, "+
			"%s (%s)", w.Format("15:04"), w.Format("2006-01-02"), code, name, which, t.Format("15:04 MST"),
			t.UTC().Format(time.RFC3339))
		return
	}
}

// StartIn returns the hand-entered start read as wall-clock time in loc, the court's zone.
func (h Hearing) StartIn(loc *time.Location) time.Time {
	s := h.StartTime
	return time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), s.Minute(), 0, 0, loc)
}

func (v *validator) id(key, id string, seen map[string]bool, what string) {
	switch {
	case id == "":
		v.add(key, "is required: other entries refer to the %s by it", what)
	case !idPattern.MatchString(id):
		v.add(key, "use letters, digits, '-', '_' or '.', got %q", id)
	case seen[id]:
		v.add(key, "%s id %q is used twice", what, id)
	}
	seen[id] = true
}

func (v *validator) oneOf(key, got string, allowed ...string) {
	for _, a := range allowed {
		if got == a {
			return
		}
	}
	v.add(key, "expected one of %s, got %q", quoteList(allowed), got)
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

func (v *validator) duration(key string, d Duration, positive bool) {
	switch {
	case d.err != nil:
		v.add(key, "expected a duration like \"30m\", \"2h\" or \"7d\": %v", d.err)
	case positive && d.D <= 0:
		v.add(key, "must be more than zero")
	}
}

func (v *validator) zone(key, name string, required bool) {
	if name == "" {
		if required {
			v.add(key, "is required: an IANA time zone like \"America/Chicago\"")
		}
		return
	}
	if name == "Local" || !strings.Contains(name, "/") && name != "UTC" {
		v.add(key, "expected an IANA time zone like \"America/Chicago\", got %q", name)
		return
	}
	if _, err := docket.LoadZone(name); err != nil {
		v.add(key, "unknown time zone %q; expected an IANA name like \"America/Chicago\"", name)
	}
}

// phone checks a phone number and rewrites it in E.164. National US numbers are accepted and rewritten.
func (v *validator) phone(key string, p *string, required bool) {
	if strings.TrimSpace(*p) == "" {
		if required {
			v.add(key, "is required")
		}
		return
	}
	e, err := NormalizePhone(*p)
	if err != nil {
		v.add(key, "%v", err)
		return
	}
	*p = e
}

// NormalizePhone returns a phone number in E.164 form (+12145550123). Numbers without a country code are read as
// North American. The number must exist (phonenumbers' validity check: a real country and area code, the right
// length), not merely have a possible length: "555-CALL-NOW" reads as +15552255669, which has no area code 555.
func NormalizePhone(s string) (string, error) {
	num, err := phonenumbers.Parse(s, "US")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("expected a phone number in E.164 form like \"+12145550123\", got %q", s)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

func (v *validator) emailAddress(key, addr string, required bool) {
	if addr == "" {
		if required {
			v.add(key, "is required")
		}
		return
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || !strings.Contains(a.Address, ".") {
		v.add(key, "expected an email address like \"name@example.org\", got %q", addr)
	}
}

// language checks a language tag and returns its base language ("es" for "es-MX"), or def when empty.
func (v *validator) language(key, tag, def string) string {
	if tag == "" {
		return def
	}
	t, err := language.Parse(tag)
	if err != nil {
		v.add(key, "expected a language code like \"es\" or \"pt\", got %q", tag)
		return def
	}
	base, _ := t.Base()
	return base.String()
}

// staffLanguages are the languages the office's page is written in.
var staffLanguages = []string{"en", "es"}

func (v *validator) staff(c *Config) {
	emails := map[string]bool{}
	def := "en"
	if slices.Contains(staffLanguages, c.Organization.Language) {
		def = c.Organization.Language
	}
	for i := range c.Staff {
		s := &c.Staff[i]
		key := fmt.Sprintf("staff[%d]", i)
		s.Email = strings.TrimSpace(s.Email)
		v.emailAddress(key+".email", s.Email, true)
		if low := strings.ToLower(s.Email); s.Email != "" && emails[low] {
			v.add(key+".email", "%q signs in twice: each [[staff]] entry needs its own email", s.Email)
		} else {
			emails[low] = true
		}
		switch {
		case s.PasswordHash == "":
			v.add(key+".password_hash", "is required: make one with `docketd staff hash` (it reads the password "+
				"without showing it)")
		case !validHash(s.PasswordHash):
			// The value is not quoted: it may be the password itself.
			v.add(key+".password_hash", "is not an argon2id or bcrypt hash: make one with `docketd staff hash` "+
				"and write what it prints, never the password itself")
		}
		if strings.TrimSpace(s.Name) == "" {
			s.Name = s.Email
		}
		if s.Language == "" {
			s.Language = def
		} else {
			v.oneOf(key+".language", s.Language, staffLanguages...)
		}
	}
}

// validHash reports whether sign-in can read a password_hash (docket.ParsePasswordHash).
func validHash(hash string) bool {
	_, _, err := docket.ParsePasswordHash(hash)
	return err == nil
}
