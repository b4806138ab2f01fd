package docket

import (
	"strings"
	"time"
)

// Kind is what a message is about.
type Kind string

// Kinds of message.
const (
	KindReminder    Kind = "reminder"    // the hearing is coming
	KindRescheduled Kind = "rescheduled" // the hearing moved
	KindCancelled   Kind = "cancelled"   // the hearing was taken off the calendar
)

// Kinds lists every kind, in the order check reports them.
var Kinds = []Kind{KindReminder, KindRescheduled, KindCancelled}

// KindDeadline is the alarm counsel get when a hearing moved earlier and one of its filing deadlines has passed or
// is close (SPEC §12). It is emailed to counsel only, so it is not one of Kinds, whose templates every channel has.
const KindDeadline Kind = "deadline"

// CounselKinds are the kinds only ever emailed to counsel: each has an email template and no other.
var CounselKinds = []Kind{KindDeadline}

// Channel names a way of reaching a person.
type Channel string

// The channels a reminder policy can name.
const (
	SMS   Channel = "sms"
	Email Channel = "email"
	// WhatsApp is a message through Twilio's WhatsApp sender: an approved template (a Content SID) and its
	// variables, to an address "whatsapp:+E164".
	WhatsApp Channel = "whatsapp"
	// Voice is a telephone call through Twilio that says the reminder (or plays a recording of it).
	Voice Channel = "voice"
)

// Channels lists every channel.
var Channels = []Channel{SMS, Email, WhatsApp, Voice}

// ByPhone reports whether c reaches a person at their phone number: texts, WhatsApp and calls, which the laws on
// the hours of texts and calls govern.
func (c Channel) ByPhone() bool { return c == SMS || c == WhatsApp || c == Voice }

// whatsAppPrefix begins a WhatsApp address, as Twilio writes them.
const whatsAppPrefix = "whatsapp:"

// AddressFor is the address of phone on channel c: "whatsapp:+E164" for WhatsApp, the number itself for texts and
// calls, "" for email.
func AddressFor(c Channel, phone string) string {
	switch {
	case phone == "" || !c.ByPhone():
		return ""
	case c == WhatsApp:
		return whatsAppPrefix + PhoneOf(phone)
	}
	return phone
}

// PhoneOf is the phone number of an address on a phone channel: "+15551234567" for "whatsapp:+15551234567"; any
// other address is returned as it is.
func PhoneOf(address string) string {
	if len(address) > len(whatsAppPrefix) && strings.EqualFold(address[:len(whatsAppPrefix)], whatsAppPrefix) {
		return address[len(whatsAppPrefix):]
	}
	return address
}

// ChannelOf is the channel an inbound address came on: WhatsApp for "whatsapp:+…", SMS for a phone number.
func ChannelOf(address string) Channel {
	if PhoneOf(address) != address {
		return WhatsApp
	}
	return SMS
}

// ReminderState is where a reminder stands on its way to a person.
type ReminderState string

// Reminder states.
const (
	StatePending   ReminderState = "pending"   // planned, waiting for its due time
	StateSending   ReminderState = "sending"   // claimed by a dispatcher
	StateSent      ReminderState = "sent"      // the provider took it
	StateDelivered ReminderState = "delivered" // the provider reported it delivered
	StateFailed    ReminderState = "failed"    // given up, with the provider's code
	StateSkipped   ReminderState = "skipped"   // not sent on purpose (too late, opted out), with the reason
	StateCancelled ReminderState = "cancelled" // the hearing moved or was cancelled before it was due
)

// Recipient roles.
const (
	ToClient   = "client"
	ToAttorney = "attorney"
	// ToContact is the contact person of a client in custody, reached in the client's place; the row's RecipientID
	// is the client's.
	ToContact = "contact"
)

// Reminder is one message to send about a hearing: planned from a hearing, a policy and a recipient, claimed before
// sending and recorded after, so that a restart neither loses nor repeats it.
type Reminder struct {
	ID          uint
	HearingID   uint
	Recipient   string // ToClient, ToAttorney or ToContact
	RecipientID string
	Channel     Channel
	Address     string // phone or email at planning time
	Kind        Kind
	Policy      string
	Offset      string
	Sequence    int    // the hearing's sequence when planned; a later change makes the row stale
	DedupeKey   string // planning the same thing twice creates nothing
	GroupKey    string // household: one message per address, court and start
	Due         time.Time
	State       ReminderState
	Attempts    int
	NextAttempt *time.Time
	ClaimedAt   *time.Time // when the row was last claimed: messages the provider lists since then may be this one's
	// LeaseOwner and LeaseUntil are the claim's lease: the dispatcher that is sending the row, and until when it
	// holds it unless it renews. Only an expired lease may be taken over.
	LeaseOwner string
	LeaseUntil *time.Time
	SentAt     *time.Time
	ProviderID string
	// ProviderState is the furthest delivery state the provider reported.
	ProviderState string
	ErrorCode     string
	LastError     string
	Body          string
	ConfirmedAt   *time.Time // the client replied YES / SI
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ReminderStates lists every state, in the order a reminder passes through them.
var ReminderStates = []ReminderState{StatePending, StateSending, StateSent, StateDelivered, StateFailed, StateSkipped,
	StateCancelled}

// The modes of [reminders] fallback: whether a client's reminder moves down their channels (Client.NextChannel) —
// never, when it is reported undelivered or failed, or also when the day-before reminder is not confirmed.
const (
	FallbackOff         = "off"
	FallbackUndelivered = "undelivered"
	FallbackUnconfirmed = "unconfirmed"
)
