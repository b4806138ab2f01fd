package assembly

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/notify"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

// channelsOf is a config client's order of channels.
func channelsOf(c config.Client) []docket.Channel {
	var out []docket.Channel
	for _, ch := range c.Channels {
		out = append(out, docket.Channel(ch))
	}
	return out
}

// twilioAccount is [sms.twilio] as the WhatsApp and voice senders use it, from the given sender.
func twilioAccount(cfg *config.Config, from, service, callback string) *notify.TwilioConfig {
	t := cfg.SMS.Twilio
	return &notify.TwilioConfig{AccountSID: t.AccountSID, AuthToken: t.AuthToken, From: from,
		MessagingServiceSID: service, APIURL: t.APIURL, Timeout: t.Timeout.D, StatusCallback: callback}
}

// addChannelSenders adds the WhatsApp and voice senders the config names (Twilio, or the log variants that print
// what they would send) to out.
func addChannelSenders(out map[docket.Channel]reminder.Sender, cfg *config.Config, log *slog.Logger) error {
	show := cfg.Log.Level == "debug"
	wa := notify.WhatsAppConfig{Templates: whatsAppTemplates(cfg), Log: log.With("component", "whatsapp"),
		ShowBody: show}
	if cfg.WhatsApp.Provider == "twilio" {
		wa.Twilio = twilioAccount(cfg, cfg.WhatsApp.From, cfg.WhatsApp.MessagingServiceSID,
			cfg.HTTP.PublicURL+inbound.StatusPath)
	}
	w, err := notify.NewWhatsApp(wa)
	if err != nil {
		return err
	}
	out[docket.WhatsApp] = w
	v, err := newVoice(cfg, log, show)
	if err != nil {
		return err
	}
	out[docket.Voice] = v
	return nil
}

// newVoice builds the voice sender of cfg.
func newVoice(cfg *config.Config, log *slog.Logger, show bool) (*notify.Voice, error) {
	base := strings.TrimRight(cfg.HTTP.PublicURL, "/")
	vc := notify.VoiceConfig{Voices: voicesOf(cfg.Voice), GatherURL: base + inbound.VoiceGatherPath,
		StatusCallback: base + inbound.VoiceStatusPath, Log: log.With("component", "voice"), ShowBody: show,
		Recording: func(lang string, kind docket.Kind) string {
			if cfg.Voice.Recording(lang, kind) == "" {
				return ""
			}
			return base + inbound.VoiceAudioPath + url.PathEscape(lang) + "/" + string(kind) + ".mp3"
		}}
	if cfg.Voice.Provider == "twilio" {
		vc.Twilio = twilioAccount(cfg, cfg.Voice.From, "", "")
	}
	v, err := notify.NewVoice(vc)
	if err != nil {
		return nil, fmt.Errorf("voice: %w", err)
	}
	return v, nil
}

// whatsAppTemplates is [whatsapp.templates] for the sender.
func whatsAppTemplates(cfg *config.Config) map[docket.Kind]map[string]notify.WhatsAppTemplate {
	out := map[docket.Kind]map[string]notify.WhatsAppTemplate{}
	for kind, byLang := range cfg.WhatsApp.Templates {
		m := map[string]notify.WhatsAppTemplate{}
		for lang, t := range byLang {
			m[lang] = notify.WhatsAppTemplate{SID: strings.TrimSpace(t.SID), Variables: t.Variables}
		}
		out[docket.Kind(kind)] = m
	}
	return out
}

// voicesOf is [voice.voices] by base language.
func voicesOf(v config.Voice) map[string]notify.SpeakingVoice {
	out := map[string]notify.SpeakingVoice{}
	for tag := range v.Voices {
		lang := tag
		if i := strings.IndexAny(tag, "-_"); i >= 0 {
			lang = tag[:i]
		}
		lang = strings.ToLower(lang)
		if _, ok := out[lang]; ok {
			continue
		}
		voice, say, _ := v.VoiceFor(lang)
		out[lang] = notify.SpeakingVoice{Voice: voice, Language: say}
	}
	return out
}

// channelRates adds WhatsApp's and calls' rates to the dispatcher's.
func channelRates(cfg *config.Config, rates map[docket.Channel]float64) map[docket.Channel]float64 {
	rates[docket.WhatsApp], rates[docket.Voice] = cfg.WhatsApp.Rate, cfg.Voice.Rate
	return rates
}

// calls builds the handlers' view of reminder calls over db, when calls go through Twilio. Its TwiML (a message
// said again) comes from a voice sender built as the dispatcher's is; one that cannot be built is an error, not a
// page of handlers silently left out (Twilio would get 404 for every key pressed).
func calls(cfg *config.Config, db *store.DB, log *slog.Logger) (*inbound.Calls, error) {
	if cfg.Voice.Provider != "twilio" || db == nil {
		return nil, nil //nolint:nilnil // no calls through Twilio: no handlers to mount, not an error
	}
	v, err := newVoice(cfg, log, false)
	if err != nil {
		return nil, err
	}
	voices := v.Voices()
	return &inbound.Calls{
		AudioDir: cfg.Voice.AudioDir,
		Say:      func(lang, line string) string { return notify.Say(voices[lang], lang, line) },
		Confirm: func(ctx context.Context, sid string, at time.Time) (bool, error) {
			err := db.ConfirmSent(ctx, sid, at)
			if errors.Is(err, store.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		},
		Replay: func(ctx context.Context, sid, lang string, kind docket.Kind) (string, bool, error) {
			rows, err := db.SentAs(ctx, sid)
			if err != nil || len(rows) == 0 || rows[0].Body == "" {
				return "", false, err
			}
			tw, err := v.TwiML(docket.Message{Channel: docket.Voice, To: rows[0].Address, Language: lang,
				Kind: kind, Text: rows[0].Body})
			return tw, err == nil, err
		},
	}, nil
}
