// Package smtptest provides an in-process SMTP sink for tests, in the manner of net/http/httptest: a server on
// 127.0.0.1 (github.com/emersion/go-smtp) that records every message it is given, with its envelope, and can be
// told to refuse recipients or messages with a given SMTP code: 451 for a temporary failure, 550 for a permanent one.
// It can also misbehave in time: hang (take connections and never greet) or answer DATA late, after it has taken
// the message, so that a client with a shorter timeout cannot know the message went through.
//
// NewServer starts a plain sink that anyone may use. For STARTTLS, implicit TLS or required AUTH, take
// NewUnstartedServer, set TLSConfig, Username and Password or AllowInsecureAuth, and call Start or StartTLS.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message that reached DATA.
type Message struct {
	// From is the envelope sender (MAIL FROM) and To the recipients the server took (RCPT TO), in order.
	From string
	To   []string
	// Data is the message as sent, headers and body; Header is its header, nil if Data does not parse.
	Data   []byte
	Header mail.Header
	// TLS tells whether the connection was encrypted (STARTTLS or implicit TLS) when MAIL came.
	TLS bool
	// AuthUser is the user that authenticated with AUTH PLAIN, empty without AUTH.
	AuthUser string
	// Code is the server's reply to DATA: 250 when it took the message, or the code it refused it with.
	Code int
}

// Server is an SMTP sink on a local port. Its methods are safe for concurrent use, and may be called while clients
// are connected.
type Server struct {
	// Addr is the address the server listens on, 127.0.0.1:port; Host and Port are its two halves. They are set by
	// Start and StartTLS.
	Addr string
	Host string
	Port int

	// The fields below are read by Start and StartTLS; set them before.

	// Domain is the name the server greets with; empty means "smtp.test".
	Domain string
	// TLSConfig, when set, makes Start offer STARTTLS with it; StartTLS needs it.
	TLSConfig *tls.Config
	// Username and Password, when set, are the only credentials AUTH PLAIN takes, and MAIL is refused (502 5.7.0)
	// until a client has authenticated. Unset, AUTH PLAIN takes any credentials and is not required.
	Username, Password string
	// AllowInsecureAuth offers AUTH on a connection without TLS. NewServer and NewUnstartedServer set it; clear it
	// to offer AUTH only after STARTTLS.
	AllowInsecureAuth bool

	srv *smtp.Server

	mu        sync.Mutex
	msgs      []Message
	rcpt      map[string]*smtp.SMTPError
	dataByRcp map[string][]*smtp.SMTPError
	dataNext  []*smtp.SMTPError
	onMessage func(Message)
	onData    func(Message)
	hang      time.Duration
	dataDelay time.Duration
	closed    chan struct{}
	closeOnce sync.Once
}

// NewServer starts a plain SMTP sink (no TLS, no AUTH required) on 127.0.0.1. The caller closes it when done,
// typically with t.Cleanup(s.Close).
func NewServer() *Server {
	s := NewUnstartedServer()
	s.Start()
	return s
}

// NewUnstartedServer returns a server to configure and then start with Start or StartTLS.
func NewUnstartedServer() *Server {
	return &Server{AllowInsecureAuth: true, rcpt: map[string]*smtp.SMTPError{},
		dataByRcp: map[string][]*smtp.SMTPError{}, closed: make(chan struct{})}
}

// Start listens on 127.0.0.1:0 in plain text (STARTTLS offered when TLSConfig is set) and serves in the background.
// It panics if it cannot listen, as httptest does.
func (s *Server) Start() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("smtptest: listen: " + err.Error())
	}
	s.serve(l)
}

// StartTLS listens on 127.0.0.1:0 with implicit TLS (SMTPS, as on port 465) using TLSConfig, and serves in the
// background.
func (s *Server) StartTLS() {
	if s.TLSConfig == nil {
		panic("smtptest: StartTLS needs TLSConfig")
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", s.TLSConfig)
	if err != nil {
		panic("smtptest: listen: " + err.Error())
	}
	s.serve(l)
}

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = s.Domain
	if srv.Domain == "" {
		srv.Domain = "smtp.test"
	}
	srv.TLSConfig = s.TLSConfig
	srv.AllowInsecureAuth = s.AllowInsecureAuth
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv = srv
	addr := l.Addr().(*net.TCPAddr)
	s.Addr, s.Host, s.Port = addr.String(), addr.IP.String(), addr.Port
	go srv.Serve(&hangListener{Listener: l, s: s}) //nolint:errcheck // ends with Close
}

// hangListener hands the SMTP server only the connections that come while the server is not hung; the others it
// holds, silent, and then drops.
type hangListener struct {
	net.Listener
	s *Server
}

func (l *hangListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.s.mu.Lock()
		d := l.s.hang
		l.s.mu.Unlock()
		if d <= 0 {
			return c, nil
		}
		go func() {
			l.s.wait(d)
			c.Close()
		}()
	}
}

