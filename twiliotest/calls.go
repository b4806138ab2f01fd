package twiliotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Call is one call the server placed, from a POST to the Calls resource.
type Call struct {
	SID, To, From string
	// Twiml or URL is what the call does: the TwiML given inline, or the URL Twilio would fetch it from.
	Twiml, URL       string
	StatusCallback   string
	MachineDetection string
	At               time.Time
}

// CallsPath is the path of the account's Calls resource, /2010-04-01/Accounts/{sid}/Calls.json.
func (s *Server) CallsPath() string { return "/2010-04-01/Accounts/" + s.AccountSID + "/Calls.json" }

// Calls returns the calls placed, in the order they came.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallsTo returns the calls placed to the number to.
func (s *Server) CallsTo(to string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.To == to {
			out = append(out, c)
		}
	}
	return out
}

// SetOnCall calls fn with every call placed, once it is recorded and before it is answered.
func (s *Server) SetOnCall(fn func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCall = fn
}

// OpenSession marks the WhatsApp address to ("whatsapp:+1…") as having written within 24 hours: free text to it is
// delivered until then, as WhatsApp allows.
func (s *Server) OpenSession(to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[to] = true
}

// StatusForm is the form of the status callback Twilio posts for c when it ends with status ("completed", "busy",
// "no-answer", "failed", "canceled") and, answered, answeredBy ("human", "machine_end_beep"…; "" when not).
func (c Call) StatusForm(accountSID, status, answeredBy string) url.Values {
	f := url.Values{"CallSid": {c.SID}, "AccountSid": {accountSID}, "CallStatus": {status}, "To": {c.To},
		"From": {c.From}, "Direction": {"outbound-api"}, "ApiVersion": {"2010-04-01"}}
	if answeredBy != "" {
		f.Set("AnsweredBy", answeredBy)
	}
	return f
}

// GatherForm is the form Twilio posts to a <Gather> action when digits were pressed during c.
func (c Call) GatherForm(accountSID, digits string) url.Values {
	return url.Values{"CallSid": {c.SID}, "AccountSid": {accountSID}, "Digits": {digits}, "To": {c.To},
		"From": {c.From}, "Direction": {"outbound-api"}, "CallStatus": {"in-progress"}, "FinishedOnKey": {""}}
}

// StatusForm is the form of the status callback Twilio posts for m with status ("delivered", "undelivered",
// "failed"…) and its error code ("" for none).
func (m Message) StatusForm(accountSID, status, errorCode string) url.Values {
	f := url.Values{"MessageSid": {m.SID}, "SmsSid": {m.SID}, "AccountSid": {accountSID}, "MessageStatus": {status},
		"SmsStatus": {status}, "To": {m.To}, "From": {m.From}, "ApiVersion": {"2010-04-01"}}
	if errorCode != "" {
		f.Set("ErrorCode", errorCode)
	}
	return f
}

func isWhatsApp(to string) bool { return strings.HasPrefix(to, "whatsapp:") }

// checkWhatsApp refuses a WhatsApp message Twilio would refuse at once: a sender that is not WhatsApp's, or
// ContentVariables that are not a JSON object of strings.
func checkWhatsApp(form url.Values) (int, string) {
	if !isWhatsApp(form.Get("To")) {
		return 0, ""
	}
	if from := form.Get("From"); from != "" && !isWhatsApp(from) {
		return 63007, "Twilio could not find a Channel with the specified From address"
	}
	if v := form.Get("ContentVariables"); v != "" {
		var vars map[string]string
		if err := json.Unmarshal([]byte(v), &vars); err != nil {
			return 21656, "The ContentVariables Parameter is invalid"
		}
	}
	if sid := form.Get("ContentSid"); sid != "" && !strings.HasPrefix(sid, "HX") {
		return 21655, "The ContentSid is Invalid"
	}
	return 0, ""
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request, req Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		writeError(w, http.StatusBadRequest, 20001, "unsupported content type "+ct)
		return
	}
	f := req.Form
	switch {
	case f.Get("To") == "" || f.Get("From") == "":
		writeError(w, http.StatusBadRequest, 21201, "No 'To' or 'From' number is specified")
		return
	case f.Get("Twiml") == "" && f.Get("Url") == "" && f.Get("ApplicationSid") == "":
		writeError(w, http.StatusBadRequest, 21205, "Url, ApplicationSid or Twiml is required")
		return
	case len(f.Get("Twiml")) > 4000:
		writeError(w, http.StatusBadRequest, 21232, "Twiml exceeds the 4000 character limit")
		return
	}
	if t := f.Get("Twiml"); t != "" {
		if err := ValidateTwiML(t); err != nil {
			writeError(w, http.StatusBadRequest, 12100, "Document parse failure: "+err.Error())
			return
		}
	}
	if md := f.Get("MachineDetection"); md != "" && md != "Enable" && md != "DetectMessageEnd" {
		writeError(w, http.StatusBadRequest, 21218, "Invalid MachineDetection value")
		return
	}
	s.mu.Lock()
	s.posts++
	fault, ok := s.byTo[f.Get("To")]
	if !ok && len(s.next) > 0 {
		fault, s.next = s.next[0], s.next[1:]
	}
	if fault != (Fault{}) {
		s.faults[fault]++
	}
	s.mu.Unlock()
	if fault.Status != 0 {
		s.refuse(w, fault)
		return
	}
	s.mu.Lock()
	s.seq++
	c := Call{SID: fmt.Sprintf("CA%032x", s.seq), To: f.Get("To"), From: f.Get("From"), Twiml: f.Get("Twiml"),
		URL: f.Get("Url"), StatusCallback: f.Get("StatusCallback"), MachineDetection: f.Get("MachineDetection"),
		At: s.now().UTC()}
	s.calls = append(s.calls, c)
	hook := s.onCall
	s.mu.Unlock()
	if hook != nil {
		hook(c)
	}
	created := c.At.Format(time.RFC1123Z)
	writeJSON(w, http.StatusCreated, map[string]any{
		"sid": c.SID, "account_sid": s.AccountSID, "api_version": "2010-04-01", "to": c.To, "to_formatted": c.To,
		"from": c.From, "from_formatted": c.From, "status": "queued", "direction": "outbound-api",
		"date_created": created, "date_updated": created, "start_time": nil, "end_time": nil, "duration": nil,
		"answered_by": nil, "price": nil, "price_unit": "USD",
		"uri": "/2010-04-01/Accounts/" + s.AccountSID + "/Calls/" + c.SID + ".json",
	})
}
