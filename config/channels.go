package config

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/docketd/docketd/docket"
)

// WhatsApp configures messages through Twilio's WhatsApp sender. The account is [sms.twilio]'s.
type WhatsApp struct {
	Provider string `toml:"provider"` // twilio | log; default log
	// From is the WhatsApp sender, "whatsapp:+1…"; or MessagingServiceSID, a service with a WhatsApp sender.
	From                string  `toml:"from"`
	MessagingServiceSID string  `toml:"messaging_service_sid"`
	Rate                float64 `toml:"rate"` // messages per second; default 1
	// Templates maps kind ("reminder", "rescheduled", "cancelled") and language ("es") to an approved template:
	// business-initiated WhatsApp messages must be one.
	Templates map[string]map[string]WhatsAppTemplate `toml:"templates"`
}

// WhatsAppTemplate is one approved WhatsApp template: its Content SID and the values its placeholders {{1}},
// {{2}}… take, in order, named from WhatsAppVariables.
type WhatsAppTemplate struct {
	SID       string   `toml:"sid"`
	Variables []string `toml:"variables"`
}

// WhatsAppVariables are the values a WhatsApp template can take, with what each holds.
var WhatsAppVariables = map[string]string{
	"first_name":    "the name the recipient is greeted by",
	"names":         "the names of the people the hearing is for",
	"date":          "the hearing's date, \"Tuesday, February 9, 2027\"",
	"time":          "the hearing's time on the recipient's clock, \"8:30 AM\"",
	"place":         "where to go: the court and its address, or how the hearing is held",
	"court":         "the court's name",
	"address":       "the court's address",
	"old_date":      "the date a hearing moved from (rescheduled)",
	"counsel":       "counsel's name",
	"counsel_phone": "counsel's phone, or the office's",
	"org":           "the office's short name",
	"org_phone":     "the office's phone",
}

// Voice configures calls through Twilio's Calls API. The account is [sms.twilio]'s.
type Voice struct {
	Provider string  `toml:"provider"` // twilio | log; default log
	From     string  `toml:"from"`     // the calling number, E.164
	Rate     float64 `toml:"rate"`     // calls per second; default 1 (Twilio's default for an account)
	// Voices maps a language ("es-MX", "es", "en") to the voice that says it ("Polly.Mia").
	Voices map[string]string `toml:"voices"`
	// AudioDir holds recordings, {lang}/{kind}.mp3, for languages no voice speaks (Mam, K'iche'), made by an
	// interpreter; the daemon serves them to Twilio.
	AudioDir string `toml:"audio_dir"`
}

// DefaultChannelRate is the rate of WhatsApp messages and calls: Twilio's default of one call per second.
const DefaultChannelRate = 1.0

// VoiceFor returns the voice and the language tag for Twilio's <Say> that speak lang (a base language such as "es"):
// the entry of [voice.voices] whose key is lang or a tag of it ("es-MX"); ok is false when none does.
func (v Voice) VoiceFor(lang string) (voice, tag string, ok bool) {
	keys := make([]string, 0, len(v.Voices))
	for k := range v.Voices {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if baseOf(k) == lang {
			return v.Voices[k], sayTag(k), true
		}
	}
	return "", "", false
}

// sayTag is the language attribute of a <Say> for a key of [voice.voices]: the key when it names a region, else the
// region Twilio's voices speak the language in most often.
func sayTag(k string) string {
	if strings.ContainsAny(k, "-_") {
		return strings.ReplaceAll(k, "_", "-")
	}
	if t, ok := map[string]string{"en": "en-US", "es": "es-MX", "pt": "pt-BR", "fr": "fr-FR"}[k]; ok {
		return t
	}
	return k
}

func baseOf(tag string) string {
	t, err := language.Parse(tag)
	if err != nil {
		return strings.ToLower(tag)
	}
	b, _ := t.Base()
	return b.String()
}

// Recording is the path of the recording of kind in lang under audio_dir, "" when there is none.
func (v Voice) Recording(lang string, kind docket.Kind) string {
	if v.AudioDir == "" {
		return ""
	}
	p := filepath.Join(v.AudioDir, lang, string(kind)+".mp3")
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		return ""
	}
	return p
}

// FallbackMode is [reminders] fallback, "off" when not given.
func (r Reminders) FallbackMode() string {
	if r.Fallback == "" {
		return docket.FallbackOff
	}
	return r.Fallback
}

