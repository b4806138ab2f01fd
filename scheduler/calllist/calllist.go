// Package calllist builds and sends counsel's call list: once a day, one email to each attorney naming the clients
// to call before a hearing, and why — a reminder that failed for good or was reported undelivered, no phone that can
// receive texts, an opt-out, or no confirmation (SÍ / YES) by [inbox] call_list before the hearing.
package calllist

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
)

// Store is what the call list needs from the store. docketd's store satisfies it.
type Store interface {
	Hearings(ctx context.Context, f docket.HearingFilter) ([]docket.Hearing, error)
	Attorneys(ctx context.Context) ([]docket.Attorney, error)
	// ClientReminders returns the outbox rows to clients and to detained clients' contacts about the hearings.
	ClientReminders(ctx context.Context, hearingIDs []uint) ([]docket.Reminder, error)
	OptedOutAmong(ctx context.Context, channel docket.Channel, addresses []string) (map[string]bool, error)
	// ClaimCallList, RecordCallList and ReleaseCallList keep a day's list from being sent twice: claimed before it
	// is sent, recorded after, released when it could not be sent.
	ClaimCallList(ctx context.Context, counsel, day, owner string, now time.Time, lease time.Duration) (bool, error)
	RecordCallList(ctx context.Context, counsel, day, owner string, clients int, at time.Time) error
	ReleaseCallList(ctx context.Context, counsel, day, owner string) error
	// CallListSent reports whether counsel's list of day went out already.
	CallListSent(ctx context.Context, counsel, day string) (bool, error)
}

// Sender delivers an email: the dispatcher's email channel.
type Sender interface {
	Send(ctx context.Context, m docket.Message) (providerID string, err error)
}

// Settings are the config's choices for the call list.
type Settings struct {
	// Ahead is [inbox] call_list: a client who has not confirmed this long before the hearing is to be called.
	Ahead time.Duration
	// Zone is the office's (organization.timezone): the clock of an attorney without a zone of their own and of
	// the office's own list.
	Zone *time.Location
	// OrgName signs the email.
	OrgName string
	// Office is where the list of clients without counsel (or whose counsel has no email) goes: [inbox] email.
	Office string
	// Precedence orders the sources, as for reminders, so a hearing two sources report is listed once.
	Precedence []string
}

const (
	// SendAt is when, on counsel's own clock, the day's list goes out (minutes after midnight): 8:00, the start of
	// a working day, when there is time to make the calls before most hearings. Counsel's own zone, not the
	// office's, because an attorney in another state reads it at the start of their own day.
	SendAt = 8 * 60
	// Reach is how far ahead a client no reminder can reach (no phone, opted out, a failed reminder) is listed: two
	// weeks, early enough to find a number before the first reminder (7 days before, by default), near enough that
	// the list is the day's work.
	Reach = 14 * 24 * time.Hour
	// lease is how long a claim on a day's list holds while it is sent: longer than an SMTP send may take.
	lease = 5 * time.Minute
)

// Reason is why a client is on the list.
type Reason string

// Reasons, in the order a line names them.
const (
	Failed      Reason = "failed"      // a reminder failed for good or was reported undelivered
	NoPhone     Reason = "no_phone"    // no phone that can receive texts
	OptedOut    Reason = "opted_out"   // the client's phone opted out of texts
	Unconfirmed Reason = "unconfirmed" // no SÍ / YES by call_list before the hearing
)

// Why is one reason, with the reminder that failed.
type Why struct {
	Reason   Reason
	Reminder *docket.Reminder // Failed only
}

// Call is one line of a list: a client, or a household (several clients of one hearing slot sharing a phone, for
// the same reasons), to call.
type Call struct {
	Clients []docket.Client
	Phone   string
	Whys    []Why
}

// Group is the calls about one hearing slot: the hearings of one court and start (a family's consolidated cases).
type Group struct {
	Hearing docket.Hearing // the slot's first hearing
	Calls   []Call
}

// Counsel is whom a list goes to: an attorney, or the office for clients without counsel (ID "").
type Counsel struct {
	ID, Name, Email, Language string
	Zone                      *time.Location
}

// List is one counsel's call list of one day.
type List struct {
	Counsel Counsel
	Day     time.Time // midnight of the list's day on counsel's clock
	Groups  []Group   // by hearing start
}

