// Package config holds docketd's configuration: the types of the TOML file, their defaults, loading with ${VAR}
// expansion, and validation that reports every problem with its file, line and column.
package config

import (
	"time"

	"github.com/docketd/docketd/docket"
)

// Defaults, each with the reason it was chosen.
const (
	// DefaultDatabaseURL keeps everything in one file beside the config: the right start for one office.
	DefaultDatabaseURL = "sqlite:docketd.db"
	// DefaultListen binds to loopback so a fresh install exposes nothing until the admin decides to.
	DefaultListen = "127.0.0.1:8080"
	// DefaultSMSRate is the throughput of a low-volume 10DLC campaign (about 1 message per second).
	DefaultSMSRate = 1.0
	// DefaultTwilioAPIURL is Twilio's REST endpoint; a proxy or a test server may stand in.
	DefaultTwilioAPIURL = "https://api.twilio.com"
	// DefaultProviderTimeout bounds one request to a provider so a hung connection cannot stall the dispatcher.
	DefaultProviderTimeout = 15 * time.Second
	// DefaultQuietHours sends no text after 8 p.m. or before 8 a.m. in the recipient's local time: stricter than the
	// federal rule (8 a.m.–9 p.m.), as Florida's and Oklahoma's laws are, and kinder to people everywhere.
	DefaultQuietHours = "20:00-08:00"
	// DefaultCatchUp lets a reminder missed while the daemon was down still go out if it is at most this late.
	DefaultCatchUp = 6 * time.Hour
	// DefaultGrace is how long a hearing may be missing from a complete source before it is cancelled: courts are
	// slow to post new dates, and a premature "cancelled" text makes people skip court.
	DefaultGrace = 72 * time.Hour
	// DefaultMaxChange holds the moves and cancellations of a sync that would change more than this share of a
	// source's upcoming slots.
	DefaultMaxChange = 0.20
	// DefaultMaxChangeMin is the number of changes of a slot under which the share is never applied: one family's
	// reschedule in a small office's source is a large share, and holding it would keep the family from hearing
	// that their hearing moved.
	DefaultMaxChangeMin = docket.DefaultMaxChangeMin
	// DefaultFeedRefresh is the refresh interval a feed asks calendar apps for.
	DefaultFeedRefresh = time.Hour
	// DefaultKeepCancelled keeps a cancelled hearing visible (struck through) long enough for counsel to notice.
	DefaultKeepCancelled = 30 * 24 * time.Hour
	// DefaultKeepPast keeps past hearings in feeds so counsel can look back at the last few months.
	DefaultKeepPast = 90 * 24 * time.Hour
	// DefaultLanguage is the language used when a person has none.
	DefaultLanguage = "en"
	// DefaultKeepBodies keeps the text of sent messages long enough to answer "what did we tell them?".
	DefaultKeepBodies = 30 * 24 * time.Hour
	// DefaultCallList puts a client who has not confirmed two days before the hearing on counsel's call list:
	// time enough for a call, a visit, or a word to the family.
	DefaultCallList = 2 * 24 * time.Hour
	// DefaultKeepOutbox keeps a year of delivery history for audits.
	DefaultKeepOutbox = 365 * 24 * time.Hour
	// DefaultKeepChanges keeps two years of hearing changes: cases run for years.
	DefaultKeepChanges = 730 * 24 * time.Hour
	// DefaultKeepSyncRuns keeps three months of sync runs.
	DefaultKeepSyncRuns = 90 * 24 * time.Hour
	// DefaultACISRate is one lookup every two seconds: the lookup service stands in front of a public portal.
	DefaultACISRate = 0.5
)

// Config is the whole configuration file.
type Config struct {
	Organization Organization `toml:"organization"`
	Database     Database     `toml:"database"`
	HTTP         HTTP         `toml:"http"`
	Log          Log          `toml:"log"`
	SMS          SMS          `toml:"sms"`
	Email        Email        `toml:"email"`
	Reminders    Reminders    `toml:"reminders"`
	Feeds        Feeds        `toml:"feeds"`
	Retention    Retention    `toml:"retention"`
	Inbox        Inbox        `toml:"inbox"`
	Sources      []Source     `toml:"sources"`
	Courts       []Court      `toml:"courts"`
	Attorneys    []Attorney   `toml:"attorneys"`
	Clients      []Client     `toml:"clients"`
	Hearings     []Hearing    `toml:"hearings"`
	Deadlines    Deadlines    `toml:"deadlines"`
	Staff        []Staff      `toml:"staff"`
	WhatsApp     WhatsApp     `toml:"whatsapp"`
	Voice        Voice        `toml:"voice"`

	// File is the path the configuration was read from.
	File string `toml:"-"`
	// Warnings are what validation found questionable but workable: the file is valid, and each is worth a look.
	Warnings []Problem `toml:"-"`
}

