package main

import (
	"mime"
	"strings"

	"github.com/docketd/docketd/smtptest"
)

// withoutCallLists drops counsel's call lists from msgs, leaving the reminders: a demo family that has not
// confirmed is on Lucía Fernández's list whenever their hearing is near.
func withoutCallLists(msgs []smtptest.Message) []smtptest.Message {
	var out []smtptest.Message
	for _, m := range msgs {
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if strings.HasPrefix(subject, "Call list for ") || strings.HasPrefix(subject, "Llamadas del ") {
			continue
		}
		out = append(out, m)
	}
	return out
}
