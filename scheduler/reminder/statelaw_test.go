package reminder

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

var newYork, _ = time.LoadLocation("America/New_York")

func hm(h, m int) int { return h*60 + m }

func TestUnionOfQuietWindows(t *testing.T) {
	florida := Quiet{Start: hm(20, 0), End: hm(8, 0)}
	for _, tt := range []struct {
		name string
		in   []Quiet
		want quietHours
	}{
		{"configured 21-08 and Florida's", []Quiet{{hm(21, 0), hm(8, 0)}, florida}, quietHours{florida}},
		{"configured 22-09 also covers 20-22", []Quiet{{hm(22, 0), hm(9, 0)}, florida}, quietHours{{hm(20, 0), hm(9, 0)}}},
		{"configured 21-07 ends before Florida's", []Quiet{{hm(21, 0), hm(7, 0)}, florida}, quietHours{florida}},
		{"configured 19-06 starts before Florida's", []Quiet{{hm(19, 0), hm(6, 0)}, florida}, quietHours{{hm(19, 0), hm(8, 0)}}},
		{"the same window", []Quiet{florida, florida}, quietHours{florida}},
		{"no configured window", []Quiet{{0, 0}, florida}, quietHours{florida}},
		{"nothing at all", []Quiet{{0, 0}}, nil},
		{"one inside the other, after midnight", []Quiet{{hm(0, 0), hm(6, 0)}, florida}, quietHours{florida}},
		{"windows that touch across midnight", []Quiet{{hm(23, 0), hm(1, 0)}, {hm(1, 0), hm(5, 0)}},
			quietHours{{hm(23, 0), hm(5, 0)}}},
		{"windows that touch in the evening", []Quiet{{hm(18, 0), hm(19, 0)}, {hm(19, 0), hm(20, 0)}},
			quietHours{{hm(18, 0), hm(20, 0)}}},
		{"one ending at midnight, one from it", []Quiet{{hm(20, 0), 0}, {0, hm(8, 0)}}, quietHours{florida}},
		{"apart", []Quiet{{hm(12, 0), hm(13, 0)}, florida}, quietHours{{hm(12, 0), hm(13, 0)}, florida}},
		{"the whole day", []Quiet{{hm(8, 0), hm(20, 0)}, florida}, quietHours{{0, day}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := union(tt.in...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("union(%v) = %v, want %v", tt.in, got, tt.want)
			}
			// Every minute of the day is quiet in the union exactly when one of the windows holds it.
			for m := range day {
				at := time.Date(2028, 2, 7, m/60, m%60, 0, 0, time.UTC)
				in := slices.ContainsFunc(tt.in, func(q Quiet) bool { return q.contains(at) })
				if got.contains(at) != in {
					t.Fatalf("at %s: union says quiet=%v, the windows %v", at.Format("15:04"), got.contains(at), in)
				}
			}
		})
	}
}

func TestQuietHoursMoveATimeOutOfEveryWindow(t *testing.T) {
	q := union(Quiet{Start: hm(12, 0), End: hm(13, 0)}, Quiet{Start: hm(20, 0), End: hm(8, 0)})
	at := func(d, h, m int) time.Time { return time.Date(2028, 2, d, h, m, 0, 0, newYork) }
	for _, tt := range []struct {
		t, end, start time.Time
	}{
		{at(7, 20, 30), at(8, 8, 0), at(7, 19, 59)},
		{at(8, 2, 0), at(8, 8, 0), at(7, 19, 59)},
		{at(7, 12, 30), at(7, 13, 0), at(7, 11, 59)},
		{at(7, 19, 59), at(7, 19, 59), at(7, 19, 59)},
		{at(7, 8, 0), at(7, 8, 0), at(7, 8, 0)},
	} {
		if got := q.end(tt.t); !got.Equal(tt.end) {
			t.Errorf("end(%s) = %s, want %s", tt.t.Format(time.DateTime), got.Format(time.DateTime), tt.end.Format(time.DateTime))
		}
		if got := q.start(tt.t); !got.Equal(tt.start) {
			t.Errorf("start(%s) = %s, want %s", tt.t.Format(time.DateTime), got.Format(time.DateTime),
				tt.start.Format(time.DateTime))
		}
	}
	// A day with no minute to send in: nothing is ever decent.
	all := union(Quiet{Start: hm(8, 0), End: hm(20, 0)}, Quiet{Start: hm(20, 0), End: hm(8, 0)})
	hearing := at(9, 9, 0)
	if _, ok := decent(at(8, 10, 0), hearing, all); ok {
		t.Error("a time was decent in a day that is quiet throughout")
	}
	if _, ok := forward(at(8, 10, 0), hearing, all); ok {
		t.Error("a time moved forward before the hearing in a day that is quiet throughout")
	}
}

