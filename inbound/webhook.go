package inbound

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
	"github.com/twilio/twilio-go/client"
)

// maxWebhookBody bounds a Twilio webhook request. Twilio's form posts are a few kilobytes (an SMS body is at most
// 1,600 characters); anything bigger is not Twilio.
const maxWebhookBody = 64 << 10

// The paths Twilio is configured to call, relative to the public URL.
const (
	StatusPath  = "/twilio/status"
	InboundPath = "/twilio/sms"
)

// InboundStore is what the webhooks need from the store. Every method that changes something takes the time of the
// event, from the handler's injected clock.
type InboundStore interface {
	// RecordDelivery records a delivery report for the message Twilio knows as providerID. Reports arrive out of
	// order: keep the stored status unless StatusRank(status) is greater, and keep errorCode ("30003"…, may be
	// empty) with the status it came with. An unknown providerID is not an error (another app may share the number).
	RecordDelivery(ctx context.Context, providerID, status, errorCode string, at time.Time) error
	// Acted returns what was done with the inbound message Twilio knows as sid, when it was acted on before: a
	// webhook sent again, or a captured one replayed. ok is false for a message not seen.
	Acted(ctx context.Context, sid string) (a docket.InboundAction, ok bool, err error)
	// Record records a, by its MessageSID, and does what it says. An opt-out or an opt-in counts for every later
	// send once Record returns nil, even while the database is too busy to take it (it may be journaled and applied
	// later); any other action is only recorded, so that a replay is not acted on. A message acted on before
	// changes nothing.
	Record(ctx context.Context, a docket.InboundAction) error
	// IsOptedOut reports whether address is opted out on ch.
	IsOptedOut(ctx context.Context, ch docket.Channel, address string) (bool, error)
	// Confirm records a, a YES / SI from a.From, and marks the latest reminder sent to that phone (for a hearing not
	// yet started) as confirmed by the client. ok is false when there is no such reminder (the message is then
	// recorded as one for staff); language is its recipient's language, for the thank-you.
	Confirm(ctx context.Context, a docket.InboundAction) (language string, ok bool, err error)
	// NextHearing finds the earliest scheduled hearing after now of a client whose phone this is. ok is false when
	// there is none.
	NextHearing(ctx context.Context, phone string, now time.Time) (h NextHearing, ok bool, err error)
}

// Inbox takes the texts that need a person: every one that is not a keyword (WebhookConfig.Inbox).
type Inbox interface {
	// Keep stores m once by its MessageSID and has it forwarded to staff. It returns once m is stored, without
	// waiting for the forward: Twilio is waiting for the answer.
	Keep(ctx context.Context, m docket.InboxMessage) error
}

// NextHearing is what a client who texts FECHA or NEXT is told.
type NextHearing struct {
	Start      time.Time // in the court's location
	Court      string    // the court's name
	CourtPlace string    // the court's city, "Dallas", which names its clock: "9:00 a. m., hora de Dallas"
	Address    string    // street address; empty for a hearing online or by telephone, and for a detained client
	VideoURL   string    // the WebEx link of an online hearing
	ByPhone    bool      // the hearing is held by telephone
	Language   string    // the client's language, for words that are the same in English and Spanish
	// Home is the zone of the client who texted and HomePlace its name ("El Paso"); nil Home is the court's.
	Home      *time.Location
	HomePlace string
	// Remote says the client joins from where they are (online, by telephone), on their own clock.
	Remote bool
	// Detained says the client who texted is in custody: the reply gives the date and whom to ask, never where
	// to go. Counsel and CounselPhone are whom to ask; empty: the office.
	Detained              bool
	Counsel, CounselPhone string
}

// Moment is the hearing's start as the client who texted goes by it.
func (n NextHearing) Moment() message.Moment {
	return message.Moment{Start: n.Start, Court: n.Start.Location(), CourtPlace: n.CourtPlace, Home: n.Home,
		HomePlace: n.HomePlace, Remote: n.Remote}
}