// channels checks [whatsapp], [voice], the clients' channels and [reminders] fallback, and that every language a
// WhatsApp or voice client needs can be sent.
func (v *validator) channels(c *Config) {
	w, vo := &c.WhatsApp, &c.Voice
	if w.Provider == "" {
		w.Provider = "log"
	}
	if vo.Provider == "" {
		vo.Provider = "log"
	}
	if w.Rate == 0 {
		w.Rate = DefaultChannelRate
	}
	if vo.Rate == 0 {
		vo.Rate = DefaultChannelRate
	}
	v.oneOf("whatsapp.provider", w.Provider, "twilio", "log")
	v.oneOf("voice.provider", vo.Provider, "twilio", "log")
	if w.Rate < 0 {
		v.add("whatsapp.rate", "must be more than 0 messages per second, got %v", w.Rate)
	}
	if vo.Rate < 0 {
		v.add("voice.rate", "must be more than 0 calls per second, got %v", vo.Rate)
	}
	v.oneOf("reminders.fallback", c.Reminders.FallbackMode(), docket.FallbackOff, docket.FallbackUndelivered, docket.FallbackUnconfirmed)

	w.From = strings.TrimSpace(w.From)
	w.MessagingServiceSID = strings.TrimSpace(w.MessagingServiceSID)
	switch {
	case w.From != "" && w.MessagingServiceSID != "":
		v.add("whatsapp.from", "set from or messaging_service_sid, not both")
	case w.From != "":
		phone, ok := strings.CutPrefix(w.From, "whatsapp:")
		if !ok {
			v.add("whatsapp.from", "expected a WhatsApp sender like \"whatsapp:+14155238886\", got %q", w.From)
			break
		}
		v.phone("whatsapp.from", &phone, true)
		w.From = "whatsapp:" + phone
	case w.MessagingServiceSID != "" && !strings.HasPrefix(w.MessagingServiceSID, "MG"):
		v.add("whatsapp.messaging_service_sid", "expected a SID starting with MG")
	case w.MessagingServiceSID == "" && w.Provider == "twilio":
		v.add("whatsapp", "needs from (\"whatsapp:+1…\") or messaging_service_sid with provider = \"twilio\"")
	}
	for kind, byLang := range w.Templates {
		if !slices.Contains(docket.Kinds, docket.Kind(kind)) {
			v.add("whatsapp.templates."+kind, "expected a kind, one of %s", quoteList(stringsOf(docket.Kinds)))
			continue
		}
		for lang, t := range byLang {
			key := "whatsapp.templates." + kind + "." + lang
			if _, err := language.Parse(lang); err != nil || baseOf(lang) != lang {
				v.add(key, "expected a base language code like \"es\", got %q", lang)
			}
			if !strings.HasPrefix(strings.TrimSpace(t.SID), "HX") {
				v.add(key+".sid", "expected an approved template's Content SID starting with HX, got %q", t.SID)
			}
			if len(t.Variables) == 0 {
				v.add(key+".variables", "needs the values of the template's placeholders in order, like "+
					"[\"first_name\", \"date\", \"time\", \"place\"]")
			}
			for i, name := range t.Variables {
				if _, ok := WhatsAppVariables[name]; !ok {
					v.add(fmt.Sprintf("%s.variables[%d]", key, i), "expected one of %s, got %q",
						quoteList(slices.Sorted(maps.Keys(WhatsAppVariables))), name)
				}
			}
		}
	}

	vo.From = strings.TrimSpace(vo.From)
	v.phone("voice.from", &vo.From, vo.Provider == "twilio")
	for tag, name := range vo.Voices {
		if _, err := language.Parse(tag); err != nil {
			v.add("voice.voices."+tag, "expected a language code like \"es-MX\", got %q", tag)
		}
		if strings.TrimSpace(name) == "" {
			v.add("voice.voices."+tag, "expected a voice like \"Polly.Mia\"")
		}
	}
	if vo.AudioDir != "" {
		if st, err := os.Stat(vo.AudioDir); err != nil || !st.IsDir() {
			v.add("voice.audio_dir", "%q is not a directory", vo.AudioDir)
		}
	}
	if (w.Provider == "twilio" || vo.Provider == "twilio") && c.SMS.Provider != "twilio" {
		t := c.SMS.Twilio
		if !strings.HasPrefix(strings.TrimSpace(t.AccountSID), "AC") || strings.TrimSpace(t.AuthToken) == "" {
			v.add("sms.twilio", "WhatsApp and calls go through the Twilio account of [sms.twilio]: it needs "+
				"account_sid and auth_token")
		}
	}

	v.clientChannels(c)
	v.channelLanguages(c)
	if w.Provider == "twilio" || vo.Provider == "twilio" {
		if u, err := url.Parse(c.HTTP.PublicURL); err == nil && isLoopback(u.Hostname()) {
			v.warn(c, "http.public_url", "%q is this machine only: Twilio would post WhatsApp and call reports, and "+
				"the key pressed during a call, to it and never reach docketd; set the address the internet reaches "+
				"docketd at", c.HTTP.PublicURL)
		}
	}
}