// Organization describes the office that runs docketd; its name and phone appear in every message.
type Organization struct {
	Name string `toml:"name"`
	// ShortName begins every text ("NTX Legal Aid:"): a name clients recognise, short, because a text of three
	// segments has 201 characters once a name carries an accent. Default: Name.
	ShortName string `toml:"short_name"`
	Phone     string `toml:"phone"`    // E.164; given in HELP answers and messages
	Timezone  string `toml:"timezone"` // IANA zone for people who have none of their own
	Language  string `toml:"language"` // default language for people who have none; default "en"
	Email     string `toml:"email"`    // reply address for counsel; optional
}

// Database says where the store lives.
type Database struct {
	URL string `toml:"url"` // "sqlite:PATH" or "postgres://…"
}

// HTTP configures the daemon's web server (feeds, webhooks, health, metrics).
type HTTP struct {
	Listen    string `toml:"listen"`     // host:port
	PublicURL string `toml:"public_url"` // the URL the world reaches the server at; feeds and webhook signatures use it
}

// Log configures the daemon's logs.
type Log struct {
	Level  string `toml:"level"`  // debug | info | warn | error
	Format string `toml:"format"` // text | json
}

// SMS configures text messages.
type SMS struct {
	Provider string  `toml:"provider"` // twilio | log
	Rate     float64 `toml:"rate"`     // messages per second for the whole office, every replica together
	// Concurrency is how many requests may be in flight at once; 0 means enough to keep the rate when a request
	// takes about 500 ms.
	Concurrency int    `toml:"concurrency"`
	Twilio      Twilio `toml:"twilio"`
}

// Twilio holds the Twilio account used for SMS.
type Twilio struct {
	AccountSID          string   `toml:"account_sid"`
	AuthToken           string   `toml:"auth_token"`
	From                string   `toml:"from"`                  // E.164 sender; or messaging_service_sid
	MessagingServiceSID string   `toml:"messaging_service_sid"` // takes the place of from
	APIURL              string   `toml:"api_url"`               // default https://api.twilio.com
	Timeout             Duration `toml:"timeout"`               // per request; default 15s
	// ProviderKeywords says Twilio's own opt-out handling is on (its default): Twilio answers STOP, START, HELP and
	// YES in English itself, so docketd records them but does not answer a second time.
	ProviderKeywords *bool `toml:"provider_keywords"`
}

// Email configures email.
type Email struct {
	Provider string `toml:"provider"` // smtp | log
	From     string `toml:"from"`
	// Concurrency is how many mails may be in the mail server's hands at once; 0 means 4.
	Concurrency int  `toml:"concurrency"`
	SMTP        SMTP `toml:"smtp"`
}

// SMTP holds the mail server used for email.
type SMTP struct {
	Host     string   `toml:"host"`
	Port     int      `toml:"port"` // default 587 for starttls, 465 for tls, 25 for none
	Username string   `toml:"username"`
	Password string   `toml:"password"`
	TLS      string   `toml:"tls"`     // starttls | tls | none
	Timeout  Duration `toml:"timeout"` // default 15s
}

// Reminders holds the reminder rules.
type Reminders struct {
	QuietHours    string   `toml:"quiet_hours"`    // "20:00-08:00", recipient's local time
	CatchUp       Duration `toml:"catch_up"`       // how late a missed reminder may still go out
	NotifyChanges *bool    `toml:"notify_changes"` // send change and cancellation notices; default true
	TemplatesDir  string   `toml:"templates_dir"`  // adds languages or overrides built-in templates
	Policies      []Policy `toml:"policy"`
	// Fallback moves a client's reminder to the next of their channels: "undelivered" when one is reported
	// undelivered or failed, "unconfirmed" also when the day-before reminder has not been confirmed; "off" (the
	// default) never.
	Fallback string `toml:"fallback"`
}

// Policy says who gets which reminder, through which channel, how long before a hearing.
type Policy struct {
	Name    string     `toml:"name"`
	To      string     `toml:"to"`      // client | attorney
	Channel string     `toml:"channel"` // sms | email | whatsapp | voice
	Before  []Duration `toml:"before"`  // day offsets land on At; hour offsets are exact
	At      ClockTime  `toml:"at"`      // local time of day for day offsets
	Types   []string   `toml:"types"`   // only these hearing types; empty means all
}

