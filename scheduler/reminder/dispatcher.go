package reminder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
)

// Sender delivers a message through one channel and returns the provider's id for it.
type Sender interface {
	Send(ctx context.Context, m docket.Message) (providerID string, err error)
}

// SentLister is a Sender that can say what it actually sent to an address since a time. The dispatcher uses it after
// a crash between claiming a row and recording the outcome, so the message is neither lost nor sent twice.
type SentLister interface {
	Sent(ctx context.Context, to string, since time.Time) ([]docket.SentMessage, error)
}

// Backoff bounds for temporary failures.
const (
	retryFirst = 30 * time.Second
	retryMax   = 30 * time.Minute
	// idleCheck is the longest the dispatcher sleeps without looking at the outbox: rows planned by another
	// replica do not wake this one.
	idleCheck  = time.Minute
	claimBatch = 50
	// sendBound is how long one send may take once started, shutdown or not.
	sendBound = 30 * time.Second
	// recordFor is how long the outcome of a send is retried against a busy or unreachable store.
	recordFor = 10 * time.Minute
	// staleClaim is how long a row may stay "sending" before another dispatcher takes its claimer for dead: longer
	// than a send (sendBound) and the retries of recording it (recordFor), counted from the claim's last renewal
	// just before the send.
	staleClaim = 15 * time.Minute
)

// Clock is the time source of the dispatcher; clockwork's clocks satisfy it, fake ones in tests.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// Dispatcher sends due outbox rows: it sleeps until the next due time (or until woken by new plans), claims rows
// atomically, sends each household group as one message, and records the outcome.
type Dispatcher struct {
	DB       Store
	Senders  map[docket.Channel]Sender  // by channel: sms, email
	Rates    map[docket.Channel]float64 // messages per second by channel; 0 or absent means no limit
	Renderer *Renderer
	Clock    Clock
	Log      *slog.Logger
	// Observe, when set, is told of every send attempt: channel, result (sent, retry, failed, opted_out), the
	// provider's error code, and how late the request left against the row's due time.
	Observe func(channel docket.Channel, result, code string, late time.Duration)

	wakeOnce sync.Once
	wake     chan struct{}
	mu       sync.Mutex
	slots    map[docket.Channel]time.Time // next free send slot per channel
}

func (d *Dispatcher) init() {
	d.wakeOnce.Do(func() {
		d.wake = make(chan struct{}, 1)
		d.slots = map[docket.Channel]time.Time{}
	})
}

// Wake makes a sleeping dispatcher look at the outbox now (new rows were planned).
func (d *Dispatcher) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run reconciles rows left in "sending" by a crash, then dispatches until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.init()
	if err := d.Reconcile(ctx); err != nil {
		d.Log.Error("reconcile", "component", "dispatcher", "err", err)
	}
	lastCheck := d.Clock.Now()
	for {
		if now := d.Clock.Now(); now.Sub(lastCheck) >= idleCheck {
			// Rows another dispatcher claimed and never recorded: it died between the two.
			lastCheck = now
			if err := d.reconcile(ctx, now.Add(-staleClaim)); err != nil && ctx.Err() == nil {
				d.Log.Error("reconcile", "component", "dispatcher", "err", err)
			}
		}
		n, err := d.DispatchDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.Log.Error("dispatch", "component", "dispatcher", "err", err)
		}
		wait := idleCheck
		if next, ok, err := d.DB.NextDue(ctx); err == nil && ok {
			wait = min(next.Sub(d.Clock.Now()), idleCheck)
		}
		if wait <= 0 {
			if n > 0 {
				continue
			}
			wait = time.Second // due rows we could not claim: another replica holds them
		}
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
		case <-d.Clock.After(wait):
		}
	}
}