// WebhookConfig is what the Twilio webhooks need.
type WebhookConfig struct {
	// AuthToken signs Twilio's requests (X-Twilio-Signature).
	AuthToken string
	// PublicURL is the daemon's URL as Twilio calls it, e.g. "https://docket.example.org". The request path is
	// appended to it, so behind a proxy that strips a prefix, include the prefix here.
	PublicURL string
	// OrgName and OrgPhone are given in the HELP answer.
	OrgName  string
	OrgPhone string
	// DefaultLanguage answers words that are the same in both languages when the store knows no better; "en" if empty.
	DefaultLanguage string
	// ProviderAnswersEnglish is set when Twilio's own opt-out handling is on (the default for long codes): Twilio
	// then answers STOP, START, HELP and their English synonyms itself, and a second answer from us would be
	// blocked (after STOP) or a duplicate. The keyword is still acted on.
	ProviderAnswersEnglish bool
	Store                  InboundStore
	Logger                 *slog.Logger
	Now                    func() time.Time

	// Inbox keeps the texts for staff and forwards them; nil only logs them.
	Inbox Inbox

	// Calls, when set, mounts the handlers of reminder calls under VoicePath (voice.go).
	Calls *Calls
}

// Webhooks serves Twilio's delivery reports and inbound texts.
type Webhooks struct {
	cfg       WebhookConfig
	base      string
	validator client.RequestValidator
	log       *slog.Logger
}

