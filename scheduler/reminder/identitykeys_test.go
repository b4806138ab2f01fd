package reminder

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store/storetest"
)

// identityKeysEnd is when keyedOffice's last hearing has started.
var identityKeysEnd = time.Date(2028, 3, 15, 0, 0, 0, 0, chicago)

// keyedOffice is an office whose outbox holds every kind of key the planner makes: reminders to clients, to a
// detained client's contact person and to counsel in the client's place, a change notice and a cancellation notice.
// Rosa has three hearings; her first moves, and Jorge's is cancelled. Nothing is due yet when it returns.
func keyedOffice(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC))
	clientPoliciesOnly(f)
	ctx := context.Background()
	atts, cls := custodyPeople(true, true)
	att := atts[0].ID
	cls = append(cls,
		docket.Client{ID: "rosa", Name: "Rosa Mendoza", ANumber: "201555101", Phone: familyPhone, Language: "es",
			Zone: "America/Chicago", AttorneyID: &att},
		docket.Client{ID: "jorge", Name: "Jorge Mendoza", ANumber: "201555102", Phone: anaPhone, Language: "es",
			Zone: "America/Chicago", AttorneyID: &att})
	if err := f.db.ReplacePeople(ctx, atts, cls); err != nil {
		t.Fatal(err)
	}
	hearing := func(key string, a docket.ANumber, start time.Time) docket.HearingRecord {
		return docket.HearingRecord{Key: key, ANumber: a, Start: start, Zone: "America/Chicago", CourtCode: "DAL",
			Type: "master", Medium: "in_person"}
	}
	f.hearings(t,
		samHearing(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)),
		hearing("r-1", "201555101", time.Date(2028, 2, 9, 8, 30, 0, 0, chicago)),
		hearing("r-2", "201555101", time.Date(2028, 2, 22, 8, 30, 0, 0, chicago)),
		hearing("r-3", "201555101", time.Date(2028, 3, 1, 13, 0, 0, 0, chicago)),
		hearing("j-1", "201555102", time.Date(2028, 2, 10, 8, 30, 0, 0, chicago)))
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	cancelled := hearing("j-1", "201555102", time.Date(2028, 2, 10, 8, 30, 0, 0, chicago))
	cancelled.Status = docket.StatusCancelled
	f.hearings(t, hearing("r-1", "201555101", time.Date(2028, 3, 14, 13, 0, 0, 0, chicago)), cancelled)
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}

	shapes := map[string]bool{}
	for _, r := range f.outbox(t) {
		shapes[fmt.Sprint(r.Kind, "/", r.Recipient, "/", r.Channel)] = true
	}
	for _, want := range []string{"reminder/client/sms", "reminder/contact/sms", "reminder/attorney/email",
		"rescheduled/client/sms", "cancelled/client/sms"} {
		if !shapes[want] {
			t.Fatalf("the office's outbox has no %s row: %v", want, shapes)
		}
	}
	return f
}

