package reminder

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
)

// Sender delivers a message through one channel and returns the provider's id for it.
type Sender interface {
	Send(ctx context.Context, m docket.Message) (providerID string, err error)
}

// SentLister is a Sender that can say what it actually sent to an address since a time. The dispatcher asks it
// before sending a row again whose earlier attempt may have gone out (a timeout, a crash between claiming and
// recording), so the message is neither lost nor sent twice.
type SentLister interface {
	Sent(ctx context.Context, to string, since time.Time) ([]docket.SentMessage, error)
}

// HearingLoader is a Store that reads many hearings at once: the dispatcher loads a claimed batch's hearings with
// a few queries instead of a few per message.
type HearingLoader interface {
	HearingsByID(ctx context.Context, ids []uint) ([]docket.Hearing, error)
}

// viewsFresh is how long a batch's hearings, read at once, stand for the hearings as they are at sending time;
// older, the batch's rows still to send read them again (again at once). A sync that changes a hearing within that
// second is seen by the sends after the next reading, as a change within the send's own request would be.
const viewsFresh = time.Second

// recheckAfter is the wait for a send slot after which the rules are applied again before the send, even on the
// same hearings: quiet hours may have begun, or the hearing started.
const recheckAfter = 100 * time.Millisecond

// batchViews are the hearings of the rows a lane claimed, read at once.
type batchViews struct {
	mu   sync.Mutex
	ids  []uint // the hearings of the batch's rows
	read time.Time
	m    hearings
}

