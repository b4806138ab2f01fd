// Package twiliotest provides a fake Twilio REST API for tests, in the manner of net/http/httptest: a local HTTP
// server that speaks the wire format of Twilio's Messages API as twilio-go (and so notify.Twilio) calls it, and a
// helper that signs webhook requests the way Twilio does.
//
// The server answers
//
//	POST /2010-04-01/Accounts/{AccountSid}/Messages.json   form To, From or MessagingServiceSid, Body, StatusCallback
//	GET  /2010-04-01/Accounts/{AccountSid}/Messages.json   query To, DateSent>, DateSent<, DateSent, PageSize, Page
//	POST /2010-04-01/Accounts/{AccountSid}/Calls.json      form To, From, Twiml or Url, StatusCallback, MachineDetection
//
// A message to "whatsapp:+…" goes as ContentSid with ContentVariables (a JSON object of strings); one with a free
// Body is taken, as Twilio takes it, and then fails with 63016 unless the person wrote within 24 hours
// (OpenSession). A call's Twiml is checked against Twilio's verbs and attributes (ValidateTwiML).
//
// with basic auth checked against the account SID and auth token, 201 and the message resource as JSON for a
// created message, one page of resources with next_page_uri for a list, and Twilio's JSON error bodies
// ({"code", "message", "more_info", "status"}) for refusals. Faults (an error status with a Twilio error code, an
// HTML page from a load balancer, a hang past the client's timeout, a message accepted and then not answered) can
// be injected per call, per number or by a function of the call's number, and list calls can be failed too; latency
// and hooks let a test hold a request or act the moment a message is accepted. By default a list shows a message as
// soon as it is accepted; SetListAnswered makes it show only those whose POST has been answered, as when the
// provider's index lags its API. Every request is recorded.
package twiliotest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Message is one message the server holds: accepted from a POST, or added with Add.
type Message struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
	// ContentSID and ContentVariables are a WhatsApp template message's: the approved template and its values.
	ContentSID, ContentVariables string
	// ErrorCode is the error a message failed with after it was taken (63016: free text outside a WhatsApp session).
	ErrorCode string
	// Status is what a list reports; empty means "sent". A created message is answered as "queued".
	Status string
	// At is when the message was created (date_created), by the server's clock.
	At time.Time
	// DateSent is what a list reports as date_sent; zero means At, or null while Status is queued, accepted or
	// sending.
	DateSent time.Time
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	// Form is the parsed form of a POST, or the query of a GET.
	Form url.Values
	// At is when the request arrived, by the server's clock.
	At time.Time
	// Status is the HTTP status the server answered with; 0 while the request is being answered, or if the client
	// went away first.
	Status int
}

// Fault is what the server does with a POST instead of simply accepting it. The zero Fault is no fault.
type Fault struct {
	// Status and Code make an error answer: the HTTP status and Twilio's error code, with Message, in Twilio's JSON
	// error body. Status 0 means the message is accepted (after Hang, when set).
	Status  int
	Code    int
	Message string
	// HTML answers Status with an HTML page instead of Twilio's JSON, as a load balancer in front of Twilio does.
	HTML bool
	// RetryAfter, when set, is sent as a Retry-After header (in whole seconds) with the error answer.
	RetryAfter time.Duration
	// Accept takes the message before anything else: with Hang, Twilio has the message but the client gives up
	// before it hears so.
	Accept bool
	// Hang holds the request this long, or until the client goes away, before it is answered.
	Hang time.Duration
}

// Faults Twilio (or the network in front of it) produces.
var (
	// RateLimit is Twilio's 429 with error 20429.
	RateLimit = Fault{Status: http.StatusTooManyRequests, Code: 20429, Message: "Too Many Requests"}
	// ServerError is Twilio's 500 with error 20500.
	ServerError = Fault{Status: http.StatusInternalServerError, Code: 20500, Message: "Internal Server Error"}
	// Unavailable is a 503 with an HTML page, as a load balancer answers when Twilio is unreachable.
	Unavailable = Fault{Status: http.StatusServiceUnavailable, HTML: true}
	// OptedOut is Twilio's 400 with error 21610: the recipient texted STOP.
	OptedOut = Fault{Status: http.StatusBadRequest, Code: 21610, Message: "Attempt to send to unsubscribed recipient"}
)

