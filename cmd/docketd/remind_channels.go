package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/scheduler/reminder"
)

// previewChannel shows, for a WhatsApp message or a call that `remind --dry-run` would send, what goes to Twilio:
// the approved template's Content SID and its values, or the call's TwiML.
func previewChannel(w io.Writer, senders map[docket.Channel]reminder.Sender, m docket.Message) {
	switch s := senders[m.Channel].(type) {
	case interface {
		Content(docket.Message) (string, string, error)
	}:
		sid, vars, err := s.Content(m)
		if err != nil {
			fmt.Fprintf(w, "WhatsApp: cannot be sent: %v\n", err)
			return
		}
		fmt.Fprintf(w, "WhatsApp template %s with ContentVariables %s\n(the text the template stands for:)\n", sid, vars)
	case interface {
		TwiML(docket.Message) (string, error)
	}:
		twiml, err := s.TwiML(m)
		if err != nil {
			fmt.Fprintf(w, "call: cannot be placed: %v\n", err)
			return
		}
		fmt.Fprintf(w, "TwiML:\n%s\n(what the call says:)\n", strings.ReplaceAll(twiml, "><", ">\n<"))
	}
}

// previewAddress is an address as the preview shows it: masked, with its channel's prefix.
func previewAddress(to string) string {
	if p := docket.PhoneOf(to); p != to {
		return strings.TrimSuffix(to, p) + docket.MaskContact(p)
	}
	return docket.MaskContact(to)
}