// NewWebhooks checks cfg and returns the handlers.
func NewWebhooks(cfg WebhookConfig) (*Webhooks, error) {
	if cfg.AuthToken == "" {
		return nil, errors.New("twilio webhooks: auth token is required")
	}
	if cfg.Store == nil {
		return nil, errors.New("twilio webhooks: store is required")
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("twilio webhooks: public url %q: want http(s)://host", cfg.PublicURL)
	}
	if cfg.DefaultLanguage == "" {
		cfg.DefaultLanguage = "en"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Webhooks{
		cfg:       cfg,
		base:      strings.TrimRight(cfg.PublicURL, "/"),
		validator: client.NewRequestValidator(cfg.AuthToken),
		log:       log.With("component", "twilio_webhook"),
	}, nil
}

// Register mounts the handlers on mux at StatusPath and InboundPath.
func (h *Webhooks) Register(mux *http.ServeMux) {
	mux.Handle(StatusPath, h.Status())
	mux.Handle(InboundPath, h.Inbound())
	h.registerVoice(mux)
}

// Status handles Twilio's message status callbacks.
func (h *Webhooks) Status() http.Handler {
	return h.verified(func(w http.ResponseWriter, r *http.Request) {
		sid := formFirst(r, "MessageSid", "SmsSid")
		status := strings.ToLower(formFirst(r, "MessageStatus", "SmsStatus"))
		if sid == "" || status == "" {
			http.Error(w, "MessageSid and MessageStatus are required", http.StatusBadRequest)
			return
		}
		code := r.PostForm.Get("ErrorCode")
		if err := h.cfg.Store.RecordDelivery(r.Context(), sid, status, code, h.cfg.Now()); err != nil {
			h.log.Error("record delivery", "message_sid", sid, "status", status, "err", err)
			http.Error(w, "could not record the status", http.StatusInternalServerError)
			return
		}
		h.log.Debug("delivery report", "message_sid", sid, "status", status, "error_code", code)
		w.WriteHeader(http.StatusNoContent)
	})
}

// Inbound handles texts clients send to our number and answers them in TwiML. A message is acted on once: one
// whose MessageSid was acted on before (Twilio sending it again, or a captured request replayed) gets the answer it
// got then and changes nothing, so a replayed START cannot undo a later ALTO.
func (h *Webhooks) Inbound() http.Handler {
	return h.verified(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		from := r.PostForm.Get("From")
		body := r.PostForm.Get("Body")
		sid := formFirst(r, "MessageSid", "SmsSid")
		if from == "" {
			http.Error(w, "From is required", http.StatusBadRequest)
			return
		}
		// A WhatsApp message comes from "whatsapp:+1…": its opt-out is WhatsApp's, its confirmation a WhatsApp reminder's.
		channel := docket.ChannelOf(from)
		msg := docket.InboundAction{MessageSID: sid, Channel: channel, From: from, At: h.cfg.Now()}
		if sid != "" {
			prev, seen, err := h.cfg.Store.Acted(ctx, sid)
			switch {
			case err != nil:
				// Acting on it is safe: the store records it by its MessageSid and applies it once.
				h.log.Warn("inbound sms: could not check for a replay", "from", from, "message_sid", sid, "err", err)
			case seen && prev.Action == docket.ActionOther:
				// Keeping is once by MessageSid: a message whose first keeping failed is kept now.
				if err := h.forStaff(ctx, msg, r.PostForm.Get("To"), body, Inbound{Keyword: KeywordOther}); err != nil {
					h.fail(w, "keep the message for staff", from, err)
					return
				}
				writeTwiML(w, "")
				return
			case seen && prev.Action != docket.ActionNext:
				h.log.Info("inbound sms seen before: answered, not acted on", "from", from, "message_sid", sid,
					"action", prev.Action)
				writeTwiML(w, h.answerAgain(ClassifyInbound(body, prev.Action == docket.ActionOptIn), prev))
				return
			}
		}
		optedOut, err := h.cfg.Store.IsOptedOut(ctx, channel, from)
		if err != nil {
			h.fail(w, "check opt-out", from, err)
			return
		}
		in := ClassifyInbound(body, optedOut)
		lang := in.Language
		msg.Keyword, msg.Language = in.Word, lang
		var reply string
		switch in.Keyword {
		case KeywordOptOut:
			msg.Action = docket.ActionOptOut
			if err := h.cfg.Store.Record(ctx, msg); err != nil {
				h.fail(w, "record opt-out", from, err)
				return
			}
			h.log.Info("sms opt-out", "from", from, "keyword", in.Word, "message_sid", sid)
			if in.OwnWords {
				h.log.Info("opt-out in the client's own words", "from", docket.Phone(from), "message_sid", sid,
					"language", lang)
				// The opt-out is recorded already: staff not hearing of it is no reason to withhold its answer.
				if err := h.forStaff(ctx, msg, r.PostForm.Get("To"), body, in); err != nil {
					h.log.Error("keep an opt-out in the client's own words for staff", "from", docket.Phone(from),
						"message_sid", sid, "err", err)
				}
			}
			reply = h.text(lang, replyOptOut)
		case KeywordOptIn:
			msg.Action = docket.ActionOptIn
			if err := h.cfg.Store.Record(ctx, msg); err != nil {
				h.fail(w, "record opt-in", from, err)
				return
			}
			h.log.Info("sms opt-in", "from", from, "keyword", in.Word, "message_sid", sid)
			reply = h.text(lang, replyOptIn)
		case KeywordHelp:
			msg.Action, msg.Language = docket.ActionHelp, h.lang(lang, "")
			h.note(ctx, msg)
			reply = h.text(msg.Language, replyHelp)
		case KeywordNext:
			next, ok, err := h.cfg.Store.NextHearing(ctx, docket.PhoneOf(from), msg.At)
			if err != nil {
				h.fail(w, "find next hearing", from, err)
				return
			}
			msg.Action = docket.ActionNext
			h.note(ctx, msg)
			if !ok {
				reply = h.text(h.lang(lang, ""), replyNoHearing)
			} else {
				reply = h.nextHearing(h.lang(lang, next.Language), next)
			}
		case KeywordConfirm:
			msg.Action = docket.ActionConfirm
			stored, ok, err := h.cfg.Store.Confirm(ctx, msg)
			if err != nil {
				h.fail(w, "record confirmation", from, err)
				return
			}
			if !ok {
				// Nothing to confirm: a "yes" out of the blue is a message for staff, not a keyword.
				if err := h.forStaff(ctx, msg, r.PostForm.Get("To"), body, Inbound{Keyword: KeywordOther}); err != nil {
					h.fail(w, "keep the message for staff", from, err)
					return
				}
				break
			}
			h.log.Info("sms confirmation", "from", from, "message_sid", sid)
			reply = h.text(h.lang(lang, stored), replyConfirm)
		default:
			msg.Action = docket.ActionOther
			// Kept before it is noted: a message noted as seen but not kept would never reach staff.
			if err := h.forStaff(ctx, msg, r.PostForm.Get("To"), body, in); err != nil {
				h.fail(w, "keep the message for staff", from, err)
				return
			}
			h.note(ctx, msg)
		}
		// Twilio's own keyword answers are for texts: on WhatsApp docketd answers them itself.
		if h.cfg.ProviderAnswersEnglish && channel == docket.SMS && twilioAnswers(in) {
			reply = ""
		}
		writeTwiML(w, reply)
	})
}