// person replaces the fixture's people with counsel lf (at phone, living in zone) and client c.
func (f *fixture) person(t *testing.T, counselPhone, counselZone string, c docket.Client) {
	t.Helper()
	att := "lf"
	c.AttorneyID = &att
	if err := f.db.ReplacePeople(context.Background(), []docket.Attorney{{ID: att, Name: "Lucía Fernández",
		Email: "lf@example.org", Phone: counselPhone, Language: "es", Zone: counselZone}}, []docket.Client{c}); err != nil {
		t.Fatal(err)
	}
}

// plainHearing is a master hearing in Dallas of the case 201555101.
func plainHearing(key string, a docket.ANumber, start time.Time) docket.HearingRecord {
	return docket.HearingRecord{Key: key, ANumber: a, Start: start, Zone: "America/Chicago", CourtCode: "DAL",
		Type: "master", Medium: "in_person"}
}

// row puts an outbox row due at due for the fixture's only hearing into the store, as an earlier plan would have.
func (f *fixture) row(t *testing.T, recipient, id string, channel docket.Channel, address string, due time.Time) {
	t.Helper()
	ctx := context.Background()
	hs, err := f.db.Hearings(ctx, docket.HearingFilter{})
	if err != nil || len(hs) != 1 {
		t.Fatalf("hearings: %d, %v", len(hs), err)
	}
	if _, err := f.db.PlanOutbox(ctx, []docket.Reminder{{HearingID: hs[0].ID, Recipient: recipient, RecipientID: id,
		Channel: channel, Address: address, Kind: docket.KindReminder, Policy: "p", Offset: "1d",
		Sequence: hs[0].Sequence, Due: due.UTC(), State: docket.StatePending, DedupeKey: "planned-earlier"}}); err != nil {
		t.Fatal(err)
	}
}

func TestATextWaitsAtTheMomentOfSendingForTheHoursAStateLawAllows(t *testing.T) {
	for _, tt := range []struct {
		name    string
		client  docket.Client // id "ana", case 201555101
		counsel string        // counsel's phone, in New York's zone
		to      string        // client | attorney
		channel docket.Channel
		zone    *time.Location // where the recipient lives
		law     string         // the state whose law holds the text back; "" sends it at once
	}{
		{"Miami number", docket.Client{Phone: "+13055550142", Zone: "America/New_York"}, "", docket.ToClient,
			docket.SMS, newYork, "FL"},
		{"Oklahoma City number", docket.Client{Phone: "+14055550177", Zone: "America/Chicago"}, "", docket.ToClient,
			docket.SMS, chicago, "OK"},
		{"Dallas number, state FL", docket.Client{Phone: "+12145550142", State: "FL", Zone: "America/New_York"}, "",
			docket.ToClient, docket.SMS, newYork, "FL"},
		{"Miami number, state TX", docket.Client{Phone: "+13055550142", State: "TX", Zone: "America/Chicago"}, "",
			docket.ToClient, docket.SMS, chicago, ""},
		{"Dallas number", docket.Client{Phone: "+12145550142", Zone: "America/Chicago"}, "", docket.ToClient,
			docket.SMS, chicago, ""},
		{"email to a Miami client", docket.Client{Phone: "+13055550142", Email: "ana@example.org",
			Zone: "America/New_York"}, "", docket.ToClient, docket.Email, newYork, ""},
		{"counsel with a Miami number", docket.Client{Phone: "+12145550142", Zone: "America/Chicago"},
			"+13055550111", docket.ToAttorney, docket.SMS, newYork, "FL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Date(2028, 2, 7, 20, 15, 0, 0, tt.zone)
			f := newFixture(t, now)
			f.rules.Policies = nil // only the row put in below
			f.rules.CatchUp = 24 * time.Hour
			tt.client.ID, tt.client.Name, tt.client.ANumber, tt.client.Language = "ana", "Ana Reyes", "201555101", "es"
			counsel := cmp.Or(tt.counsel, "+12145550111")
			f.person(t, counsel, "America/New_York", tt.client)
			f.hearings(t, plainHearing("ana", "201555101", time.Date(2028, 2, 9, 10, 0, 0, 0, chicago)))
			id, address := tt.client.ID, tt.client.Phone
			switch {
			case tt.to == docket.ToAttorney:
				id, address = "lf", counsel
			case tt.channel == docket.Email:
				address = tt.client.Email
			}
			f.row(t, tt.to, id, tt.channel, address, now)
			ctx := context.Background()
			if _, err := f.disp.DispatchDue(ctx); err != nil {
				t.Fatal(err)
			}
			sent := append(f.sms.messages(), f.email.messages()...)
			if tt.law == "" {
				if len(sent) != 1 || !sent[0].at.Equal(now) {
					t.Fatalf("sent %v, want one message at once, at %s", sent, now)
				}
				return
			}
			if len(sent) != 0 {
				t.Fatalf("sent %d messages at 20:15 under %s's law, want none", len(sent), tt.law)
			}
			morning := time.Date(2028, 2, 8, 8, 0, 0, 0, tt.zone)
			rows, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StatePending})
			if len(rows) != 1 || rows[0].NextAttempt == nil || !rows[0].NextAttempt.Equal(morning) ||
				!strings.Contains(rows[0].LastError, tt.law+"'s law") || rows[0].Attempts != 0 {
				t.Fatalf("the row should wait for 08:00 local, saying why: %+v", rows)
			}
			f.runUntil(t, time.Date(2028, 2, 8, 12, 0, 0, 0, tt.zone))
			sent = f.sms.messages()
			if len(sent) != 1 || !sent[0].at.Equal(morning) || sent[0].msg.To != address {
				t.Fatalf("sent %v, want one text at %s", sent, morning)
			}
		})
	}
}

