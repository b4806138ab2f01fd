package twiliotest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// verb is what Twilio's voice TwiML allows of one verb: its attributes, whether it holds text (a URL, words to say),
// and which verbs it may hold.
type verb struct {
	attrs    []string
	text     bool
	children []string
}

// voiceVerbs are the voice TwiML verbs docketd's calls use, with the attributes Twilio documents for each
// (https://www.twilio.com/docs/voice/twiml).
var voiceVerbs = map[string]verb{
	"Say":      {attrs: []string{"voice", "language", "loop"}, text: true},
	"Play":     {attrs: []string{"loop", "digits"}, text: true},
	"Pause":    {attrs: []string{"length"}},
	"Hangup":   {},
	"Redirect": {attrs: []string{"method"}, text: true},
	"Reject":   {attrs: []string{"reason"}},
	"Gather": {attrs: []string{"action", "method", "timeout", "numDigits", "finishOnKey", "input", "language",
		"hints", "speechTimeout", "actionOnEmptyResult", "partialResultCallback", "partialResultCallbackMethod",
		"profanityFilter", "speechModel", "enhanced", "bargeIn", "maxSpeechTime", "debug"},
		children: []string{"Say", "Play", "Pause"}},
}

// topVerbs are the verbs a <Response> holds directly.
var topVerbs = []string{"Say", "Play", "Pause", "Hangup", "Redirect", "Reject", "Gather"}

// ValidateTwiML checks doc as Twilio reads a voice TwiML document: well-formed XML whose root is <Response>, holding
// only known verbs, each with only its own attributes and sensible values (numDigits and loop whole numbers, method
// GET or POST, action and Play URLs absolute), a <Say> with words to say and a <Play> with a URL.
func ValidateTwiML(doc string) error {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	type frame struct {
		name string
		text strings.Builder
	}
	var stack []*frame
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("twiml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			switch {
			case len(stack) == 0 && root:
				return fmt.Errorf("twiml: a second root element <%s>", name)
			case len(stack) == 0 && name != "Response":
				return fmt.Errorf("twiml: the root must be <Response>, got <%s>", name)
			case len(stack) == 0:
				root = true
				if len(t.Attr) > 0 {
					return fmt.Errorf("twiml: <Response> takes no attributes")
				}
			default:
				parent := stack[len(stack)-1].name
				allowed := topVerbs
				if parent != "Response" {
					allowed = voiceVerbs[parent].children
				}
				if !slices.Contains(allowed, name) {
					return fmt.Errorf("twiml: <%s> cannot hold <%s>", parent, name)
				}
				if err := checkAttrs(name, t.Attr); err != nil {
					return err
				}
			}
			stack = append(stack, &frame{name: name})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			text := strings.TrimSpace(f.text.String())
			v := voiceVerbs[f.name]
			switch {
			case f.name == "Response":
			case !v.text && text != "":
				return fmt.Errorf("twiml: <%s> holds no text, got %q", f.name, text)
			case f.name == "Say" && text == "":
				return fmt.Errorf("twiml: <Say> has nothing to say")
			case f.name == "Play" || f.name == "Redirect":
				if u, err := url.Parse(text); err != nil || u.Scheme == "" || u.Host == "" {
					return fmt.Errorf("twiml: <%s> needs an absolute URL, got %q", f.name, text)
				}
			}
		}
	}
	if !root {
		return errors.New("twiml: no <Response>")
	}
	return nil
}

func checkAttrs(name string, attrs []xml.Attr) error {
	v := voiceVerbs[name]
	for _, a := range attrs {
		k, val := a.Name.Local, a.Value
		if !slices.Contains(v.attrs, k) {
			return fmt.Errorf("twiml: <%s> has no attribute %q", name, k)
		}
		switch k {
		case "numDigits", "loop", "length", "timeout":
			if n, err := strconv.Atoi(val); err != nil || n < 0 || (k == "numDigits" && n == 0) {
				return fmt.Errorf("twiml: <%s %s> must be a whole number, got %q", name, k, val)
			}
		case "method":
			if val != "GET" && val != "POST" {
				return fmt.Errorf("twiml: <%s method> must be GET or POST, got %q", name, val)
			}
		case "action":
			if u, err := url.Parse(val); err != nil || u.Scheme == "" || u.Host == "" {
				return fmt.Errorf("twiml: <%s action> must be an absolute URL, got %q", name, val)
			}
		case "language":
			if val == "" || strings.ContainsAny(val, " _") {
				return fmt.Errorf("twiml: <%s language> must be a tag like \"es-MX\", got %q", name, val)
			}
		}
	}
	return nil
}