// DispatchDue sends everything due now and returns how many rows it settled.
func (d *Dispatcher) DispatchDue(ctx context.Context) (int, error) {
	d.init()
	total := 0
	for ctx.Err() == nil {
		rows, err := d.DB.ClaimDue(ctx, d.Clock.Now(), claimBatch)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		for _, group := range groups(rows) {
			if err := d.send(ctx, group); err != nil {
				return total, err
			}
			total += len(group)
		}
	}
	return total, ctx.Err()
}

// groups splits claimed rows into household groups, each sent as one message.
func groups(rows []docket.Reminder) [][]docket.Reminder {
	byKey := map[string][]docket.Reminder{}
	var order []string
	for _, r := range rows {
		k := r.GroupKey
		if k == "" {
			k = fmt.Sprintf("id/%d", r.ID)
		}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	out := make([][]docket.Reminder, len(order))
	for i, k := range order {
		out[i] = byKey[k]
	}
	return out
}

func ids(rows []docket.Reminder) []uint {
	out := make([]uint, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// send delivers one claimed group and records what happened. Only store errors are returned.
func (d *Dispatcher) send(ctx context.Context, group []docket.Reminder) error {
	now := d.Clock.Now()
	first := group[0]
	log := d.Log.With("component", "dispatcher", "outbox_ids", ids(group), "kind", first.Kind, "channel", first.Channel,
		"to", first.Address)
	live, settled, views, err := d.Renderer.live(ctx, group, now)
	if err != nil {
		return err
	}
	for _, s := range settled {
		if err := d.record(ctx, []uint{s.row.ID}, s.result); err != nil {
			return err
		}
		log.Info("not sent", "outbox_id", s.row.ID, "state", s.result.State, "reason", s.result.Error)
	}
	if len(live) == 0 {
		return nil
	}
	if out, err := d.DB.IsOptedOut(ctx, first.Channel, first.Address); err != nil {
		return err
	} else if out {
		log.Info("skipped: recipient opted out")
		return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StateSkipped, Error: "opted out"})
	}
	msg, start, err := d.Renderer.render(ctx, live, views)
	if err != nil {
		log.Error("render", "err", err)
		return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StateFailed, Error: "render: " + err.Error()})
	}
	sender := d.Senders[first.Channel]
	if sender == nil {
		return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StateFailed,
			Error: "no sender for channel " + string(first.Channel)})
	}
	if first.Attempts > 1 {
		// A retry after an unclear failure (a timeout once the provider may have accepted the message): ask the
		// provider first, so the recipient does not get it twice.
		if lister, ok := sender.(SentLister); ok {
			if sent, err := lister.Sent(ctx, first.Address, first.CreatedAt.Add(-time.Minute)); err == nil {
				if m, ok, err := d.matchSent(ctx, sent, msg.Text); err != nil {
					return err
				} else if ok {
					log.Info("already sent by an earlier attempt", "provider_id", m.SID)
					return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StateSent,
						ProviderID: m.SID, Body: msg.Text})
				}
			}
		}
	}
	if err := d.waitSlot(ctx, first.Channel); err != nil {
		return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StatePending})
	}
	// The batch may have waited (rate limit, slow sends before it): make sure no other dispatcher has taken these
	// rows for abandoned meanwhile, and tell it they are alive.
	if first.ClaimedAt != nil {
		ok, err := d.DB.RenewClaim(ctx, ids(live), *first.ClaimedAt, d.Clock.Now())
		if err != nil {
			return err
		}
		if !ok {
			log.Warn("another dispatcher took these rows over; not sending")
			return nil
		}
	}
	// A send under way finishes even when the daemon is told to stop, within a bound.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendBound)
	late := d.Clock.Now().Sub(first.Due)
	id, sendErr := sender.Send(sctx, msg)
	cancel()
	d.observe(first.Channel, sendErr, late)
	if sendErr == nil {
		log.Info("sent", "provider_id", id, "late_ms", d.Clock.Now().Sub(first.Due).Milliseconds())
		return d.record(context.WithoutCancel(ctx), ids(live),
			docket.OutboxResult{State: docket.StateSent, ProviderID: id, Body: msg.Text})
	}
	return d.failed(ctx, log, live, start, sendErr)
}

