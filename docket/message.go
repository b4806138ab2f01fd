package docket

import (
	"errors"
	"fmt"
	"time"
)

// Message is one rendered message, ready for a channel to deliver.
type Message struct {
	// Key is stable for one outbox row; the email Message-ID derives from it, so a retry is recognisably the same mail.
	Key      string
	Channel  Channel
	To       string // E.164 phone number or email address
	Language string // BCP 47 base language of the text, e.g. "es"
	Subject  string // email only
	// AlsoTo and ReplyTo are email only: more recipients beside To, and where a reply goes (empty: From).
	AlsoTo  []string
	ReplyTo string
	Text    string
	HTML    string  // email only; empty means text only
	Invite  *Invite // email to counsel only
	// Kind is what the message is about; a call plays the recording of its kind in a language no voice speaks.
	Kind Kind
	// Vars are the values a WhatsApp template takes, by name ("first_name", "date", "time", "place"…); the WhatsApp
	// sender puts them in the order its template lists them.
	Vars map[string]string
}

// Invite is an iCalendar object mailed with a message so counsel's calendar adds, moves or removes the hearing.
type Invite struct {
	Method string // "REQUEST" or "CANCEL"; must equal the METHOD inside Data
	Data   []byte // a complete VCALENDAR
}

// SendError is a delivery failure classified the way the dispatcher needs: retry later, give up, or record an opt-out.
type SendError struct {
	Code      string // the provider's code, e.g. "21211" or "550"
	Temporary bool   // worth retrying later
	OptedOut  bool   // the recipient has opted out with the provider; record it and stop
	// RetryAfter is how long the provider asked to be left alone (Retry-After): no message of this channel goes
	// to it sooner.
	RetryAfter time.Duration
	Err        error
}

func (e *SendError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%v (code %s)", e.Err, e.Code)
	}
	return e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying. Errors not classified by a channel are treated as temporary,
// because dropping a reminder on an unknown failure is worse than trying again.
func IsTemporary(err error) bool {
	var e *SendError
	if errors.As(err, &e) {
		return e.Temporary
	}
	return err != nil
}

// SentMessage is one message Twilio has on record as sent to a number.
type SentMessage struct {
	SID         string
	To          string
	Body        string
	Status      string    // Twilio's status: queued, sending, sent, delivered, undelivered, failed…
	DateSent    time.Time // zero while Twilio has not handed the message to a carrier yet
	DateCreated time.Time
}