func TestATextAtTheLastMinuteAFloridaLawAllows(t *testing.T) {
	h := docket.Hearing{ID: 1, Start: time.Date(2028, 2, 9, 10, 0, 0, 0, chicago), Status: docket.StatusScheduled,
		Clients: []docket.Client{{ID: "ana", Phone: "+13055550142", Zone: "America/New_York"}}}
	rules := Rules{Quiet: Quiet{Start: hm(21, 0), End: hm(8, 0)}, CatchUp: 6 * time.Hour, DefaultZone: chicago}
	row := docket.Reminder{HearingID: 1, Recipient: docket.ToClient, RecipientID: "ana", Channel: docket.SMS,
		Address: "+13055550142", Kind: docket.KindReminder}
	for _, tt := range []struct {
		h, m int
		held bool
	}{{7, 59, true}, {8, 0, false}, {19, 59, false}, {20, 0, true}, {20, 59, true}, {21, 0, true}} {
		now := time.Date(2028, 2, 7, tt.h, tt.m, 0, 0, newYork)
		row.Due = now
		if _, got := held(row, h, rules, now, nil); got != tt.held {
			t.Errorf("at %s in Miami: held = %v, want %v", now.Format("15:04"), got, tt.held)
		}
	}
}

func TestThePlannerPlansTextsForTheHoursAStateLawAllows(t *testing.T) {
	hearing := time.Date(2028, 2, 9, 10, 0, 0, 0, chicago)
	for _, tt := range []struct {
		name    string
		client  docket.Client
		channel docket.Channel
		want    time.Time // when the 1d reminder, asked for 20:30, is planned and sent
	}{
		// Inside Florida's hours: moved to the evening before them, as a time in quiet hours always is.
		{"Miami number", docket.Client{Phone: "+13055550142", Zone: "America/New_York"}, docket.SMS,
			time.Date(2028, 2, 8, 19, 59, 0, 0, newYork)},
		{"Tulsa number", docket.Client{Phone: "+19185550177", Zone: "America/Chicago"}, docket.SMS,
			time.Date(2028, 2, 8, 19, 59, 0, 0, chicago)},
		{"Dallas number, state FL", docket.Client{Phone: "+12145550142", State: "FL", Zone: "America/New_York"},
			docket.SMS, time.Date(2028, 2, 8, 19, 59, 0, 0, newYork)},
		{"Miami number, state TX", docket.Client{Phone: "+13055550142", State: "TX", Zone: "America/Chicago"},
			docket.SMS, time.Date(2028, 2, 8, 20, 30, 0, 0, chicago)},
		{"Dallas number", docket.Client{Phone: "+12145550142", Zone: "America/Chicago"}, docket.SMS,
			time.Date(2028, 2, 8, 20, 30, 0, 0, chicago)},
		{"email to a Miami client", docket.Client{Email: "ana@example.org", Phone: "+13055550142",
			Zone: "America/New_York"}, docket.Email, time.Date(2028, 2, 8, 20, 30, 0, 0, newYork)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, time.Date(2028, 2, 1, 12, 0, 0, 0, chicago))
			f.rules.Policies = []Policy{{Name: "evening", To: "client", Channel: tt.channel,
				Offsets: []Offset{{Label: "1d", Days: 1, At: hm(20, 30)}}}}
			tt.client.ID, tt.client.Name, tt.client.ANumber, tt.client.Language = "ana", "Ana Reyes", "201555101", "es"
			f.person(t, "+12145550111", "America/Chicago", tt.client)
			f.hearings(t, plainHearing("ana", "201555101", hearing))
			if _, err := f.plan.Plan(context.Background()); err != nil {
				t.Fatal(err)
			}
			rows, _ := f.db.OutboxRows(context.Background(), docket.OutboxFilter{})
			if len(rows) != 1 || !rows[0].Due.Equal(tt.want) {
				t.Fatalf("planned %v, want one row due %s", rows, tt.want)
			}
			f.runUntil(t, hearing)
			sent := append(f.sms.messages(), f.email.messages()...)
			if len(sent) != 1 || !sent[0].at.Equal(tt.want) {
				t.Fatalf("sent %v, want one at %s", sent, tt.want)
			}
		})
	}
}