// Feeds configures the calendar feeds.
type Feeds struct {
	Refresh       Duration            `toml:"refresh"`
	KeepCancelled Duration            `toml:"keep_cancelled"`
	KeepPast      Duration            `toml:"keep_past"`
	Detail        string              `toml:"detail"`    // full | initials | busy
	Durations     map[string]Duration `toml:"durations"` // per hearing type
}

// Inbox says where the replies that need a person go, and when a client who has not confirmed goes on counsel's
// call list.
type Inbox struct {
	Email    string   `toml:"email"`     // every reply that is not a keyword is forwarded here too; default: organization.email
	CallList Duration `toml:"call_list"` // a client who has not confirmed this long before the hearing is on the call list
}

// Retention says how long old records are kept. Message bodies hold names and dates, so they go first.
type Retention struct {
	Bodies   Duration `toml:"bodies"`    // text of sent messages; default 30d
	Outbox   Duration `toml:"outbox"`    // settled outbox rows of past hearings; default 365d
	Changes  Duration `toml:"changes"`   // hearing change log; default 730d
	SyncRuns Duration `toml:"sync_runs"` // sync run records; default 90d
}

// Source is one place hearings come from.
type Source struct {
	Name      string   `toml:"name"`
	Kind      string   `toml:"kind"`       // csv | eoir_bulk | acis | ics
	Every     Duration `toml:"every"`      // or schedule
	Schedule  string   `toml:"schedule"`   // cron expression, or every
	Complete  bool     `toml:"complete"`   // lists every current hearing it knows
	Grace     Duration `toml:"grace"`      // how long a hearing may be missing before it is cancelled
	MaxChange Percent  `toml:"max_change"` // "20%"
	// MaxChangeMin is the number of changes of a slot under which max_change never holds a run; nil until the
	// defaults are applied (DefaultMaxChangeMin).
	MaxChangeMin *int     `toml:"max_change_min"`
	Path         string   `toml:"path"`      // file (csv, eoir_bulk, ics) or folder of saved answers (acis)
	URL          string   `toml:"url"`       // ics URL or ACIS lookup service
	APIKey       string   `toml:"api_key"`   // acis
	Rate         float64  `toml:"rate"`      // acis lookups per second
	Timeout      Duration `toml:"timeout"`   // per request
	Timezone     string   `toml:"timezone"`  // zone of times whose court is unknown
	Tolerance    Duration `toml:"tolerance"` // /readyz fails once the source has failed this long; empty: never

	// csv
	Columns    map[string]string `toml:"columns"`     // field -> header
	DateFormat string            `toml:"date_format"` // e.g. "MM/DD/YYYY"
	TimeFormat string            `toml:"time_format"` // e.g. "h:mm A"
	Separator  string            `toml:"separator"`   // one character between fields; default ","
	// eoir_bulk
	BaseCities []string `toml:"base_cities"`
	CaseIDs    []string `toml:"case_ids"`
	// ics
	ANumberPattern string `toml:"a_number_pattern"`
}

// Court adds a court to the embedded EOIR table or overrides one of its fields.
type Court struct {
	Code     string `toml:"code"`
	Name     string `toml:"name"`
	Address  string `toml:"address"`
	City     string `toml:"city"`
	State    string `toml:"state"`
	Timezone string `toml:"timezone"`
	Phone    string `toml:"phone"`
}

// Attorney is one of the office's counsel.
type Attorney struct {
	ID           string `toml:"id"`
	Name         string `toml:"name"`
	Email        string `toml:"email"`
	Phone        string `toml:"phone"`
	Language     string `toml:"language"`
	Timezone     string `toml:"timezone"`
	Organization string `toml:"organization"`
}

// Client is a respondent the office represents or helps.
type Client struct {
	ID          string `toml:"id"`
	Name        string `toml:"name"`
	ANumber     string `toml:"a_number"`
	Nationality string `toml:"nationality"` // EOIR nationality code, needed for ACIS lookups
	Phone       string `toml:"phone"`
	Email       string `toml:"email"`
	Language    string `toml:"language"`
	Timezone    string `toml:"timezone"` // where the client lives; reminders arrive in this zone
	Attorney    string `toml:"attorney"` // an attorney id
	// State is the US state whose stricter law on the hours of texts applies (two letters, "FL"); empty: the
	// phone's area code decides.
	State string `toml:"state"`
	// Detained marks a client in custody: they are sent nothing; Contact and counsel are reminded instead.
	Detained     bool    `toml:"detained"`
	GreetingName string  `toml:"greeting_name"` // the name they are greeted by; default: the first name of Name
	City         string  `toml:"city"`          // where they live, named in texts ("8:00 AM El Paso time")
	Contact      Contact `toml:"contact"`       // whom the office reaches for a detained client
	// Channels orders how the client is reached: "sms", "whatsapp", "voice", "email". A client policy for texts
	// goes by the first; [reminders] fallback moves a reminder down the rest. Empty: ["sms"].
	Channels []string `toml:"channels"`
}

