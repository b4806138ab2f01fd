package reminder

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
)

// Planner turns hearings × policies × recipients into outbox rows. Planning is idempotent: every row has a key
// naming what it is for, and planning the same thing twice creates nothing.
type Planner struct {
	DB    Store
	Rules func() Rules // read at every run, so a reload takes effect at the next plan
	Now   func() time.Time
	Log   *slog.Logger

	// unknownTime holds the ids of the hearings whose time of day is unknown that the log has named, so a
	// hearing is named once rather than at every run.
	unknownTime sync.Map
}

// PlanResult counts what a planning run did.
type PlanResult struct {
	Planned   int // new rows
	Cancelled int // pending rows made stale by a change
}

// dayBoundary is the hour (UTC) at which planning pages are cut: 10:00 UTC is between the evening and the morning
// court sessions of every US immigration court, from Saipan to Puerto Rico, so one court-local day of hearings
// never straddles two pages (docket.Prevailing compares hearings of one day; a hearing moved to another day is
// compared through its first slot, which the store reads beyond the page: HearingFilter.MarkSetAside).
const dayBoundary = 10 * time.Hour

// Plan plans every reminder and change notice due from now on. It reads hearings a few court days at a time (whole
// days, at least pageHearings hearings a page), so memory stays flat however many hearings are upcoming, and only
// hearings of cases with a client.
func (p *Planner) Plan(ctx context.Context) (PlanResult, error) {
	var res PlanResult
	now := p.Now()
	rules := p.Rules()
	// Status is filtered here rather than in SQL: almost every hearing is scheduled or cancelled, and an index on
	// status would lead the database away from the one on start that pages need.
	filter := docket.HearingFilter{WithPeople: true}
	var pending []docket.Reminder
	flush := func() error {
		n, err := p.DB.PlanOutbox(ctx, pending)
		res.Planned += n
		pending = pending[:0]
		return err
	}
	for cursor := now; ; {
		// A page ends with the court day of its pageHearings-th hearing (or runs to the end): a sparse calendar is read
		// in a few pages, not one for every day that has a hearing, and no court day is split.
		filter.From, filter.To, filter.Limit, filter.Offset = cursor, time.Time{}, 1, pageHearings-1
		edge, err := p.DB.Hearings(ctx, filter)
		if err != nil {
			return res, fmt.Errorf("plan: %w", err)
		}
		filter.Limit, filter.Offset = 0, 0
		if len(edge) > 0 {
			day := edge[0].Start.UTC().Truncate(24 * time.Hour).Add(dayBoundary)
			if day.After(edge[0].Start) {
				day = day.Add(-24 * time.Hour)
			}
			filter.To = day.Add(24 * time.Hour)
		}
		// The page is read once, with the hearings another source's report takes precedence over marked: the store
		// decides it with every hearing of the page's cases in view, not only the page's (a hearing one source moved
		// to another day is still the one the other source lists on its first day).
		page := filter
		page.Precedence, page.MarkSetAside = rules.Precedence, len(rules.Precedence) > 0
		all, err := p.DB.Hearings(ctx, page)
		if err != nil {
			return res, fmt.Errorf("plan: %w", err)
		}
		hs := all[:0]
		for _, h := range all {
			// A completed hearing (its case decided) is planned too, so its pending reminders are cancelled.
			if h.Status == docket.StatusScheduled || h.Status == docket.StatusCancelled || h.Status == docket.StatusCompleted {
				hs = append(hs, h)
			}
		}
		rows, cancelled, err := p.planPage(ctx, hs, rules, now)
		res.Cancelled += cancelled
		if err != nil {
			return res, err
		}
		pending = append(pending, rows...)
		if len(pending) >= planFlush {
			if err := flush(); err != nil {
				return res, err
			}
		}
		if filter.To.IsZero() {
			break // the last page
		}
		cursor = filter.To
	}
	if err := flush(); err != nil {
		return res, err
	}
	n, err := p.ladder(ctx, rules, now)
	res.Planned += n
	if err != nil {
		return res, err
	}
	if res.Planned > 0 || res.Cancelled > 0 {
		p.Log.Info("planned", "component", "planner", "new", res.Planned, "cancelled", res.Cancelled)
	}
	return res, nil
}

// pageHearings is how many hearings a page holds at least (but the last): a page is then the rest of that
// hearing's court day too, so a day with thousands of hearings is still one page, and memory is bounded by the
// busiest day.
var pageHearings = 500 // a variable so that a test can page one hearing at a time