// Timeout returns a fault that holds the request for d (or until the client gives up) and then refuses it with a
// 500: a client with a shorter timeout gives up, and nothing was sent.
func Timeout(d time.Duration) Fault {
	return Fault{Hang: d, Status: http.StatusInternalServerError, Code: 20500, Message: "too late"}
}

// AcceptThenHang returns a fault that accepts the message and then holds the answer for d (or until the client
// gives up): the message goes out, and a client with a shorter timeout cannot know it did.
func AcceptThenHang(d time.Duration) Fault { return Fault{Accept: true, Hang: d} }

// String names the fault briefly, for logs.
func (f Fault) String() string {
	var parts []string
	if f.Accept {
		parts = append(parts, "accept")
	}
	if f.Hang > 0 {
		parts = append(parts, "hang "+f.Hang.String())
	}
	switch {
	case f.Status != 0 && f.HTML:
		parts = append(parts, strconv.Itoa(f.Status)+" html")
	case f.Status != 0:
		parts = append(parts, fmt.Sprintf("%d/%d", f.Status, f.Code))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", then ")
}

// Server is a fake Twilio REST API on a local HTTP server. Its methods are safe for concurrent use, and may be
// called while requests are being served.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:port: what notify.TwilioConfig.APIURL takes.
	URL string
	// AccountSID and AuthToken are the credentials the server accepts.
	AccountSID, AuthToken string

	srv    *httptest.Server
	closed chan struct{}
	once   sync.Once
	conns  atomic.Int64 // connections accepted

	mu       sync.Mutex
	now      func() time.Time
	pageSize int
	msgs     []Message
	seq      int
	reqs     []*Request
	posts    int // POSTs that reached the fault decision
	next     []Fault
	byTo     map[string]Fault
	decide   func(n int) Fault
	faults   map[Fault]int
	hold     func(Request)
	latency  func() time.Duration
	onAccept func(Message, int)
	// listNext are the faults of the next list calls.
	listNext []Fault
	// answeredOnly hides from lists the messages whose POST is still being answered (unanswered holds their SIDs).
	answeredOnly bool
	unanswered   map[string]bool
	// calls are the calls placed; sessions the WhatsApp addresses that wrote within 24 hours.
	calls    []Call
	sessions map[string]bool
	onCall   func(Call)
}

// NewServer starts a fake Twilio API for the account accountSID with authToken. The caller closes it when done,
// typically with t.Cleanup(s.Close).
func NewServer(accountSID, authToken string) *Server {
	s := &Server{AccountSID: accountSID, AuthToken: authToken, closed: make(chan struct{}), now: time.Now,
		byTo: map[string]Fault{}, faults: map[Fault]int{}, unanswered: map[string]bool{}, sessions: map[string]bool{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}

// Conns is how many connections the server has accepted: a client that keeps its connections opens one for each
// request it has in flight at once, not one for every request.
func (s *Server) Conns() int { return int(s.conns.Load()) }

// Close releases every held request and shuts the server down.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
	s.srv.Close()
}

// MessagesPath is the path of the account's Messages resource, /2010-04-01/Accounts/{sid}/Messages.json.
func (s *Server) MessagesPath() string {
	return "/2010-04-01/Accounts/" + s.AccountSID + "/Messages.json"
}

// SetClock makes now stamp messages and requests instead of time.Now: a test's fake clock.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetPageSize caps how many messages one page of a list holds (Twilio's cap is 1000), so that a small list is paged.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// FailNext makes the next n POSTs fail with f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.next = append(s.next, f)
	}
}

// FailTo makes every POST to the number to fail with f, like Twilio's magic test numbers; the zero Fault undoes it.
// It takes precedence over FailNext and SetFaults.
func (s *Server) FailTo(to string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Fault{}) {
		delete(s.byTo, to)
		return
	}
	s.byTo[to] = f
}

