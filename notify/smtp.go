package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
	gomail "github.com/wneessen/go-mail"
)

// The TLS modes of SMTPConfig.TLS.
const (
	SMTPStartTLS = "starttls" // plain connection upgraded with STARTTLS, which must succeed (port 587)
	SMTPTLS      = "tls"      // TLS from the first byte (port 465)
	SMTPNoTLS    = "none"     // no encryption: only for a relay on the same host or network
)

// defaultSMTPTimeout bounds connecting and each SMTP command; a stuck relay must not hold a dispatcher worker.
const defaultSMTPTimeout = 30 * time.Second

// SMTPConfig is what NewSMTP needs to send mail through one SMTP server.
type SMTPConfig struct {
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port int
	// Username and Password turn on SMTP AUTH; the strongest mechanism the server offers is used, and PLAIN or
	// LOGIN only over an encrypted connection.
	Username string
	Password string
	// TLS is SMTPStartTLS (the default), SMTPTLS or SMTPNoTLS.
	TLS string
	// TLSConfig replaces the default (system roots, server name Host); set it to trust a private CA.
	TLSConfig *tls.Config
	// From is the sender, e.g. "Legal Aid Reminders <reminders@example.org>".
	From string
	// Timeout bounds the connection and each command; zero means 30 seconds.
	Timeout time.Duration
	// UnsubscribeURL is an https URL that takes RFC 8058 one-click POSTs; it adds List-Unsubscribe-Post.
	UnsubscribeURL string
	// UnsubscribeMailto is an address (or mailto: URI) that staff read, listed in List-Unsubscribe.
	UnsubscribeMailto string
	// Hostname is the right-hand side of Message-IDs; the domain of From by default.
	Hostname string
	// Now dates the messages; time.Now by default.
	Now func() time.Time
}

// SMTP sends email through an SMTP server. It is safe for concurrent use: every Send has its own connection.
type SMTP struct {
	cfg    SMTPConfig
	client *gomail.Client
	from   *mail.Address
}

// NewSMTP checks cfg and returns a sender for it. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: host is required")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp from %q: %w", cfg.From, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultSMTPTimeout
	}
	if cfg.Hostname == "" {
		cfg.Hostname = from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UnsubscribeURL != "" && !strings.HasPrefix(cfg.UnsubscribeURL, "https://") {
		return nil, fmt.Errorf("smtp unsubscribe url %q: one-click unsubscribe needs https", cfg.UnsubscribeURL)
	}
	if cfg.UnsubscribeMailto != "" && !strings.HasPrefix(cfg.UnsubscribeMailto, "mailto:") {
		cfg.UnsubscribeMailto = "mailto:" + cfg.UnsubscribeMailto
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConf = cfg.TLSConfig.Clone()
	}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = cfg.Host
	}
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout), gomail.WithTLSConfig(tlsConf)}
	switch cfg.TLS {
	case "", SMTPStartTLS:
		cfg.TLS = SMTPStartTLS
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithPort(portOr(cfg.Port, 587)))
	case SMTPTLS:
		opts = append(opts, gomail.WithSSL(), gomail.WithPort(portOr(cfg.Port, 465)))
	case SMTPNoTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithPort(portOr(cfg.Port, 25)))
	default:
		return nil, fmt.Errorf("smtp tls %q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return &SMTP{cfg: cfg, client: c, from: from}, nil
}

func portOr(p, def int) int {
	if p > 0 {
		return p
	}
	return def
}

// MessageID is the Message-ID (with its angle brackets) that Send gives the message with this outbox key: the
// same key always gives the same ID, so a retry after a lost answer is recognisably the same mail, and receivers
// that deduplicate by Message-ID show it once. The key is hashed so that no database id leaks into the header.
func (s *SMTP) MessageID(key string) string {
	sum := sha256.Sum256([]byte("docketd-message\x00" + key))
	return "<docketd." + hex.EncodeToString(sum[:16]) + "@" + s.cfg.Hostname + ">"
}

// Send delivers m and returns its Message-ID. Failures are *SendError: 4xx replies and network trouble are Temporary,
// 5xx replies to the message are permanent with the SMTP code as Code.
func (s *SMTP) Send(ctx context.Context, m docket.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &docket.SendError{Temporary: true, Err: fmt.Errorf("smtp send: %w", err)}
	}
	msg, err := s.build(m)
	if err != nil {
		// A message we cannot even build will not build next time either.
		return "", &docket.SendError{Err: redactAddr(fmt.Errorf("smtp build: %w", err), err, m.To)}
	}
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		return "", classifySMTP(err, m.To)
	}
	return msg.GetMessageID(), nil
}