func TestAChangeNoticeToFloridaInTheEveningIsPlannedForEight(t *testing.T) {
	for _, tt := range []struct {
		name  string
		phone string
		want  time.Time
	}{
		{"Miami", "+13055550142", time.Date(2028, 2, 8, 8, 0, 0, 0, newYork)},
		{"Dallas", "+12145550142", time.Date(2028, 2, 7, 20, 30, 0, 0, newYork)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, time.Date(2028, 2, 1, 12, 0, 0, 0, chicago))
			f.rules.Policies = f.rules.Policies[:1]
			f.person(t, "+12145550111", "America/Chicago", docket.Client{ID: "ana", Name: "Ana Reyes",
				ANumber: "201555101", Phone: tt.phone, Language: "es", Zone: "America/New_York"})
			rec := plainHearing("ana", "201555101", time.Date(2028, 2, 20, 10, 0, 0, 0, chicago))
			f.hearings(t, rec)
			f.clock.Advance(time.Date(2028, 2, 7, 20, 30, 0, 0, newYork).Sub(f.clock.Now()))
			rec.Start = time.Date(2028, 2, 27, 10, 0, 0, 0, chicago) // moved, at 20:30 in Miami
			f.hearings(t, rec)
			if _, err := f.plan.Plan(context.Background()); err != nil {
				t.Fatal(err)
			}
			rows, _ := f.db.OutboxRows(context.Background(), docket.OutboxFilter{State: docket.StatePending})
			var planned []time.Time
			for _, r := range rows {
				if r.Kind == docket.KindRescheduled {
					planned = append(planned, r.Due)
				}
			}
			if len(planned) != 1 || !planned[0].Equal(tt.want) {
				t.Fatalf("notices planned for %v, want one for %s", planned, tt.want)
			}
			f.runUntil(t, time.Date(2028, 2, 8, 12, 0, 0, 0, newYork))
			var notices []sentAt
			for _, m := range f.sms.messages() {
				if m.at.After(time.Date(2028, 2, 7, 0, 0, 0, 0, newYork)) {
					notices = append(notices, m)
				}
			}
			if len(notices) != 1 || !notices[0].at.Equal(tt.want) {
				t.Fatalf("change notices %v, want one at %s", notices, tt.want)
			}
		})
	}
}