// answerAgain is the answer to a message acted on before (prev), read again as in: the answer it got then.
func (h *Webhooks) answerAgain(in Inbound, prev docket.InboundAction) string {
	if h.cfg.ProviderAnswersEnglish && twilioAnswers(in) {
		return ""
	}
	switch prev.Action {
	case docket.ActionOptOut:
		return h.text(in.Language, replyOptOut)
	case docket.ActionOptIn:
		return h.text(in.Language, replyOptIn)
	case docket.ActionHelp:
		return h.text(h.lang(in.Language, ""), replyHelp)
	case docket.ActionConfirm:
		return h.text(h.lang(in.Language, prev.Language), replyConfirm)
	}
	return ""
}

// note records a message that changes nothing, so that a replay of it is not acted on either. Failing to is not
// worth an error to Twilio: the answer does not depend on it.
func (h *Webhooks) note(ctx context.Context, msg docket.InboundAction) {
	if msg.MessageSID == "" {
		return
	}
	if err := h.cfg.Store.Record(ctx, msg); err != nil {
		h.log.Warn("inbound sms: could not record it", "from", msg.From, "message_sid", msg.MessageSID,
			"action", msg.Action, "err", err)
	}
}

// twilioAnswers reports whether Twilio's default opt-out handling answers this word itself. Twilio answers YES
// with its re-subscribed text even when it confirms a reminder, so a thank-you from us would be a second message.
// Twilio reads only a keyword alone: an opt-out in the client's own words gets our answer.
func twilioAnswers(in Inbound) bool {
	if in.OwnWords {
		return false
	}
	switch in.Word {
	case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
		"START", "UNSTOP", "YES", "HELP", "INFO":
		return true
	}
	return false
}

// forStaff hands a text that needs a person to the inbox, marked urgent when it says the client cannot attend, was
// detained, moved or lost the notice; an opt-out in the client's own words (in.OwnWords), acted on already, goes
// there too, so staff know. The body may hold a name, which no pattern can mask, so it is logged only at
// debug level.
func (h *Webhooks) forStaff(ctx context.Context, msg docket.InboundAction, to, body string, in Inbound) error {
	why, urgent := Urgent(body)
	if in.OwnWords && !urgent {
		why = "opted out in their own words"
	}
	h.log.Info("inbound sms for staff", "from", msg.From, "message_sid", msg.MessageSID, "chars", len([]rune(body)),
		"urgent", urgent, "reason", string(why), "opt_out", in.OwnWords)
	h.log.Debug("inbound sms body", "message_sid", msg.MessageSID, "body", docket.MaskText(body))
	if h.cfg.Inbox == nil {
		return nil
	}
	return h.cfg.Inbox.Keep(ctx, docket.InboxMessage{MessageSID: msg.MessageSID, From: docket.PhoneOf(msg.From),
		To: docket.PhoneOf(to), Body: body,
		ReceivedAt: msg.At, Urgent: urgent, Reason: string(why)})
}

