package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/docketd/docketd/docket"
)

const channelsBase = `[organization]
name = "Office"
timezone = "America/Chicago"

[reminders]
fallback = "undelivered"

[[reminders.policy]]
name = "client-text"
to = "client"
channel = "sms"
before = ["1d"]
at = "10:00"

[whatsapp]
from = "whatsapp:+12145550100"

[whatsapp.templates]
reminder.es = { sid = "HX1", variables = ["first_name", "date", "time", "place"] }

[voice]
from = "+12145550100"

[voice.voices]
es-MX = "Polly.Mia"

[[clients]]
id = "lucia"
name = "Lucía Ramos"
phone = "+12145550163"
language = "es"
channels = ["whatsapp", "voice", "sms"]
`

func TestChannelsValid(t *testing.T) {
	src := strings.Replace(channelsBase, "[reminders]", "[reminders]\nnotify_changes = false", 1)
	cfg, err := Parse("c.toml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Clients[0].Channels; strings.Join(got, ",") != "whatsapp,voice,sms" {
		t.Errorf("channels: got %v", got)
	}
	if got := cfg.ReachedBy(cfg.Reminders.Policies[0], cfg.Clients[0]); len(got) != 3 || got[0] != docket.WhatsApp {
		t.Errorf("reached by: got %v, want whatsapp, voice, sms", got)
	}
	voice, tag, ok := cfg.Voice.VoiceFor("es")
	if !ok || voice != "Polly.Mia" || tag != "es-MX" {
		t.Errorf("voice for es: got %q %q %v", voice, tag, ok)
	}
	if cfg.WhatsApp.Rate != DefaultChannelRate || cfg.Voice.Provider != "log" {
		t.Errorf("defaults: rate %v provider %q", cfg.WhatsApp.Rate, cfg.Voice.Provider)
	}
}

