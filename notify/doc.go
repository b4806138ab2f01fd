// Package notify delivers messages: SMS through Twilio, email through SMTP, and a log channel that only prints what
// it would send. Each channel classifies its failures (docket.SendError) so the dispatcher knows whether to retry,
// give up or record an opt-out.
package notify
