package store

import (
	"time"

	"github.com/docketd/docketd/docket"
)

// courtRow is an immigration court or hearing location. The EOIR table is embedded and seeded; config may add to it.
type courtRow struct {
	Code    string `gorm:"primaryKey;size:8"`
	Name    string `gorm:"not null"`
	Address string
	City    string
	State   string
	Zone    string `gorm:"not null"` // IANA zone
	Phone   string
	Status  string // listed_2026, foia_only_unverified, legacy_alias, not_listed, config
}

// attorneyRow is counsel.
type attorneyRow struct {
	ID           string `gorm:"primaryKey;size:64"`
	Name         string `gorm:"not null"`
	Email        string
	Phone        string
	Language     string
	Zone         string
	Organization string
	Active       bool `gorm:"not null;default:true"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// clientRow is a respondent.
type clientRow struct {
	ID          string         `gorm:"primaryKey;size:64"`
	Name        string         `gorm:"not null"`
	ANumber     docket.ANumber `gorm:"index;size:9"`
	Nationality string
	Phone       string `gorm:"index"`
	Email       string `gorm:"index"`
	Language    string
	Zone        string // where the client lives: reminders arrive at a decent hour of this zone
	AttorneyID  *string
	Attorney    *attorneyRow `gorm:"constraint:OnDelete:SET NULL"`
	Active      bool         `gorm:"not null;default:true"`
	// Origin is "config" for a client of the config file, else the source whose records named the client.
	Origin string `gorm:"not null;default:config;size:64"`
	// Custody and names (docket.Client): a detained client is reminded through counsel and Contact.
	Detained        bool `gorm:"not null;default:false"`
	GreetingName    string
	City            string
	ContactName     string
	ContactPhone    string
	ContactEmail    string
	ContactLanguage string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// State is the US state whose law on the hours of texts applies (two letters); empty: the phone's area code.
	State string `gorm:"not null;default:'';size:2"`
	// Channels is the client's order of channels, comma-separated ("whatsapp,voice,sms"); empty: texts only.
	Channels string `gorm:"not null;default:''"`
}

// caseRow is one proceeding, known by A-number (office data, ACIS) or by EOIR's case id (the public dump).
type caseRow struct {
	ID         uint    `gorm:"primaryKey"`
	ANumber    *string `gorm:"uniqueIndex;size:9"`
	EOIRCaseID *string `gorm:"uniqueIndex;size:32"`
	CourtCode  string
	CreatedAt  time.Time
}

// hearingRow is one court date. A hearing that moves stays the same row with a new start and Sequence + 1.
type hearingRow struct {
	ID           uint               `gorm:"primaryKey"`
	CaseID       uint               `gorm:"not null;index"`
	Case         *caseRow           `gorm:"constraint:OnDelete:CASCADE"`
	Source       string             `gorm:"not null;size:64;uniqueIndex:idx_hearing_source_key,priority:1"`
	SourceKey    string             `gorm:"not null;size:128;uniqueIndex:idx_hearing_source_key,priority:2"`
	Start        time.Time          `gorm:"not null;index"` // UTC instant
	Zone         string             `gorm:"not null"`       // IANA zone of the court where it takes place
	FirstStart   time.Time          // the start when the row was created; a move keeps it (docket.Prevailing)
	TimeUnknown  bool               `gorm:"not null;default:false"` // the source gave the date only; start is its midnight
	CourtCode    string             `gorm:"index;size:8"`
	LocationCode string             `gorm:"size:8"`
	Type         docket.HearingType // master | individual | bond | credible_fear | other
	TypeCode     string             // raw EOIR code(s)
	Medium       docket.Medium      // in_person | video | telephone | internet
	MediumCode   string             // raw EOIR code
	Judge        string
	WebEx        string
	Address      string // as the source gave it, when it differs from the court's
	// FilingDeadline is a judge's filing deadline, "2027-01-15", or "" (the Practice Manual's default applies).
	FilingDeadline string               `gorm:"not null;default:'';size:10"`
	Detained       bool                 `gorm:"not null;default:false"` // the source puts it on a detained docket
	Status         docket.HearingStatus `gorm:"not null;index"`
	Sequence       int                  `gorm:"not null;default:0"`
	FirstSeen      time.Time
	LastSeen       time.Time
	MissingSince   *time.Time // set while a complete source no longer lists it
	ChangedAt      time.Time  // last change of anything shown to people; feeds use it as DTSTAMP
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// changeRow records one field of a hearing that changed, and where the change came from.
type changeRow struct {
	ID        uint   `gorm:"primaryKey"`
	HearingID uint   `gorm:"not null;index"`
	Source    string `gorm:"not null"`
	Field     string `gorm:"not null"`
	From      string
	To        string
	At        time.Time `gorm:"not null;index"`
}

// outboxRow is one message to send: planned from a hearing, a policy and a recipient, claimed before sending and
// recorded after, so that a restart neither loses nor repeats it.
type outboxRow struct {
	ID            uint           `gorm:"primaryKey"`
	HearingID     uint           `gorm:"not null;index"`
	Recipient     string         `gorm:"not null"` // client | attorney
	RecipientID   string         `gorm:"not null"`
	Channel       docket.Channel `gorm:"not null"`
	Address       string         `gorm:"not null;index"` // phone or email at planning time
	Kind          docket.Kind    `gorm:"not null"`
	Policy        string
	Offset        string
	Sequence      int                  // the hearing's sequence when planned; a later change makes the row stale
	DedupeKey     string               `gorm:"not null;uniqueIndex;size:255"` // planning the same thing twice creates nothing
	GroupKey      string               `gorm:"index;size:255"`                // household: one message per address, court and start
	Due           time.Time            `gorm:"not null;index:idx_outbox_state_due,priority:2"`
	State         docket.ReminderState `gorm:"not null;index:idx_outbox_state_due,priority:1"`
	Attempts      int                  `gorm:"not null;default:0"`
	NextAttempt   *time.Time
	ClaimedAt     *time.Time
	LeaseOwner    string `gorm:"size:100"` // the dispatcher sending the row ("sending" only)
	LeaseUntil    *time.Time
	SentAt        *time.Time
	ProviderID    string `gorm:"index"`
	ProviderState string // furthest delivery state the provider reported
	ErrorCode     string
	LastError     string
	Body          string
	ConfirmedAt   *time.Time // the client replied YES / SI
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// optOutRow records that an address asked not to be contacted on a channel.
type optOutRow struct {
	ID      uint           `gorm:"primaryKey"`
	Channel docket.Channel `gorm:"not null;uniqueIndex:idx_optout_address,priority:1;size:16"`
	Address string         `gorm:"not null;uniqueIndex:idx_optout_address,priority:2;size:255"`
	Keyword string         // what they wrote
	At      time.Time      `gorm:"not null"`
}

// inboxMessageRow is a client's text that is not a keyword, kept for staff (docket.InboxMessage).
type inboxMessageRow struct {
	ID         uint      `gorm:"primaryKey"`
	MessageSID *string   `gorm:"column:message_sid;uniqueIndex;size:64"` // NULL when the provider gave none
	From       string    `gorm:"column:from_address;not null;index;size:32"`
	To         string    `gorm:"column:to_address;size:32"`
	Body       string    // blanked by [retention] bodies
	ReceivedAt time.Time `gorm:"not null;index"`
	ClientIDs  string    `gorm:"column:client_ids"` // JSON array of client ids: a family phone names several
	Urgent     bool      `gorm:"not null;default:false"`
	Reason     string    `gorm:"size:32"`
	// ForwardedAt is set once the email to staff went out; NULL rows are retried.
	ForwardedAt  *time.Time `gorm:"index"`
	Attempts     int        `gorm:"not null;default:0"`
	ForwardError string
	HandledAt    *time.Time `gorm:"index"`
	HandledBy    string     `gorm:"size:100"`
}

func (inboxMessageRow) TableName() string { return "inbox_messages" }

// feedTokenRow grants read access to one calendar feed. Only the SHA-256 of the secret is stored.
type feedTokenRow struct {
	ID         uint   `gorm:"primaryKey"`
	Hash       []byte `gorm:"not null;uniqueIndex;size:32"`
	Scope      string `gorm:"not null;index"` // attorney:<id> | client:<id> | court:<code> | org
	Label      string
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// syncRunRow records one pass over one source.
type syncRunRow struct {
	ID        uint      `gorm:"primaryKey"`
	Source    string    `gorm:"not null;index"`
	StartedAt time.Time `gorm:"not null"`
	EndedAt   time.Time
	Created   int
	Changed   int
	Cancelled int
	Unchanged int
	Rejected  int
	Error     string
}

// models lists every table, in creation order.
func models() []any {
	return []any{&courtRow{}, &attorneyRow{}, &clientRow{}, &caseRow{}, &hearingRow{}, &changeRow{}, &outboxRow{}, &optOutRow{},
		&feedTokenRow{}, &syncRunRow{}, &syncHoldRow{}}
}

// The rows keep the table names the models had when they were exported (gorm derives a table's name from its type).
func (courtRow) TableName() string     { return "courts" }
func (attorneyRow) TableName() string  { return "attorneys" }
func (clientRow) TableName() string    { return "clients" }
func (caseRow) TableName() string      { return "cases" }
func (hearingRow) TableName() string   { return "hearings" }
func (changeRow) TableName() string    { return "hearing_changes" }
func (outboxRow) TableName() string    { return "outboxes" }
func (optOutRow) TableName() string    { return "opt_outs" }
func (feedTokenRow) TableName() string { return "feed_tokens" }
func (syncRunRow) TableName() string   { return "sync_runs" }