// planFlush is how many planned rows are written together: one transaction per thousand rows rather than one
// per court day, while memory stays bounded.
const planFlush = 1000

// planPage plans the hearings of one page (whole court days): it returns the rows to write and cancels what changes made stale.
func (p *Planner) planPage(ctx context.Context, hs []docket.Hearing, rules Rules, now time.Time) ([]docket.Reminder, int, error) {
	cancelled := 0
	var rows []docket.Reminder
	for _, h := range hs {
		if h.SetAside {
			// Another, more trusted source reports this hearing: its report is the one people hear about.
			n, err := p.DB.CancelPending(ctx, h.ID, "another source takes precedence for this hearing")
			if err != nil {
				return nil, cancelled, fmt.Errorf("plan: %w", err)
			}
			cancelled += n
			continue
		}
		scheduled := h.Status == docket.StatusScheduled
		if h.Sequence > 0 || !scheduled {
			n, err := p.DB.CancelStale(ctx, h.ID, h.Sequence, scheduled)
			if err != nil {
				return nil, cancelled, fmt.Errorf("plan: %w", err)
			}
			cancelled += n
		}
		if ids := inCustody(h); len(ids) > 0 {
			// A client who is now in custody (a reload said so, or the hearing went onto a detained docket) is
			// sent nothing that asks them to travel: what was planned for their own phone and email is cancelled.
			n, err := p.DB.CancelPendingTo(ctx, h.ID, docket.ToClient, ids, custodyReason)
			if err != nil {
				return nil, cancelled, fmt.Errorf("plan: %w", err)
			}
			cancelled += n
		}
		if scheduled {
			rows = append(rows, p.reminders(h, rules, now)...)
		}
		// A decided case gets no change notice: "your hearing moved" or "was cancelled" would be wrong, and what the
		// decision means is counsel's to tell; counsel's feed shows it. The latest change is read once, for the
		// notice and counsel's deadline alarm alike.
		changed := h.Status != docket.StatusCompleted && h.Sequence > 0 && h.ChangedAt.After(h.FirstSeen)
		var changes []docket.HearingChange
		if changed && h.Status == docket.StatusScheduled && (rules.NotifyChanges || rules.Deadlines) {
			var err error
			if changes, err = p.DB.LastChange(ctx, h); err != nil {
				return nil, cancelled, fmt.Errorf("plan: %w", err)
			}
		}
		if rules.NotifyChanges && changed {
			rows = append(rows, p.notices(h, rules, now, changes)...)
		}
		rows = append(rows, p.deadlineAlarms(h, rules, now, changes)...)
	}
	return rows, cancelled, nil
}

// custodyReason is why a row to a client's own phone or email is cancelled.
const custodyReason = "the client is in custody: nothing goes to their own phone or email"