func (d *Dispatcher) observe(channel docket.Channel, err error, late time.Duration) {
	if d.Observe == nil {
		return
	}
	var ne *docket.SendError
	code := ""
	if errors.As(err, &ne) {
		code = ne.Code
	}
	result := "sent"
	switch {
	case err == nil:
	case ne != nil && ne.OptedOut:
		result = "opted_out"
	case docket.IsTemporary(err):
		result = "retry"
	default:
		result = "failed"
	}
	d.Observe(channel, result, code, late)
}

// failed records a send error: an opt-out, a retry before the hearing, or a permanent failure with the code.
func (d *Dispatcher) failed(ctx context.Context, log *slog.Logger, rows []docket.Reminder, start time.Time, sendErr error) error {
	ctx = context.WithoutCancel(ctx)
	first := rows[0]
	var ne *docket.SendError
	code := ""
	if errors.As(sendErr, &ne) {
		code = ne.Code
	}
	switch {
	case ne != nil && ne.OptedOut:
		log.Info("recipient opted out with the provider", "code", code)
		if err := d.DB.OptOut(ctx, first.Channel, first.Address, "provider "+code, d.Clock.Now()); err != nil {
			return err
		}
		return d.record(ctx, ids(rows), docket.OutboxResult{State: docket.StateSkipped, ErrorCode: code,
			Error: "opted out with the provider"})
	case docket.IsTemporary(sendErr):
		next := d.Clock.Now().Add(backoff(first.Attempts))
		if !next.Before(start) {
			log.Error("giving up: the hearing starts before the next try", "code", code, "err", sendErr)
			return d.record(ctx, ids(rows), docket.OutboxResult{State: docket.StateFailed, ErrorCode: code,
				Error: "temporary failures until the hearing: " + sendErr.Error()})
		}
		log.Warn("temporary failure, will retry", "code", code, "err", sendErr, "next_attempt", next)
		return d.record(ctx, ids(rows), docket.OutboxResult{State: docket.StatePending, NextTry: &next,
			ErrorCode: code, Error: sendErr.Error()})
	default:
		log.Error("failed", "code", code, "err", sendErr)
		return d.record(ctx, ids(rows), docket.OutboxResult{State: docket.StateFailed, ErrorCode: code,
			Error: sendErr.Error()})
	}
}

// record stores the outcome of claimed rows. A message that went out must be recorded, or the rows would stay
// "sending" until a reconciliation; so a store that is busy (SQLite locked by a long import) or unreachable for a
// while is retried, up to recordFor.
func (d *Dispatcher) record(ctx context.Context, ids []uint, r docket.OutboxResult) error {
	ctx = context.WithoutCancel(ctx)
	deadline := d.Clock.Now().Add(recordFor)
	wait := time.Second
	for {
		err := d.DB.FinishOutbox(ctx, ids, r)
		if err == nil || !d.Clock.Now().Before(deadline) {
			return err
		}
		d.Log.Warn("recording an outcome failed; retrying", "component", "dispatcher", "outbox_ids", ids, "err", err)
		<-d.Clock.After(wait)
		wait = min(wait*2, 30*time.Second)
	}
}

// backoff doubles from retryFirst to retryMax with ±20% jitter, so many failed rows do not retry in step.
func backoff(attempts int) time.Duration {
	d := retryFirst
	for i := 1; i < attempts && d < retryMax; i++ {
		d *= 2
	}
	d = min(d, retryMax)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// waitSlot keeps a channel within its rate.
func (d *Dispatcher) waitSlot(ctx context.Context, channel docket.Channel) error {
	rate := d.Rates[channel]
	if rate <= 0 {
		return nil
	}
	d.mu.Lock()
	now := d.Clock.Now()
	slot := d.slots[channel]
	if slot.Before(now) {
		slot = now
	}
	d.slots[channel] = slot.Add(time.Duration(float64(time.Second) / rate))
	d.mu.Unlock()
	if wait := slot.Sub(now); wait > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.Clock.After(wait):
		}
	}
	return nil
}

