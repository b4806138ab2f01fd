package inbound

import (
	"context"
	"encoding/xml"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
)

// The paths of reminder calls, relative to the public URL: Twilio posts the key pressed and the call's outcome, and
// fetches the interpreters' recordings.
const (
	VoicePath       = "/twilio/voice/"
	VoiceGatherPath = "/twilio/voice/gather"
	VoiceStatusPath = "/twilio/voice/status"
	VoiceAudioPath  = "/twilio/voice/audio/"
)

// Calls is what the call handlers need beside the store.
type Calls struct {
	// Confirm records that the person called pressed 1 during call callSID: the reminder it said is confirmed, as
	// a SÍ / YES confirms a text. ok is false when no reminder was sent as that call.
	Confirm func(ctx context.Context, callSID string, at time.Time) (ok bool, err error)
	// Replay is the TwiML of call callSID, a message of kind in lang, said again when 2 is pressed; ok is false for
	// an unknown call.
	Replay func(ctx context.Context, callSID, lang string, kind docket.Kind) (twiml string, ok bool, err error)
	// Say is a <Say> of line in the call's language lang, in the voice its reminder was said in.
	Say func(lang, line string) string
	// AudioDir holds the recordings, {lang}/{kind}.mp3, served under VoiceAudioPath; empty serves none.
	AudioDir string
}

// registerVoice mounts the call handlers when calls go through Twilio.
func (h *Webhooks) registerVoice(mux *http.ServeMux) {
	if h.cfg.Calls == nil {
		return
	}
	mux.Handle(VoiceGatherPath, h.VoiceGather())
	mux.Handle(VoiceStatusPath, h.VoiceStatus())
	if h.cfg.Calls.AudioDir != "" {
		mux.Handle(VoiceAudioPath, h.VoiceAudio())
	}
}

// callStatus turns Twilio's call statuses into the message statuses delivery reports are kept in: a call answered
// by a person or a machine (the message left as a voicemail) is delivered; one nobody answered is undelivered, so the
// ladder of channels goes on.
func callStatus(s string) string {
	switch strings.ToLower(s) {
	case "queued", "initiated":
		return "queued"
	case "ringing":
		return "sending"
	case "in-progress":
		return "sent"
	case "completed":
		return "delivered"
	case "busy", "no-answer":
		return "undelivered"
	case "failed":
		return "failed"
	case "canceled":
		return "canceled"
	}
	return ""
}

// VoiceStatus handles the status callback of a reminder call (CallSid, CallStatus, AnsweredBy).
func (h *Webhooks) VoiceStatus() http.Handler {
	return h.verified(func(w http.ResponseWriter, r *http.Request) {
		sid := r.PostForm.Get("CallSid")
		raw := r.PostForm.Get("CallStatus")
		status := callStatus(raw)
		if sid == "" || status == "" {
			http.Error(w, "CallSid and a known CallStatus are required", http.StatusBadRequest)
			return
		}
		code := r.PostForm.Get("ErrorCode")
		if err := h.cfg.Store.RecordDelivery(r.Context(), sid, status, code, h.cfg.Now()); err != nil {
			h.log.Error("record call status", "call_sid", sid, "status", raw, "err", err)
			http.Error(w, "could not record the status", http.StatusInternalServerError)
			return
		}
		h.log.Info("call status", "call_sid", sid, "call_status", raw, "answered_by", r.PostForm.Get("AnsweredBy"),
			"to", r.PostForm.Get("To"))
		w.WriteHeader(http.StatusNoContent)
	})
}

// VoiceGather handles the key pressed during a reminder call: 1 confirms, 2 says the message again, 9 asks for a
// call back, which goes to the inbox like a text for staff. Any other key says the message again.
func (h *Webhooks) VoiceGather() http.Handler {
	return h.verified(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c := h.cfg.Calls
		sid := r.PostForm.Get("CallSid")
		to := r.PostForm.Get("To") // the person called: the call is ours, outbound
		lang := r.URL.Query().Get("lang")
		if lang == "" {
			lang = h.cfg.DefaultLanguage
		}
		if sid == "" {
			http.Error(w, "CallSid is required", http.StatusBadRequest)
			return
		}
		digits := r.PostForm.Get("Digits")
		log := h.log.With("call_sid", sid, "to", to, "digits", digits)
		switch digits {
		case "1":
			ok, err := c.Confirm(ctx, sid, h.cfg.Now())
			if err != nil {
				log.Error("record a confirmation by phone", "err", err)
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			log.Info("confirmed by phone", "found", ok)
			writeVoice(w, c.Say(lang, h.text(lang, replyConfirm)))
			return
		case "9":
			if h.cfg.Inbox != nil {
				err := h.cfg.Inbox.Keep(ctx, docket.InboxMessage{MessageSID: sid + "/callback", From: to,
					To: r.PostForm.Get("From"), Body: callBackBody(lang), ReceivedAt: h.cfg.Now(),
					Reason: "asked for a call back"})
				if err != nil {
					log.Error("keep a call-back request for staff", "err", err)
					http.Error(w, "internal error", http.StatusInternalServerError)
					return
				}
			}
			log.Info("asked for a call back")
			writeVoice(w, c.Say(lang, callBackAnswer(lang)))
			return
		}
		twiml, ok, err := c.Replay(ctx, sid, lang, docket.Kind(r.URL.Query().Get("kind")))
		if err != nil || !ok {
			log.Warn("cannot say the call again", "found", ok, "err", err)
			writeVoice(w, c.Say(lang, h.voiceSorry(lang)))
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write([]byte(twiml))
	})
}

// recording is the name of a recording Twilio may fetch: {lang}/{kind}.mp3, nothing else from the folder.
var recording = regexp.MustCompile(`^[a-z]{2,3}/(reminder|rescheduled|cancelled)\.mp3$`)

// VoiceAudio serves the interpreters' recordings to Twilio's <Play>: they say nothing of anyone, so they need no
// signature (Twilio fetches media with a plain GET).
func (h *Webhooks) VoiceAudio() http.Handler {
	files := http.FileServer(http.Dir(h.cfg.Calls.AudioDir))
	return http.StripPrefix(strings.TrimSuffix(VoiceAudioPath, "/"), http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || !recording.MatchString(name) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "audio/mpeg")
		files.ServeHTTP(w, r)
	}))
}

// voiceSorry is said when a call's message cannot be said again.
func (h *Webhooks) voiceSorry(lang string) string {
	phone := strings.Join(strings.Split(strings.TrimPrefix(h.cfg.OrgPhone, "+1"), ""), " ")
	if lang == "es" {
		return "Lo sentimos, no podemos repetir el mensaje ahora. Llame a " + h.cfg.OrgName + " al " + phone + "."
	}
	return "Sorry, we cannot repeat the message now. Please call " + h.cfg.OrgName + " at " + phone + "."
}

func callBackBody(lang string) string {
	if lang == "es" {
		return "Pidió por teléfono que le llamen (marcó 9 durante la llamada de recordatorio)."
	}
	return "Asked by phone to be called back (pressed 9 during the reminder call)."
}

func callBackAnswer(lang string) string {
	if lang == "es" {
		return "Gracias. Alguien de nuestra oficina le llamará pronto. Adiós."
	}
	return "Thank you. Someone from our office will call you back soon. Goodbye."
}

// writeVoice answers a call with TwiML of the verbs given, then hangs up.
func writeVoice(w http.ResponseWriter, verbs string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header + "<Response>" + verbs + "<Hangup/></Response>"))
}