// views returns the hearings of rows as read for their batch, read again when older than viewsFresh; nil without
// a HearingLoader, when each send reads its own.
func (d *Dispatcher) views(ctx context.Context, b *batchViews, rows []docket.Reminder) (hearings, time.Time, error) {
	loader, ok := d.DB.(HearingLoader)
	if !ok || b == nil {
		return hearings{}, d.Clock.Now(), nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := d.Clock.Now()
	if b.m == nil || now.Sub(b.read) >= viewsFresh || now.Before(b.read) {
		hs, err := loader.HearingsByID(ctx, b.ids)
		if err != nil {
			return nil, time.Time{}, err
		}
		b.m, b.read = make(hearings, len(hs)), now
		for _, h := range hs {
			b.m[h.ID] = h
		}
	}
	out := hearings{}
	for _, r := range rows {
		if h, ok := b.m[r.HearingID]; ok {
			out[r.HearingID] = h
		}
	}
	return out, b.read, nil
}

// OutboxWriter is a Store that makes several writes to leased rows in one transaction (store.WriteOutbox): the
// dispatcher gathers the lease renewals and outcomes of its sends in flight and writes them together.
type OutboxWriter interface {
	WriteOutbox(ctx context.Context, ws []docket.OutboxWrite) ([]bool, error)
}

// outboxWrite is one write waiting for the next transaction.
type outboxWrite struct {
	w    docket.OutboxWrite
	held bool
	err  error
	done chan struct{}
}

// writeOutbox makes w, together with the writes other sends of this dispatcher asked for meanwhile: the first
// sender finding no transaction under way makes one of everything queued, and keeps doing so while more arrives;
// the others wait for theirs. A transaction that fails is retried write by write, so each gets its own answer.
func (d *Dispatcher) writeOutbox(ctx context.Context, w docket.OutboxWrite) (bool, error) {
	writer, ok := d.DB.(OutboxWriter)
	if !ok {
		if w.Finish != nil {
			return true, d.DB.FinishOutbox(ctx, w.IDs, *w.Finish) // held as far as this store can tell
		}
		return d.DB.HoldLease(ctx, w.IDs, w.Owner, w.HoldUntil)
	}
	op := &outboxWrite{w: w, done: make(chan struct{})}
	d.writeMu.Lock()
	d.writes = append(d.writes, op)
	lead := !d.writing
	d.writing = true
	d.writeMu.Unlock()
	if lead {
		for {
			d.writeMu.Lock()
			batch := d.writes
			d.writes = nil
			if len(batch) == 0 {
				d.writing = false
				d.writeMu.Unlock()
				break
			}
			d.writeMu.Unlock()
			ws := make([]docket.OutboxWrite, len(batch))
			for i, b := range batch {
				ws[i] = b.w
			}
			held, err := writer.WriteOutbox(context.WithoutCancel(ctx), ws)
			for i, b := range batch {
				if err == nil {
					b.held = held[i]
				} else if len(batch) == 1 {
					b.err = err
				} else if b.w.Finish != nil {
					b.held, b.err = true, d.DB.FinishOutbox(context.WithoutCancel(ctx), b.w.IDs, *b.w.Finish)
				} else {
					b.held, b.err = d.DB.HoldLease(context.WithoutCancel(ctx), b.w.IDs, b.w.Owner, b.w.HoldUntil)
				}
				close(b.done)
			}
		}
	}
	<-op.done
	return op.held, op.err
}

// SendBudget is a Store that keeps each channel's rate in the database, shared by every process sending from it:
// the carrier allows the office a rate, not each replica. Without it a dispatcher keeps its rate alone.
type SendBudget interface {
	// ReserveSends takes n consecutive send slots of channel at rate, none before now, and returns the first; slot
	// i is first + i/rate.
	ReserveSends(ctx context.Context, channel docket.Channel, now time.Time, n int, rate float64) (time.Time, error)
	// PauseSends gives no slot of channel before until, to any process.
	PauseSends(ctx context.Context, channel docket.Channel, until time.Time) error
}

const (
	// Backoff bounds for temporary failures.
	retryFirst = 30 * time.Second
	retryMax   = 30 * time.Minute
	// askAgain is how long a row waits when the provider cannot be asked whether an earlier attempt went out.
	askAgain = time.Minute
	// idleCheck is the longest a lane sleeps without looking at the outbox: rows planned by another process do not
	// wake this one.
	idleCheck = time.Minute
	// storeRetry is how soon the dispatcher looks at the outbox again after the database failed to answer.
	storeRetry = 2 * time.Second
	// reconcileEvery is how often expired leases are looked for.
	reconcileEvery = 30 * time.Second
	// claimBatch bounds the rows one claim takes; a limited lane takes what it can send in claimAhead.
	claimBatch = 200
	claimAhead = 20 * time.Second
	// sendBound is how long one send may take once started, shutdown or not.
	sendBound = 30 * time.Second
	// outcomeMargin is what a lease keeps beyond the longest send, for its outcome: a send that took all of
	// sendBound is still recorded under the lease that covered it (a write waiting on a busy database, a replica
	// whose clock runs a few seconds ahead), before any reconcile may put its rows back to be sent again.
	outcomeMargin = 30 * time.Second
	// Lease is how long a claim holds its rows unless renewed: longer than a send (sendBound) and the wait of the
	// rows claimed with it (claimAhead), and the outcome's margin after the send (outcomeMargin). The dispatcher
	// renews it before a send when less is left, and before every recording attempt.
	Lease = 2 * time.Minute
	// defaultLatency is the provider latency the automatic concurrency of a limited lane covers: rate ×
	// defaultLatency requests in flight keep the rate while the provider answers within it (Twilio: 100–300 ms, a
	// little more on a bad day). maxAutoConcurrency bounds it.
	defaultLatency     = 500 * time.Millisecond
	maxAutoConcurrency = 64
	// budgetChunk is how much of a channel's rate a lane reserves from the shared budget at once: small, so that
	// replicas interleave and a lane that runs dry leaves little of the budget unused.
	budgetChunk = 200 * time.Millisecond
	maxChunk    = 1000
	// slotGrace is the least time a reserved slot stays usable after it (its turn, 1/rate, when longer). At a few
	// hundred messages a second and more a turn is shorter than a process can keep to (a scheduling delay, a
	// collection), and each slot let go so soon would cost a reservation, a write, for nearly every message. Used
	// late by at most slotGrace, slots put at most rate × slotGrace more messages in any one second than the rate.
	slotGrace = 20 * time.Millisecond
	// recordFor is how long the outcome of a send is retried against a busy or unreachable store.
	recordFor = 10 * time.Minute
	// catchUpFloor is the least lateness never taken for a missed reminder, whatever catch_up says: a morning burst
	// drained at the channel's rate is late by design, not missed.
	catchUpFloor = 15 * time.Minute
)

// Clock is the time source of the dispatcher; clockwork's clocks satisfy it, fake ones in tests.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// Holder is a Clock that a test moves by hand, to the next deadline once everything sleeps. The dispatcher holds
// it while a lane works (a lane busy sending is not asleep), and lets go while the lane itself waits on the clock.
type Holder interface {
	Hold() (release func())
}

// Waker is a Holder whose timers hold it from the moment they fire until the sleeper is done with the wake: between
// a timer firing and the sleeper's next step, a test's clock could otherwise see everyone asleep and move on, and a
// reminder due at 10:00 would be recorded as sent at 10:03.
type Waker interface {
	Holder
	// Wake is After, with done, which the sleeper calls once it has acted on the wake (or gone back to sleep
	// without it): the hold the firing took is let go, or, when the timer has not fired, it never takes one.
	Wake(d time.Duration) (c <-chan time.Time, done func())
}

// after is the Clock's After, through Wake when the clock is a Waker.
func (d *Dispatcher) after(wait time.Duration) (<-chan time.Time, func()) {
	if w, ok := d.Clock.(Waker); ok {
		return w.Wake(wait)
	}
	return d.Clock.After(wait), func() {}
}

// clockHold is one goroutine's hold on a Holder clock; it travels in the goroutine's context.
type clockHold struct {
	c       Holder
	release func()
}

type holdKey struct{}

// withHold gives ctx a new hold on c, taken now, when c is a Holder.
func withHold(ctx context.Context, c Clock) (context.Context, *clockHold) {
	hc, ok := c.(Holder)
	if !ok {
		return ctx, nil
	}
	h := &clockHold{c: hc, release: hc.Hold()}
	return context.WithValue(ctx, holdKey{}, h), h
}

// let lets go of the hold; take takes it again.
func (h *clockHold) let() {
	if h != nil && h.release != nil {
		h.release()
		h.release = nil
	}
}

func (h *clockHold) take() {
	if h != nil && h.release == nil {
		h.release = h.c.Hold()
	}
}

// Dispatcher sends due outbox rows. Each channel has its own lane, so a hung mail server never delays a text; a
// lane sleeps until its next due time (or until woken by new plans), leases rows atomically, and sends each
// household group as one message, several at once up to the channel's concurrency and within its rate. The rules
// that protect a recipient (quiet hours, catch_up, never after the hearing started) are checked just before each
// send, and the outcome is recorded under the lease.
type Dispatcher struct {
	DB      Store
	Senders map[docket.Channel]Sender  // by channel: sms, email
	Rates   map[docket.Channel]float64 // messages per second by channel, the office's; 0 or absent means no limit
	// Concurrency is how many sends of a channel may be in flight at once; 0 or absent means enough to keep a
	// limited channel at its rate when requests take about defaultLatency (rate × latency), and 4 for an unlimited
	// one. A limited channel's rate is shared with every process on the database when the store keeps it
	// (SendBudget).
	Concurrency map[docket.Channel]int
	Renderer    *Renderer
	Clock       Clock
	Log         *slog.Logger
	// Observe, when set, is told of every send attempt: channel, result (sent, retry, failed, opted_out), the
	// provider's error code, and how late the request left against the row's due time.
	Observe func(channel docket.Channel, result, code string, late time.Duration)
	// Owner names this dispatcher in the leases it takes. Empty means one is made: host, process id and a random
	// part, so a restarted process knows the leases of its dead predecessor.
	Owner string

	initOnce    sync.Once
	wake        chan struct{}
	wakeMu      sync.Mutex
	wakeHolds   []func() // a Holder clock's holds taken by Wake, let go once Run has looked at the outbox
	lanes       map[docket.Channel]*lane
	health      health
	reconcileMu sync.Mutex
	reconciled  time.Time // when expired leases were last looked for
	writeMu     sync.Mutex
	writes      []*outboxWrite // waiting for the next transaction
	writing     bool           // a sender is making the transactions
}

// lane is one channel's sending: its own wake-up, rate slots and limit of sends in flight.
type lane struct {
	channel docket.Channel
	sender  Sender
	rate    float64
	conc    int
	kick    chan context.Context // rows are due: drain them

	mu     sync.Mutex
	slot   time.Time   // next free send slot, when the store keeps no shared budget
	slots  []time.Time // send slots reserved from the shared budget and not used yet, in order
	paused time.Time   // no send before this: the provider asked for a pause
	chunk  int         // slots reserved from the shared budget at a time
}

func (d *Dispatcher) init() {
	d.initOnce.Do(func() {
		if d.Owner == "" {
			d.Owner = newOwner()
		}
		liveOwners.Store(d.Owner, true)
		d.wake = make(chan struct{}, 1)
		d.lanes = map[docket.Channel]*lane{}
		for ch, s := range d.Senders {
			l := &lane{channel: ch, sender: s, rate: d.Rates[ch], conc: d.Concurrency[ch],
				kick: make(chan context.Context, 1)}
			if l.conc <= 0 {
				l.conc = 4
				if l.rate > 0 {
					l.conc = min(max(int(math.Ceil(l.rate*defaultLatency.Seconds())), 1), maxAutoConcurrency)
				}
			}
			if l.rate > 0 {
				l.chunk = min(max(int(math.Ceil(l.rate*budgetChunk.Seconds())), 1), maxChunk)
			}
			d.lanes[ch] = l
		}
	})
}

// Wake makes a sleeping dispatcher look at the outbox now (new rows were planned). On a Holder clock, time stands
// still from the call until Run has looked and kicked the lanes with due rows: a test's clock could otherwise see
// the dispatcher asleep until its idle check and move there before the wake is read, and rows due now would go
// minutes late.
func (d *Dispatcher) Wake() {
	d.init()
	if h, ok := d.Clock.(Holder); ok {
		d.wakeMu.Lock()
		d.wakeHolds = append(d.wakeHolds, h.Hold())
		d.wakeMu.Unlock()
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// takeWakes returns the holds Wake has taken so far, which the caller lets go.
func (d *Dispatcher) takeWakes() []func() {
	d.wakeMu.Lock()
	defer d.wakeMu.Unlock()
	holds := d.wakeHolds
	d.wakeHolds = nil
	return holds
}

func (d *Dispatcher) letWakes(holds []func()) {
	for _, release := range holds {
		release()
	}
}

// Ready reports whether the dispatcher can claim and record: the error of the last claim or recording when it
// failed, nil once one succeeds again.
func (d *Dispatcher) Ready() error { return d.health.get() }

// Run dispatches until ctx ends. One loop sleeps until the next due time of any idle lane (or until woken by new
// plans, or by a lane that finished), reconciles expired leases every reconcileEvery, and sets each lane with due
// rows draining on its own; a lane busy with a slow provider holds up no other. Sends in flight when ctx ends are
// finished and recorded before Run returns.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.init()
	type result struct {
		l *lane
		n int
	}
	done := make(chan result, len(d.lanes))
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, l := range d.lanes {
		wg.Go(func() {
			for {
				var lctx context.Context
				select {
				case <-ctx.Done():
					return
				case lctx = <-l.kick:
				}
				n, err := d.drain(lctx, l)
				if err != nil && ctx.Err() == nil {
					d.Log.Error("dispatch", "component", "dispatcher", "channel", l.channel, "err", err)
				}
				done <- result{l, n}
				if h, ok := lctx.Value(holdKey{}).(*clockHold); ok {
					h.let()
				}
			}
		})
	}
	busy := map[*lane]bool{}
	fruitless := map[*lane]bool{} // the lane's last drain settled nothing although rows were due
	woke := func() {}             // done with the last wake: the lanes it kicked hold the clock for themselves
	defer func() { woke() }()
	defer func() { d.letWakes(d.takeWakes()) }()
	for {
		if err := d.reconcileNow(ctx); err != nil && ctx.Err() == nil {
			d.Log.Error("reconcile", "component", "dispatcher", "err", err)
		}
		now := d.Clock.Now()
		wait := idleCheck
		for _, l := range d.lanes {
			if busy[l] {
				continue
			}
			next, ok, err := d.DB.NextDue(ctx, l.channel)
			switch {
			case err != nil:
				// The database failed (down, or a connection it dropped): look again soon, so texts due meanwhile
				// go within seconds of it coming back, not at the next idle check.
				wait = min(wait, storeRetry)
			case !ok:
			case next.After(now):
				wait = min(wait, next.Sub(now))
			case fruitless[l]:
				wait = min(wait, time.Second) // due rows it could not claim: another process holds them
			default:
				busy[l] = true
				lctx, _ := withHold(ctx, d.Clock) // held from now, so time stands still until the lane is done
				l.kick <- lctx
			}
		}
		timer, wokeNext := d.after(wait)
		woke()
		woke = wokeNext
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
			clear(fruitless)
			// The holds of the Wake calls before this one are let go after the next look at the outbox.
			holds, next := d.takeWakes(), woke
			woke = func() { next(); d.letWakes(holds) }
		case r := <-done:
			busy[r.l], fruitless[r.l] = false, r.n == 0
		case <-timer:
			clear(fruitless)
		}
	}
}

// reconcileNow reconciles when no lane has for reconcileEvery (or ever).
func (d *Dispatcher) reconcileNow(ctx context.Context) error {
	d.reconcileMu.Lock()
	now := d.Clock.Now()
	due := d.reconciled.IsZero() || now.Sub(d.reconciled) >= reconcileEvery
	if due {
		d.reconciled = now
	}
	d.reconcileMu.Unlock()
	if !due {
		return nil
	}
	return d.Reconcile(ctx)
}

// DispatchDue sends everything due now on every channel, the channels side by side, and returns how many rows it
// settled.
func (d *Dispatcher) DispatchDue(ctx context.Context) (int, error) {
	d.init()
	var (
		mu    sync.Mutex
		total int
		errs  []error
		wg    sync.WaitGroup
	)
	for _, l := range d.lanes {
		wg.Go(func() {
			n, err := d.drain(ctx, l)
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", l.channel, err))
			}
		})
	}
	wg.Wait()
	return total, errors.Join(errs...)
}

