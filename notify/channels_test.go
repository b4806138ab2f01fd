package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/twiliotest"
)

const (
	chSID   = "AC00000000000000000000000000000c4a"
	chToken = "c4a0123456789abcdef0123456789abc"
)

func whatsAppMessage() docket.Message {
	return docket.Message{Key: "k1", Channel: docket.WhatsApp, To: "whatsapp:+12145550163", Language: "es",
		Kind: docket.KindReminder, Text: "Frontera Legal: Lucía, su audiencia…",
		Vars: map[string]string{"first_name": "Lucía", "date": "martes 7 de marzo de 2028", "time": "8:30 a. m.",
			"place": "1100 Commerce St #1060, Dallas"}}
}

var chTemplates = map[docket.Kind]map[string]WhatsAppTemplate{
	docket.KindReminder: {"es": {SID: "HX0000000000000000000000000000e501", Variables: []string{"first_name", "date", "time", "place"}}},
}

func TestWhatsAppSendsTheApprovedTemplateWithItsValues(t *testing.T) {
	tw := twiliotest.NewServer(chSID, chToken)
	t.Cleanup(tw.Close)
	w, err := NewWhatsApp(WhatsAppConfig{Twilio: &TwilioConfig{AccountSID: chSID, AuthToken: chToken,
		From: "whatsapp:+12145550100", APIURL: tw.URL, StatusCallback: "https://docket.example.org/twilio/status"},
		Templates: chTemplates})
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.Send(context.Background(), whatsAppMessage())
	if err != nil {
		t.Fatal(err)
	}
	msgs := tw.To("whatsapp:+12145550163")
	if len(msgs) != 1 || msgs[0].SID != id {
		t.Fatalf("messages: %+v, id %s", msgs, id)
	}
	m := msgs[0]
	if m.ContentSID != "HX0000000000000000000000000000e501" || m.Body != "" || m.From != "whatsapp:+12145550100" {
		t.Errorf("sent %+v: want the template, no free text, from the WhatsApp sender", m)
	}
	var vars map[string]string
	if err := json.Unmarshal([]byte(m.ContentVariables), &vars); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"1": "Lucía", "2": "martes 7 de marzo de 2028", "3": "8:30 a. m.",
		"4": "1100 Commerce St #1060, Dallas"}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("ContentVariables[%s]: got %q, want %q", k, vars[k], v)
		}
	}
	if m.StatusCallback != "https://docket.example.org/twilio/status" || m.ErrorCode != "" {
		t.Errorf("status callback %q, error %q", m.StatusCallback, m.ErrorCode)
	}

	// No approved template for the language: a permanent failure, nothing sent.
	pt := whatsAppMessage()
	pt.Language = "pt"
	_, err = w.Send(context.Background(), pt)
	var se *docket.SendError
	if !errors.As(err, &se) || se.Temporary || !strings.Contains(err.Error(), "no approved template") {
		t.Errorf("no template: got %v, want a permanent failure naming it", err)
	}
	if got := len(tw.Messages()); got != 1 {
		t.Errorf("messages after the failure: got %d, want 1", got)
	}
}

// The fake takes free text to WhatsApp outside a session and fails it with 63016, as Twilio does; inside one it is
// delivered.
func TestFakeRefusesFreeWhatsAppOutsideASession(t *testing.T) {
	tw := twiliotest.NewServer(chSID, chToken)
	t.Cleanup(tw.Close)
	sms, err := NewTwilio(TwilioConfig{AccountSID: chSID, AuthToken: chToken, From: "whatsapp:+12145550100", APIURL: tw.URL})
	if err != nil {
		t.Fatal(err)
	}
	m := docket.Message{To: "whatsapp:+12145550163", Text: "Hola"}
	if _, err := sms.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	tw.OpenSession("whatsapp:+12145550164")
	m.To = "whatsapp:+12145550164"
	if _, err := sms.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := tw.Messages()
	if got[0].Status != "failed" || got[0].ErrorCode != "63016" {
		t.Errorf("free text outside a session: %+v, want failed with 63016", got[0])
	}
	if got[1].ErrorCode != "" {
		t.Errorf("free text inside a session: %+v, want taken", got[1])
	}
}

func voiceMessage() docket.Message {
	return docket.Message{Key: "k2", Channel: docket.Voice, To: "+12145550164", Language: "es",
		Kind: docket.KindReminder, Text: "Hola, Pedro. Le llama Frontera & Co.\nLa audiencia es el martes.\nMarque 1."}
}

