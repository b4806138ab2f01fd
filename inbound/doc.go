// Package inbound answers what Twilio sends docketd: delivery reports for the messages it sent, and the texts
// clients send back (STOP and START in their words, HELP, "when is my hearing", "yes I will go"). Every request is
// checked against Twilio's signature first. It declares what it needs from the store and imports none of docketd's
// rooms but the vocabulary.
package inbound
