package reminder

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
)

// Renderer turns a group of outbox rows into one message, from the hearings as they stand at sending time. Build it
// with NewRenderer, which makes its caller decide about counsel's invitations.
type Renderer struct {
	db        Store
	templates *message.Templates
	rules     func() Rules
	invite    Inviter
}

// Inviter builds the calendar invitation mailed with counsel's email (method "request", or "cancel" for a cancelled
// hearing), with the same UID and SEQUENCE as the hearing's feed event.
type Inviter interface {
	Invite(h docket.Hearing, method string) (*docket.Invite, error)
}

// NoInvitations is the Inviter of a renderer that mails counsel no invitation, for callers that decide so.
var NoInvitations Inviter = noInvitations{}

type noInvitations struct{}

func (noInvitations) Invite(docket.Hearing, string) (*docket.Invite, error) {
	return nil, nil //nolint:nilnil // no invitation is what was decided, not a failure
}

// NewRenderer returns a renderer over db with the templates, the rules (read anew for every message, so a reload
// takes effect) and the invitations counsel get: there is no default, so no path can leave them out by accident.
func NewRenderer(db Store, templates *message.Templates, rules func() Rules, invite Inviter) (*Renderer, error) {
	switch {
	case db == nil, templates == nil, rules == nil:
		return nil, errors.New("renderer: needs a store, templates and rules")
	case invite == nil:
		return nil, errors.New("renderer: decide about counsel's invitations (an Inviter, or NoInvitations)")
	}
	return &Renderer{db: db, templates: templates, rules: rules, invite: invite}, nil
}

type settled struct {
	row    docket.Reminder
	result docket.OutboxResult
}

// live separates the rows to send now from the rest, checked at the moment of sending: a row for a hearing that
// moved since it was planned, or is no longer scheduled, is cancelled; nothing goes out once the hearing has
// started; a reminder later than catch_up after its due time is skipped with the reason; and a row whose recipient is
// inside quiet hours now (narrowed by a stricter state law), or who had as many messages about its hearings in the
// last day as that law allows, waits (or, when that is too late for the hearing, is skipped).
func (r *Renderer) live(ctx context.Context, rows []docket.Reminder, now time.Time) ([]docket.Reminder, []settled, hearings, error) {
	return r.liveFrom(ctx, rows, now, hearings{})
}