// FailNextList makes the next n list calls (GET) fail with f: its status and code (or HTML page), after its Hang.
// Accept means nothing to a list.
func (s *Server) FailNextList(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.listNext = append(s.listNext, f)
	}
}

// SetListAnswered, when on, makes lists show a message only once the server has answered the POST that created it
// (or given up answering it because the client went away), not from the moment it was accepted: a second process
// that asks while the first one's send is still in flight is told the message is not there. Add'ed messages are
// always listed.
func (s *Server) SetListAnswered(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answeredOnly = on
}

// SetFaults makes decide choose the fault of every POST that neither FailTo nor FailNext decides; n counts the
// POSTs from 1. decide is called with the server's lock held, one call at a time, so it may use a math/rand source
// of its own; the zero Fault is none. nil stops it.
func (s *Server) SetFaults(decide func(n int) Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decide = decide
}

// SetHold makes every valid POST call hold before anything else is decided (faults, acceptance): a slow provider,
// or a test that must act while a request is in flight, blocks in it. nil stops it.
func (s *Server) SetHold(hold func(Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = hold
}

// SetLatency delays the answer to every accepted message by latency(), or until the client goes away. nil stops it.
func (s *Server) SetLatency(latency func() time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = latency
}

// SetOnAccept makes the server call fn with each message it accepts, and how many messages it holds then, right
// after it is recorded and before it is answered. nil stops it.
func (s *Server) SetOnAccept(fn func(m Message, accepted int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onAccept = fn
}

// Add records m as a message Twilio already has, for lists to find; it is no request. An empty SID gets the next
// one, and a zero At the clock's time. It returns the message as recorded.
func (s *Server) Add(m Message) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(m)
}

func (s *Server) addLocked(m Message) Message {
	s.seq++
	if m.SID == "" {
		m.SID = fmt.Sprintf("SM%032x", s.seq)
	}
	if m.At.IsZero() {
		m.At = s.now().UTC()
	}
	s.msgs = append(s.msgs, m)
	return m
}

// Messages returns the messages the server holds, in the order they came.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// To returns the messages the server holds for the number to, in the order they came.
func (s *Server) To(to string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// Requests returns every request the server received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.reqs))
	for i, r := range s.reqs {
		out[i] = *r
	}
	return out
}

// Posts returns the forms of every POST the server received, refused ones too, in order.
func (s *Server) Posts() []url.Values { return s.forms(http.MethodPost) }

// Lists returns the queries of every GET the server received, in order.
func (s *Server) Lists() []url.Values { return s.forms(http.MethodGet) }

func (s *Server) forms(method string) []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []url.Values
	for _, r := range s.reqs {
		if r.Method == method {
			out = append(out, r.Form)
		}
	}
	return out
}

// Faults counts the faults injected so far, by fault.
func (s *Server) Faults() map[Fault]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Fault]int, len(s.faults))
	for f, n := range s.faults {
		out[f] = n
	}
	return out
}

// writeError answers as Twilio does when it refuses a request.
func writeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "status": status, //nolint:errcheck
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

// statusWriter remembers the status a handler wrote, for the request's record.
type statusWriter struct {
	http.ResponseWriter
	s   *Server
	req *Request
}

