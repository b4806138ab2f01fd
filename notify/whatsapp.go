package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/docketd/docketd/docket"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// WhatsAppTemplate is an approved WhatsApp template: its Content SID and the names of the values its placeholders
// {{1}}, {{2}}… take, in order (docket.Message.Vars).
type WhatsAppTemplate struct {
	SID       string
	Variables []string
}

// WhatsAppConfig is what NewWhatsApp needs. Twilio is the account (its From or MessagingServiceSID is the WhatsApp
// sender, "whatsapp:+1…"); a nil Twilio makes the log variant, which prints what it would send.
type WhatsAppConfig struct {
	Twilio *TwilioConfig
	// Templates maps kind and base language to the approved template.
	Templates map[docket.Kind]map[string]WhatsAppTemplate
	// Log receives what the log variant would send; nil means slog.Default(). The values, which hold names, are
	// printed at info level only with ShowBody (as Log does with bodies), at debug level always.
	Log      *slog.Logger
	ShowBody bool
}

// WhatsApp sends business-initiated WhatsApp messages through Twilio as ContentSid + ContentVariables: WhatsApp
// accepts free text only inside the 24 hours after the person last wrote (Twilio refuses it with 63016 otherwise),
// and a reminder is never an answer. It is safe for concurrent use.
type WhatsApp struct {
	tw        *Twilio
	templates map[docket.Kind]map[string]WhatsAppTemplate
	log       *slog.Logger
	show      bool
}

// NewWhatsApp checks cfg and returns the sender.
func NewWhatsApp(cfg WhatsAppConfig) (*WhatsApp, error) {
	w := &WhatsApp{templates: cfg.Templates, log: cfg.Log, show: cfg.ShowBody}
	if w.log == nil {
		w.log = slog.Default()
	}
	if cfg.Twilio != nil {
		tw, err := NewTwilio(*cfg.Twilio)
		if err != nil {
			return nil, fmt.Errorf("whatsapp: %w", err)
		}
		w.tw = tw
	}
	return w, nil
}

// Content returns the Content SID of m's kind and language and its ContentVariables JSON ({"1": "Rosa", "2": …}).
// A message with no approved template is a permanent failure: `docketd check` reports the missing template.
func (w *WhatsApp) Content(m docket.Message) (sid, variables string, err error) {
	t, ok := w.templates[m.Kind][m.Language]
	if !ok {
		return "", "", &docket.SendError{Code: "no-template",
			Err: fmt.Errorf("whatsapp: no approved template for %s in %q ([whatsapp.templates])", m.Kind, m.Language)}
	}
	vars := make(map[string]string, len(t.Variables))
	for i, name := range t.Variables {
		vars[strconv.Itoa(i+1)] = m.Vars[name]
	}
	b, err := json.Marshal(vars)
	if err != nil {
		return "", "", err
	}
	return t.SID, string(b), nil
}

// Send posts m as its approved template and returns the Message SID; the log variant prints the template and its
// values and returns "log-<key>". Failures are classified as for SMS (see Twilio.Send).
func (w *WhatsApp) Send(ctx context.Context, m docket.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &docket.SendError{Temporary: true, Err: fmt.Errorf("whatsapp send: %w", err)}
	}
	sid, vars, err := w.Content(m)
	if err != nil {
		return "", err
	}
	if w.tw == nil {
		attrs := []slog.Attr{slog.String("component", "notify"), slog.String("provider", "log"),
			slog.String("channel", string(docket.WhatsApp)), slog.String("key", m.Key), slog.String("to", m.To),
			slog.String("language", m.Language), slog.String("content_sid", sid),
			slog.Any("variables", w.templates[m.Kind][m.Language].Variables)}
		if w.show {
			attrs = append(attrs, slog.String("content_variables", docket.MaskText(vars)))
		}
		w.log.LogAttrs(ctx, slog.LevelInfo, "would send whatsapp", attrs...)
		w.log.LogAttrs(ctx, slog.LevelDebug, "would send whatsapp (values)", slog.String("component", "notify"),
			slog.String("key", m.Key), slog.String("content_variables", vars))
		return "log-" + providerKey(m), nil
	}
	api, rt := w.tw.api(ctx)
	p := &twapi.CreateMessageParams{}
	p.SetTo(m.To).SetContentSid(sid).SetContentVariables(vars)
	if w.tw.cfg.MessagingServiceSID != "" {
		p.SetMessagingServiceSid(w.tw.cfg.MessagingServiceSID)
	} else {
		p.SetFrom(w.tw.cfg.From)
	}
	if w.tw.cfg.StatusCallback != "" {
		p.SetStatusCallback(w.tw.cfg.StatusCallback)
	}
	msg, err := api.CreateMessage(p)
	if err != nil {
		e := classifyTwilio("whatsapp send", err, rt.status(), m.To)
		if se := (*docket.SendError)(nil); errors.As(e, &se) && se.Temporary {
			se.RetryAfter = rt.wait()
		}
		return "", e
	}
	if msg == nil || msg.Sid == nil || *msg.Sid == "" {
		return "", &docket.SendError{Temporary: true, Err: errors.New("whatsapp send: answer without a message sid")}
	}
	return *msg.Sid, nil
}