func (f *fixture) outbox(t *testing.T) []docket.Reminder {
	t.Helper()
	rows, err := f.db.OutboxRows(context.Background(), docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	return rows
}

// exec runs a statement on the fixture's database beside the store, written with ? placeholders.
func (f *fixture) exec(t *testing.T, raw *sql.DB, query string, args ...any) {
	t.Helper()
	if f.db.Dialect() == "postgres" {
		for n := 1; strings.Contains(query, "?"); n++ {
			query = strings.Replace(query, "?", fmt.Sprintf("$%d", n), 1)
		}
	}
	if _, err := raw.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// previousKey is the key versions before migration 0010 planned for r, written as they wrote it: from its
// hearing's row id.
func previousKey(r docket.Reminder) string {
	if r.Kind == docket.KindReminder {
		return fmt.Sprintf("reminder/%d/%d/%s/%s/%s/%s/%s", r.HearingID, r.Sequence, r.Recipient, r.RecipientID,
			r.Channel, r.Policy, r.Offset)
	}
	return fmt.Sprintf("%s/%d/%d/%s/%s/%s", r.Kind, r.HearingID, r.Sequence, r.Recipient, r.RecipientID, r.Channel)
}

const identityKeysMigration = "0010_outbox_identity_keys"

// asPreviousVersion gives the outbox the keys the version before migration 0010 planned, and marks the migration
// not applied, as in a database that version left.
func (f *fixture) asPreviousVersion(t *testing.T, raw *sql.DB) {
	t.Helper()
	for _, r := range f.outbox(t) {
		f.exec(t, raw, "UPDATE outboxes SET dedupe_key = ? WHERE id = ?", previousKey(r), r.ID)
	}
	f.exec(t, raw, "DELETE FROM schema_migrations WHERE id = ?", identityKeysMigration)
}

// swapHearingIDs plays a rebuilt database in which the hearings of source keys a and b have each other's row id:
// their change logs and outbox rows follow them.
func (f *fixture) swapHearingIDs(t *testing.T, raw *sql.DB, a, b string) {
	t.Helper()
	id := map[string]uint{}
	hs, err := f.db.Hearings(context.Background(), docket.HearingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		id[h.SourceKey] = h.ID
	}
	ida, idb := id[a], id[b]
	if ida == 0 || idb == 0 {
		t.Fatalf("no hearing %s or %s: %v", a, b, id)
	}
	const aside = 1 << 30
	f.exec(t, raw, "UPDATE hearings SET id = ? WHERE id = ?", aside, ida)
	f.exec(t, raw, "UPDATE hearings SET id = ? WHERE id = ?", ida, idb)
	f.exec(t, raw, "UPDATE hearings SET id = ? WHERE id = ?", idb, aside)
	for _, table := range []string{"outboxes", "hearing_changes"} {
		f.exec(t, raw, "UPDATE "+table+" SET hearing_id = ? WHERE hearing_id = ?", aside, ida)
		f.exec(t, raw, "UPDATE "+table+" SET hearing_id = ? WHERE hearing_id = ?", ida, idb)
		f.exec(t, raw, "UPDATE "+table+" SET hearing_id = ? WHERE hearing_id = ?", idb, aside)
	}
}

// sent lists what the fixture's senders sent, one line a message: when, to whom, its key and its text.
func (f *fixture) sent() []string {
	var out []string
	for _, r := range []*recorder{f.sms, f.email} {
		for _, s := range r.messages() {
			out = append(out, fmt.Sprintf("%s %s %s %s %q", s.at.UTC().Format(time.RFC3339), s.msg.To, s.msg.Key,
				s.msg.Subject, s.msg.Text))
		}
	}
	sort.Strings(out)
	return out
}

// checkSentAsControl compares what f sent with what an office that was never upgraded or rebuilt sent.
func checkSentAsControl(t *testing.T, f, control *fixture) {
	t.Helper()
	got, want := f.sent(), control.sent()
	seen := map[string]bool{}
	for _, s := range got {
		if seen[s] {
			t.Errorf("sent twice: %s", s)
		}
		seen[s] = true
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent %d messages, want %d\ngot:\n%s\nwant:\n%s", len(got), len(want), strings.Join(got, "\n"),
			strings.Join(want, "\n"))
	}
}

func TestUpgradingToIdentityKeysPlansNothingAgainAndLosesNothing(t *testing.T) {
	ctx := context.Background()
	control := keyedOffice(t)
	control.runUntil(t, identityKeysEnd)

	f := keyedOffice(t)
	raw := storetest.RawSQL(t, f.url)
	planned := f.outbox(t)
	f.asPreviousVersion(t, raw)
	if err := f.db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	migrated := f.outbox(t)
	if len(migrated) != len(planned) {
		t.Fatalf("the migration left %d rows of %d", len(migrated), len(planned))
	}
	for i, r := range migrated {
		h, err := f.db.Hearing(ctx, r.HearingID)
		if err != nil {
			t.Fatal(err)
		}
		p := planned[i]
		if r.ID != p.ID || r.State != p.State || r.DedupeKey != p.DedupeKey ||
			r.DedupeKey != docket.DedupeKey(h.Identity(), r) {
			t.Errorf("row %d: key %s, %s; want %s, %s as planned", r.ID, r.DedupeKey, r.State, p.DedupeKey, p.State)
		}
	}
	res, err := f.plan.Plan(ctx)
	if err != nil || res.Planned != 0 {
		t.Errorf("planning after the upgrade: %+v, %v; want nothing new", res, err)
	}
	f.runUntil(t, identityKeysEnd)
	checkSentAsControl(t, f, control)
}

func TestARebuiltDatabaseWithSwappedHearingIDsPlansNothingTwiceAndMissesNothing(t *testing.T) {
	control := keyedOffice(t)
	control.runUntil(t, identityKeysEnd)
	for _, previous := range []bool{false, true} {
		name := "identity keys"
		if previous {
			name = "rebuilt before the upgrade"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			f := keyedOffice(t)
			raw := storetest.RawSQL(t, f.url)
			if previous {
				f.asPreviousVersion(t, raw)
			}
			// Rosa's second and third hearings have the same recipients, policies and sequence: with keys of row
			// ids, each would be planned under the other's stored key, and neither would be.
			f.swapHearingIDs(t, raw, "r-2", "r-3")
			f.swapHearingIDs(t, raw, "sam-1", "j-1")
			if previous {
				if err := f.db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}
			res, err := f.plan.Plan(ctx)
			if err != nil || res.Planned != 0 {
				t.Errorf("planning after the rebuild: %+v, %v; want nothing new", res, err)
			}
			f.runUntil(t, identityKeysEnd)
			checkSentAsControl(t, f, control)
		})
	}
}