func (w *statusWriter) WriteHeader(code int) {
	w.s.mu.Lock()
	w.req.Status = code
	w.s.mu.Unlock()
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var form url.Values
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			writeError(w, http.StatusBadRequest, 20001, err.Error())
			return
		}
		form = r.PostForm
	} else {
		form = r.URL.Query()
	}
	s.mu.Lock()
	req := &Request{Method: r.Method, Path: r.URL.Path, Form: form, At: s.now().UTC()}
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	w = &statusWriter{ResponseWriter: w, s: s, req: req}

	if user, pass, ok := r.BasicAuth(); !ok || user != s.AccountSID || pass != s.AuthToken {
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if r.URL.Path == s.CallsPath() && r.Method == http.MethodPost {
		s.createCall(w, r, *req)
		return
	}
	if r.URL.Path != s.MessagesPath() {
		writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.create(w, r, *req)
	case http.MethodGet:
		s.list(w, r)
	default:
		writeError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

// wait sleeps d, or until the client goes away or the server closes.
func (s *Server) wait(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-s.closed:
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, req Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		writeError(w, http.StatusBadRequest, 20001, "unsupported content type "+ct)
		return
	}
	form := req.Form
	if form.Get("To") == "" || (form.Get("Body") == "" && form.Get("ContentSid") == "") ||
		(form.Get("From") == "" && form.Get("MessagingServiceSid") == "") {
		writeError(w, http.StatusBadRequest, 21604,
			"A 'To' phone number, a 'Body' and a 'From' or 'MessagingServiceSid' are required.")
		return
	}
	if code, msg := checkWhatsApp(form); code != 0 {
		writeError(w, http.StatusBadRequest, code, msg)
		return
	}
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		hold(req)
	}

	s.mu.Lock()
	s.posts++
	f, ok := s.byTo[form.Get("To")]
	if !ok && len(s.next) > 0 {
		f, s.next = s.next[0], s.next[1:]
	} else if !ok && s.decide != nil {
		f = s.decide(s.posts)
	}
	if f != (Fault{}) {
		s.faults[f]++
	}
	latency := s.latency
	s.mu.Unlock()

	var m Message
	accepted := false
	defer func() {
		if accepted {
			// The answer is written (the server sends it as the handler returns): from now lists show the message.
			s.mu.Lock()
			delete(s.unanswered, m.SID)
			s.mu.Unlock()
		}
	}()
	if f.Accept {
		m, accepted = s.accept(form), true
	}
	s.wait(r, f.Hang)
	if f.Status != 0 {
		s.refuse(w, f)
		return
	}
	if !accepted {
		m, accepted = s.accept(form), true
	}
	if latency != nil {
		s.wait(r, latency())
	}
	writeJSON(w, http.StatusCreated, s.resource(m, "queued"))
}

// refuse answers with f's error: Twilio's JSON, or a load balancer's HTML page, with Retry-After when f has one. A
// fault without a status (a hang alone) is answered 500.
func (s *Server) refuse(w http.ResponseWriter, f Fault) {
	status := f.Status
	if status == 0 {
		status, f.Code, f.Message = http.StatusInternalServerError, 20500, "too late"
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter.Round(time.Second)/time.Second)))
	}
	if f.HTML {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))
		return
	}
	writeError(w, status, f.Code, f.Message)
}

// accept records a message from a POST's form and calls the accept hook.
func (s *Server) accept(form url.Values) Message {
	s.mu.Lock()
	m := Message{To: form.Get("To"), From: form.Get("From"), Body: form.Get("Body"),
		MessagingServiceSID: form.Get("MessagingServiceSid"), StatusCallback: form.Get("StatusCallback"),
		ContentSID: form.Get("ContentSid"), ContentVariables: form.Get("ContentVariables")}
	if isWhatsApp(m.To) && m.ContentSID == "" && !s.sessions[m.To] {
		// Twilio takes the request and the message then fails: free text only inside the 24-hour session.
		m.Status, m.ErrorCode = "failed", "63016"
	}
	m = s.addLocked(m)
	s.unanswered[m.SID] = true
	n := len(s.msgs)
	hook := s.onAccept
	s.mu.Unlock()
	if hook != nil {
		hook(m, n)
	}
	return m
}

// resource is the message as Twilio's JSON shows it, with status as given.
func (s *Server) resource(m Message, status string) map[string]any {
	created := m.At.UTC().Format(time.RFC1123Z)
	var sent any
	switch {
	case !m.DateSent.IsZero():
		sent = m.DateSent.UTC().Format(time.RFC1123Z)
	case status != "queued" && status != "accepted" && status != "sending":
		sent = created
	}
	var from, mss any
	if m.From != "" {
		from = m.From
	}
	if m.MessagingServiceSID != "" {
		mss = m.MessagingServiceSID
	}
	return map[string]any{
		"account_sid": s.AccountSID, "api_version": "2010-04-01", "body": m.Body, "date_created": created,
		"date_sent": sent, "date_updated": created, "direction": "outbound-api", "error_code": nil,
		"error_message": nil, "from": from, "messaging_service_sid": mss, "num_media": "0", "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": m.SID, "status": status, "to": m.To,
		"uri": "/2010-04-01/Accounts/" + s.AccountSID + "/Messages/" + m.SID + ".json",
		"subresource_uris": map[string]any{
			"media": "/2010-04-01/Accounts/" + s.AccountSID + "/Messages/" + m.SID + "/Media.json"},
	}
}