// Contact is the person the office reaches for a detained client: a relative, a friend.
type Contact struct {
	Name     string `toml:"name"`
	Phone    string `toml:"phone"`
	Email    string `toml:"email"`
	Language string `toml:"language"` // default: the client's
}

// Hearing is a hearing entered by hand; the config file is itself a source named "config".
type Hearing struct {
	ID       string `toml:"id"` // optional stable id; keeps a hearing the same hearing when its start is edited
	ANumber  string `toml:"a_number"`
	Court    string `toml:"court"`
	Location string `toml:"location"` // hearing-location code, when it differs from the court
	Start    string `toml:"start"`    // court local time, "2027-02-09 08:30"
	Type     string `toml:"type"`     // master | individual | bond | credible_fear | other
	Medium   string `toml:"medium"`   // in_person | video | telephone | internet
	Judge    string `toml:"judge"`
	WebEx    string `toml:"webex"`
	// FilingDeadline is the filing deadline of a judge's scheduling order, "2027-01-15"; it replaces the default
	// deadline the Practice Manual sets (SPEC §12).
	FilingDeadline string `toml:"filing_deadline"`

	// StartTime is Start read in the court's zone; set by validation.
	StartTime time.Time `toml:"-"`
}

// Deadlines says whether counsel's feeds carry the filing deadlines the Immigration Court Practice Manual sets
// around each hearing, and counsel are alarmed when a move brings one close (SPEC §12).
type Deadlines struct {
	Enabled *bool `toml:"enabled"` // default true
}

// On reports whether deadlines are computed (the default).
func (d Deadlines) On() bool { return d.Enabled == nil || *d.Enabled }

// Staff is a person of the office who signs in to the office's page ({public_url}/office/).
type Staff struct {
	Email string `toml:"email"` // what they sign in with
	// PasswordHash is an argon2id hash in PHC form ("$argon2id$v=19$m=…") made by `docketd staff hash`, or a bcrypt
	// hash ("$2b$…"): the password itself is never written anywhere.
	PasswordHash string `toml:"password_hash"`
	Name         string `toml:"name"`     // shown on the page and in the log of what they did; default: the email
	Language     string `toml:"language"` // en | es: the page's language; default organization.language when en or es, else en
}

// Default returns the configuration used for every key the file leaves out.
func Default() *Config {
	return &Config{
		Organization: Organization{Timezone: "America/New_York", Language: DefaultLanguage},
		Database:     Database{URL: DefaultDatabaseURL},
		HTTP:         HTTP{Listen: DefaultListen},
		Log:          Log{Level: "info", Format: "text"},
		SMS: SMS{Provider: "log", Rate: DefaultSMSRate,
			Twilio: Twilio{APIURL: DefaultTwilioAPIURL, Timeout: Duration{D: DefaultProviderTimeout}}},
		Email: Email{Provider: "log", SMTP: SMTP{TLS: "starttls", Timeout: Duration{D: DefaultProviderTimeout}}},
		Reminders: Reminders{
			QuietHours: DefaultQuietHours,
			CatchUp:    Duration{D: DefaultCatchUp},
		},
		Inbox: Inbox{CallList: Duration{D: DefaultCallList}},
		Retention: Retention{Bodies: Duration{D: DefaultKeepBodies}, Outbox: Duration{D: DefaultKeepOutbox},
			Changes: Duration{D: DefaultKeepChanges}, SyncRuns: Duration{D: DefaultKeepSyncRuns}},
		Feeds: Feeds{
			Refresh:       Duration{D: DefaultFeedRefresh},
			KeepCancelled: Duration{D: DefaultKeepCancelled},
			KeepPast:      Duration{D: DefaultKeepPast},
			Detail:        "full",
		},
	}
}

// NotifyChangesEnabled reports whether change and cancellation notices are sent (the default).
func (r Reminders) NotifyChangesEnabled() bool { return r.NotifyChanges == nil || *r.NotifyChanges }

// ClientByANumber returns the clients whose A-number is a (normally one).
func (c *Config) ClientByANumber(a string) []Client {
	var out []Client
	for _, cl := range c.Clients {
		if cl.ANumber == a {
			out = append(out, cl)
		}
	}
	return out
}

// ChangeFloor is MaxChangeMin, or its default when the file sets none.
func (s Source) ChangeFloor() int {
	if s.MaxChangeMin == nil {
		return DefaultMaxChangeMin
	}
	return *s.MaxChangeMin
}