// liveFrom is live with views of the rows' hearings already loaded (those missing are read now).
func (r *Renderer) liveFrom(ctx context.Context, rows []docket.Reminder, now time.Time, views hearings) ([]docket.Reminder, []settled, hearings, error) {
	var live []docket.Reminder
	var dead []settled
	rules := r.rules()
	var found []docket.Reminder
	for _, row := range rows {
		_, err := views.get(ctx, r.db, row.HearingID)
		if errors.Is(err, docket.ErrNotFound) {
			dead = append(dead, settled{row, docket.OutboxResult{State: docket.StateCancelled, Error: "hearing deleted"}})
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		found = append(found, row)
	}
	sent := map[string][]time.Time{} // by address: the messages a law's count looks at, read once per address
	for _, row := range found {
		h := views[row.HearingID]
		var recent []time.Time
		if law, ok := rules.lawFor(row.Channel, rowState(row, h)); ok && law.PerSubject > 0 {
			got, ok := sent[row.Address]
			if !ok {
				var err error
				if got, err = r.db.SentAbout(ctx, row.Channel, row.Address, hearingIDs(found, row.Address),
					now.Add(-law.Per)); err != nil {
					return nil, nil, nil, err
				}
				sent[row.Address] = got
			}
			recent = got
		}
		if res, ok := held(row, h, rules, now, recent); ok {
			dead = append(dead, settled{row, res})
			continue
		}
		live = append(live, row)
	}
	return live, dead, views, nil
}

// hearingIDs are the hearings of the rows to address: the subject of the one message they make.
func hearingIDs(rows []docket.Reminder, address string) []uint {
	var out []uint
	for _, r := range rows {
		if r.Address == address && !slices.Contains(out, r.HearingID) {
			out = append(out, r.HearingID)
		}
	}
	return out
}

// held decides whether a row may not go out at now, and what becomes of it instead. recent are the times of the
// messages already sent to the row's address about its hearings within the period of the law that governs the
// recipient, oldest first (nil when no law counts them).
func held(row docket.Reminder, h docket.Hearing, rules Rules, now time.Time, recent []time.Time) (docket.OutboxResult, bool) {
	switch {
	case !now.Before(h.Start):
		return docket.OutboxResult{State: docket.StateFailed, Error: "the hearing started before this could be sent"}, true
	case row.Kind == docket.KindReminder && (h.Status != docket.StatusScheduled || row.Sequence != h.Sequence):
		return docket.OutboxResult{State: docket.StateCancelled, Error: "hearing changed since planned"}, true
	case row.Kind != docket.KindReminder && row.Sequence != h.Sequence:
		return docket.OutboxResult{State: docket.StateCancelled, Error: "superseded by a later change"}, true
	}
	if why := notForNow(row, h, rules); why != "" {
		return docket.OutboxResult{State: docket.StateCancelled, Error: why}, true
	}
	// catch_up applies to reminders: a change notice stays news until the hearing, however late it is.
	if late := now.Sub(row.Due); row.Kind == docket.KindReminder && late > max(rules.CatchUp, catchUpFloor) {
		return docket.OutboxResult{State: docket.StateSkipped, Error: fmt.Sprintf("%s late, more than catch_up (%s)",
			late.Round(time.Second), rules.CatchUp)}, true
	}
	state := rowState(row, h)
	quiet := rules.quietFor(row.Channel, state)
	law, governed := rules.lawFor(row.Channel, state)
	local := now.In(recipientZone(row, h, rules.DefaultZone))
	if quiet.contains(local) {
		why := "inside the recipient's quiet hours"
		if governed && !union(rules.Quiet).contains(local) {
			why = fmt.Sprintf("inside the hours when %s's law allows no texts (%s to %s)", law.State,
				clock(law.Until), clock(law.From))
		}
		return wait(row, h, rules, quiet.end(local), why, ", which end only after the hearing starts",
			"; waits for their end")
	}
	if !governed || law.PerSubject <= 0 || len(recent) < law.PerSubject {
		return docket.OutboxResult{}, false
	}
	// Another message may go once the oldest of those that make up the cap leaves the period, outside quiet hours.
	next := quiet.end(recent[len(recent)-law.PerSubject].Add(law.Per).In(local.Location()))
	return wait(row, h, rules, next, fmt.Sprintf("%d messages about this hearing in the last %s, as many as %s's law "+
		"allows", len(recent), hours(law.Per), law.State), "; another is allowed only after the hearing starts",
		"; waits until "+next.UTC().Format(time.RFC3339))
}

// wait makes a row held back by a rule wait until next, or skips it when next is too late: at or after the hearing's
// start, or, for a reminder, later after its due time than catch_up allows (it would be skipped then; the reason is
// clearer now).
func wait(row docket.Reminder, h docket.Hearing, rules Rules, next time.Time, why, afterStart, waits string) (docket.OutboxResult, bool) {
	if !next.Before(h.Start) {
		return docket.OutboxResult{State: docket.StateSkipped, Error: why + afterStart}, true
	}
	if row.Kind == docket.KindReminder && next.Sub(row.Due) > max(rules.CatchUp, catchUpFloor) {
		return docket.OutboxResult{State: docket.StateSkipped, Error: fmt.Sprintf(
			"%s; the next time allowed is more than catch_up (%s) after it was due", why, rules.CatchUp)}, true
	}
	next = next.UTC()
	return docket.OutboxResult{State: docket.StatePending, NextTry: &next, NotAttempted: true, Error: why + waits}, true
}

// hours writes a period in whole hours, "24 hours".
func hours(d time.Duration) string { return fmt.Sprintf("%d hours", int(d.Hours())) }

// clock writes minutes after midnight as a time of day, "20:00".
func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// rowState is the law state of the person a text is for: for a client their state key, else the address's area
// code; for counsel, who have no state key, the area code. It is "" for an email, which no such law governs.
func rowState(row docket.Reminder, h docket.Hearing) string {
	if !row.Channel.ByPhone() {
		return ""
	}
	phone := docket.PhoneOf(row.Address)
	if row.Recipient == docket.ToClient {
		for _, c := range h.Clients {
			if c.ID == row.RecipientID {
				return docket.LawState(c.State, phone)
			}
		}
	}
	return docket.PhoneState(phone)
}

// notForNow says why a row is no longer for its recipient, with custody as it stands at sending time: a client in
// custody is sent nothing on their own phone or email; their contact is told only while they are in custody; counsel
// are emailed a client policy's reminder only while a client of the hearing is in custody and no attorney policy
// covers it. "" means the row is still for its recipient.
func notForNow(row docket.Reminder, h docket.Hearing, rules Rules) string {
	client, found := docket.Client{}, false
	for _, c := range h.Clients {
		if c.ID == row.RecipientID {
			client, found = c, true
		}
	}
	switch row.Recipient {
	case docket.ToClient:
		if found && h.InCustody(client) {
			return custodyReason
		}
		if found && movedChannel(row, client, rules) {
			return "the client is now reached first by " + string(client.ChannelOrder()[0])
		}
	case docket.ToContact:
		switch {
		case !found:
			return "the client is no longer one of the hearing's: their contact is not told"
		case !h.InCustody(client):
			return "the client is no longer in custody: they are reminded themselves, not their contact"
		case docket.PhoneOf(row.Address) != client.Contact.Phone && row.Address != client.Contact.Email:
			return "the client's contact changed since this was planned"
		}
	case docket.ToAttorney:
		if row.Kind == docket.KindReminder && isClientPolicy(rules, row.Policy) &&
			!counselFallback(h, rules, func(p Policy) bool { return p.covers(h.Type) }) {
			return "no client of the hearing is in custody now: counsel's reminders follow the attorney policies"
		}
	}
	return ""
}

// isClientPolicy reports whether the policy named name reminds clients.
func isClientPolicy(rules Rules, name string) bool {
	for _, p := range rules.Policies {
		if p.Name == name {
			return p.To == "client"
		}
	}
	return false
}

// recipientZone is the zone of the person a row is for, as the planner used it.
func recipientZone(row docket.Reminder, h docket.Hearing, def *time.Location) *time.Location {
	if row.Recipient == docket.ToAttorney {
		for _, a := range h.Attorneys {
			if a.ID == row.RecipientID {
				return a.Location(def)
			}
		}
	}
	for _, c := range h.Clients {
		if c.ID == row.RecipientID {
			return c.Location(def)
		}
	}
	if def == nil {
		return time.UTC
	}
	return def
}

// addressee fills in whom n addresses, as row first is planned for: their name, the name they are greeted by, their
// language, and their home zone and place.
func addressee(n *message.Notice, first docket.Reminder, h docket.Hearing, def *time.Location) {
	switch first.Recipient {
	case docket.ToClient:
		for _, c := range h.Clients {
			if c.ID == first.RecipientID {
				n.Recipient, n.Language, n.Greeting = c.Name, c.Language, greetingOf(c)
				n.Home, n.HomePlace = c.Location(def), c.City
			}
		}
		// A text asks for SÍ / YES and a call to press 1; an approved WhatsApp template says what it says.
		n.Confirm = first.Kind == docket.KindReminder && (first.Channel == docket.SMS || first.Channel == docket.Voice)
	case docket.ToContact:
		// The contact is told on behalf of the client in custody, in the contact's language, at the client's hours
		// and place; they are not asked to confirm (the client cannot come and go as they please).
		n.ToContact = true
		for _, c := range h.Clients {
			if c.ID == first.RecipientID {
				n.Recipient, n.Language = c.Contact.Name, c.Contact.Language
				_, n.Greeting = docket.PersonName(c.Contact.Name)
				if n.Language == "" {
					n.Language = c.Language
				}
				n.Home, n.HomePlace = c.Location(def), c.City
			}
		}
	case docket.ToAttorney:
		n.ToCounsel = true
		for _, a := range h.Attorneys {
			if a.ID == first.RecipientID {
				n.Recipient, n.Language = a.Name, a.Language
				_, n.Greeting = docket.PersonName(a.Name)
			}
		}
		// A remote hearing is joined on the client's clock: counsel are told it beside the court's.
		if len(h.Clients) > 0 {
			n.Home, n.HomePlace = h.Clients[0].Location(def), h.Clients[0].City
		}
	}
}

// greetingOf is the name client c is greeted by: their greeting name, else the first name of their name.
func greetingOf(c docket.Client) string {
	if c.GreetingName != "" {
		return c.GreetingName
	}
	_, g := docket.PersonName(c.Name)
	return g
}

// reach is what counsel are told of client c's reminders for hearing h: "confirmed" when the client confirmed one,
// "reached" when one went out, "unreached" with the reason when none could ("detained", "opted out", "no phone",
// "undelivered", "failed"), or "" while nothing has been sent.
//
// Only the client's messages due before before count: one due with counsel's own goes out beside it, and whether it
// was sent yet when counsel's was written would be chance (the daemon and a cron remind would tell counsel apart).
func (r *Renderer) reach(ctx context.Context, h docket.Hearing, c docket.Client, before time.Time) (reach, why string, err error) {
	if h.InCustody(c) {
		return "unreached", "detained", nil
	}
	rows, err := r.db.OutboxRows(ctx, docket.OutboxFilter{HearingID: h.ID, Recipient: docket.ToClient, RecipientID: c.ID})
	if err != nil {
		return "", "", fmt.Errorf("reach: %w", err)
	}
	sent, failed := false, ""
	for _, row := range rows {
		if !row.Due.Before(before) {
			continue
		}
		switch {
		case row.Kind == docket.KindReminder && row.ConfirmedAt != nil:
			return "confirmed", "", nil
		case row.State == docket.StateSent || row.State == docket.StateDelivered:
			sent = true
		case row.State == docket.StateFailed && row.ProviderState == "undelivered":
			failed = "undelivered"
		case row.State == docket.StateFailed && failed == "":
			failed = "failed"
		}
	}
	if sent {
		return "reached", "", nil
	}
	if c.Phone == "" && c.Email == "" {
		return "unreached", "no phone", nil
	}
	optedOut := true
	for _, a := range []struct {
		channel docket.Channel
		address string
	}{{docket.SMS, c.Phone}, {docket.Email, c.Email}} {
		if a.address == "" {
			continue
		}
		out, err := r.db.IsOptedOut(ctx, a.channel, a.address)
		if err != nil {
			return "", "", fmt.Errorf("reach: %w", err)
		}
		optedOut = optedOut && out
	}
	switch {
	case optedOut:
		return "unreached", "opted out", nil
	case failed != "":
		return "unreached", failed, nil
	}
	return "", "", nil
}

// hearings caches the hearings of one group: a household's rows name the same few hearings, and live and render
// both need them.
type hearings map[uint]docket.Hearing

func (hs hearings) get(ctx context.Context, db Store, id uint) (docket.Hearing, error) {
	if h, ok := hs[id]; ok {
		return h, nil
	}
	h, err := db.Hearing(ctx, id)
	if err == nil {
		hs[id] = h
	}
	return h, err
}

// Render builds the message for a group of rows to one address, and returns the earliest hearing start among them;
// now is when it is sent, for "today" and "tomorrow" (zero says neither).
func (r *Renderer) Render(ctx context.Context, rows []docket.Reminder, now time.Time) (docket.Message, time.Time, error) {
	return r.render(ctx, rows, hearings{}, now)
}

func (r *Renderer) render(ctx context.Context, rows []docket.Reminder, cache hearings, now time.Time) (docket.Message, time.Time, error) {
	n, views, err := r.notice(ctx, rows, cache, now)
	if err != nil {
		return docket.Message{}, time.Time{}, err
	}
	first, h := rows[0], views[0]
	// Counsel's invitation is made first, so the email says it is attached only when it is.
	var invite *docket.Invite
	if n.ToCounsel && first.Channel == docket.Email {
		method := "REQUEST"
		if h.Status == docket.StatusCancelled {
			method = "CANCEL"
		}
		if invite, err = r.invite.Invite(h, method); err != nil {
			return docket.Message{}, time.Time{}, fmt.Errorf("invitation: %w", err)
		}
		n.Invitation = invite != nil
	}
	msg, err := r.templates.Render(n)
	if err != nil {
		return docket.Message{}, time.Time{}, err
	}
	msg.Invite = invite
	start := h.Start
	for _, v := range views[1:] {
		if v.Start.Before(start) {
			start = v.Start
		}
	}
	return msg, start, nil
}

// notice is what the message for a group of rows is rendered from, with the hearings of the rows (the first row's
// first): whom it addresses and how, the people it names, and the hearing as it stands.
func (r *Renderer) notice(ctx context.Context, rows []docket.Reminder, cache hearings, now time.Time) (message.Notice, []docket.Hearing, error) {
	if len(rows) == 0 {
		return message.Notice{}, nil, errors.New("nothing to render")
	}
	first := rows[0]
	rules := r.rules()
	// The Message-ID's key is the least of the rows' own keys, which come from the hearings' sources (never row ids,
	// nor the order of rows): the same group gives the same key on a retry and in a rebuilt database.
	key := ""
	for _, row := range rows {
		h, err := cache.get(ctx, r.db, row.HearingID)
		if err != nil {
			return message.Notice{}, nil, err
		}
		if k := docket.MessageKey(h, row); key == "" || k < key {
			key = k
		}
	}
	n := message.Notice{
		Kind: docket.Kind(first.Kind), Channel: docket.Channel(first.Channel), Key: key,
		To: first.Address, OrgName: rules.OrgName, OrgPhone: rules.OrgPhone, OrgShort: rules.OrgShort, Now: now,
	}
	var views []docket.Hearing
	seenPerson := map[string]bool{}
	for _, row := range rows {
		h, err := cache.get(ctx, r.db, row.HearingID)
		if err != nil {
			return message.Notice{}, nil, err
		}
		views = append(views, h)
		for _, c := range h.Clients {
			// A client's own message names the clients it was planned for, a contact's the clients in custody it was
			// planned for; counsel's names every client.
			if (row.Recipient != docket.ToAttorney && c.ID != row.RecipientID) || seenPerson[c.ID] {
				continue
			}
			seenPerson[c.ID] = true
			p := message.Person{Name: c.Name, ANumber: c.ANumber, Greeting: greetingOf(c), Detained: h.InCustody(c)}
			if first.Recipient == docket.ToAttorney {
				if p.Reach, p.Why, err = r.reach(ctx, h, c, first.Due); err != nil {
					return message.Notice{}, nil, err
				}
			}
			n.People = append(n.People, p)
		}
	}
	// The rows come in the outbox's order: sorted by A-number (a family's run in the order EOIR issued them, the lead
	// respondent's first; none last), then name, a household's names read the same in every message and retry.
	byANumber := func(p message.Person) string { return cmp.Or(string(p.ANumber), "\xff") }
	slices.SortStableFunc(n.People, func(a, b message.Person) int {
		return cmp.Or(cmp.Compare(byANumber(a), byANumber(b)), cmp.Compare(a.Name, b.Name))
	})
	h := views[0]
	// A person is never told a time in a zone that does not load: the message waits, with the reason.
	loc, err := docket.LoadZone(h.Zone)
	if err != nil {
		return message.Notice{}, nil, fmt.Errorf("hearing %d zone: %w", h.ID, err)
	}
	n.Start, n.Location, n.TimeUnknown = h.Start, loc, h.TimeUnknown
	n.CourtName, n.CourtAddress, n.CourtPhone = h.Court.Name, h.Court.Address, h.Court.Phone
	n.CourtCity = strings.Trim(h.Court.City+", "+h.Court.State, ", ")
	n.CourtPlace = h.Court.City
	if h.Address != "" {
		n.CourtAddress, n.CourtCity = h.Address, ""
	}
	n.HearingType, n.Medium, n.WebEx, n.Judge = h.Type, h.Medium, h.WebEx, h.Judge
	if len(h.Attorneys) > 0 {
		n.CounselName, n.CounselPhone = h.Attorneys[0].Name, h.Attorneys[0].Phone
		if n.CounselPhone == "" {
			n.CounselPhone = rules.OrgPhone // counsel without a direct line is reached through the office
		}
	}
	addressee(&n, first, h, rules.DefaultZone)
	if err := r.noteDeadlines(ctx, &n, first, h, rules); err != nil {
		return message.Notice{}, nil, err
	}
	if first.Kind == docket.KindRescheduled {
		changes, err := r.db.LastChange(ctx, h)
		if err != nil {
			return message.Notice{}, nil, err
		}
		for _, c := range changes {
			switch {
			case c.Field == "start":
				if t, err := time.Parse(time.RFC3339, c.From); err == nil {
					n.OldStart = t
				}
			case c.Field == "status" && c.From == string(docket.StatusCancelled):
				n.Reinstated = true // people were told it was cancelled: say it is back on
			}
		}
	}
	return n, views, nil
}
