package reminder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
)

// The ladder: a client's reminder that did not reach them goes again, once, by the next of their channels
// (docket.Client.Channels): a text the carrier did not deliver goes by WhatsApp, a WhatsApp message that failed as a
// call, and so on. With docket.FallbackUnconfirmed the day-before reminder also goes by the next channel when the client
// has not confirmed it. After the last channel the client is on counsel's call list (scheduler/calllist lists a
// client whose reminders failed or went unconfirmed). Each rung is an outbox row like any other: planned once by its
// key (which names the channel), sent through the dispatcher's lane of its channel under quiet hours and the rate
// limit, and recorded under the lease.

const (
	// fallbackMark ends the group key of a reminder the ladder moved to a client's next channel, which tells it
	// from one planned on the client's first channel.
	fallbackMark = "/fallback"
	// ladderLookBack bounds the rows the ladder reads: reminders due this long ago or later (the longest offsets are
	// a few weeks before a hearing, and a failed one of those is long answered by the later ones).
	ladderLookBack = 45 * 24 * time.Hour
	// unconfirmedWait is how long after the day-before reminder went out the client has to confirm it before it
	// goes by the next channel: enough to read and answer, early enough to still reach them that day.
	unconfirmedWait = 2 * time.Hour
	// dayBefore is how close to the hearing a reminder is the day-before one.
	dayBefore = 36 * time.Hour
)

// ladder plans the next rung of every client reminder that needs one, and returns how many rows it planned.
func (p *Planner) ladder(ctx context.Context, rules Rules, now time.Time) (int, error) {
	if rules.Fallback != docket.FallbackUndelivered && rules.Fallback != docket.FallbackUnconfirmed {
		return 0, nil
	}
	from := now.Add(-ladderLookBack)
	candidates, err := p.DB.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateFailed,
		Recipient: docket.ToClient, DueFrom: from})
	if err != nil {
		return 0, fmt.Errorf("ladder: %w", err)
	}
	if rules.Fallback == docket.FallbackUnconfirmed {
		for _, st := range []docket.ReminderState{docket.StateSent, docket.StateDelivered} {
			rows, err := p.DB.OutboxRows(ctx, docket.OutboxFilter{State: st, Recipient: docket.ToClient,
				DueFrom: now.Add(-2 * dayBefore)})
			if err != nil {
				return 0, fmt.Errorf("ladder: %w", err)
			}
			candidates = append(candidates, rows...)
		}
	}
	cache := hearings{}
	confirmed := map[string]bool{} // hearing and client with a confirmed reminder
	var next []docket.Reminder
	for _, r := range candidates {
		if r.Kind != docket.KindReminder || r.Recipient != docket.ToClient || r.Due.Before(from) {
			continue
		}
		if r.State != docket.StateFailed && !p.unconfirmed(ctx, r, now, confirmed) {
			continue
		}
		h, err := cache.get(ctx, p.DB, r.HearingID)
		if err != nil {
			if errors.Is(err, docket.ErrNotFound) {
				continue
			}
			return 0, fmt.Errorf("ladder: %w", err)
		}
		if row, ok := nextRung(r, h, rules, now); ok && (r.State == docket.StateFailed || h.Start.Sub(r.Due) <= dayBefore) {
			next = append(next, row)
		}
	}
	if len(next) == 0 {
		return 0, nil
	}
	n, err := p.DB.PlanOutbox(ctx, next)
	if err != nil {
		return n, fmt.Errorf("ladder: %w", err)
	}
	if n > 0 {
		p.Log.Info("reminders moved to the next channel", "component", "planner", "rows", n, "fallback", rules.Fallback)
	}
	return n, nil
}

// unconfirmed reports whether r, a reminder that went out, has waited unconfirmedWait without the client confirming
// any reminder of its hearing. confirmed caches the answer by hearing and client.
func (p *Planner) unconfirmed(ctx context.Context, r docket.Reminder, now time.Time, confirmed map[string]bool) bool {
	if r.SentAt == nil || now.Sub(*r.SentAt) < unconfirmedWait || r.ConfirmedAt != nil {
		return false
	}
	key := fmt.Sprintf("%d/%s", r.HearingID, r.RecipientID)
	if c, ok := confirmed[key]; ok {
		return !c
	}
	rows, err := p.DB.OutboxRows(ctx, docket.OutboxFilter{HearingID: r.HearingID, Recipient: docket.ToClient,
		RecipientID: r.RecipientID})
	if err != nil {
		return false // asked again at the next plan
	}
	c := false
	for _, o := range rows {
		c = c || (o.ConfirmedAt != nil && o.RecipientID == r.RecipientID)
	}
	confirmed[key] = c
	return !c
}

// nextRung is r on its client's next channel, due now (or when the client's quiet hours end), false when there is
// none: the client is reached on no later channel, the hearing changed or is past, or the client is in custody.
func nextRung(r docket.Reminder, h docket.Hearing, rules Rules, now time.Time) (docket.Reminder, bool) {
	if h.Status != docket.StatusScheduled || r.Sequence != h.Sequence || !h.Start.After(now) {
		return docket.Reminder{}, false
	}
	var c docket.Client
	found := false
	for _, x := range h.Clients {
		if x.ID == r.RecipientID {
			c, found = x, true
		}
	}
	if !found || h.InCustody(c) {
		return docket.Reminder{}, false
	}
	ch, ok := c.NextChannel(r.Channel)
	if !ok {
		return docket.Reminder{}, false
	}
	addr := c.AddressOn(ch)
	state := ""
	if ch.ByPhone() {
		state = docket.LawState(c.State, c.Phone)
	}
	due, ok := forward(now.In(c.Location(rules.DefaultZone)), h.Start, rules.quietFor(ch, state))
	if !ok {
		return docket.Reminder{}, false
	}
	row := docket.Reminder{HearingID: h.ID, Recipient: docket.ToClient, RecipientID: c.ID, Channel: ch, Address: addr,
		Kind: docket.KindReminder, Policy: r.Policy, Offset: r.Offset, Sequence: h.Sequence, Due: due.UTC(),
		State:    docket.StatePending,
		GroupKey: groupKey(docket.KindReminder, ch, addr, h, r.Policy+"/"+r.Offset) + fallbackMark}
	row.DedupeKey = docket.DedupeKey(h.Identity(), row)
	return row, true
}

// movedChannel reports whether row, a client's reminder planned by a policy for texts on the client's first
// channel, is no longer on it: the client's order of channels changed since it was planned. A reminder the ladder
// moved to a later channel stays.
func movedChannel(row docket.Reminder, c docket.Client, rules Rules) bool {
	if row.Kind != docket.KindReminder || strings.HasSuffix(row.GroupKey, fallbackMark) {
		return false
	}
	for _, p := range rules.Policies {
		if p.Name == row.Policy {
			return p.To == "client" && p.Channel == docket.SMS && row.Channel != c.ChannelOrder()[0]
		}
	}
	return false
}