// build assembles the MIME message. Its shape, with an invitation, is the one Google Calendar sends, which every
// major client understands:
//
//	multipart/mixed
//	├── multipart/alternative
//	│   ├── text/plain
//	│   ├── text/html                                  (when HTML is set)
//	│   └── text/calendar; method=REQUEST|CANCEL
//	└── application/ics; name=invite.ics
//
// Outlook and Exchange act on an invitation only when the text/calendar part is an alternative of the body (an
// attachment alone shows as a file to open), and then compare the MIME method with the METHOD inside; Apple Mail
// and Thunderbird use the same part; some webmail shows only the attachment, hence both.
func (s *SMTP) build(m docket.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(append([]string{m.To}, m.AlsoTo...)...); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(s.cfg.Now())
	if m.Key != "" {
		msg.SetMessageIDWithValue(strings.Trim(s.MessageID(m.Key), "<>"))
	} else {
		msg.SetMessageID()
	}
	if m.Language != "" {
		msg.SetGenHeader(gomail.Header("Content-Language"), m.Language)
	}
	// Reminders are automatic: ask vacation responders and Exchange not to answer them (RFC 3834).
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	switch {
	case s.cfg.UnsubscribeURL != "":
		var more []string
		if s.cfg.UnsubscribeMailto != "" {
			more = append(more, s.cfg.UnsubscribeMailto)
		}
		if err := msg.SetListUnsubscribeOneClick(s.cfg.UnsubscribeURL, more...); err != nil {
			return nil, fmt.Errorf("list-unsubscribe: %w", err)
		}
	case s.cfg.UnsubscribeMailto != "":
		// RFC 8058 one-click needs an https URL; a mailto alone gets List-Unsubscribe without the Post header.
		msg.SetListUnsubscribe(s.cfg.UnsubscribeMailto)
	}

	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if inv := m.Invite; inv != nil {
		method := strings.ToUpper(inv.Method)
		if method != "REQUEST" && method != "CANCEL" {
			return nil, fmt.Errorf("invite method %q: want REQUEST or CANCEL", inv.Method)
		}
		if got := calendarMethod(inv.Data); got != method {
			return nil, fmt.Errorf("invite method %s but the calendar says METHOD:%s", method, got)
		}
		// base64 keeps the calendar's CRLF line ends and folding byte for byte.
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+method), string(inv.Data),
			gomail.WithPartEncoding(gomail.EncodingB64))
		if err := msg.AttachReader("invite.ics", bytes.NewReader(inv.Data),
			gomail.WithFileContentType(gomail.ContentType("application/ics")),
			gomail.WithFileEncoding(gomail.EncodingB64)); err != nil {
			return nil, fmt.Errorf("invite attachment: %w", err)
		}
	}
	return msg, nil
}

// calendarMethod returns the METHOD property of a VCALENDAR (upper case), or "" if it has none.
func calendarMethod(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), len(data)+1)
	depth := 0
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		name, value, _ := strings.Cut(line, ":")
		name = strings.ToUpper(name)
		switch {
		case name == "BEGIN":
			depth++
		case name == "END":
			depth--
		case depth == 1 && (name == "METHOD" || strings.HasPrefix(name, "METHOD;")):
			return strings.ToUpper(strings.TrimSpace(value))
		}
	}
	return ""
}

// classifySMTP turns a go-mail error into *SendError. Only replies to the message itself (MAIL, RCPT, DATA) can fail
// it for good: a 5xx there means this recipient or this message is refused. Trouble before that (connection,
// STARTTLS, a refused login) is about our server or our settings, never the recipient, so it stays temporary and
// the reminder goes out once an admin fixes it.
func classifySMTP(err error, to string) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		e := &docket.SendError{Err: redactAddr(fmt.Errorf("smtp send: %w", err), err, to)}
		if code != 0 {
			e.Code = strconv.Itoa(code)
		}
		switch {
		case se.Reason == gomail.ErrGetSender || se.Reason == gomail.ErrGetRcpts:
			// A malformed address: permanent.
		case code >= 500 && code < 600:
			// Permanent.
		default:
			// 4xx, or no reply at all (the connection broke mid-message).
			e.Temporary = true
		}
		return e
	}
	e := &docket.SendError{Temporary: true, Err: redactAddr(fmt.Errorf("smtp: %w", err), err, to)}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		e.Code = strconv.Itoa(tp.Code)
	}
	return e
}