// day parses a DateSent filter value, a date or an RFC 3339 time, to the start of its UTC day: Twilio filters by day.
func day(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t, err = time.Parse("2006-01-02", v)
	}
	if err != nil {
		return time.Time{}, false
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
}

// list answers like Twilio: To filters exactly, DateSent>, DateSent< and DateSent by UTC day only (a message not
// sent yet by its creation), newest first, in pages of PageSize (50 by default) numbered by Page.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var f Fault
	if len(s.listNext) > 0 {
		f, s.listNext = s.listNext[0], s.listNext[1:]
		s.faults[f]++
	}
	s.mu.Unlock()
	if f.Status != 0 || f.Hang > 0 {
		s.wait(r, f.Hang)
		s.refuse(w, f)
		return
	}
	q := r.URL.Query()
	var after, before, on time.Time
	for k, dst := range map[string]*time.Time{"DateSent>": &after, "DateSent<": &before, "DateSent": &on} {
		if v := q.Get(k); v != "" {
			d, ok := day(v)
			if !ok {
				writeError(w, http.StatusBadRequest, 20001, "Invalid "+k+": "+v)
				return
			}
			*dst = d
		}
	}
	s.mu.Lock()
	size := 50
	if n, err := strconv.Atoi(q.Get("PageSize")); err == nil && n > 0 {
		size = min(n, 1000)
	}
	if s.pageSize > 0 {
		size = min(size, s.pageSize)
	}
	var match []Message
	for i := len(s.msgs) - 1; i >= 0; i-- { // newest first
		m := s.msgs[i]
		when := m.DateSent
		if when.IsZero() {
			when = m.At
		}
		when = when.UTC()
		switch {
		case q.Get("To") != "" && m.To != q.Get("To"):
		case s.answeredOnly && s.unanswered[m.SID]:
		case !after.IsZero() && when.Before(after):
		case !before.IsZero() && !when.Before(before.AddDate(0, 0, 1)):
		case !on.IsZero() && (when.Before(on) || !when.Before(on.AddDate(0, 0, 1))):
		default:
			match = append(match, m)
		}
	}
	s.mu.Unlock()
	page, _ := strconv.Atoi(q.Get("Page"))
	page = max(page, 0)
	lo, hi := min(page*size, len(match)), min((page+1)*size, len(match))
	msgs := []any{}
	for _, m := range match[lo:hi] {
		status := m.Status
		if status == "" {
			status = "sent"
		}
		msgs = append(msgs, s.resource(m, status))
	}
	keep := url.Values{}
	for k, v := range q {
		if k != "Page" && k != "PageToken" {
			keep[k] = v
		}
	}
	keep.Set("PageSize", strconv.Itoa(size))
	base := s.MessagesPath()
	first := url.Values{}
	for k, v := range keep {
		first[k] = v
	}
	first.Set("Page", "0")
	var next any
	if hi < len(match) {
		nq := url.Values{}
		for k, v := range keep {
			nq[k] = v
		}
		nq.Set("Page", strconv.Itoa(page+1))
		nq.Set("PageToken", "PA"+strconv.Itoa(page+1))
		next = base + "?" + nq.Encode()
	}
	var prev any
	if page > 0 {
		pq := url.Values{}
		for k, v := range keep {
			pq[k] = v
		}
		pq.Set("Page", strconv.Itoa(page-1))
		prev = base + "?" + pq.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": msgs, "first_page_uri": base + "?" + first.Encode(),
		"next_page_uri": next, "previous_page_uri": prev, "page": page, "page_size": size, "start": lo,
		"end": max(hi-1, lo), "uri": r.URL.RequestURI()})
}
