package reminder

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
)

const (
	samPhone    = "+14695550177"
	miriamPhone = "+14695550178"
	familyPhone = "+12145550142"
	anaPhone    = "+12145550199"
)

// custodyPeople are the fixture's counsel and clients with Samuel in custody (contact Miriam when withContact), for
// a hearing of his with only client policies.
func custodyPeople(detained, withContact bool) ([]docket.Attorney, []docket.Client) {
	att := "lf"
	sam := docket.Client{ID: "sam", Name: "Samuel Tesfaye", ANumber: "208555310", Phone: samPhone,
		Email: "samuel@example.net", Language: "en", Zone: "America/Chicago", City: "Dallas", AttorneyID: &att,
		Detained: detained}
	if withContact {
		sam.Contact = docket.Proxy{Name: "Miriam Tesfaye", Phone: miriamPhone, Language: "ti"}
	}
	return []docket.Attorney{{ID: att, Name: "Lucía Fernández", Email: "lf@example.org", Language: "es",
		Zone: "America/Denver"}}, []docket.Client{sam}
}

func samHearing(start time.Time) docket.HearingRecord {
	return docket.HearingRecord{Key: "sam-1", ANumber: "208555310", Start: start, Zone: "America/Chicago",
		CourtCode: "DAL", Type: "master", Medium: "in_person"}
}

// clientPoliciesOnly is the fixture's rules without the attorney policy: counsel would hear of nothing.
func clientPoliciesOnly(f *fixture) {
	f.rules.Policies = []Policy{
		{Name: "client-text", To: "client", Channel: "sms", Offsets: []Offset{
			{Label: "7d", Days: 7, At: 600}, {Label: "1d", Days: 1, At: 600}}},
		{Name: "client-email", To: "client", Channel: "email", Offsets: []Offset{{Label: "1d", Days: 1, At: 600}}},
	}
}

func sentTo(r *recorder, to string) []sentAt {
	var out []sentAt
	for _, s := range r.messages() {
		if s.msg.To == to {
			out = append(out, s)
		}
	}
	return out
}

