package docket

import "time"

// Action is what docketd did with a message someone sent it.
type Action string

// The actions of an inbound message (SPEC §5).
const (
	ActionOptOut  Action = "opt_out" // STOP, ALTO…: nothing more is sent to the address
	ActionOptIn   Action = "opt_in"  // START, COMENZAR…: an opt-out undone
	ActionConfirm Action = "confirm" // SI, YES, 1: the latest reminder marked confirmed
	ActionHelp    Action = "help"    // HELP, AYUDA: answered with who is texting
	ActionNext    Action = "next"    // FECHA, NEXT: answered with the next hearing
	ActionOther   Action = "other"   // not a keyword (or nothing to confirm): for staff to read
)

// InboundAction is an inbound message acted on, known by the provider's id for it (Twilio's MessageSid): a webhook
// the provider sends again, or that someone captured and replays, carries the same id and is answered without being
// acted on again. An opt-out the provider reports on a send (Twilio 21610) has no id.
type InboundAction struct {
	MessageSID string
	Channel    Channel
	From       string // the sender's address: a phone number in E.164
	Action     Action
	Keyword    string // the keyword as matched ("ALTO"), or what the provider reported
	Language   string // the language of the answer, so that a replay is answered alike
	At         time.Time
}

// Changes reports whether the action changes who may be contacted (an opt-out or an opt-in).
func (a InboundAction) Changes() bool { return a.Action == ActionOptOut || a.Action == ActionOptIn }