func (h *Webhooks) fail(w http.ResponseWriter, what, from string, err error) {
	h.log.Error("inbound sms: "+what, "from", from, "err", err)
	// A 5xx makes Twilio report the failure in its debugger; the client gets no answer rather than a wrong one.
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// lang picks the reply language: the keyword's own, else what the store knows, else the configured default.
func (h *Webhooks) lang(keyword, stored string) string {
	switch {
	case keyword != "":
		return keyword
	case stored != "":
		return stored
	}
	return h.cfg.DefaultLanguage
}

// verified wraps next with the checks every Twilio request must pass: POST, a bounded form body, and a valid
// X-Twilio-Signature for the public URL. A request that fails them changes nothing.
func (h *Webhooks) verified(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxWebhookBody)
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		sig := r.Header.Get("X-Twilio-Signature")
		if sig == "" || !h.validSignature(r, sig) {
			h.log.Warn("twilio webhook: bad signature", "path", r.URL.Path, "remote", r.RemoteAddr)
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		next(w, r)
	})
}

// validSignature checks sig against the public URL of r. twilio-go's validator tries the URL both with and
// without the default port (:443, :80), since Twilio signs whichever form it was configured with, and compares in
// constant time.
func (h *Webhooks) validSignature(r *http.Request, sig string) bool {
	params := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		if len(v) != 1 {
			// Twilio never repeats a parameter; the validator could only check one of the values.
			return false
		}
		params[k] = v[0]
	}
	return h.validator.Validate(h.base+r.URL.RequestURI(), params, sig)
}

