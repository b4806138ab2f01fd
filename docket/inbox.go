package docket

import "time"

// InboxMessage is a text from a client that is not a keyword ("no puedo ir, estoy enfermo"): kept for staff, known by
// the provider's id for it, and forwarded by email to the client's attorney and the office's inbox address.
type InboxMessage struct {
	ID         uint
	MessageSID string // Twilio's MessageSid: a webhook sent again stores nothing new
	From, To   string // E.164: the sender, and our number it was sent to
	Body       string // blank once [retention] bodies has passed
	ReceivedAt time.Time
	// ClientIDs are the clients the sender's number belongs to: several for a shared family phone, none for an
	// unknown number.
	ClientIDs []string
	// Urgent marks a text that says the client cannot attend, was detained, moved or lost the notice; Reason says
	// which.
	Urgent bool
	Reason string
	// ForwardedAt is when the email to staff went out; nil until it has. Attempts and ForwardError tell of the
	// tries that failed.
	ForwardedAt  *time.Time
	Attempts     int
	ForwardError string
	// HandledAt and HandledBy record who dealt with the message (`docketd inbox done`); nil while nobody has.
	HandledAt *time.Time
	HandledBy string
}

// InboxFilter selects inbox messages.
type InboxFilter struct {
	All   bool // handled ones too
	Limit int  // 0: no limit
}

// InboxCounts summarises the inbox.
type InboxCounts struct {
	Unhandled   int64 // messages nobody has marked handled
	Urgent      int64 // urgent messages nobody has marked handled
	Unforwarded int64 // messages whose email to staff has not gone out
}

// InboxClient is a client a message's number belongs to, with what staff need to act on it.
type InboxClient struct {
	Client   Client
	Attorney *Attorney // nil when the client has none
	Next     *Hearing  // the next scheduled hearing; nil when there is none
}