// Reconcile settles rows left in "sending" by a process that stopped between claiming and recording. Where the
// channel can list what it sent, a message with the same text to the same address since the claim means it went
// out; otherwise the rows are released to be sent again.
func (d *Dispatcher) Reconcile(ctx context.Context) error {
	return d.reconcile(ctx, time.Time{})
}

// reconcile settles the "sending" rows claimed before cutoff (all of them when cutoff is zero).
func (d *Dispatcher) reconcile(ctx context.Context, cutoff time.Time) error {
	all, err := d.DB.Sending(ctx)
	if err != nil {
		return err
	}
	var rows []docket.Reminder
	for _, r := range all {
		if cutoff.IsZero() || (r.ClaimedAt != nil && r.ClaimedAt.Before(cutoff)) {
			rows = append(rows, r)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	for _, group := range groups(rows) {
		first := group[0]
		log := d.Log.With("component", "dispatcher", "outbox_ids", ids(group), "to", first.Address)
		lister, _ := d.Senders[first.Channel].(SentLister)
		if lister != nil && first.ClaimedAt != nil {
			msg, _, rerr := d.Renderer.Render(ctx, group)
			sent, lerr := lister.Sent(ctx, first.Address, first.ClaimedAt.Add(-time.Minute))
			if lerr != nil {
				log.Warn("cannot ask the provider what was sent; leaving for the next start", "err", lerr)
				continue
			}
			if rerr == nil {
				m, ok, err := d.matchSent(ctx, sent, msg.Text)
				if err != nil {
					return err
				}
				if ok {
					log.Info("reconciled: the provider sent it before the stop", "provider_id", m.SID)
					if err := d.record(ctx, ids(group), docket.OutboxResult{State: docket.StateSent,
						ProviderID: m.SID, Body: msg.Text, Claimed: first.ClaimedAt}); err != nil {
						return err
					}
					continue
				}
			}
		}
		log.Info("reconciled: not sent before the stop; sending again")
		if err := d.record(ctx, ids(group), docket.OutboxResult{State: docket.StatePending,
			Claimed: first.ClaimedAt}); err != nil {
			return err
		}
	}
	return nil
}

// matchSent finds, among the messages the provider lists, one with this text that no outbox row has claimed yet.
// Two reminders of one hearing read the same, so the text alone would take the 7-day reminder's message for the
// 3-day one's.
func (d *Dispatcher) matchSent(ctx context.Context, sent []docket.SentMessage, body string) (docket.SentMessage, bool, error) {
	var sids []string
	for _, m := range sent {
		if m.Body == body {
			sids = append(sids, m.SID)
		}
	}
	known, err := d.DB.KnownProviderIDs(ctx, sids)
	if err != nil {
		return docket.SentMessage{}, false, err
	}
	for _, m := range sent {
		if m.Body == body && !known[m.SID] {
			return m, true, nil
		}
	}
	return docket.SentMessage{}, false, nil
}

// Preview renders the messages due at now without claiming or sending anything (remind --dry-run).
func (d *Dispatcher) Preview(ctx context.Context, now time.Time) ([]docket.Message, error) {
	rows, err := d.DB.OutboxRows(ctx, docket.OutboxFilter{State: docket.StatePending})
	if err != nil {
		return nil, err
	}
	var due []docket.Reminder
	for _, r := range rows {
		if !r.Due.After(now) && (r.NextAttempt == nil || !r.NextAttempt.After(now)) {
			due = append(due, r)
		}
	}
	var out []docket.Message
	for _, group := range groups(due) {
		live, _, views, err := d.Renderer.live(ctx, group, now)
		if err != nil {
			return nil, err
		}
		if len(live) == 0 {
			continue
		}
		msg, _, err := d.Renderer.render(ctx, live, views)
		if err != nil {
			return nil, err
		}
		out = append(out, msg)
	}
	return out, nil
}
