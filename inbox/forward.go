// Package inbox keeps the texts clients send that are not keywords ("no puedo ir, estoy enfermo", "me detuvieron")
// and forwards each at once by email to the client's attorney and the office's inbox address, so that a person who
// can act reads it. A forward that fails is retried until it goes out. It declares what it needs from the store and
// the email channel and imports none of docketd's rooms but the vocabulary and the message wording.
package inbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
)

// DefaultTimeout bounds one forward (building it and the mail server's answer). The webhook never waits for it:
// Twilio must get its answer at once, so the forward runs beside it.
const DefaultTimeout = time.Minute

// retryBatch is how many unforwarded messages one retry takes on; the next run takes the rest.
const retryBatch = 100

// Store is what the inbox needs from the store.
type Store interface {
	// KeepInbox stores m once by its MessageSID, with the clients of its number, and reports whether it is new.
	KeepInbox(ctx context.Context, m docket.InboxMessage) (docket.InboxMessage, bool, error)
	// InboxMessage returns one message, or docket.ErrNotFound.
	InboxMessage(ctx context.Context, id uint) (docket.InboxMessage, error)
	// UnforwardedInbox lists, oldest first, messages received before before that are not forwarded yet.
	UnforwardedInbox(ctx context.Context, before time.Time, limit int) ([]docket.InboxMessage, error)
	// InboxClients returns the clients with these ids, with their counsel and next hearing after now.
	InboxClients(ctx context.Context, ids []string, now time.Time) ([]docket.InboxClient, error)
	InboxForwarded(ctx context.Context, id uint, at time.Time) error
	InboxForwardFailed(ctx context.Context, id uint, reason string) error
}

// Sender delivers an email: the email channel the dispatcher sends through.
type Sender interface {
	Send(ctx context.Context, m docket.Message) (string, error)
}

// Settings are the config's choices for forwarding, read anew at each forward so that a reload applies.
type Settings struct {
	// Inbox is [inbox] email, which gets every message; empty when the office set none.
	Inbox string
	// ReplyTo is the organisation's email: a reply from staff reaches the office, never docketd's sender address.
	ReplyTo string
	// Zone is the office's, in which the time a message came is told; nil: UTC.
	Zone *time.Location
}

// Forwarder keeps inbox messages and forwards them by email.
type Forwarder struct {
	Store Store
	// Sender returns the email channel of the running config.
	Sender   func() (Sender, error)
	Settings func() Settings
	Now      func() time.Time
	Log      *slog.Logger
	// Timeout bounds one forward; zero means DefaultTimeout.
	Timeout time.Duration

	mu   sync.Mutex
	busy map[uint]bool // forwards under way in this process
	wg   sync.WaitGroup
}

// Keep stores m, a text for staff, and starts forwarding it without waiting for the mail server. A message stored
// before (a webhook sent again) is not stored again, and is forwarded only if it has not been. It returns once the
// message is stored: from then on it is forwarded, now or by Retry.
func (f *Forwarder) Keep(ctx context.Context, m docket.InboxMessage) error {
	kept, fresh, err := f.Store.KeepInbox(ctx, m)
	if err != nil {
		return err
	}
	f.log().Info("inbox message kept", "inbox_id", kept.ID, "from", kept.From, "message_sid", kept.MessageSID,
		"clients", len(kept.ClientIDs), "urgent", kept.Urgent, "reason", kept.Reason, "new", fresh)
	if kept.ForwardedAt != nil {
		return nil
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), f.timeout())
		defer cancel()
		_ = f.forward(ctx, kept.ID) // logged and recorded; Retry tries again
	}()
	return nil
}

// Wait waits for the forwards Keep started.
func (f *Forwarder) Wait() { f.wg.Wait() }