// inCustody returns the ids of h's clients who are in custody.
func inCustody(h docket.Hearing) []string {
	var ids []string
	for _, c := range h.Clients {
		if h.InCustody(c) {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// recipient is someone a hearing concerns, on one channel, with the quiet hours that protect them there.
type recipient struct {
	kind, id, address string
	zone              *time.Location
	quiet             quietHours
	// channel is the channel the recipient is reached on: the policy's, or for a client with an order of channels
	// and a policy for texts, the first of theirs.
	channel docket.Channel
}

// recipients are the people a policy for to ("client" or "attorney") reaches on channel. A client in custody is never
// one: their contact person, when one is named, is reached in their place (kind docket.ToContact, id the client's,
// at the client's zone), on the contact's phone for texts, WhatsApp and calls and email for email. A client with an
// order of channels is reached by a policy for texts on the first of them.
func recipients(h docket.Hearing, to string, channel docket.Channel, rules Rules) []recipient {
	var out []recipient
	pick := func(ch docket.Channel, phone, email string) string {
		if ch.ByPhone() {
			return docket.AddressFor(ch, phone)
		}
		return email
	}
	// The law state decides the quiet hours of texts and calls only (quietFor); an email address has no area code.
	lawState := func(ch docket.Channel, key, address string) string {
		if !ch.ByPhone() {
			return ""
		}
		return docket.LawState(key, docket.PhoneOf(address))
	}
	if to == "client" {
		for _, c := range h.Clients {
			switch {
			case !h.InCustody(c):
				ch := channel
				if ch == docket.SMS {
					ch = c.ChannelOrder()[0]
				}
				if a := pick(ch, c.Phone, c.Email); a != "" {
					out = append(out, recipient{docket.ToClient, c.ID, a, c.Location(rules.DefaultZone),
						rules.quietFor(ch, lawState(ch, c.State, a)), ch})
				}
			case c.Contact.Named():
				if a := pick(channel, c.Contact.Phone, c.Contact.Email); a != "" {
					out = append(out, recipient{docket.ToContact, c.ID, a, c.Location(rules.DefaultZone),
						rules.quietFor(channel, lawState(channel, "", a)), channel})
				}
			}
		}
	} else {
		for _, a := range h.Attorneys {
			if addr := pick(channel, a.Phone, a.Email); addr != "" {
				out = append(out, recipient{docket.ToAttorney, a.ID, addr, a.Location(rules.DefaultZone),
					rules.quietFor(channel, lawState(channel, "", addr)), channel})
			}
		}
	}
	return out
}

// timeUnknown reports whether h's time of day is unknown, which plans nothing for it: every reminder and notice
// states the hearing's time, and its stored start (the day's midnight) is not one. The first time a hearing is found
// so, it is logged, with nothing personal; its reminders are planned once a source gives the time.
func (p *Planner) timeUnknown(h docket.Hearing) bool {
	if !h.TimeUnknown {
		p.unknownTime.Delete(h.ID)
		return false
	}
	if _, logged := p.unknownTime.LoadOrStore(h.ID, true); !logged {
		p.Log.Info("hearing time not known yet: no reminder planned until a source gives it", "component", "planner",
			"hearing_id", h.ID, "a_number", h.ANumber, "court", h.CourtCode,
			"date", h.Local().Format(time.DateOnly))
	}
	return true
}

// counselFallback reports whether counsel are to be reminded on the client policies' offsets: a client of h is in
// custody, so the client is not, and no attorney policy covers h (covers says which policies count). Counsel are then
// emailed what the client would have been sent.
func counselFallback(h docket.Hearing, rules Rules, covers func(Policy) bool) bool {
	if len(inCustody(h)) == 0 {
		return false
	}
	for _, pol := range rules.Policies {
		if pol.To == "attorney" && covers(pol) {
			return false
		}
	}
	return true
}

// counselByEmail are h's counsel who have an email, as recipients.
func counselByEmail(h docket.Hearing, rules Rules) []recipient {
	var out []recipient
	for _, a := range h.Attorneys {
		if a.Email != "" {
			out = append(out, recipient{docket.ToAttorney, a.ID, a.Email, a.Location(rules.DefaultZone),
				rules.quietFor(docket.Email, ""), docket.Email})
		}
	}
	return out
}

// plannedFor is a policy with the recipients it reaches: its own, or counsel in a detained client's place (then the
// policy's channel is email).
type plannedFor struct {
	pol        Policy
	recipients []recipient
}

func (p *Planner) reminders(h docket.Hearing, rules Rules, now time.Time) []docket.Reminder {
	if p.timeUnknown(h) {
		return nil
	}
	covers := func(pol Policy) bool { return pol.covers(h.Type) }
	var plans []plannedFor
	for _, pol := range rules.Policies {
		if covers(pol) {
			plans = append(plans, plannedFor{pol, recipients(h, pol.To, pol.Channel, rules)})
		}
	}
	if counselFallback(h, rules, covers) {
		// Each client offset once, by email, whatever the channels of the client policies that name it.
		counsel := counselByEmail(h, rules)
		seen := map[Offset]bool{}
		for _, pol := range rules.Policies {
			if pol.To != "client" || !covers(pol) {
				continue
			}
			var offsets []Offset
			for _, o := range pol.Offsets {
				if !seen[o] {
					seen[o] = true
					offsets = append(offsets, o)
				}
			}
			pol.Offsets, pol.Channel = offsets, docket.Email
			plans = append(plans, plannedFor{pol, counsel})
		}
	}
	identity := h.Identity()
	var rows []docket.Reminder
	for _, plan := range plans {
		pol := plan.pol
		for _, r := range plan.recipients {
			for _, o := range pol.Offsets {
				due, ok := dueTime(h.Start, o, r.zone, r.quiet)
				if !ok {
					continue
				}
				if due.Before(now) {
					// Missed while the daemon was down: still worth sending if only a little late. The row keeps
					// the time it was meant for (it is due at once), unless now is inside quiet hours.
					if now.Sub(due) > rules.CatchUp {
						continue
					}
					if local := now.In(r.zone); r.quiet.contains(local) {
						if due, ok = forward(local, h.Start, r.quiet); !ok {
							continue
						}
					}
				}
				row := docket.Reminder{
					HearingID: h.ID, Recipient: r.kind, RecipientID: r.id, Channel: r.channel, Address: r.address,
					Kind: docket.KindReminder, Policy: pol.Name, Offset: o.String(), Sequence: h.Sequence,
					Due: due.UTC(), State: docket.StatePending,
					GroupKey: groupKey(docket.KindReminder, r.channel, r.address, h, pol.Name+"/"+o.String()),
				}
				row.DedupeKey = docket.DedupeKey(identity, row)
				rows = append(rows, row)
			}
		}
	}
	return rows
}

// isInstant reports whether a change-log start is an instant (RFC 3339) rather than a date whose time was unknown.
func isInstant(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// forward moves t out of quiet hours, later only; false if that reaches the hearing.
func forward(t, start time.Time, q quietHours) (time.Time, bool) {
	t = q.end(t)
	return t, t.Before(start)
}

// groupKey puts the messages one address would get about hearings at the same court and start into one group,
// which the dispatcher sends as one message naming everyone.
func groupKey(kind docket.Kind, channel docket.Channel, address string, h docket.Hearing, what string) string {
	return fmt.Sprintf("%s/%s/%s/%s/%s/%s", kind, channel, address, h.CourtCode, h.Start.UTC().Format(time.RFC3339), what)
}

// noticeFields are the changes that make a hearing worth telling people about at once.
var noticeFields = map[string]bool{"start": true, "court": true, "location": true, "medium": true, "status": true}

// notices plans the change or cancellation notice for a hearing's latest change, to every recipient on every
// channel a policy reaches them through.
//
// A hearing whose time is unknown gets none (a notice states the time). Nor does one whose time of day has just
// become known, or ceased to be (a "time" change: the hearing did not move, and its reminders now follow), or one
// whose former start was known only by its date: "your hearing moved (was … at midnight)" would tell a time nobody
// knew, and its reminders give the new date and time.
func (p *Planner) notices(h docket.Hearing, rules Rules, now time.Time, changes []docket.HearingChange) []docket.Reminder {
	if p.timeUnknown(h) {
		return nil
	}
	kind := docket.KindRescheduled
	if h.Status == docket.StatusCancelled {
		kind = docket.KindCancelled
	} else {
		worth := false
		for _, c := range changes {
			if c.Field == "time" || (c.Field == "start" && !isInstant(c.From)) {
				return nil
			}
			worth = worth || noticeFields[c.Field]
		}
		if !worth {
			return nil
		}
	}
	var reached [][]recipient
	for _, pol := range rules.Policies {
		reached = append(reached, recipients(h, pol.To, pol.Channel, rules))
	}
	if counselFallback(h, rules, func(Policy) bool { return true }) {
		// Counsel of a client in custody hear of the change when no attorney policy would tell them.
		reached = append(reached, counselByEmail(h, rules))
	}
	return p.atOnce(h, kind, reached, now, "change notice has no decent time before the hearing; counsel's feed shows the change")
}

// atOnce plans a message of kind about h's latest change to each recipient of reached, once each, due at once: at
// the change, or now when the plan comes later, moved out of the recipient's quiet hours. Its key names the
// hearing's sequence, so a change plans it once and a later change again. late is logged for a recipient with no
// decent time left before the hearing.
func (p *Planner) atOnce(h docket.Hearing, kind docket.Kind, reached [][]recipient, now time.Time, late string) []docket.Reminder {
	at := h.ChangedAt
	if at.Before(now) {
		at = now
	}
	identity := h.Identity()
	var rows []docket.Reminder
	seen := map[string]bool{}
	for _, rc := range reached {
		for _, r := range rc {
			row := docket.Reminder{HearingID: h.ID, Recipient: r.kind, RecipientID: r.id, Channel: r.channel,
				Address: r.address, Kind: kind, Sequence: h.Sequence, State: docket.StatePending,
				GroupKey: groupKey(kind, r.channel, r.address, h, fmt.Sprint(h.Sequence))}
			row.DedupeKey = docket.DedupeKey(identity, row)
			if seen[row.DedupeKey] {
				continue
			}
			seen[row.DedupeKey] = true
			due, ok := forward(at.In(r.zone), h.Start, r.quiet)
			if !ok {
				p.Log.Warn(late, "component", "planner", "hearing_id", h.ID, "kind", kind)
				continue
			}
			row.Due = due.UTC()
			rows = append(rows, row)
		}
	}
	return rows
}