// check fails when a policy reaches a client by WhatsApp in a language with no approved template, naming the
// policy, the client and the template to add; and when a language a client is called in has no voice.
func TestChannelsNeedTemplatesAndVoices(t *testing.T) {
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"notices need their templates too", "[reminders]", "[reminders]",
			[]string{`policy "client-text" reaches client "lucia" by WhatsApp in "es", but [whatsapp.templates] has no rescheduled.es`,
				"no cancelled.es"}},
		{"a language without a template", `language = "es"`, `language = "pt"`,
			[]string{`by WhatsApp in "pt", but [whatsapp.templates] has no reminder.pt`,
				`policy "client-text" calls client "lucia" in "pt", but [voice.voices] has no voice for it`}},
		{"an unknown channel", `channels = ["whatsapp", "voice", "sms"]`, `channels = ["whatsap"]`,
			[]string{`clients[0].channels[0]: expected one of "sms", "email", "whatsapp", "voice", got "whatsap"`}},
		{"a channel without an address", `channels = ["whatsapp", "voice", "sms"]`, `channels = ["email", "sms"]`,
			[]string{`client "lucia" has no email to be reached by`}},
		{"a bad fallback", `fallback = "undelivered"`, `fallback = "always"`,
			[]string{`reminders.fallback: expected one of "off", "undelivered", "unconfirmed", got "always"`}},
		{"a sender that is not WhatsApp's", `from = "whatsapp:+12145550100"`, `from = "+12145550100"`,
			[]string{`whatsapp.from: expected a WhatsApp sender like "whatsapp:+14155238886"`}},
		{"a template that is not a Content SID", `sid = "HX1"`, `sid = "MG1"`,
			[]string{`whatsapp.templates.reminder.es.sid: expected an approved template's Content SID starting with HX`}},
		{"an unknown variable", `"first_name", "date"`, `"firstname", "date"`,
			[]string{`whatsapp.templates.reminder.es.variables[0]: expected one of`}},
		{"twilio needs the account", `from = "whatsapp:+12145550100"`, "provider = \"twilio\"\nfrom = \"whatsapp:+12145550100\"",
			[]string{`sms.twilio: WhatsApp and calls go through the Twilio account of [sms.twilio]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(channelsBase, tt.from, tt.to, 1)
			_, err := Parse("c.toml", []byte(src), Options{})
			if err == nil {
				t.Fatal("valid, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	// With fallback off, a client reached by a text first needs no WhatsApp template for a later channel.
	src := strings.Replace(channelsBase, `fallback = "undelivered"`, "fallback = \"off\"\nnotify_changes = false", 1)
	src = strings.Replace(src, `channels = ["whatsapp", "voice", "sms"]`, `channels = ["sms", "whatsapp"]`, 1)
	src = strings.Replace(src, `reminder.es = { sid = "HX1", variables = ["first_name", "date", "time", "place"] }`, "", 1)
	if _, err := Parse("c.toml", []byte(src), Options{}); err != nil {
		t.Errorf("fallback off, texts first: %v", err)
	}
}

// A detained client's contact, reached by a WhatsApp policy, needs a template in the contact's language.
func TestChannelsContactNeedsATemplate(t *testing.T) {
	src := strings.Replace(channelsBase, `channel = "sms"`, `channel = "whatsapp"`, 1)
	src = strings.Replace(src, "[reminders]", "[reminders]\nnotify_changes = false", 1)
	src += `
[[clients]]
id = "luis"
name = "Luis Morales"
language = "es"
detained = true

[clients.contact]
name = "Ana Morales"
phone = "+12145550155"
language = "en"
`
	_, err := Parse("c.toml", []byte(src), Options{})
	if err == nil || !strings.Contains(err.Error(), `reaches client "luis (their contact)" by WhatsApp in "en"`) {
		t.Errorf("got %v, want the contact's missing template named", err)
	}
}

// Calls through Twilio with a public URL of this machine only: valid, with a warning that Twilio cannot reach it.
func TestChannelsWarnOfAPublicURLTwilioCannotReach(t *testing.T) {
	src := strings.Replace(channelsBase, "[voice]\n", "[voice]\nprovider = \"twilio\"\n", 1)
	src = strings.Replace(src, "[reminders]", "[reminders]\nnotify_changes = false", 1)
	src += "\n[http]\npublic_url = \"http://localhost:8080\"\n\n[sms.twilio]\naccount_sid = \"AC1\"\nauth_token = \"x\"\n"
	cfg, err := Parse("c.toml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range cfg.Warnings {
		found = found || strings.Contains(w.String(), "the key pressed during a call")
	}
	if !found {
		t.Errorf("warnings %v: want one about the public URL", cfg.Warnings)
	}
}

// A language no voice speaks is called with an interpreter's recordings: every kind a policy sends needs one, so a
// client who speaks Mam and has only the reminder recorded is told, at check, that a rescheduled call has none.
func TestChannelsRecordingsForEveryKindCalled(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "mam"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mam", "reminder.mp3"), []byte("ID3"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(channelsBase, `channels = ["whatsapp", "voice", "sms"]`,
		`channels = ["voice", "sms"]`, 1)
	src = strings.Replace(src, `language = "es"`, `language = "mam"`, 1)
	src = strings.Replace(src, "[voice]\n", "[voice]\naudio_dir = "+strconv.Quote(dir)+"\n", 1)
	_, err := Parse("c.toml", []byte(src), Options{})
	if err == nil || !strings.Contains(err.Error(), "voice.audio_dir no mam/rescheduled.mp3") ||
		strings.Contains(err.Error(), "mam/reminder.mp3") {
		t.Fatalf("got %v, want the missing rescheduled recording named and the reminder's not", err)
	}
	for _, k := range []string{"rescheduled", "cancelled"} {
		if err := os.WriteFile(filepath.Join(dir, "mam", k+".mp3"), []byte("ID3"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Parse("c.toml", []byte(src), Options{}); err != nil {
		t.Errorf("every kind recorded: %v", err)
	}
}