// Retry forwards the messages not forwarded yet: those whose forward failed, or that a process stopped before it
// could send. It leaves alone the ones received within the last Timeout, whose first forward may be under way.
func (f *Forwarder) Retry(ctx context.Context) error {
	ms, err := f.Store.UnforwardedInbox(ctx, f.now().Add(-f.timeout()), retryBatch)
	if err != nil {
		return err
	}
	var failed int
	var last error
	for _, m := range ms {
		fctx, cancel := context.WithTimeout(ctx, f.timeout())
		if err := f.forward(fctx, m.ID); err != nil {
			failed++
			last = err
		}
		cancel()
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d inbox messages not forwarded, tried again on the next run (see `docketd inbox`): %w",
			failed, len(ms), last)
	}
	return nil
}

// forward sends the email about message id, unless it went out already, and records that it did.
//
// The record comes after the send: a process that stops between the two sends the email again on the next retry
// (same Message-ID, so most mail readers show it once). A duplicate email to staff is tolerable; a client's
// message that nobody reads is not, so the order is never the other way round.
func (f *Forwarder) forward(ctx context.Context, id uint) error {
	if !f.claim(id) {
		return nil
	}
	defer f.release(id)
	m, err := f.Store.InboxMessage(ctx, id)
	if err != nil {
		return fmt.Errorf("forward inbox message %d: %w", id, err)
	}
	if m.ForwardedAt != nil {
		return nil
	}
	err = f.send(ctx, m)
	if err != nil {
		reason := docket.MaskText(err.Error())
		f.log().Warn("inbox message not forwarded; it is kept and tried again", "inbox_id", id, "err", reason)
		if rerr := f.Store.InboxForwardFailed(context.WithoutCancel(ctx), id, reason); rerr != nil {
			f.log().Error("record a failed forward", "inbox_id", id, "err", rerr)
		}
		return err
	}
	if err := f.Store.InboxForwarded(context.WithoutCancel(ctx), id, f.now()); err != nil {
		f.log().Error("inbox message forwarded but not recorded: it will be sent again", "inbox_id", id, "err", err)
		return err
	}
	f.log().Info("inbox message forwarded", "inbox_id", id, "urgent", m.Urgent)
	return nil
}

func (f *Forwarder) send(ctx context.Context, m docket.InboxMessage) error {
	s := f.Settings()
	clients, err := f.Store.InboxClients(ctx, m.ClientIDs, f.now())
	if err != nil {
		return err
	}
	to := Recipients(clients, s.Inbox)
	if len(to) == 0 {
		return errors.New("nobody to forward it to: set [inbox] email (or organization.email), or counsel's email")
	}
	sender, err := f.Sender()
	if err != nil {
		return err
	}
	subject, text := Compose(m, clients, s.Zone)
	key := "inbox:" + cmp.Or(m.MessageSID, strconv.FormatUint(uint64(m.ID), 10))
	_, err = sender.Send(ctx, docket.Message{Key: key, Channel: docket.Email, To: to[0], AlsoTo: to[1:],
		ReplyTo: s.ReplyTo, Language: "en", Subject: subject, Text: text})
	return err
}

// Recipients are the addresses a message goes to: the counsel of each of the clients (once each, in the clients'
// order), then the inbox address. A message from a number no client has goes to the inbox address only.
func Recipients(clients []docket.InboxClient, inbox string) []string {
	var to []string
	seen := map[string]bool{}
	add := func(addr string) {
		if addr != "" && !seen[addr] {
			seen[addr] = true
			to = append(to, addr)
		}
	}
	for _, c := range clients {
		if c.Attorney != nil && c.Attorney.Active {
			add(c.Attorney.Email)
		}
	}
	add(inbox)
	return to
}

func (f *Forwarder) claim(id uint) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy == nil {
		f.busy = map[uint]bool{}
	}
	if f.busy[id] {
		return false
	}
	f.busy[id] = true
	return true
}

func (f *Forwarder) release(id uint) {
	f.mu.Lock()
	delete(f.busy, id)
	f.mu.Unlock()
}

func (f *Forwarder) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return DefaultTimeout
}

func (f *Forwarder) now() time.Time {
	if f.Now == nil {
		return time.Now()
	}
	return f.Now()
}

func (f *Forwarder) log() *slog.Logger {
	l := f.Log
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return l.With("component", "inbox")
}
