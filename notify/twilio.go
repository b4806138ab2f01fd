package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// DefaultTwilioAPIURL is where Twilio's REST API lives; TwilioConfig.APIURL replaces it for a proxy or a test server.
const DefaultTwilioAPIURL = "https://api.twilio.com"

// defaultTwilioTimeout bounds one API call: twilio-go takes no context, so the HTTP client's timeout is the only
// thing that stops a hung connection from holding a dispatcher worker forever.
const defaultTwilioTimeout = 10 * time.Second

// sentLookupLimit caps how many messages Sent reads: reconciliation looks at minutes, and one number gets a handful
// of texts per hearing, so more than this means something else is texting the number and paging on is pointless.
const sentLookupLimit = 200

// TwilioConfig is what NewTwilio needs to send SMS through one Twilio account.
type TwilioConfig struct {
	AccountSID string
	AuthToken  string
	// From is the sending number; ignored when MessagingServiceSID is set, which lets Twilio pick from a pool.
	From                string
	MessagingServiceSID string
	// APIURL replaces https://api.twilio.com (scheme and host only), for a proxy or a test server.
	APIURL string
	// StatusCallback is the full public URL of the /twilio/status handler; empty asks Twilio for no delivery reports.
	StatusCallback string
	// Timeout bounds each HTTP request to Twilio; zero means 10 seconds.
	Timeout time.Duration
	// Transport carries the requests; nil means one shared by every sender given none (twilioTransport). Tests and
	// proxies set it.
	Transport http.RoundTripper
}

// twilioIdleConns is how many idle connections to Twilio are kept: the most requests a channel keeps in flight
// (sms.concurrency and the automatic concurrency are at most 64).
const twilioIdleConns = 64

// twilioTransport is http.DefaultTransport's settings with an idle connection kept for every request a lane may have
// in flight. DefaultTransport keeps two a host: with sixteen requests in flight, fourteen connections were closed
// as their answers came in and fourteen new ones opened for the next requests, a TLS handshake with Twilio each.
var twilioTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(t.MaxIdleConns, twilioIdleConns)
	t.MaxIdleConnsPerHost = twilioIdleConns
	return t
}()

// Twilio sends SMS through Twilio's Messages API. It is safe for concurrent use.
type Twilio struct {
	cfg  TwilioConfig
	base *url.URL
}

// NewTwilio checks cfg and returns a sender for it.
func NewTwilio(cfg TwilioConfig) (*Twilio, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, errors.New("twilio: account sid and auth token are required")
	}
	if cfg.From == "" && cfg.MessagingServiceSID == "" {
		return nil, errors.New("twilio: from or messaging service sid is required")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultTwilioAPIURL
	}
	base, err := url.Parse(cfg.APIURL)
	if err != nil {
		return nil, fmt.Errorf("twilio api url: %w", err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("twilio api url %q: want http(s)://host[:port]", cfg.APIURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTwilioTimeout
	}
	if cfg.Transport == nil {
		cfg.Transport = twilioTransport
	}
	return &Twilio{cfg: cfg, base: base}, nil
}

// Send posts m to Twilio and returns the Message SID. Failures are *SendError: Temporary for rate limits, Twilio's 5xx
// and network trouble; OptedOut for 21610; permanent for everything else Twilio refuses (21211 invalid number…).
func (t *Twilio) Send(ctx context.Context, m docket.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", &docket.SendError{Temporary: true, Err: fmt.Errorf("twilio send: %w", err)}
	}
	api, rt := t.api(ctx)
	p := &twapi.CreateMessageParams{}
	p.SetTo(m.To).SetBody(m.Text)
	if t.cfg.MessagingServiceSID != "" {
		p.SetMessagingServiceSid(t.cfg.MessagingServiceSID)
	} else {
		p.SetFrom(t.cfg.From)
	}
	if t.cfg.StatusCallback != "" {
		p.SetStatusCallback(t.cfg.StatusCallback)
	}
	msg, err := api.CreateMessage(p)
	if err != nil {
		e := classifyTwilio("twilio send", err, rt.status(), m.To)
		if se := (*docket.SendError)(nil); errors.As(e, &se) && se.Temporary {
			se.RetryAfter = rt.wait()
		}
		return "", e
	}
	if msg == nil || msg.Sid == nil || *msg.Sid == "" {
		// Twilio said yes but we cannot tell which message it made: a retry may duplicate it, losing it is worse.
		return "", &docket.SendError{Temporary: true, Err: errors.New("twilio send: answer without a message sid")}
	}
	return *msg.Sid, nil
}