// Date is the list's day, YYYY-MM-DD on counsel's clock: a list is sent once per counsel and date.
func (l List) Date() string { return l.Day.Format(time.DateOnly) }

// Clients counts the clients the list names (each member of a household).
func (l List) Clients() int {
	n := 0
	for _, g := range l.Groups {
		for _, c := range g.Calls {
			n += len(c.Clients)
		}
	}
	return n
}

// Lists builds and sends counsel's call lists. The daemon's "call lists" job and `docketd remind` both call
// SendDue, so the two cannot differ.
type Lists struct {
	DB       Store
	Send     Sender
	Settings func() Settings
	Log      *slog.Logger
	// Owner names this process in its claims; empty means one is made.
	Owner string
}

// Sent is what one SendDue did.
type Sent struct {
	Lists, Clients int
}

// SendDue sends every counsel's list of today that is due at now (8:00 on counsel's clock or later), names
// someone, and was not sent today: claimed in the store, sent, then recorded. An empty list is neither sent nor
// recorded, so a list that fills later in the day (a reminder reported undelivered at noon) still goes out that day.
// A list is sent at most once per counsel and day, also with a cron `docketd remind` or a second replica beside
// the daemon; a process that stops between sending and recording leaves a claim that is taken over once its lease
// expires, and the list is then sent again: a duplicate is better than a list lost.
func (l *Lists) SendDue(ctx context.Context, now time.Time) (Sent, error) {
	var sent Sent
	if l.Owner == "" {
		l.Owner = newOwner()
	}
	lists, err := l.due(ctx, now)
	if err != nil {
		return sent, err
	}
	var errs []error
	for _, list := range lists {
		ok, err := l.send(ctx, list, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			sent.Lists++
			sent.Clients += list.Clients()
		}
	}
	return sent, errors.Join(errs...)
}

// due returns the lists due at now: 8:00 on counsel's clock or later, naming someone.
func (l *Lists) due(ctx context.Context, now time.Time) ([]List, error) {
	lists, err := l.Build(ctx, now)
	if err != nil {
		return nil, err
	}
	out := lists[:0]
	for _, list := range lists {
		local := now.In(list.Counsel.Zone)
		if local.Hour()*60+local.Minute() >= SendAt && list.Clients() > 0 {
			out = append(out, list)
		}
	}
	return out, nil
}

