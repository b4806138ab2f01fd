package docket

import (
	"errors"
	"time"
)

// The questions rooms ask of the store and the changes they make through it, in the vocabulary's terms, so that a
// room can declare the part of the store it needs without importing it.

// HearingFilter selects hearings.
type HearingFilter struct {
	From, To time.Time // start in [From, To); zero means unbounded
	Court    string
	Status   []HearingStatus // empty means every status
	ClientID string
	Attorney string
	// IDs, when set, keeps the hearings with those row ids (at most a few hundred: one query reads them all).
	IDs   []uint
	Limit int
	// Offset skips that many of the hearings, in start order, before Limit counts (and before Precedence leaves any
	// out).
	Offset int
	// WithPeople keeps only hearings of cases that have an active client (whom reminders could reach).
	WithPeople bool
	// Precedence, when set, lists source names from most to least trusted. Two sources reporting one case on one
	// court-local day are taken to report one hearing: only the first source's hearing is returned. Sources not
	// listed come last.
	Precedence []string
	// MarkSetAside, with Precedence, returns the hearings another source's report takes precedence over too, with
	// SetAside set, instead of leaving them out: the planner cancels their reminders, and reads a page once.
	MarkSetAside bool
}

// HearingRecord is a hearing as one source reports it, normalised.
type HearingRecord struct {
	Key        string  // identity within the source
	ANumber    ANumber // 9 digits, or empty when only the EOIR case id is known
	EOIRCaseID string
	Start      time.Time // instant; stored as UTC
	// TimeUnknown: the source gave the date only; Start is that day's midnight in Zone.
	TimeUnknown  bool
	Zone         string // IANA zone of the court
	CourtCode    string
	LocationCode string
	Type         HearingType
	TypeCode     string
	Medium       Medium
	MediumCode   string
	Judge        string
	WebEx        string
	Address      string
	// FilingDeadline is a judge's filing deadline ("2027-01-15"), or "".
	FilingDeadline string
	// Status is where the source says the hearing stands; "" means scheduled.
	Status HearingStatus
	// Detained marks a hearing on a detained docket, as the source says (see SourceRecord.Detained).
	Detained bool
	// Contact, when the source names the respondent (a CSV export's name and phone columns), makes them a client
	// of the case unless the config already has a client with this A-number.
	Contact *ContactDetails
}

// ContactDetails is a respondent as a source names them.
type ContactDetails struct {
	Name, Phone, Email, Language string
	Attorney                     string // an attorney's id or name
	State                        string // US state, two letters; empty: the phone's area code decides
	Detained                     bool   // the respondent is in custody (Client.Detained)
}

// SyncOptions are the rules one sync pass follows.
type SyncOptions struct {
	Source   string
	Complete bool // the source lists every current hearing it knows
	// Grace is how long a hearing may be missing from a complete source before it is cancelled; with zero, it is
	// cancelled on the pass that first misses it.
	Grace time.Duration
	// MaxChange refuses a pass that would cancel or move more than this share of the source's hearings.
	// Zero disables the check (the config file's own hearings are edited on purpose).
	MaxChange float64
	// MaxChangeMin is the number of changes of a slot under which MaxChange is never applied; zero means
	// DefaultMaxChangeMin.
	MaxChangeMin int
	Force        bool
	Now          time.Time
}

// DefaultMaxChangeMin is the floor of the mass-change guard: in a small office's source one family's reschedule is
// a large share, and holding it would keep the family from hearing that their hearing moved.
const DefaultMaxChangeMin = 5

// SyncResult counts what a pass did.
type SyncResult struct {
	Created, Changed, Moved, Cancelled, Unchanged, Missing, Restored int
	// Held counts hearings missing past the grace period that were not cancelled because a rejected record of the
	// pass, which named no hearing, could have been them.
	Held int
	// Hold is what the mass-change guard held back (moves and cancellations in doubt); nil when nothing was.
	Hold *SyncHold
}

