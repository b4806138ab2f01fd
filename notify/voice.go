package notify

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// maxTwiML is the longest TwiML Twilio takes in a Calls API request's Twiml parameter.
const maxTwiML = 4000

// SpeakingVoice is the voice that says a language: Twilio's voice name ("Polly.Mia") and the language tag of
// <Say> ("es-MX").
type SpeakingVoice struct {
	Voice, Language string
}

// VoiceConfig is what NewVoice needs. Twilio is the account and From the calling number; a nil Twilio makes the log
// variant, which prints the TwiML it would send.
type VoiceConfig struct {
	Twilio *TwilioConfig
	// Voices maps a base language ("es") to the voice that says it.
	Voices map[string]SpeakingVoice
	// Recording returns the public URL of the recording of kind in lang (audio_dir/{lang}/{kind}.mp3 as the
	// daemon serves it), "" when there is none. A recording is played where no voice speaks the language.
	Recording func(lang string, kind docket.Kind) string
	// GatherURL is the public URL of the signed handler that takes the key pressed (inbound.VoiceGatherPath).
	GatherURL string
	// StatusCallback is the public URL of the call status handler (inbound.VoiceStatusPath); empty asks for none.
	StatusCallback string
	// Log receives what the log variant would send; nil means slog.Default(). The TwiML, which holds names, is
	// printed at info level only with ShowBody (as Log does with bodies), at debug level always.
	Log      *slog.Logger
	ShowBody bool
}

// Voice calls people through Twilio's Calls API and says the reminder (voice.tmpl) with <Say>, or plays the
// interpreter's recording, inside a <Gather numDigits="1">: 1 confirms, 2 repeats, 9 asks for a call back.
// Answering-machine detection waits for the greeting to end, so a machine records the message as a voicemail.
type Voice struct {
	cfg VoiceConfig
	tw  *Twilio
	log *slog.Logger
}

// NewVoice checks cfg and returns the sender.
func NewVoice(cfg VoiceConfig) (*Voice, error) {
	v := &Voice{cfg: cfg, log: cfg.Log}
	if v.log == nil {
		v.log = slog.Default()
	}
	if cfg.GatherURL == "" {
		return nil, errors.New("voice: the gather URL is required")
	}
	if cfg.Twilio != nil {
		if cfg.Twilio.From == "" {
			return nil, errors.New("voice: a calling number (from) is required")
		}
		tw, err := NewTwilio(*cfg.Twilio)
		if err != nil {
			return nil, fmt.Errorf("voice: %w", err)
		}
		v.tw = tw
	}
	return v, nil
}

// TwiML is what a call with m says: the script's lines (or the recording) inside a <Gather> that posts the key
// pressed to the gather URL, and a last line when nothing is pressed.
func (v *Voice) TwiML(m docket.Message) (string, error) {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Response>")
	fmt.Fprintf(&b, `<Gather numDigits="1" action=%s method="POST" timeout="6">`, attr(v.gatherURL(m)))
	voice, ok := v.cfg.Voices[m.Language]
	rec := ""
	if !ok && v.cfg.Recording != nil {
		rec = v.cfg.Recording(m.Language, m.Kind)
	}
	lines := message.VoiceLines(m.Text)
	switch {
	case rec != "":
		fmt.Fprintf(&b, "<Play>%s</Play>", text(rec))
	case len(lines) == 0:
		return "", fmt.Errorf("voice: nothing to say")
	default:
		for i, line := range lines {
			if i > 0 {
				b.WriteString(`<Pause length="1"/>`)
			}
			b.WriteString(say(voice, m.Language, line))
		}
	}
	b.WriteString("</Gather>")
	if rec == "" && len(lines) > 0 {
		// Nothing pressed: the call ends with the key instructions said once more (the last line), then hangs up.
		b.WriteString(say(voice, m.Language, lines[len(lines)-1]))
	}
	b.WriteString("</Response>")
	if b.Len() > maxTwiML {
		return "", &docket.SendError{Code: "twiml-too-long",
			Err: fmt.Errorf("voice: the call's TwiML has %d characters, Twilio takes at most %d", b.Len(), maxTwiML)}
	}
	return b.String(), nil
}