// Preview returns the lists SendDue would send at now, rendered, without sending or recording anything: those due
// whose day's list has not gone out yet. `docketd remind --dry-run` shows them.
func (l *Lists) Preview(ctx context.Context, now time.Time) ([]docket.Message, error) {
	lists, err := l.due(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []docket.Message
	for _, list := range lists {
		sent, err := l.DB.CallListSent(ctx, list.Counsel.ID, list.Date())
		if err != nil {
			return nil, err
		}
		if sent {
			continue
		}
		out = append(out, l.message(list))
	}
	return out, nil
}

// message is the email that carries list.
func (l *Lists) message(list List) docket.Message {
	who, day := list.Counsel.ID, list.Date()
	subject, text := list.Render(l.Settings().OrgName)
	return docket.Message{Key: "call-list:" + cmp.Or(who, "office") + ":" + day, Channel: docket.Email,
		To: list.Counsel.Email, Language: list.Counsel.Language, Subject: subject, Text: text}
}

// send claims, sends and records one list; false means it was sent before or is being sent elsewhere.
func (l *Lists) send(ctx context.Context, list List, now time.Time) (bool, error) {
	day, who := list.Date(), list.Counsel.ID
	claimed, err := l.DB.ClaimCallList(ctx, who, day, l.Owner, now, lease)
	if err != nil || !claimed {
		return false, err
	}
	_, err = l.Send.Send(ctx, l.message(list))
	if err != nil {
		// Not sent: the next run tries again. A context cut short still releases, so a restart does not wait for the
		// lease.
		if rerr := l.DB.ReleaseCallList(context.WithoutCancel(ctx), who, day, l.Owner); rerr != nil {
			l.log().Warn("release call list", "component", "calllist", "counsel", who, "err", rerr)
		}
		return false, fmt.Errorf("send call list of %s to %s: %w", day, cmp.Or(who, "the office"), err)
	}
	if err := l.DB.RecordCallList(context.WithoutCancel(ctx), who, day, l.Owner, list.Clients(), now); err != nil {
		// Sent but not recorded: the claim's lease expires and the list may go out again.
		return true, err
	}
	l.log().Info("call list sent", "component", "calllist", "counsel", who, "day", day,
		"to", docket.EmailAddress(list.Counsel.Email), "clients", list.Clients())
	return true, nil
}

func (l *Lists) log() *slog.Logger {
	if l.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.Log
}

// Build returns every counsel's list as it stands at now, whether due or not, lists that name nobody included:
// the scheduled hearings that have not started, within Reach (or call_list when longer), with the clients to call.
func (l *Lists) Build(ctx context.Context, now time.Time) ([]List, error) {
	set := l.Settings()
	office := set.Zone
	if office == nil {
		office = time.UTC
	}
	hs, err := l.DB.Hearings(ctx, docket.HearingFilter{From: now.Add(time.Nanosecond), To: now.Add(max(Reach, set.Ahead+24*time.Hour)),
		Status: []docket.HearingStatus{docket.StatusScheduled}, WithPeople: true, Precedence: set.Precedence})
	if err != nil {
		return nil, fmt.Errorf("call list: %w", err)
	}
	atts, err := l.DB.Attorneys(ctx)
	if err != nil {
		return nil, fmt.Errorf("call list: %w", err)
	}
	counsel := map[string]Counsel{}
	for _, a := range atts {
		if a.Email != "" {
			counsel[a.ID] = Counsel{ID: a.ID, Name: a.Name, Email: a.Email, Language: language(a.Language),
				Zone: a.Location(office)}
		}
	}
	ids := make([]uint, 0, len(hs))
	var phones []string
	for _, h := range hs {
		ids = append(ids, h.ID)
		for _, c := range h.Clients {
			if c.Phone != "" {
				phones = append(phones, c.Phone)
			}
		}
	}
	slices.Sort(phones)
	phones = slices.Compact(phones)
	rows, err := l.DB.ClientReminders(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("call list: %w", err)
	}
	optedOut, err := l.DB.OptedOutAmong(ctx, docket.SMS, phones)
	if err != nil {
		return nil, fmt.Errorf("call list: %w", err)
	}
	facts := factsOf(rows)

	lists := map[string]*List{}
	var order []string
	for _, h := range hs {
		for _, c := range h.Clients {
			who, ok := Counsel{}, false
			if c.AttorneyID != nil {
				who, ok = counsel[*c.AttorneyID]
			}
			if !ok {
				if set.Office == "" {
					continue // validation gives [inbox] email a default; without one nobody can be told
				}
				who = Counsel{Name: set.OrgName, Email: set.Office, Language: "en", Zone: office}
			}
			list := lists[who.ID]
			if list == nil {
				local := now.In(who.Zone)
				list = &List{Counsel: who, Day: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, who.Zone)}
				lists[who.ID] = list
				order = append(order, who.ID)
			}
			whys := reasons(h, c, facts[factKey{h.ID, c.ID}], optedOut[c.Phone], list.Day, set.Ahead)
			if len(whys) > 0 {
				list.add(h, c, whys)
			}
		}
	}
	out := make([]List, 0, len(order))
	slices.Sort(order)
	for _, id := range order {
		out = append(out, *lists[id])
	}
	return out, nil
}

// reasons says why client c of h is to be called on the list of day (midnight on counsel's clock). A detained
// client is never texted (their contact person is), so only a reminder to their contact that failed lists them.
func reasons(h docket.Hearing, c docket.Client, f fact, optedOut bool, day time.Time, ahead time.Duration) []Why {
	var out []Why
	for _, r := range f.failed {
		out = append(out, Why{Reason: Failed, Reminder: r})
	}
	if h.InCustody(c) {
		return out
	}
	if c.Phone == "" {
		// A phone the config or a source could not read as a number that receives texts is stored empty.
		out = append(out, Why{Reason: NoPhone})
	} else if optedOut {
		out = append(out, Why{Reason: OptedOut})
	}
	// The client should have confirmed by start - ahead. The day's list names those whose deadline falls on that
	// day or before: at 8:00 on Sunday counsel learn who has not confirmed Tuesday's 8:30 hearing, not on Monday.
	tomorrow := day.AddDate(0, 0, 1)
	if !f.confirmed && h.Start.Add(-ahead).Before(tomorrow) {
		out = append(out, Why{Reason: Unconfirmed})
	}
	return out
}