// SyncHold is a source's held moves and cancellations: a pass that would move or cancel more than MaxChange of
// the source's upcoming slots (and at least MaxChangeMin of them) applies the rest and keeps these as they were
// until a forced pass applies them.
type SyncHold struct {
	Source string
	// Changes counts the held changes of a slot; Hearings the hearings in them; Slots the source's upcoming slots
	// (court, start, judge) when the pass began; Share is the MaxChange the count went over.
	Changes, Hearings, Slots int
	Share                    float64
	// Detail lists the held changes, by slot (at most the first few hundred; the counts are exact).
	Detail []SlotChange
	// Digest names this set of held changes: the same changes held again have the same digest, so the office is
	// told once per held state.
	Digest string
	// Since is when the source was first held with this digest (stored holds only).
	Since time.Time
}

// SlotChange is one change of a slot: the hearings of one court, start and judge that move together to one new
// slot, or that are all no longer listed (To is zero).
type SlotChange struct {
	Court, Judge, Zone       string
	From, To                 time.Time
	ToCourt, ToJudge, ToZone string
	Hearings                 []HeldHearing
}

// HeldHearing is one hearing of a held change, with what the office needs to recognise it.
type HeldHearing struct {
	Key        string
	ANumber    ANumber
	EOIRCaseID string
	Clients    []string // names of the case's clients
}

// OutboxResult is what became of an attempt to send some rows.
type OutboxResult struct {
	State      ReminderState // sent, pending (retry), failed, skipped, cancelled
	ProviderID string        // sent
	Body       string        // sent: what went out
	NextTry    *time.Time    // pending
	ErrorCode  string
	Error      string
	// Owner is the lease the outcome is recorded under: only rows still leased to it change, so a dispatcher whose
	// lease was taken over cannot overwrite what another recorded.
	Owner string
	// NotAttempted marks a row put back without an attempt (deferred out of quiet hours, or held while the provider
	// cannot be asked about an earlier attempt): its attempt count is not raised by the claim.
	NotAttempted bool
}

// OutboxWrite is one write to leased outbox rows, of several the store makes in one transaction: with Finish set,
// it records the outcome (as FinishOutbox); otherwise it renews Owner's lease on IDs to HoldUntil (as HoldLease).
type OutboxWrite struct {
	IDs       []uint
	Finish    *OutboxResult
	Owner     string
	HoldUntil time.Time
}

// Claim asks for due rows of one channel, leased to Owner until Now + Lease.
type Claim struct {
	Now     time.Time
	Channel Channel
	Limit   int
	Owner   string
	Lease   time.Duration
}

// OutboxFilter selects outbox rows.
type OutboxFilter struct {
	State     ReminderState
	HearingID uint
	// HearingIDs, when set, keeps the rows of these hearings, read in a few queries however many there are (a
	// Limit then bounds each query).
	HearingIDs []uint
	// Recipient and RecipientID, when set, keep the rows to that kind of recipient (ToClient…) and that person.
	Recipient, RecipientID string
	Limit                  int
	// DueFrom, when set, keeps the rows due at or after it.
	DueFrom time.Time
}

// Counts summarises the store: what `docketd status` prints and /metrics exposes.
type Counts struct {
	Hearings map[string]int64 // by status, upcoming only
	Outbox   map[string]int64 // by state
	OptOuts  int64
	Clients  int64
	// CallLists counts counsel's call lists sent; CallListsToday those sent in the last 24 hours, which name
	// CallListClients clients.
	CallLists, CallListsToday, CallListClients int64
	Inbox                                      InboxCounts
}

// SyncTotal counts the recorded runs of one source with one outcome.
type SyncTotal struct {
	Source  string
	Failed  bool
	Runs    int64
	Created int64
	Changed int64
	Cancel  int64
	Same    int64
	Reject  int64
}

// ErrRefused is wrapped by a sync pass refused by the mass-change guard or because the source listed nothing;
// a forced pass overrides both.
var ErrRefused = errors.New("sync refused")

// SyncPass is one source's hearings going into the store: Apply batches of records, Protect the hearings of records
// the source could not read (they must not be taken for missing), Unlisted the keys the source answered for with
// no hearing (they are taken for missing, complete source or not), then Finish to decide the pass whole and write
// it (a refused pass writes nothing; a pass that fails while writing returns the counts of what it committed), or
// Abort to change nothing.
type SyncPass interface {
	Apply(recs []HearingRecord) error
	Protect(key, aNumber string)
	Unlisted(key string)
	Finish() (SyncResult, error)
	Abort()
}