func TestVoiceCallsWithTwiMLTwilioAccepts(t *testing.T) {
	tw := twiliotest.NewServer(chSID, chToken)
	t.Cleanup(tw.Close)
	v, err := NewVoice(VoiceConfig{Twilio: &TwilioConfig{AccountSID: chSID, AuthToken: chToken, From: "+12145550100",
		APIURL: tw.URL}, Voices: map[string]SpeakingVoice{"es": {Voice: "Polly.Mia", Language: "es-MX"}},
		GatherURL: "https://docket.example.org/twilio/voice/gather", StatusCallback: "https://docket.example.org/twilio/voice/status"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Send(context.Background(), voiceMessage())
	if err != nil {
		t.Fatal(err)
	}
	calls := tw.CallsTo("+12145550164")
	if len(calls) != 1 || calls[0].SID != id || !strings.HasPrefix(id, "CA") {
		t.Fatalf("calls: %+v, id %s", calls, id)
	}
	c := calls[0]
	if c.MachineDetection != "DetectMessageEnd" || c.StatusCallback != "https://docket.example.org/twilio/voice/status" ||
		c.From != "+12145550100" {
		t.Errorf("call %+v: want machine detection to the end of the greeting, the status callback, from the office", c)
	}
	if err := twiliotest.ValidateTwiML(c.Twiml); err != nil {
		t.Fatalf("%v\n%s", err, c.Twiml)
	}
	for _, want := range []string{
		`<Gather numDigits="1" action="https://docket.example.org/twilio/voice/gather?kind=reminder&amp;lang=es" method="POST"`,
		`<Say language="es-MX" voice="Polly.Mia">Hola, Pedro. Le llama Frontera &amp; Co.</Say><Pause length="1"/>`,
		`</Gather><Say language="es-MX" voice="Polly.Mia">Marque 1.</Say></Response>`,
	} {
		if !strings.Contains(c.Twiml, want) {
			t.Errorf("TwiML lacks %s:\n%s", want, c.Twiml)
		}
	}
}

func TestVoicePlaysARecordingWhereNoVoiceSpeaks(t *testing.T) {
	v, err := NewVoice(VoiceConfig{GatherURL: "https://docket.example.org/twilio/voice/gather",
		Recording: func(lang string, kind docket.Kind) string {
			if lang == "mam" {
				return "https://docket.example.org/twilio/voice/audio/mam/" + string(kind) + ".mp3"
			}
			return ""
		}})
	if err != nil {
		t.Fatal(err)
	}
	m := voiceMessage()
	m.Language = "mam"
	twiml, err := v.TwiML(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := twiliotest.ValidateTwiML(twiml); err != nil {
		t.Fatalf("%v\n%s", err, twiml)
	}
	if !strings.Contains(twiml, `<Play>https://docket.example.org/twilio/voice/audio/mam/reminder.mp3</Play></Gather></Response>`) ||
		strings.Contains(twiml, "<Say") {
		t.Errorf("want the recording played inside the gather, nothing said:\n%s", twiml)
	}
}

func TestValidateTwiMLRefusesWhatTwilioWould(t *testing.T) {
	for _, bad := range []string{
		`<Response><Say></Say></Response>`,
		`<Response><Say voice="Polly.Mia" speed="2">x</Say></Response>`,
		`<Response><Gather numDigits="one"><Say>x</Say></Gather></Response>`,
		`<Response><Gather action="/relative"><Say>x</Say></Gather></Response>`,
		`<Response><Gather><Gather/></Gather></Response>`,
		`<Response><Play>mam/reminder.mp3</Play></Response>`,
		`<Response><Dance/></Response>`,
		`<Speak><Say>x</Say></Speak>`,
		`<Response><Say>x</Response>`,
	} {
		if err := twiliotest.ValidateTwiML(bad); err == nil {
			t.Errorf("ValidateTwiML(%s) = nil, want an error", bad)
		}
	}
	if err := twiliotest.ValidateTwiML(`<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" ` +
		`action="https://x.example/g" method="POST"><Say language="en-US">Hi</Say><Pause length="1"/></Gather>` +
		`<Hangup/></Response>`); err != nil {
		t.Errorf("valid TwiML refused: %v", err)
	}
}

// The log variants print what they would send: the template SID and the names of its values, the call's size; the
// values and the TwiML at debug level.
func TestLogVariantsPrintWhatTheyWouldSend(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w, _ := NewWhatsApp(WhatsAppConfig{Templates: chTemplates, Log: log})
	if id, err := w.Send(context.Background(), whatsAppMessage()); err != nil || id != "log-k1" {
		t.Fatalf("whatsapp log: %s %v", id, err)
	}
	v, _ := NewVoice(VoiceConfig{GatherURL: "https://docket.example.org/twilio/voice/gather", Log: log})
	if _, err := v.Send(context.Background(), voiceMessage()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"would send whatsapp", "content_sid=HX0000000000000000000000000000e501",
		"variables=\"[first_name date time place]\"", `content_variables="{\"1\":\"Lucía\"`, "would call",
		"twiml=", "Gather numDigits="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}