// clientChannels checks each client's order of channels: known channels, each once, each with its address.
func (v *validator) clientChannels(c *Config) {
	for i := range c.Clients {
		cl := &c.Clients[i]
		key := fmt.Sprintf("clients[%d].channels", i)
		seen := map[string]bool{}
		for j, ch := range cl.Channels {
			k := fmt.Sprintf("%s[%d]", key, j)
			ch = strings.ToLower(strings.TrimSpace(ch))
			cl.Channels[j] = ch
			switch {
			case !slices.Contains(docket.Channels, docket.Channel(ch)):
				v.add(k, "expected one of %s, got %q", quoteList(stringsOf(docket.Channels)), ch)
			case seen[ch]:
				v.add(k, "%q is named twice", ch)
			case ch == string(docket.Email) && cl.Email == "":
				v.add(k, "client %q has no email to be reached by", cl.ID)
			case ch != string(docket.Email) && cl.Phone == "":
				v.add(k, "client %q has no phone to be reached by %s", cl.ID, ch)
			}
			seen[ch] = true
		}
	}
}

// ReachedBy lists the channels a client policy reaches client cl by: the policy's own, or for a policy for texts
// the first of the client's channels; with fallback on, every later channel of theirs too.
func (c *Config) ReachedBy(p Policy, cl Client) []docket.Channel {
	if p.To != "client" {
		return nil
	}
	first := docket.Channel(p.Channel)
	order := []docket.Channel{first}
	if first == docket.SMS && len(cl.Channels) > 0 {
		order = nil
		for _, ch := range cl.Channels {
			order = append(order, docket.Channel(ch))
		}
		first = order[0]
	}
	if c.Reminders.FallbackMode() == docket.FallbackOff {
		return []docket.Channel{first}
	}
	i := slices.Index(order, first)
	if i < 0 {
		return []docket.Channel{first}
	}
	return order[i:]
}

// channelLanguages checks that every policy that reaches a client by WhatsApp has an approved template of every
// kind it sends in the client's language, and that every language a client is called in has a voice or a
// recording.
func (v *validator) channelLanguages(c *Config) {
	kinds := []docket.Kind{docket.KindReminder}
	if c.Reminders.NotifyChangesEnabled() {
		kinds = docket.Kinds
	}
	for i, p := range c.Reminders.Policies {
		key := fmt.Sprintf("reminders.policy[%d]", i)
		reported := map[string]bool{}
		for _, cl := range c.Clients {
			lang := cl.Language
			if lang == "" {
				lang = c.Organization.Language
			}
			reached := c.ReachedBy(p, cl)
			switch {
			case cl.Detained && cl.Contact.Phone != "" && p.To == "client":
				// The contact person is reached on the policy's own channel, in the contact's language.
				cl.ID, lang, reached = cl.ID+" (their contact)", cl.Contact.Language, []docket.Channel{docket.Channel(p.Channel)}
				if lang == "" {
					lang = cl.Language
				}
			case cl.Phone == "" || cl.Detained:
				continue
			}
			for _, ch := range reached {
				switch ch {
				case docket.WhatsApp:
					for _, k := range kinds {
						if _, ok := c.WhatsApp.Templates[string(k)][lang]; ok || reported["w"+string(k)+lang] {
							continue
						}
						reported["w"+string(k)+lang] = true
						v.add(key, "policy %q reaches client %q by WhatsApp in %q, but [whatsapp.templates] has no "+
							"%s.%s: WhatsApp sends only approved templates (write %s.%s = { sid = \"HX…\", "+
							"variables = [\"first_name\", \"date\", \"time\", \"place\"] })", p.Name, cl.ID, lang, k,
							lang, k, lang)
					}
				case docket.Voice:
					if _, _, ok := c.Voice.VoiceFor(lang); ok {
						continue
					}
					// Without a voice every kind the policy sends needs its recording: a rescheduled call with no
					// recording would be said with no voice, in another language's words.
					for _, k := range kinds {
						if c.Voice.Recording(lang, k) != "" || reported["v"+string(k)+lang] {
							continue
						}
						reported["v"+string(k)+lang] = true
						v.add(key, "policy %q calls client %q in %q, but [voice.voices] has no voice for it and "+
							"voice.audio_dir no %s/%s.mp3", p.Name, cl.ID, lang, lang, k)
					}
				}
			}
		}
	}
}