// drain claims and sends a lane's due rows until none is left.
func (d *Dispatcher) drain(ctx context.Context, l *lane) (int, error) {
	total := 0
	limit := claimBatch
	if l.rate > 0 {
		limit = min(max(int(l.rate*claimAhead.Seconds()), l.conc), claimBatch)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		inFlight = make(chan struct{}, l.conc)
	)
	own, _ := ctx.Value(holdKey{}).(*clockHold)
	// The sends of a batch overlap the claim of the next: once every group of a batch has started, the next batch
	// is claimed while the last of them are still in flight, so the lane never waits for its slowest send.
	defer func() {
		own.let()
		wg.Wait()
		own.take()
	}()
	failed := func() error {
		mu.Lock()
		defer mu.Unlock()
		return firstErr
	}
	for ctx.Err() == nil {
		if err := failed(); err != nil {
			return total, err
		}
		rows, err := d.DB.ClaimDue(ctx, docket.Claim{Now: d.Clock.Now(), Channel: l.channel, Limit: limit,
			Owner: d.Owner, Lease: Lease})
		d.health.set("claim", err)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			own.let()
			wg.Wait()
			own.take()
			return total, failed()
		}
		bv := &batchViews{}
		seen := map[uint]bool{}
		for _, r := range rows {
			if !seen[r.HearingID] {
				seen[r.HearingID] = true
				bv.ids = append(bv.ids, r.HearingID)
			}
		}
		for _, group := range groups(rows) {
			select {
			case inFlight <- struct{}{}: // a free slot: the clock stays held from the claim to the worker's start
			default:
				own.let() // the workers hold the clock for themselves; this goroutine only waits for them
				inFlight <- struct{}{}
				own.take()
			}
			wctx, wh := withHold(ctx, d.Clock)
			wg.Go(func() {
				defer func() { wh.let(); <-inFlight }()
				if err := d.send(wctx, l, group, bv); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			})
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
func (d *Dispatcher) send(ctx context.Context, l *lane, group []docket.Reminder, bv *batchViews) error {
	first := group[0]
	log := d.Log.With("component", "dispatcher", "outbox_ids", ids(group), "kind", first.Kind, "channel", first.Channel,
		"to", first.Address)
	if ctx.Err() != nil {
		// Told to stop before this group's turn: it goes back untouched, for the next run.
		return d.record(ctx, ids(group), docket.OutboxResult{State: docket.StatePending, NotAttempted: true})
	}
	views, read, err := d.views(ctx, bv, group)
	if err != nil {
		return err
	}
	now := d.Clock.Now()
	live, msg, start, err := d.rule(ctx, log, group, views, now)
	if err != nil || len(live) == 0 {
		return err
	}
	if first.Attempts > 1 {
		// An earlier attempt may have gone out (a timeout once the provider had the message, a process stopped
		// between sending and recording): ask the provider first, and while it cannot be asked, wait.
		if lister, ok := l.sender.(SentLister); ok {
			sent, err := lister.Sent(ctx, first.Address, first.CreatedAt.Add(-time.Minute))
			if err != nil {
				next := d.Clock.Now().Add(askAgain)
				log.Warn("cannot ask the provider whether an earlier attempt went out; waiting", "err", err,
					"next_attempt", next)
				return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StatePending, NextTry: &next,
					NotAttempted: true, Error: "provider cannot be asked about an earlier attempt: " + err.Error()})
			}
			m, ok, err := d.matchSent(ctx, sent, msg.Text)
			if err != nil {
				return err
			}
			if ok {
				log.Info("already sent by an earlier attempt", "provider_id", m.SID)
				return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StateSent, ProviderID: m.SID,
					Body: msg.Text})
			}
		}
	}
	// The lease must cover the wait for a slot (at most claimAhead), the send (at most sendBound) and the writing of
	// its outcome (outcomeMargin). The claim's own lease does when that much of it is left: until it ends no other
	// process can take the rows (only the reconcile of an expired lease puts a row back), so a renewal then would be
	// a write for nothing. A shorter lease is renewed before the wait, so that a write waiting on the database cannot
	// bunch sends up after their slots; not held means another dispatcher took the rows over.
	until := leaseEnd(live)
	if until.Sub(d.Clock.Now()) < claimAhead+sendBound+outcomeMargin {
		var ok bool
		if until, ok, err = d.renew(ctx, log, live); err != nil || !ok {
			return err
		}
	}
	if slot, err := d.waitSlot(ctx, l); err != nil {
		var next *time.Time
		if errors.Is(err, errLongWait) {
			next = &slot
		}
		rerr := d.record(ctx, ids(live), docket.OutboxResult{State: docket.StatePending, NextTry: next,
			NotAttempted: true})
		if errors.Is(err, errLongWait) || ctx.Err() != nil {
			return rerr
		}
		return cmp.Or(rerr, err) // the shared budget could not be read: a store error
	}
	// After the wait, the rules again, on the hearings as read no more than viewsFresh ago: a change synced, quiet
	// hours begun or the hearing started while this waited its turn is seen before the effect. The message is made
	// again when the rows to send or their hearings are no longer those it was made from.
	if views2, read2, err := d.views(ctx, bv, live); err != nil {
		return err
	} else if now2 := d.Clock.Now(); !read2.Equal(read) || now2.Sub(now) >= recheckAfter {
		if live, msg, start, err = d.rule(ctx, log, live, views2, now2); err != nil || len(live) == 0 {
			return err
		}
	}
	// The opt-out list (a STOP may have arrived while this waited its turn).
	if out, err := d.DB.IsOptedOut(ctx, first.Channel, first.Address); err != nil {
		return err
	} else if out {
		log.Info("skipped: recipient opted out")
		return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StateSkipped, Error: "opted out"})
	}
	// The last moment before the effect: the lease must still cover the whole send and its outcome. A slot wait, a
	// slow read or a process that stood still since the renewal can have used it up. Once it has run out, any claim
	// (this dispatcher's next one too) may have taken the rows and be sending them: they are not sent here, and are
	// left as they are for the reconcile, which puts them back unless taken, to go through the path that first asks
	// the provider. (Not released here: a claim of this dispatcher can hold the same owner and end.) Close to its
	// end, the lease is renewed.
	if now := d.Clock.Now(); !now.Before(until) {
		log.Warn("the lease ran out before the send; not sending", "lease_until", until)
		return nil
	} else if now.Add(sendBound + outcomeMargin).After(until) {
		if until, ok, err := d.renew(ctx, log, live); err != nil || !ok {
			return err
		} else if d.Clock.Now().Add(sendBound).After(until) {
			// The renewal's write waited on the database for most of the lease it wrote.
			log.Warn("the lease renewal took too long to leave time for the send; not sending", "lease_until", until)
			return nil
		}
	}
	// A send under way finishes even when the daemon is told to stop, within a bound.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendBound)
	late := d.Clock.Now().Sub(first.Due)
	id, sendErr := l.sender.Send(sctx, msg)
	cancel()
	d.observe(first.Channel, sendErr, late)
	if sendErr == nil {
		log.Info("sent", "provider_id", id, "late_ms", d.Clock.Now().Sub(first.Due).Milliseconds())
		return d.record(ctx, ids(live), docket.OutboxResult{State: docket.StateSent, ProviderID: id, Body: msg.Text})
	}
	return d.failed(ctx, log, l, live, start, sendErr)
}