// factKey is a hearing and a client.
type factKey struct {
	hearing uint
	client  string
}

// fact is what the outbox says of one client's messages about one hearing.
type fact struct {
	// failed holds, per channel and recipient (the client, or their contact), the latest message when it failed:
	// a later one delivered on that channel says the number works, and one delivered later by phone on another
	// channel says the ladder reached them.
	failed    []*docket.Reminder
	confirmed bool
}

// factsOf reads the outbox rows (by due time) per hearing and client.
func factsOf(rows []docket.Reminder) map[factKey]fact {
	type lane struct {
		factKey
		recipient string
		channel   docket.Channel
	}
	latest := map[lane]*docket.Reminder{}
	var lanes []lane
	out := map[factKey]fact{}
	for i := range rows {
		r := &rows[i]
		k := factKey{r.HearingID, r.RecipientID}
		if r.ConfirmedAt != nil && r.Recipient == docket.ToClient {
			f := out[k]
			f.confirmed = true
			out[k] = f
		}
		switch r.State {
		case docket.StateSent, docket.StateDelivered, docket.StateFailed:
		default:
			continue // not attempted, or nothing known of its delivery yet
		}
		ln := lane{k, r.Recipient, r.Channel}
		if prev, ok := latest[ln]; !ok {
			lanes = append(lanes, ln)
		} else if attempted(r).Before(attempted(prev)) {
			continue
		}
		latest[ln] = r
	}
	// A failure the ladder made good is no reason to call: a later message to the same person by phone (a WhatsApp
	// message or a call after a text that failed) was delivered. The list is the ladder's last rung.
	type person struct {
		factKey
		recipient string
	}
	reached := map[person]time.Time{}
	for _, ln := range lanes {
		if r := latest[ln]; r.State == docket.StateDelivered && ln.channel != docket.Email {
			p := person{ln.factKey, ln.recipient}
			if at := attempted(r); at.After(reached[p]) {
				reached[p] = at
			}
		}
	}
	for _, ln := range lanes {
		r := latest[ln]
		if r.State != docket.StateFailed || attempted(r).Before(reached[person{ln.factKey, ln.recipient}]) {
			continue
		}
		f := out[ln.factKey]
		f.failed = append(f.failed, r)
		out[ln.factKey] = f
	}
	return out
}

// attempted is when a row was last tried: its send, else its last change (a send refused at once has no sent time).
func attempted(r *docket.Reminder) time.Time {
	if r.SentAt != nil {
		return *r.SentAt
	}
	return r.UpdatedAt
}

// add puts client c of h on the list: on the line of a household member of the same slot with the same phone and
// reasons, else on a line of their own.
func (l *List) add(h docket.Hearing, c docket.Client, whys []Why) {
	var g *Group
	for i := range l.Groups {
		x := l.Groups[i].Hearing
		if x.Start.Equal(h.Start) && x.CourtCode == h.CourtCode {
			g = &l.Groups[i]
			break
		}
	}
	if g == nil {
		l.Groups = append(l.Groups, Group{Hearing: h})
		g = &l.Groups[len(l.Groups)-1]
	}
	if c.Phone != "" {
		for i := range g.Calls {
			call := &g.Calls[i]
			if call.Phone == c.Phone && sameReasons(call.Whys, whys) {
				call.Clients = append(call.Clients, c)
				call.Whys = append(call.Whys, failures(whys)...)
				return
			}
		}
	}
	g.Calls = append(g.Calls, Call{Clients: []docket.Client{c}, Phone: c.Phone, Whys: whys})
}

// sameReasons reports whether two lists of reasons name the same reasons.
func sameReasons(a, b []Why) bool {
	kinds := func(ws []Why) []Reason {
		var out []Reason
		for _, w := range ws {
			if !slices.Contains(out, w.Reason) {
				out = append(out, w.Reason)
			}
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(kinds(a), kinds(b))
}

// failures keeps the failed reminders of whys: a household's other reasons are said once.
func failures(whys []Why) []Why {
	var out []Why
	for _, w := range whys {
		if w.Reason == Failed {
			out = append(out, w)
		}
	}
	return out
}

// language is counsel's language for the list: Spanish when theirs is, else English.
func language(tag string) string {
	if strings.HasPrefix(strings.ToLower(tag), "es") {
		return "es"
	}
	return "en"
}

// newOwner names this process in claims: host, process id and a random part.
func newOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}
