package inbound

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/twiliotest"
)

const callSID = "CA0000000000000000000000000000ca11"

// callEnv is the webhooks with the call handlers over a call that said "the reminder" in Spanish.
func callEnv(t *testing.T) (*hookEnv, *memInbox, map[string]time.Time) {
	t.Helper()
	confirmed := map[string]time.Time{}
	inbox := &memInbox{kept: map[string]docket.InboxMessage{}}
	audio := t.TempDir()
	os.MkdirAll(filepath.Join(audio, "mam"), 0o755)
	os.WriteFile(filepath.Join(audio, "mam", "reminder.mp3"), []byte("ID3 recording"), 0o644)
	os.WriteFile(filepath.Join(audio, "notes.txt"), []byte("private"), 0o644)
	env := newHookEnv(t, func(c *WebhookConfig) {
		c.Inbox = inbox
		c.Calls = &Calls{
			AudioDir: audio,
			Say: func(lang, line string) string {
				var b strings.Builder
				xml.EscapeText(&b, []byte(line))
				return `<Say language="` + lang + `">` + b.String() + `</Say>`
			},
			Confirm: func(_ context.Context, sid string, at time.Time) (bool, error) {
				if sid != callSID {
					return false, nil
				}
				confirmed[sid] = at
				return true, nil
			},
			Replay: func(_ context.Context, sid, lang string, kind docket.Kind) (string, bool, error) {
				if sid != callSID {
					return "", false, nil
				}
				return `<?xml version="1.0" encoding="UTF-8"?><Response><Say language="` + lang + `">` + string(kind) +
					` again</Say></Response>`, true, nil
			},
		}
	})
	return env, inbox, confirmed
}

func gatherForm(digits string) url.Values {
	return twiliotest.Call{SID: callSID, To: "+12145550164", From: "+12145550100"}.GatherForm(testAccountSID, digits)
}

func TestVoiceGatherConfirmsRepeatsAndAsksForACallBack(t *testing.T) {
	env, inbox, confirmed := callEnv(t)
	path := VoiceGatherPath + "?kind=reminder&lang=es"
	answer := func(digits string) string {
		t.Helper()
		rec := env.post(path, gatherForm(digits), hookPublic+path)
		if rec.Code != http.StatusOK {
			t.Fatalf("digits %q: status %d: %s", digits, rec.Code, rec.Body)
		}
		if err := twiliotest.ValidateTwiML(rec.Body.String()); err != nil {
			t.Fatalf("digits %q: %v\n%s", digits, err, rec.Body)
		}
		return rec.Body.String()
	}
	if got := answer("1"); !strings.Contains(got, "Gracias. Anotamos que irá a su audiencia.") || !strings.Contains(got, "<Hangup/>") {
		t.Errorf("1: %s", got)
	}
	if !confirmed[callSID].Equal(env.now) {
		t.Errorf("1 did not confirm the call's reminder: %v", confirmed)
	}
	if got := answer("2"); !strings.Contains(got, "reminder again") {
		t.Errorf("2: want the message again, got %s", got)
	}
	if got := answer("9"); !strings.Contains(got, "Alguien de nuestra oficina le llamará") {
		t.Errorf("9: %s", got)
	}
	kept, ok := inbox.kept[callSID+"/callback"]
	if !ok || kept.From != "+12145550164" || kept.Reason != "asked for a call back" ||
		!strings.Contains(kept.Body, "marcó 9") {
		t.Errorf("9: inbox holds %+v, want the call-back request from the number called", inbox.kept)
	}
	// Pressing 9 twice (Twilio retrying the request) keeps one request.
	answer("9")
	if len(inbox.kept) != 1 {
		t.Errorf("inbox: %d requests, want 1", len(inbox.kept))
	}

	// Unsigned or signed for another URL: refused, nothing recorded.
	delete(confirmed, callSID)
	if rec := env.post(path, gatherForm("1"), ""); rec.Code != http.StatusForbidden {
		t.Errorf("unsigned: %d, want 403", rec.Code)
	}
	if rec := env.post(path, gatherForm("1"), hookPublic+VoiceGatherPath); rec.Code != http.StatusForbidden {
		t.Errorf("signed without the query: %d, want 403", rec.Code)
	}
	if len(confirmed) != 0 {
		t.Errorf("a refused request confirmed: %v", confirmed)
	}
}