// wait sleeps d, or until the server closes.
func (s *Server) wait(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closed:
	}
}

// SetHang makes the server take every new connection and say nothing on it, not even its greeting, for d; then it
// drops the connection. 0 makes it serve new connections again. A hung mail server, as a client sees one.
func (s *Server) SetHang(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = d
}

// SetDataDelay makes the server take each message at the end of its DATA (it counts as taken, code 250, and
// SetOnData's hook sees it at once) and answer only d later: a slow server, or, with d past the client's timeout,
// one whose client gives up on a message that went through. 0 answers at once again.
func (s *Server) SetDataDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataDelay = d
}

// SetOnData makes the server call fn with every message it takes, the moment it takes it and before it answers
// DATA (SetOnMessage's hook comes after the answer's delay). nil stops it.
func (s *Server) SetOnData(fn func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onData = fn
}

// Close stops the server and drops its connections, and releases the connections and answers it holds.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	if s.srv != nil {
		s.srv.Close()
	}
}

// reply makes the SMTP error for code, with an enhanced status code of its class (5.1.1 for a refused recipient,
// 4.3.0 for a temporary refusal).
func reply(code int, msg string, rcpt bool) *smtp.SMTPError {
	ec := smtp.EnhancedCode{code / 100, 0, 0}
	switch {
	case code/100 == 4:
		ec = smtp.EnhancedCode{4, 3, 0}
	case rcpt && code/100 == 5:
		ec = smtp.EnhancedCode{5, 1, 1}
	}
	if msg == "" {
		msg = "Refused by smtptest"
	}
	return &smtp.SMTPError{Code: code, EnhancedCode: ec, Message: msg}
}

// RejectRcpt makes the server answer every RCPT TO rcpt (compared without case) with code and message, 550 for an
// unknown user say; code 0 undoes it.
func (s *Server) RejectRcpt(rcpt string, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(rcpt)
	if code == 0 {
		delete(s.rcpt, k)
		return
	}
	s.rcpt[k] = reply(code, message, true)
}

// RejectData makes the server answer the next n DATA commands of messages to rcpt with code and message: 451 for
// a temporary failure, after which the message is taken.
func (s *Server) RejectData(rcpt string, n, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.ToLower(rcpt)
	for range n {
		s.dataByRcp[k] = append(s.dataByRcp[k], reply(code, message, false))
	}
}

// RejectNext makes the server answer the next n DATA commands, whoever the message is to, with code and message.
func (s *Server) RejectNext(n, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.dataNext = append(s.dataNext, reply(code, message, false))
	}
}

// SetOnMessage makes the server call fn with every message it takes, after recording it. nil stops it.
func (s *Server) SetOnMessage(fn func(Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onMessage = fn
}

// Messages returns the messages the server took (DATA answered 250), in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.msgs {
		if m.Code == 250 {
			out = append(out, m)
		}
	}
	return out
}

// Attempts returns every message that reached DATA, refused ones too, in order.
func (s *Server) Attempts() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// To returns the messages the server took with rcpt among their recipients.
func (s *Server) To(rcpt string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if slices.Contains(m.To, rcpt) {
			out = append(out, m)
		}
	}
	return out
}

// Counts returns, by recipient, how many messages to it reached DATA and how many the server took.
func (s *Server) Counts() (attempts, taken map[string]int) {
	attempts, taken = map[string]int{}, map[string]int{}
	for _, m := range s.Attempts() {
		for _, to := range m.To {
			attempts[to]++
			if m.Code == 250 {
				taken[to]++
			}
		}
	}
	return attempts, taken
}

type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	cur  Message
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if ss.s.Username != "" && (username != ss.s.Username || password != ss.s.Password) {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.cur = Message{From: from, TLS: isTLS, AuthUser: ss.user}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	e := ss.s.rcpt[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if e != nil {
		return e
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := ss.cur
	m.To = slices.Clone(m.To)
	m.Data = b
	if msg, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		m.Header = msg.Header
	}
	s := ss.s
	s.mu.Lock()
	var refuse *smtp.SMTPError
	for _, to := range m.To {
		k := strings.ToLower(to)
		if q := s.dataByRcp[k]; len(q) > 0 {
			refuse, s.dataByRcp[k] = q[0], q[1:]
			break
		}
	}
	if refuse == nil && len(s.dataNext) > 0 {
		refuse, s.dataNext = s.dataNext[0], s.dataNext[1:]
	}
	m.Code = 250
	if refuse != nil {
		m.Code = refuse.Code
	}
	s.msgs = append(s.msgs, m)
	hook, onData, delay := s.onMessage, s.onData, s.dataDelay
	s.mu.Unlock()
	if refuse != nil {
		return refuse
	}
	if onData != nil {
		onData(m)
	}
	if delay > 0 {
		s.wait(delay)
	}
	if hook != nil {
		hook(m)
	}
	return nil
}

func (ss *session) Reset()        { ss.cur = Message{} }
func (ss *session) Logout() error { return nil }