func TestADetainedClientsContactAndCounselAreRemindedInsteadOfTheClient(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	clientPoliciesOnly(f)
	ctx := context.Background()
	atts, cls := custodyPeople(true, true)
	if err := f.db.ReplacePeople(ctx, atts, cls); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	f.hearings(t, samHearing(start))
	f.runUntil(t, start)

	if got := sentTo(f.sms, samPhone); len(got) != 0 {
		t.Errorf("the detained client got %d texts, want none: %q", len(got), got[0].msg.Text)
	}
	if got := sentTo(f.email, "samuel@example.net"); len(got) != 0 {
		t.Errorf("the detained client got %d emails, want none", len(got))
	}
	contact := sentTo(f.sms, miriamPhone)
	if len(contact) != 2 {
		t.Fatalf("the contact got %d texts, want 2 (7d and 1d)", len(contact))
	}
	for _, s := range contact {
		if got := s.at.In(chicago).Format("15:04"); got != "10:00" {
			t.Errorf("the contact's text went at %s, want 10:00 in the client's zone", got)
		}
	}
	// Counsel are emailed each client offset once (1d is in both client policies), at 10:00 of counsel's zone.
	counsel := sentTo(f.email, "lf@example.org")
	if len(counsel) != 2 {
		t.Fatalf("counsel got %d emails, want 2 (7d and 1d)", len(counsel))
	}
	for _, s := range counsel {
		if got := s.at.In(denver).Format("15:04"); got != "10:00" {
			t.Errorf("counsel's email went at %s, want 10:00 Mountain", got)
		}
	}
	// The contact's message is rendered for a contact, about Samuel, in the contact's language (Tigrinya has no
	// templates: English is sent), at the client's home.
	crow, err := f.db.OutboxRows(ctx, docket.OutboxFilter{Recipient: docket.ToContact, Limit: 1})
	if err != nil || len(crow) != 1 {
		t.Fatalf("contact rows: %v, %v", crow, err)
	}
	n, _, err := f.disp.Renderer.notice(ctx, crow, hearings{}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !n.ToContact || n.ToCounsel || n.Recipient != "Miriam Tesfaye" || n.Greeting != "Miriam" || n.Language != "ti" ||
		n.HomePlace != "Dallas" || n.Home.String() != "America/Chicago" || len(n.People) != 1 ||
		n.People[0] != (message.Person{Name: "Samuel Tesfaye", ANumber: "208555310", Greeting: "Samuel", Detained: true}) {
		t.Errorf("contact notice: %+v", n)
	}
	// Planning again creates nothing: the keys are stable, and distinct per recipient.
	res, err := f.plan.Plan(ctx)
	if err != nil || res.Planned != 0 {
		t.Errorf("planning again: %+v, %v; want nothing new", res, err)
	}
	rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, r := range rows {
		if keys[r.DedupeKey] {
			t.Errorf("dedupe key %s used twice", r.DedupeKey)
		}
		keys[r.DedupeKey] = true
		if r.Recipient == docket.ToContact && (r.RecipientID != "sam" || !strings.Contains(r.DedupeKey, "/contact/sam/")) {
			t.Errorf("contact row %+v: want the client's id in it and its key", r)
		}
	}
}

func TestADetainedClientWithoutContactGetsNothingAndCounselAreEmailed(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	clientPoliciesOnly(f)
	atts, cls := custodyPeople(true, false)
	if err := f.db.ReplacePeople(context.Background(), atts, cls); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	f.hearings(t, samHearing(start))
	f.runUntil(t, start)
	if n := len(f.sms.messages()); n != 0 {
		t.Errorf("%d texts sent, want none", n)
	}
	if got := sentTo(f.email, "lf@example.org"); len(got) != 2 || len(f.email.messages()) != 2 {
		t.Errorf("emails: %d to counsel of %d, want 2 and only to counsel", len(got), len(f.email.messages()))
	}
}

// The Mendoza family's hearing is held at a detention center: the four are in custody. Their aunt, the contact of
// all four, gets one text per offset naming everyone; nothing goes to the family's own phone; counsel's policy
// emails her as always, told that the four are detained.
func TestAFamilyOnADetainedDocketIsToldThroughItsContact(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	ctx := context.Background()
	att := "lf"
	var cls []docket.Client
	for _, c := range []struct{ id, name, a string }{{"rosa", "Rosa Mendoza", "201555101"},
		{"jorge", "Jorge Mendoza", "201555102"}, {"vale", "Valeria Mendoza", "201555103"},
		{"mateo", "Mateo Mendoza", "201555104"}} {
		cls = append(cls, docket.Client{ID: c.id, Name: c.name, ANumber: docket.ANumber(c.a), Phone: familyPhone,
			Language: "es", Zone: "America/Chicago", AttorneyID: &att,
			Contact: docket.Proxy{Name: "Ana López", Phone: anaPhone}})
	}
	if err := f.db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández", Email: "lf@example.org",
		Language: "es", Zone: "America/Chicago"}}, cls); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	recs := family(start)
	for i := range recs {
		recs[i].LocationCode = "OAK" // OAKDALE FEDERAL DETENTION CENTER
	}
	f.hearings(t, recs...)
	f.runUntil(t, start)

	if got := sentTo(f.sms, familyPhone); len(got) != 0 {
		t.Errorf("the family's phone got %d texts, want none", len(got))
	}
	aunt := sentTo(f.sms, anaPhone)
	if len(aunt) != 3 {
		t.Fatalf("the contact got %d texts, want 3 (one per offset, naming all four)", len(aunt))
	}
	for _, s := range aunt {
		for _, name := range []string{"Rosa", "Jorge", "Valeria", "Mateo"} {
			if !strings.Contains(s.msg.Text, name) {
				t.Errorf("the contact's text does not name %s:\n%s", name, s.msg.Text)
			}
		}
	}
	counsel := sentTo(f.email, "lf@example.org")
	if len(counsel) != 1 {
		t.Fatalf("counsel got %d emails, want 1 (the attorney policy's 2d)", len(counsel))
	}

	// What the contact's and counsel's messages are rendered from.
	rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{Recipient: docket.ToContact})
	if err != nil || len(rows) == 0 {
		t.Fatalf("contact rows: %d, %v", len(rows), err)
	}
	var group []docket.Reminder
	for _, r := range rows {
		if r.GroupKey == rows[0].GroupKey {
			group = append(group, r)
		}
	}
	n, _, err := f.disp.Renderer.notice(ctx, group, hearings{}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !n.ToContact || n.Recipient != "Ana López" || n.Greeting != "Ana" || n.Language != "es" || n.Confirm ||
		n.Home.String() != "America/Chicago" || len(n.People) != 4 {
		t.Errorf("contact notice: %+v", n)
	}
	for _, p := range n.People {
		if first, _, _ := strings.Cut(p.Name, " "); !p.Detained || p.Greeting != first {
			t.Errorf("person %+v: want detained, with a greeting", p)
		}
	}
	rows, _ = f.db.OutboxRows(ctx, docket.OutboxFilter{Recipient: docket.ToAttorney})
	n, _, err = f.disp.Renderer.notice(ctx, rows[:1], hearings{}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !n.ToCounsel || n.HomePlace != "" {
		t.Errorf("counsel notice: %+v", n)
	}
	for _, p := range n.People {
		if p.Reach != "unreached" || p.Why != "detained" {
			t.Errorf("counsel are told %s reach %q (%q), want unreached (detained)", p.Name, p.Reach, p.Why)
		}
	}
}

// A reload marks Samuel detained after his reminders were planned: the next plan cancels what was to go to his own
// phone, with the reason; a row the plan has not yet seen is cancelled at sending.
func TestAReloadThatSetsDetainedCancelsTheClientsPendingRows(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for _, replan := range []bool{true, false} {
		f := newFixture(t, t0)
		clientPoliciesOnly(f)
		atts, cls := custodyPeople(false, true)
		if err := f.db.ReplacePeople(ctx, atts, cls); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
		f.hearings(t, samHearing(start))
		if _, err := f.plan.Plan(ctx); err != nil {
			t.Fatal(err)
		}
		atts, cls = custodyPeople(true, true)
		if err := f.db.ReplacePeople(ctx, atts, cls); err != nil {
			t.Fatal(err)
		}
		if replan {
			f.runUntil(t, start)
		} else {
			// The dispatcher alone, as when planning fails or has not run since the reload.
			for f.clock.Now().Before(start.Add(-23 * time.Hour)) {
				f.clock.Advance(24 * time.Hour)
				if _, err := f.disp.DispatchDue(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got := sentTo(f.sms, samPhone); len(got) != 0 {
			t.Errorf("replan %v: the client now in custody got %d texts", replan, len(got))
		}
		rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{Recipient: docket.ToClient, RecipientID: "sam"})
		if err != nil || len(rows) == 0 {
			t.Fatalf("client rows: %d, %v", len(rows), err)
		}
		for _, r := range rows {
			if r.State != docket.StateCancelled || r.LastError != custodyReason {
				t.Errorf("replan %v: row %s is %s (%q), want cancelled: %s", replan, r.DedupeKey, r.State, r.LastError,
					custodyReason)
			}
		}
		if replan && len(sentTo(f.sms, miriamPhone)) != 2 {
			t.Errorf("the contact got %d texts after the reload, want 2", len(sentTo(f.sms, miriamPhone)))
		}
	}
}

func TestCounselSeeWhetherEachClientWasReached(t *testing.T) {
	t0 := time.Date(2028, 1, 31, 15, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	ctx := context.Background()
	att := "lf"
	client := func(id, name, a, phone, email string) docket.Client {
		return docket.Client{ID: id, Name: name, ANumber: docket.ANumber(a), Phone: phone, Email: email, Language: "es",
			Zone: "America/Chicago", AttorneyID: &att}
	}
	if err := f.db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández", Email: "lf@example.org"}},
		[]docket.Client{
			client("conf", "Rosa Mendoza", "201555101", "+12145550101", ""),
			client("sent", "Jorge Mendoza", "201555102", "+12145550102", ""),
			client("fail", "Valeria Mendoza", "201555103", "+12145550103", ""),
			client("out", "Mateo Mendoza", "201555104", "+12145550104", ""),
			client("none", "Ana Ruiz", "201555105", "", ""),
			client("new", "Eva Gil", "201555106", "+12145550106", ""),
		}); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	var recs []docket.HearingRecord
	for i, a := range []string{"201555101", "201555102", "201555103", "201555104", "201555105", "201555106"} {
		at := start.Add(time.Duration(i) * time.Hour)
		if i == 5 {
			at = at.AddDate(0, 0, 7) // Eva's first reminder is a week after the others'
		}
		recs = append(recs, docket.HearingRecord{Key: "h" + a, ANumber: docket.ANumber(a), Start: at,
			Zone: "America/Chicago", CourtCode: "DAL", Type: "master", Medium: "in_person"})
	}
	f.hearings(t, recs...)
	if err := f.db.OptOut(ctx, docket.SMS, "+12145550104", "STOP", t0); err != nil {
		t.Fatal(err)
	}
	f.sms.fail = func(m docket.Message) error {
		if m.To == "+12145550103" {
			return &docket.SendError{Code: "21211", Err: errors.New("invalid number")}
		}
		return nil
	}
	// The 7d reminders are due on Feb 1 at 10:00 Central, Eva's a week later.
	f.runUntil(t, time.Date(2028, 2, 1, 17, 0, 0, 0, time.UTC))
	if _, err := f.db.ConfirmLatest(ctx, "+12145550101", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{Recipient: docket.ToAttorney})
	if err != nil || len(rows) == 0 {
		t.Fatalf("counsel rows: %d, %v", len(rows), err)
	}
	want := map[string][2]string{"Rosa Mendoza": {"confirmed", ""}, "Jorge Mendoza": {"reached", ""},
		"Valeria Mendoza": {"unreached", "failed"}, "Mateo Mendoza": {"unreached", "opted out"},
		"Ana Ruiz": {"unreached", "no phone"}, "Eva Gil": {"", ""}}
	seen := map[string]bool{}
	for _, row := range rows {
		n, _, err := f.disp.Renderer.notice(ctx, []docket.Reminder{row}, hearings{}, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range n.People {
			seen[p.Name] = true
			if got := [2]string{p.Reach, p.Why}; got != want[p.Name] {
				t.Errorf("%s: counsel are told %q, want %q", p.Name, got, want[p.Name])
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("counsel's messages name %v, want all of %v", seen, want)
	}
}

// A client at liberty is greeted by the name they use and told the time at home; released from custody, they are
// reminded themselves again and their contact's pending texts are cancelled at sending.
func TestAReleasedClientIsRemindedThemselvesByTheNameTheyUse(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	clientPoliciesOnly(f)
	ctx := context.Background()
	atts, cls := custodyPeople(true, true)
	if err := f.db.ReplacePeople(ctx, atts, cls); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	f.hearings(t, samHearing(start))
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	atts, cls = custodyPeople(false, true)
	cls[0].GreetingName = "Sami"
	if err := f.db.ReplacePeople(ctx, atts, cls); err != nil {
		t.Fatal(err)
	}
	f.runUntil(t, start)
	if got := sentTo(f.sms, miriamPhone); len(got) != 0 {
		t.Errorf("the released client's contact got %d texts, want none", len(got))
	}
	if got := sentTo(f.sms, samPhone); len(got) != 2 {
		t.Errorf("the released client got %d texts, want 2", len(got))
	}
	if got := sentTo(f.email, "lf@example.org"); len(got) != 0 {
		t.Errorf("counsel got %d emails of the client policies after the release, want none", len(got))
	}
	rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{Recipient: docket.ToClient, RecipientID: "sam",
		State: docket.StateSent})
	if err != nil || len(rows) == 0 {
		t.Fatalf("client rows: %v, %v", rows, err)
	}
	n, _, err := f.disp.Renderer.notice(ctx, rows[:1], hearings{}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n.Greeting != "Sami" || n.HomePlace != "Dallas" || n.Home.String() != "America/Chicago" || n.ToContact ||
		len(n.People) != 1 || n.People[0].Greeting != "Sami" || n.People[0].Detained {
		t.Errorf("client notice: %+v", n)
	}
	contact, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{Recipient: docket.ToContact})
	for _, r := range contact {
		if r.State != docket.StateCancelled || !strings.Contains(r.LastError, "no longer in custody") {
			t.Errorf("contact row %s: %s (%q), want cancelled as no longer in custody", r.DedupeKey, r.State, r.LastError)
		}
	}
}