// gatherURL is the gather URL with the message's language and kind, so the answer to a key is said in the call's
// language without reading the store.
func (v *Voice) gatherURL(m docket.Message) string {
	q := url.Values{"lang": {m.Language}, "kind": {string(m.Kind)}}
	sep := "?"
	if strings.Contains(v.cfg.GatherURL, "?") {
		sep = "&"
	}
	return v.cfg.GatherURL + sep + q.Encode()
}

// Say is one <Say> of text in lang with voice (Twilio's default voice for the language when voice is empty).
func Say(voice SpeakingVoice, lang, line string) string { return say(voice, lang, line) }

func say(voice SpeakingVoice, lang, line string) string {
	tag := voice.Language
	if tag == "" {
		tag = lang
	}
	var b strings.Builder
	b.WriteString("<Say")
	if tag != "" {
		b.WriteString(" language=" + attr(tag))
	}
	if voice.Voice != "" {
		b.WriteString(" voice=" + attr(voice.Voice))
	}
	b.WriteString(">" + text(line) + "</Say>")
	return b.String()
}

func attr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return `"` + strings.ReplaceAll(b.String(), `"`, "&quot;") + `"`
}

func text(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Voices is the voice config's voices, for the gather handler's answers.
func (v *Voice) Voices() map[string]SpeakingVoice { return v.cfg.Voices }

// Send places the call and returns its Call SID; the log variant prints the TwiML and returns "log-<key>". Failures
// are classified as for SMS (see Twilio.Send): 21211 (an invalid number) and 13227 (no permission to call the
// country) are permanent, 20429 and 5xx temporary.
func (v *Voice) Send(ctx context.Context, m docket.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &docket.SendError{Temporary: true, Err: fmt.Errorf("voice call: %w", err)}
	}
	twiml, err := v.TwiML(m)
	if err != nil {
		return "", err
	}
	if v.tw == nil {
		attrs := []slog.Attr{slog.String("component", "notify"), slog.String("provider", "log"),
			slog.String("channel", string(docket.Voice)), slog.String("key", m.Key), slog.String("to", m.To),
			slog.String("language", m.Language), slog.Int("chars", len(twiml))}
		if v.cfg.ShowBody {
			attrs = append(attrs, slog.String("twiml", docket.MaskText(twiml)))
		}
		v.log.LogAttrs(ctx, slog.LevelInfo, "would call", attrs...)
		v.log.LogAttrs(ctx, slog.LevelDebug, "would call (twiml)", slog.String("component", "notify"),
			slog.String("key", m.Key), slog.String("twiml", twiml))
		return "log-" + providerKey(m), nil
	}
	api, rt := v.tw.api(ctx)
	p := &twapi.CreateCallParams{}
	p.SetTo(m.To).SetFrom(v.tw.cfg.From).SetTwiml(twiml).
		// The message starts after a machine's greeting and beep, so it is left whole as a voicemail.
		SetMachineDetection("DetectMessageEnd").SetTimeout(30)
	if v.cfg.StatusCallback != "" {
		p.SetStatusCallback(v.cfg.StatusCallback).SetStatusCallbackMethod("POST").
			SetStatusCallbackEvent([]string{"completed"})
	}
	call, err := api.CreateCall(p)
	if err != nil {
		e := classifyTwilio("voice call", err, rt.status(), m.To)
		if se := (*docket.SendError)(nil); errors.As(e, &se) && se.Temporary {
			se.RetryAfter = rt.wait()
		}
		return "", e
	}
	if call == nil || call.Sid == nil || *call.Sid == "" {
		return "", &docket.SendError{Temporary: true, Err: errors.New("voice call: answer without a call sid")}
	}
	return *call.Sid, nil
}