func TestAFourthTextAboutOneHearingInADayWaitsInFloridaOnly(t *testing.T) {
	// 17:00 in Dallas is 18:00 in Miami. Hour offsets: 10:00, 14:00, 18:00 and 22:00 (moved to 19:59, before
	// Florida's hours) the day before in Miami; 09:00, 13:00, 17:00 and 21:00 (moved to 20:59) in Dallas.
	hearing := time.Date(2028, 2, 9, 17, 0, 0, 0, chicago)
	offsets := []Offset{{Label: "32h", Before: 32 * time.Hour}, {Label: "28h", Before: 28 * time.Hour},
		{Label: "24h", Before: 24 * time.Hour}, {Label: "20h", Before: 20 * time.Hour}}
	for _, tt := range []struct {
		name    string
		phone   string
		zone    *time.Location
		catchUp time.Duration
		want    []time.Time // local times the texts go out
		skipped string      // the reason of the fourth's skip, when it is
	}{
		{"Miami", "+13055550142", newYork, 24 * time.Hour, []time.Time{
			time.Date(2028, 2, 8, 10, 0, 0, 0, newYork), time.Date(2028, 2, 8, 14, 0, 0, 0, newYork),
			time.Date(2028, 2, 8, 18, 0, 0, 0, newYork),
			time.Date(2028, 2, 9, 10, 0, 0, 0, newYork), // when the first leaves the 24 hours
		}, ""},
		{"Miami, catch_up 6h", "+13055550142", newYork, 6 * time.Hour, []time.Time{
			time.Date(2028, 2, 8, 10, 0, 0, 0, newYork), time.Date(2028, 2, 8, 14, 0, 0, 0, newYork),
			time.Date(2028, 2, 8, 18, 0, 0, 0, newYork),
		}, "3 messages about this hearing in the last 24 hours, as many as FL's law allows; the next time allowed " +
			"is more than catch_up (6h0m0s) after it was due"},
		{"Dallas", "+12145550142", chicago, 24 * time.Hour, []time.Time{
			time.Date(2028, 2, 8, 9, 0, 0, 0, chicago), time.Date(2028, 2, 8, 13, 0, 0, 0, chicago),
			time.Date(2028, 2, 8, 17, 0, 0, 0, chicago), time.Date(2028, 2, 8, 20, 59, 0, 0, chicago),
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, time.Date(2028, 2, 1, 12, 0, 0, 0, chicago))
			f.rules.CatchUp = tt.catchUp
			f.rules.Policies = []Policy{{Name: "hours", To: "client", Channel: docket.SMS, Offsets: offsets}}
			// A household: two clients on one phone, with hearings at the same court and time. Each text names both
			// and counts once.
			att := "lf"
			if err := f.db.ReplacePeople(context.Background(), nil, []docket.Client{
				{ID: "ana", Name: "Ana Reyes", ANumber: "201555101", Phone: tt.phone, Language: "es",
					Zone: tt.zone.String(), AttorneyID: &att},
				{ID: "leo", Name: "Leo Reyes", ANumber: "201555102", Phone: tt.phone, Language: "es",
					Zone: tt.zone.String()},
			}); err != nil {
				t.Fatal(err)
			}
			f.hearings(t, plainHearing("ana", "201555101", hearing), plainHearing("leo", "201555102", hearing))
			f.runUntil(t, hearing)
			sent := f.sms.messages()
			if len(sent) != len(tt.want) {
				t.Fatalf("texts: got %d, want %d: %v", len(sent), len(tt.want), sent)
			}
			for i, m := range sent {
				if !m.at.Equal(tt.want[i]) {
					t.Errorf("text %d at %s, want %s", i+1, m.at.In(tt.zone), tt.want[i])
				}
				if !strings.Contains(m.msg.Text, "Ana") || !strings.Contains(m.msg.Text, "Leo") {
					t.Errorf("text %d names not both:\n%s", i+1, m.msg.Text)
				}
			}
			for i := range sent {
				if i >= 3 {
					n := 0
					for _, before := range sent[:i] {
						if sent[i].at.Sub(before.at) < 24*time.Hour {
							n++
						}
					}
					if n >= 3 && tt.zone == newYork {
						t.Errorf("text %d went with %d others in 24 hours to a Florida number", i+1, n)
					}
				}
			}
			skipped, _ := f.db.OutboxRows(context.Background(), docket.OutboxFilter{State: docket.StateSkipped})
			if tt.skipped == "" {
				if len(skipped) != 0 {
					t.Errorf("skipped: %+v", skipped)
				}
				return
			}
			if len(skipped) != 2 { // the household's two rows of the fourth text
				t.Fatalf("skipped %d rows, want 2", len(skipped))
			}
			for _, r := range skipped {
				if r.Offset != "20h" || r.LastError != tt.skipped {
					t.Errorf("skipped %s: %q\nwant 20h: %q", r.Offset, r.LastError, tt.skipped)
				}
			}
		})
	}
}

// String shows a sent message by its time and masked address, for failures.
func (s sentAt) String() string {
	return fmt.Sprintf("%s to %s", s.at.UTC().Format(time.RFC3339), docket.MaskContact(s.msg.To))
}