// leaseEnd is when the lease of rows as claimed ends: the earliest of theirs, zero when one has none.
func leaseEnd(rows []docket.Reminder) time.Time {
	var end time.Time
	for i, r := range rows {
		if r.LeaseUntil == nil {
			return time.Time{}
		}
		if i == 0 || r.LeaseUntil.Before(end) {
			end = *r.LeaseUntil
		}
	}
	return end
}

// renew renews the lease of rows for Lease from now and returns its end. Not held means another dispatcher took
// them over: they are not sent.
func (d *Dispatcher) renew(ctx context.Context, log *slog.Logger, rows []docket.Reminder) (time.Time, bool, error) {
	until := d.Clock.Now().Add(Lease)
	held, err := d.writeOutbox(ctx, docket.OutboxWrite{IDs: ids(rows), Owner: d.Owner, HoldUntil: until})
	d.health.set("lease", err)
	if err != nil {
		return until, false, err
	}
	if !held {
		log.Warn("another dispatcher took these rows over; not sending")
	}
	return until, held, nil
}

// rule applies the rules that protect a recipient to group at now, records the rows they settle (cancelled,
// skipped, waiting), and makes the message of the rest. No rows left to send is not an error.
func (d *Dispatcher) rule(ctx context.Context, log *slog.Logger, group []docket.Reminder, views hearings,
	now time.Time) ([]docket.Reminder, docket.Message, time.Time, error) {
	live, settled, views, err := d.Renderer.liveFrom(ctx, group, now, views)
	if err != nil {
		return nil, docket.Message{}, time.Time{}, err
	}
	for _, s := range settled {
		if err := d.record(ctx, []uint{s.row.ID}, s.result); err != nil {
			return nil, docket.Message{}, time.Time{}, err
		}
		log.Info("not sent now", "outbox_id", s.row.ID, "state", s.result.State, "reason", s.result.Error)
	}
	if len(live) == 0 {
		return nil, docket.Message{}, time.Time{}, nil
	}
	msg, start, err := d.Renderer.render(ctx, live, views, now)
	if err != nil {
		log.Error("render", "err", err)
		return nil, docket.Message{}, time.Time{}, d.record(ctx, ids(live), docket.OutboxResult{State: docket.StateFailed,
			Error: "render: " + err.Error()})
	}
	return live, msg, start, nil
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
func (d *Dispatcher) failed(ctx context.Context, log *slog.Logger, l *lane, rows []docket.Reminder, start time.Time,
	sendErr error) error {
	first := rows[0]
	var ne *docket.SendError
	code := ""
	if errors.As(sendErr, &ne) {
		code = ne.Code
	}
	switch {
	case ne != nil && ne.OptedOut:
		log.Info("recipient opted out with the provider", "code", code)
		if err := d.DB.OptOut(context.WithoutCancel(ctx), first.Channel, first.Address, "provider "+code,
			d.Clock.Now()); err != nil {
			return err
		}
		return d.record(ctx, ids(rows), docket.OutboxResult{State: docket.StateSkipped, ErrorCode: code,
			Error: "opted out with the provider"})
	case docket.IsTemporary(sendErr):
		now := d.Clock.Now()
		next := now.Add(backoff(first.Attempts))
		if ne != nil && ne.RetryAfter > 0 {
			// The provider asked for a pause: nothing more of this channel goes to it before then.
			asked := now.Add(ne.RetryAfter)
			if asked.After(next) {
				next = asked
			}
			l.pause(asked)
			if b, ok := d.DB.(SendBudget); ok && l.rate > 0 {
				if err := b.PauseSends(context.WithoutCancel(ctx), l.channel, asked); err != nil {
					return err
				}
			}
			// Every process sending on this channel sees the pause: the rows due meanwhile wait for its end.
			if n, err := d.DB.DeferDue(context.WithoutCancel(ctx), l.channel, asked); err != nil {
				return err
			} else if n > 0 {
				log.Warn("the provider asked for a pause; due messages of the channel wait", "until", asked, "rows", n)
			}
		}
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

// record stores the outcome of leased rows. A message that went out must be recorded, or the rows would stay
// "sending" until their lease expired; so a store that is busy (SQLite locked by another writer) or unreachable for
// a while is retried, up to recordFor, renewing the lease between tries so no one takes the rows for abandoned.
func (d *Dispatcher) record(ctx context.Context, ids []uint, r docket.OutboxResult) error {
	ctx = context.WithoutCancel(ctx)
	r.Owner = d.Owner
	deadline := d.Clock.Now().Add(recordFor)
	wait := time.Second
	for {
		held, err := d.writeOutbox(ctx, docket.OutboxWrite{IDs: ids, Finish: &r})
		d.health.set("record", err)
		if err == nil && !held {
			// The lease ran out and another process put the rows back or took them: this outcome is not theirs,
			// and a message that went out here may go out again.
			d.Log.Warn("outcome not recorded: another process took these rows back after this lease ran out",
				"component", "dispatcher", "outbox_ids", ids, "state", r.State, "provider_id", r.ProviderID)
		}
		if err == nil || !d.Clock.Now().Before(deadline) {
			return err
		}
		d.Log.Warn("recording an outcome failed; retrying", "component", "dispatcher", "outbox_ids", ids, "err", err)
		_ = d.sleep(ctx, wait)
		wait = min(wait*2, 5*time.Second)
		_, _ = d.DB.HoldLease(ctx, ids, d.Owner, d.Clock.Now().Add(Lease))
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

// errLongWait says a lane's next free slot is further away than a claimed row should wait for it.
var errLongWait = errors.New("the channel is paused")

// waitSlot keeps a lane within its rate and any pause the provider asked for. A slot further away than claimAhead
// (a pause) is not waited for: it returns errLongWait with the slot, and the row goes back until then. When the
// store keeps a shared budget the slots come from it, a few at a time, so every process on the database together
// keeps to the rate; a reserved slot not used within its turn (1/rate, at least slotGrace) is let go.
func (d *Dispatcher) waitSlot(ctx context.Context, l *lane) (time.Time, error) {
	l.mu.Lock()
	now := d.Clock.Now()
	slot, err := l.take(ctx, d.DB, now)
	if err != nil {
		l.mu.Unlock()
		return slot, err
	}
	l.mu.Unlock()
	if wait := slot.Sub(now); wait > 0 {
		return slot, d.sleep(ctx, wait)
	}
	return slot, nil
}

// take returns the lane's next send slot, and uses it up unless it is further than claimAhead away. l.mu is held.
func (l *lane) take(ctx context.Context, db Store, now time.Time) (time.Time, error) {
	from := now
	if l.paused.After(from) {
		from = l.paused
	}
	budget, shared := db.(SendBudget)
	if l.rate <= 0 || !shared {
		slot := l.slot
		if slot.Before(from) {
			slot = from
		}
		if slot.Sub(now) > claimAhead {
			return slot, errLongWait
		}
		if l.rate > 0 {
			l.slot = slot.Add(time.Duration(float64(time.Second) / l.rate))
		}
		return slot, nil
	}
	turn := max(time.Duration(float64(time.Second)/l.rate), slotGrace)
	for len(l.slots) > 0 && (!now.Before(l.slots[0].Add(turn)) || l.slots[0].Before(l.paused)) {
		l.slots = l.slots[1:] // its turn passed unused, or the provider asked for a pause over it
	}
	if len(l.slots) == 0 {
		first, err := budget.ReserveSends(ctx, l.channel, from, l.chunk, l.rate)
		if err != nil {
			return time.Time{}, err
		}
		for i := range l.chunk {
			l.slots = append(l.slots, first.Add(time.Duration(float64(i)*float64(time.Second)/l.rate)))
		}
	}
	slot := l.slots[0]
	if slot.Sub(now) > claimAhead {
		return slot, errLongWait
	}
	l.slots = l.slots[1:]
	return slot, nil
}

// sleep waits on the clock, letting go of the goroutine's hold on it meanwhile.
func (d *Dispatcher) sleep(ctx context.Context, wait time.Duration) error {
	timer, woke := d.after(wait)
	defer woke() // after the hold is taken again: the wake holds the clock until then
	if h, ok := ctx.Value(holdKey{}).(*clockHold); ok {
		h.let()
		defer h.take()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer:
		return nil
	}
}

// pause makes the lane send nothing before until.
func (l *lane) pause(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.paused) {
		l.paused = until
	}
}

// Reconcile puts rows whose lease has expired back to pending: their dispatcher stopped between claiming and
// recording. A lease of a process on this host that is no longer running counts as expired at once. The row is sent
// again through the normal path, which first asks a channel that can list what it sent whether the earlier attempt
// went out, and waits while it cannot be asked. A live lease is never touched.
func (d *Dispatcher) Reconcile(ctx context.Context) error {
	d.init()
	rows, err := d.DB.Sending(ctx)
	if err != nil {
		return err
	}
	now := d.Clock.Now()
	type lease struct {
		owner string
		until time.Time
		set   bool
	}
	byLease := map[lease][]uint{}
	var order []lease
	for _, r := range rows {
		k := lease{owner: r.LeaseOwner}
		if r.LeaseUntil != nil {
			k.until, k.set = *r.LeaseUntil, true
		}
		if k.set && !k.until.Before(now) && !ownerGone(r.LeaseOwner) {
			continue
		}
		if _, ok := byLease[k]; !ok {
			order = append(order, k)
		}
		byLease[k] = append(byLease[k], r.ID)
	}
	for _, k := range order {
		var until *time.Time
		if k.set {
			until = &k.until
		}
		n, err := d.DB.ReleaseLease(ctx, byLease[k], k.owner, until, "its dispatcher stopped before recording the outcome")
		if err != nil {
			return err
		}
		if n > 0 {
			d.Log.Info("reconciled: a dispatcher stopped while sending; the rows go through sending again",
				"component", "dispatcher", "outbox_ids", byLease[k], "lease_owner", k.owner)
			d.Wake()
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

// Preview renders the messages that would go out at now without claiming or sending anything (remind --dry-run):
// rows the rules would hold back (quiet hours, past catch_up, superseded) are not shown.
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
	due = latestOverdue(due)
	var out []docket.Message
	for _, group := range groups(due) {
		live, _, views, err := d.Renderer.live(ctx, group, now)
		if err != nil {
			return nil, err
		}
		if len(live) == 0 {
			continue
		}
		msg, _, err := d.Renderer.render(ctx, live, views, now)
		if err != nil {
			return nil, err
		}
		out = append(out, msg)
	}
	return out, nil
}

// latestOverdue keeps, of due reminders for one hearing, recipient and channel, only the latest due, as a claim
// does.
func latestOverdue(rows []docket.Reminder) []docket.Reminder {
	type who struct {
		hearing            uint
		recipient, id, via string
		sequence           int
	}
	latest := map[who]time.Time{}
	key := func(r docket.Reminder) who {
		return who{r.HearingID, r.Recipient, r.RecipientID, string(r.Channel), r.Sequence}
	}
	for _, r := range rows {
		if r.Kind == docket.KindReminder && r.Due.After(latest[key(r)]) {
			latest[key(r)] = r.Due
		}
	}
	return slices.DeleteFunc(rows, func(r docket.Reminder) bool {
		return r.Kind == docket.KindReminder && r.Due.Before(latest[key(r)])
	})
}

// health remembers whether the last claim, lease renewal or recording failed, for readiness.
type health struct {
	mu   sync.Mutex
	errs map[string]error
}

func (h *health) set(what string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.errs == nil {
		h.errs = map[string]error{}
	}
	if err == nil {
		delete(h.errs, what)
	} else {
		h.errs[what] = err
	}
}

func (h *health) get() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, what := range []string{"claim", "lease", "record"} {
		if err := h.errs[what]; err != nil {
			return fmt.Errorf("outbox %s failing: %w", what, err)
		}
	}
	return nil
}

// liveOwners are the dispatchers of this process: their leases are alive whatever their process id says.
var liveOwners sync.Map

// newOwner names a dispatcher: the place its process id means something (ownerPlace), the process id, and a random
// part that tells it from an earlier process that had the same id (a container's process 1 after a restart).
func newOwner() string {
	var b [6]byte
	_, _ = crand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", ownerPlace(), os.Getpid(), hex.EncodeToString(b[:]))
}
