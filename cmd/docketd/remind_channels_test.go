package main

import (
	"context"
	"strings"
	"testing"

	"github.com/docketd/docketd/twiliotest"
)

// The demo's WhatsApp client and voice client: a dry run shows the template and its values, and the call's TwiML,
// which Twilio would take.
func TestRemindDryRunShowsWhatsAppTemplatesAndTwiML(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	e, _, _ := testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", path}); err != nil {
		t.Fatal(err)
	}
	preview := func(now string) string {
		t.Helper()
		e, out, errb := testEnv()
		if err := e.dispatch(context.Background(), []string{"remind", "--config", path, "--dry-run", "--now", now}); err != nil {
			t.Fatalf("%v\n%s", err, errb)
		}
		return out.String()
	}
	// The day before Lucía's hearing, at 10:00 in Dallas.
	wa := preview("2028-03-06T16:00:00Z")
	for _, want := range []string{"--- whatsapp to whatsapp:+1******0163 (es)",
		`WhatsApp template HX00000000000000000000000000000001 with ContentVariables {"1":"Lucía","2":"martes 7 de marzo de 2028","3":"8:30 a. m.","4":"1100 Commerce St #1060, Dallas"}`} {
		if !strings.Contains(wa, want) {
			t.Errorf("dry run lacks %q:\n%s", want, wa)
		}
	}
	if strings.Contains(wa, "+12145550163") {
		t.Errorf("dry run shows the number in clear:\n%s", wa)
	}
	// The day before Pedro's, at 10:00.
	call := preview("2028-03-13T15:00:00Z")
	if !strings.Contains(call, "--- voice to +1******0164 (es)") {
		t.Fatalf("dry run shows no call:\n%s", call)
	}
	i, j := strings.Index(call, "<?xml"), strings.Index(call, "</Response>")
	if i < 0 || j < i {
		t.Fatalf("no TwiML:\n%s", call)
	}
	twiml := strings.ReplaceAll(call[i:j+len("</Response>")], ">\n<", "><")
	if err := twiliotest.ValidateTwiML(twiml); err != nil {
		t.Errorf("%v\n%s", err, twiml)
	}
	for _, want := range []string{`<Say language="es-MX" voice="Polly.Mia">Hola, Pedro.`, "a la 1 de la tarde",
		`<Gather numDigits="1" action="http://localhost:8080/twilio/voice/gather?kind=reminder&amp;lang=es"`} {
		if !strings.Contains(twiml, want) {
			t.Errorf("TwiML lacks %q:\n%s", want, twiml)
		}
	}
}