// Sent lists the messages Twilio sent to the number to since the given time, newest first, so that after a crash
// between claiming an outbox row and recording its result the dispatcher can tell whether the text went out.
// Twilio filters DateSent by day; Sent drops what is older than since itself (by DateSent, or DateCreated while a
// message is still queued). Pass since a little before the claim to allow for clock skew with Twilio.
func (t *Twilio) Sent(ctx context.Context, to string, since time.Time) ([]docket.SentMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, &docket.SendError{Temporary: true, Err: fmt.Errorf("twilio list: %w", err)}
	}
	api, rt := t.api(ctx)
	p := &twapi.ListMessageParams{}
	p.SetTo(to).SetDateSentAfter(since.UTC()).SetPageSize(50).SetLimit(sentLookupLimit)
	list, err := api.ListMessage(p)
	if err != nil {
		return nil, classifyTwilio("twilio list", err, rt.status(), to)
	}
	out := make([]docket.SentMessage, 0, len(list))
	for _, msg := range list {
		s := docket.SentMessage{
			SID:         twDeref(msg.Sid),
			To:          twDeref(msg.To),
			Body:        twDeref(msg.Body),
			Status:      twDeref(msg.Status),
			DateSent:    parseTwilioTime(twDeref(msg.DateSent)),
			DateCreated: parseTwilioTime(twDeref(msg.DateCreated)),
		}
		when := s.DateSent
		if when.IsZero() {
			when = s.DateCreated
		}
		if !when.IsZero() && when.Before(since) {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// api builds a twilio-go service for one call. twilio-go has no context parameter, so each call gets its own
// transport that carries ctx into the request and remembers the HTTP status, which twilio-go drops when an error
// body is not JSON (a 503 from a load balancer).
func (t *Twilio) api(ctx context.Context) (*twapi.ApiService, *rewriteTransport) {
	rt := &rewriteTransport{base: t.base, next: t.cfg.Transport, ctx: ctx}
	c := &client.Client{
		Credentials: client.NewCredentials(t.cfg.AccountSID, t.cfg.AuthToken),
		HTTPClient: &http.Client{
			Transport: rt,
			Timeout:   t.cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
	c.SetAccountSid(t.cfg.AccountSID)
	return twapi.NewApiServiceWithClient(c), rt
}

// rewriteTransport points twilio-go's fixed https://api.twilio.com at the configured API URL, ties the request to
// the caller's context, and records the last HTTP status.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
	ctx  context.Context

	mu         sync.Mutex
	last       int
	retryAfter time.Duration // the last answer's Retry-After, when it had one
}

func (rt *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Both the caller's ctx and the http.Client's own timeout must be able to stop the request.
	ctx, cancel := context.WithCancel(rt.ctx)
	stop := context.AfterFunc(req.Context(), cancel)
	r := req.Clone(ctx)
	r.URL.Scheme = rt.base.Scheme
	r.URL.Host = rt.base.Host
	r.Host = rt.base.Host
	resp, err := rt.next.RoundTrip(r)
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	rt.mu.Lock()
	rt.last = resp.StatusCode
	rt.retryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	rt.mu.Unlock()
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { stop(); cancel() }}
	return resp, nil
}

func (rt *rewriteTransport) status() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.last
}

// wait returns the Retry-After of the last answer, zero when it had none.
func (rt *rewriteTransport) wait() time.Duration {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.retryAfter
}

// retryAfter reads a Retry-After header: delay-seconds, or an HTTP date (RFC 9110 §10.2.3). Zero when absent or
// unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		return max(time.Duration(n)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// cancelOnClose releases a request's context only once its body has been read, since cancelling earlier would
// cut the body off.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// classifyTwilio turns a twilio-go error into *SendError. status is the last HTTP status seen (0 if none).
func classifyTwilio(op string, err error, status int, to string) error {
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		code := strconv.Itoa(rest.Code)
		s := rest.Status
		if s == 0 {
			s = status
		}
		e := &docket.SendError{Code: code, Err: redactAddr(fmt.Errorf("%s: %d %s", op, s, rest.Message), err, to)}
		switch {
		case rest.Code == 21610:
			e.OptedOut = true
		case rest.Code == 20429 || s == http.StatusTooManyRequests || s >= 500:
			e.Temporary = true
		case s == http.StatusUnauthorized:
			// Bad credentials are our configuration, not the recipient: fail no reminder over them, keep retrying
			// until an admin fixes the token.
			e.Temporary = true
		}
		return e
	}
	var v1 *client.RestErrorV1
	if errors.As(err, &v1) {
		s := v1.HttpStatusCode
		return &docket.SendError{
			Code:      strconv.Itoa(v1.Code),
			Temporary: s == http.StatusTooManyRequests || s >= 500 || s == http.StatusUnauthorized,
			OptedOut:  v1.Code == 21610,
			Err:       redactAddr(fmt.Errorf("%s: %d %s", op, s, v1.Message), err, to),
		}
	}
	if status >= 400 && status < 500 && status != http.StatusTooManyRequests && status != http.StatusUnauthorized {
		return &docket.SendError{Code: strconv.Itoa(status), Err: redactAddr(fmt.Errorf("%s: %w", op, err), err, to)}
	}
	// 429, 5xx (JSON or not), timeouts, refused connections, a cancelled ctx and anything unrecognised: worth
	// another try, because dropping a court reminder over a blip is the worse mistake.
	e := &docket.SendError{Temporary: true, Err: redactAddr(fmt.Errorf("%s: %w", op, err), err, to)}
	if status >= 400 {
		e.Code = strconv.Itoa(status)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		e.Err = redactAddr(fmt.Errorf("%s: timeout: %w", op, err), err, to)
	}
	return e
}

// redactedError keeps the original error for errors.As while its text hides the recipient: Twilio puts the number
// in its messages ("The 'To' number +1… is not valid") and net/url errors carry the query string.
type redactedError struct {
	msg string
	err error
}

func (r *redactedError) Error() string { return r.msg }
func (r *redactedError) Unwrap() error { return r.err }

// redactAddr returns shown with every spelling of addr in its text masked, unwrapping to orig.
func redactAddr(shown, orig error, addr string) error {
	msg := shown.Error()
	if addr != "" {
		masked := docket.MaskContact(addr)
		for _, form := range []string{addr, url.QueryEscape(addr), url.PathEscape(addr)} {
			msg = strings.ReplaceAll(msg, form, masked)
		}
		if strings.HasPrefix(addr, "+") {
			msg = strings.ReplaceAll(msg, addr[1:], masked)
		}
	}
	return &redactedError{msg: msg, err: orig}
}

func twDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// parseTwilioTime reads Twilio's RFC 2822 dates ("Mon, 16 Aug 2010 03:45:01 +0000"); empty or odd gives zero.
func parseTwilioTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