func TestVoiceStatusRecordsTheCallsOutcome(t *testing.T) {
	env, _, _ := callEnv(t)
	for _, tt := range []struct{ sid, status, answeredBy, want string }{
		{"CA01", "completed", "human", "delivered"},
		{"CA02", "completed", "machine_end_beep", "delivered"}, // the message was left as a voicemail
		{"CA03", "no-answer", "", "undelivered"},
		{"CA04", "busy", "", "undelivered"},
		{"CA05", "failed", "", "failed"},
	} {
		form := twiliotest.Call{SID: tt.sid, To: "+12145550164", From: "+12145550100"}.StatusForm(testAccountSID,
			tt.status, tt.answeredBy)
		if rec := env.post(VoiceStatusPath, form, hookPublic+VoiceStatusPath); rec.Code != http.StatusNoContent {
			t.Fatalf("%s: status %d: %s", tt.status, rec.Code, rec.Body)
		}
		if got := env.store.deliveries[tt.sid][0]; got != tt.want {
			t.Errorf("%s (%s): recorded %q, want %q", tt.status, tt.answeredBy, got, tt.want)
		}
	}
	form := twiliotest.Call{SID: "CA06"}.StatusForm(testAccountSID, "exploded", "")
	if rec := env.post(VoiceStatusPath, form, hookPublic+VoiceStatusPath); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown status: %d, want 400", rec.Code)
	}
}

func TestVoiceAudioServesOnlyRecordings(t *testing.T) {
	env, _, _ := callEnv(t)
	get := func(p string) int {
		req, _ := http.NewRequest(http.MethodGet, p, nil)
		rec := httptest.NewRecorder()
		env.mux.ServeHTTP(rec, req)
		return rec.Code
	}
	if got := get(VoiceAudioPath + "mam/reminder.mp3"); got != http.StatusOK {
		t.Errorf("recording: %d, want 200", got)
	}
	for _, p := range []string{VoiceAudioPath + "notes.txt", VoiceAudioPath + "mam/../notes.txt",
		VoiceAudioPath + "mam/cancelled.mp3"} {
		if got := get(p); got == http.StatusOK {
			t.Errorf("%s: served, want nothing but the recordings", p)
		}
	}
}

// A WhatsApp STOP opts the WhatsApp address out, on WhatsApp, and docketd answers it: Twilio's own keyword answers
// are for texts.
func TestWhatsAppStopOptsOutOnWhatsApp(t *testing.T) {
	env := newHookEnv(t, func(c *WebhookConfig) { c.ProviderAnswersEnglish = true })
	if got := env.text(t, "whatsapp:+12145550163", "STOP"); !strings.Contains(got, "no more texts") {
		t.Errorf("answer to a WhatsApp STOP: %q", got)
	}
	if got := env.text(t, "+12145550163", "STOP"); got != "" {
		t.Errorf("answer to a text STOP with Twilio's keywords on: %q, want none", got)
	}
	env.store.mu.Lock()
	if kw, ok := env.store.optOuts["whatsapp:whatsapp:+12145550163"]; !ok || kw != "STOP" {
		t.Errorf("opt-out of the WhatsApp address on WhatsApp: %q %v (all %v)", kw, ok, env.store.optOuts)
	}
	defer env.store.mu.Unlock()
	for _, a := range env.store.acted {
		if want := docket.ChannelOf(a.From); a.Channel != want {
			t.Errorf("%s recorded on %s, want %s", a.From, a.Channel, want)
		}
	}
}