func formFirst(r *http.Request, names ...string) string {
	for _, n := range names {
		if v := r.PostForm.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// writeTwiML answers with one message, or with an empty <Response/> (no reply) when text is empty.
func writeTwiML(w http.ResponseWriter, text string) {
	var b strings.Builder
	b.WriteString(xml.Header)
	if text == "" {
		b.WriteString("<Response/>")
	} else {
		b.WriteString("<Response><Message>")
		_ = xml.EscapeText(&b, []byte(text))
		b.WriteString("</Message></Response>")
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// StatusRank orders Twilio's message statuses so the furthest one wins when callbacks arrive out of order:
// queued < sending < sent < delivered | undelivered | failed (< read, for channels that report it). An unknown
// status ranks 0 and never replaces a known one. The final states share a rank: the first one recorded stays.
func StatusRank(status string) int {
	switch strings.ToLower(status) {
	case "accepted", "scheduled", "queued":
		return 1
	case "sending":
		return 2
	case "sent":
		return 3
	case "delivered", "undelivered", "failed", "canceled":
		return 4
	case "read":
		return 5
	}
	return 0
}

type replyKind int

const (
	replyOptOut replyKind = iota
	replyOptIn
	replyHelp
	replyConfirm
	replyNoHearing
)

// text renders one of the fixed answers. Only English and Spanish ship; any other language gets English, which is
// also what Twilio's own keyword answers use.
func (h *Webhooks) text(lang string, k replyKind) string {
	org, phone := h.cfg.OrgName, h.cfg.OrgPhone
	if org == "" {
		org = "docketd"
	}
	es := lang == "es"
	switch k {
	case replyOptOut:
		if es {
			return org + ": no le enviaremos más mensajes. Para volver a recibir recordatorios de sus audiencias, responda COMENZAR."
		}
		return org + ": you will get no more texts from us. Reply START to get hearing reminders again."
	case replyOptIn:
		if es {
			return org + ": volverá a recibir recordatorios de sus audiencias. Responda ALTO para no recibir más mensajes y AYUDA para pedir ayuda."
		}
		return org + ": you will get hearing reminders again. Reply STOP to stop them, HELP for help."
	case replyHelp:
		if es {
			return replyWithPhone(org+" le envía recordatorios de sus audiencias en la corte de inmigración.",
				" Si tiene preguntas, llame al %s.", phone) +
				" Responda FECHA para saber cuándo es su próxima audiencia o ALTO para no recibir más mensajes."
		}
		return replyWithPhone(org+" sends you reminders of your immigration court hearings.",
			" Questions? Call %s.", phone) + " Reply DATE for your next hearing, STOP to stop texts."
	case replyConfirm:
		if es {
			return "Gracias. Anotamos que irá a su audiencia."
		}
		return "Thank you. We have noted that you will be at your hearing."
	case replyNoHearing:
		if es {
			if phone == "" {
				return "No tenemos ninguna audiencia próxima para este número. Llame a la línea de información de EOIR, 1-800-898-7180."
			}
			return "No tenemos ninguna audiencia próxima para este número. Llame a " + org + " al " + phone +
				" o a la línea de información de EOIR, 1-800-898-7180."
		}
		if phone == "" {
			return "We have no upcoming hearing on file for this number. Call the EOIR hotline, 1-800-898-7180."
		}
		return "We have no upcoming hearing on file for this number. Call " + org + " at " + phone +
			" or the EOIR hotline, 1-800-898-7180."
	}
	return ""
}

func replyWithPhone(s, format, phone string) string {
	if phone == "" {
		return s
	}
	return s + fmt.Sprintf(format, phone)
}

// nextHearing answers FECHA / NEXT with the hearing's date and time on the client's clock (a remote hearing across
// zones with the court's beside it), and where to go or the link to join. A detained client is told the date and
// whom to ask, and nothing that asks them to go anywhere.
func (h *Webhooks) nextHearing(lang string, n NextHearing) string {
	m := n.Moment()
	es := lang == "es"
	var b strings.Builder
	if es {
		b.WriteString("Su próxima audiencia es el " + m.Date(lang))
	} else {
		b.WriteString("Your next hearing is on " + m.Date(lang))
	}
	if n.Detained {
		b.WriteString(". ")
		org := cmp.Or(h.cfg.OrgName, "docketd")
		switch {
		case n.Counsel != "" && n.CounselPhone != "":
			if es {
				fmt.Fprintf(&b, "Su representante, %s, %s, tiene los detalles.", n.Counsel, n.CounselPhone)
			} else {
				fmt.Fprintf(&b, "Your representative, %s, %s, has the details.", n.Counsel, n.CounselPhone)
			}
		case h.cfg.OrgPhone != "":
			if es {
				fmt.Fprintf(&b, "Para los detalles, llame a %s al %s.", org, h.cfg.OrgPhone)
			} else {
				fmt.Fprintf(&b, "For the details, call %s at %s.", org, h.cfg.OrgPhone)
			}
		default:
			if es {
				b.WriteString("Para los detalles, llame a la línea de información de EOIR, 1-800-898-7180.")
			} else {
				b.WriteString("For the details, call the EOIR hotline, 1-800-898-7180.")
			}
		}
		return b.String()
	}
	b.WriteString(" " + m.At(lang))
	court := n.Court
	if m.Apart() && n.CourtPlace != "" {
		court = "" // the clock names the court's place already ("9:00 a. m. en Dallas"): a text costs by the character
	}
	where := strings.TrimSpace(strings.Join(replyNonEmpty(court, n.Address), ", "))
	if where != "" {
		b.WriteString(": " + where)
	}
	b.WriteString(".")
	if n.ByPhone {
		if es {
			b.WriteString(" Por teléfono.")
		} else {
			b.WriteString(" By telephone.")
		}
	}
	if n.VideoURL != "" {
		if es {
			b.WriteString(" Por internet (WebEx): " + n.VideoURL)
		} else {
			b.WriteString(" Online (WebEx): " + n.VideoURL)
		}
	}
	return b.String()
}

func replyNonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
