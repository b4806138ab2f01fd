package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// testRank orders Twilio statuses as inbound.StatusRank does (store may not import notify).
func testRank(s string) int {
	switch s {
	case "queued":
		return 1
	case "sending":
		return 2
	case "sent":
		return 3
	case "delivered", "undelivered", "failed", "canceled":
		return 4
	case "read":
		return 5
	}
	return 0
}

const (
	phoneRosa = "+12145550101" // Rosa and her son Mateo share it
	phoneSam  = "+19155550102"
)

var (
	// The household's master hearing in Dallas and Sam's individual hearing in El Paso, both after t0.
	startDAL = time.Date(2027, 3, 2, 8, 30, 0, 0, chicago)
	startELP = time.Date(2027, 2, 9, 13, 0, 0, 0, denver)
)

// deliveryFixture stores Rosa (es), Mateo (es) and Sam (en), their hearings, and returns hearing ids by source key.
func deliveryFixture(t *testing.T, db *DB) map[string]uint {
	t.Helper()
	ctx := context.Background()
	err := db.ReplacePeople(ctx, nil, []docket.Client{
		{ID: "rosa", Name: "Rosa", ANumber: "201555101", Phone: phoneRosa, Language: "es", Zone: "America/Chicago"},
		{ID: "mateo", Name: "Mateo", ANumber: "201555102", Phone: phoneRosa, Language: "es", Zone: "America/Chicago"},
		{ID: "sam", Name: "Samuel", ANumber: "208555310", Phone: phoneSam, Language: "en", Zone: "America/Denver"},
	})
	if err != nil {
		t.Fatal(err)
	}
	elp := docket.HearingRecord{Key: "sam", ANumber: "208555310", Start: startELP, Zone: "America/Denver", CourtCode: "ELP",
		Type: "individual", Medium: "internet", WebEx: "https://eoir.webex.com/meet/ij.elp"}
	if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0},
		record("rosa", "201555101", startDAL), record("mateo", "201555102", startDAL), elp); err != nil {
		t.Fatal(err)
	}
	hs, err := db.Hearings(ctx, docket.HearingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]uint{}
	for _, h := range hs {
		ids[h.SourceKey] = h.ID
	}
	return ids
}

// send plans rows, claims them at at and records them sent as one provider message, as the dispatcher does.
func send(t *testing.T, db *DB, at time.Time, providerID string, rows ...docket.Reminder) {
	t.Helper()
	ctx := context.Background()
	for i := range rows {
		rows[i].Due = at
		rows[i].State = docket.StatePending
		if rows[i].Channel == "" {
			rows[i].Channel = "sms"
		}
		if rows[i].Kind == "" {
			rows[i].Kind = docket.KindReminder
		}
		rows[i].Recipient = "client"
		rows[i].DedupeKey = fmt.Sprintf("%s/%d/%s", providerID, i, rows[i].RecipientID)
		rows[i].GroupKey = providerID
	}
	if _, err := db.PlanOutbox(ctx, rows); err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return at }
	claimed, err := db.ClaimDue(ctx, docket.Claim{Now: at, Channel: docket.SMS, Limit: 100, Owner: "test", Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(claimed), len(rows); got != want {
		t.Fatalf("claimed: got %d rows, want %d", got, want)
	}
	ids := make([]uint, len(claimed))
	for i, r := range claimed {
		ids[i] = r.ID
	}
	if err := db.FinishOutbox(ctx, ids, docket.OutboxResult{State: docket.StateSent, ProviderID: providerID, Body: "…"}); err != nil {
		t.Fatal(err)
	}
}

func rowsOf(t *testing.T, db *DB, providerID string) []docket.Reminder {
	t.Helper()
	var rows []outboxRow
	if err := db.gorm.Where("provider_id = ?", providerID).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return each(rows, reminderOf)
}

func TestRecordDeliveryKeepsFurthestState(t *testing.T) {
	type report struct{ status, code string }
	tests := []struct {
		name                       string
		reports                    []report
		wantChanged                []bool
		wantState                  docket.ReminderState
		wantProvider               string
		wantErrorCode, wantLastErr string
	}{
		{"in order", []report{{"queued", ""}, {"sent", ""}, {"delivered", ""}}, []bool{true, true, true},
			docket.StateDelivered, "delivered", "", ""},
		{"delivered then sent keeps delivered", []report{{"delivered", ""}, {"sent", ""}, {"queued", ""}},
			[]bool{true, false, false}, docket.StateDelivered, "delivered", "", ""},
		{"undelivered with its code", []report{{"sent", ""}, {"undelivered", "30006"}}, []bool{true, true},
			docket.StateFailed, "undelivered", "30006", "carrier reported undelivered"},
		{"late sent keeps undelivered and its code", []report{{"undelivered", "30006"}, {"sent", ""}},
			[]bool{true, false}, docket.StateFailed, "undelivered", "30006", "carrier reported undelivered"},
		{"final states do not replace each other", []report{{"failed", "30008"}, {"delivered", ""}},
			[]bool{true, false}, docket.StateFailed, "failed", "30008", "carrier reported failed"},
		{"read after delivered stays delivered", []report{{"delivered", ""}, {"read", ""}}, []bool{true, true},
			docket.StateDelivered, "read", "", ""},
		{"unknown status changes nothing", []report{{"sent", ""}, {"bogus", ""}}, []bool{true, false},
			docket.StateSent, "sent", "", ""},
	}
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ids := deliveryFixture(t, db)
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sid := fmt.Sprintf("SM%032d", i)
				at := t0.Add(time.Duration(i) * time.Minute)
				send(t, db, at, sid, docket.Reminder{HearingID: ids["sam"], RecipientID: "sam", Address: phoneSam})
				for j, r := range tt.reports {
					changed, err := db.RecordDelivery(ctx, sid, r.status, r.code, testRank, at.Add(time.Duration(j+1)*time.Second))
					if err != nil {
						t.Fatalf("report %d (%s): %v", j, r.status, err)
					}
					if got, want := changed, tt.wantChanged[j]; got != want {
						t.Errorf("report %d (%s) changed: got %v, want %v", j, r.status, got, want)
					}
				}
				rows := rowsOf(t, db, sid)
				if got, want := len(rows), 1; got != want {
					t.Fatalf("rows: got %d, want %d", got, want)
				}
				r := rows[0]
				if got, want := r.State, tt.wantState; got != want {
					t.Errorf("state: got %q, want %q", got, want)
				}
				if got, want := r.ProviderState, tt.wantProvider; got != want {
					t.Errorf("provider state: got %q, want %q", got, want)
				}
				if got, want := r.ErrorCode, tt.wantErrorCode; got != want {
					t.Errorf("error code: got %q, want %q", got, want)
				}
				if got, want := r.LastError, tt.wantLastErr; got != want {
					t.Errorf("last error: got %q, want %q", got, want)
				}
			})
		}
	})
}

func TestRecordDeliveryHouseholdAndUnknown(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ids := deliveryFixture(t, db)
		const sid = "SMhousehold"
		send(t, db, t0, sid,
			docket.Reminder{HearingID: ids["rosa"], RecipientID: "rosa", Address: phoneRosa},
			docket.Reminder{HearingID: ids["mateo"], RecipientID: "mateo", Address: phoneRosa})
		for _, status := range []string{"sent", "undelivered"} {
			if _, err := db.RecordDelivery(ctx, sid, status, "30003", testRank, t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		rows := rowsOf(t, db, sid)
		if got, want := len(rows), 2; got != want {
			t.Fatalf("household rows: got %d, want %d", got, want)
		}
		for _, r := range rows {
			if r.State != docket.StateFailed || r.ProviderState != "undelivered" || r.ErrorCode != "30003" {
				t.Errorf("row %d (%s): got state %q provider %q code %q, want failed undelivered 30003",
					r.ID, r.RecipientID, r.State, r.ProviderState, r.ErrorCode)
			}
		}

		changed, err := db.RecordDelivery(ctx, "SMunknown", "delivered", "", testRank, t0)
		if !errors.Is(err, ErrNotFound) || changed {
			t.Errorf("unknown provider id: got %v, %v; want false, ErrNotFound", changed, err)
		}
		if _, err := db.RecordDelivery(ctx, "", "delivered", "", testRank, t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("empty provider id: got %v, want ErrNotFound", err)
		}
	})
}

func TestConfirmLatest(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ids := deliveryFixture(t, db)
		sent7d := startDAL.Add(-7 * 24 * time.Hour)
		sent1d := startDAL.Add(-24 * time.Hour)
		household := func() []docket.Reminder {
			return []docket.Reminder{
				{HearingID: ids["rosa"], RecipientID: "rosa", Address: phoneRosa},
				{HearingID: ids["mateo"], RecipientID: "mateo", Address: phoneRosa},
			}
		}
		send(t, db, sent7d, "SM7d", household()...)
		send(t, db, sent1d, "SM1d", household()...)
		// A change notice sent later is not a reminder: YES does not confirm it.
		send(t, db, sent1d.Add(time.Hour), "SMnotice", docket.Reminder{HearingID: ids["rosa"], RecipientID: "rosa",
			Address: phoneRosa, Kind: docket.KindRescheduled})
		if _, err := db.RecordDelivery(ctx, "SM1d", "delivered", "", testRank, sent1d.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}

		at := sent1d.Add(2 * time.Hour)
		lang, err := db.ConfirmLatest(ctx, phoneRosa, at)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := lang, "es"; got != want {
			t.Errorf("language: got %q, want %q", got, want)
		}
		for sid, want := range map[string]bool{"SM1d": true, "SM7d": false, "SMnotice": false} {
			for _, r := range rowsOf(t, db, sid) {
				if got := r.ConfirmedAt != nil; got != want {
					t.Errorf("%s row %s confirmed: got %v, want %v", sid, r.RecipientID, got, want)
				}
				if r.ConfirmedAt != nil && !r.ConfirmedAt.Equal(at) {
					t.Errorf("%s confirmed at: got %v, want %v", sid, r.ConfirmedAt, at)
				}
			}
		}

		// A second YES keeps the first time.
		if _, err := db.ConfirmLatest(ctx, phoneRosa, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if r := rowsOf(t, db, "SM1d")[0]; r.ConfirmedAt == nil || !r.ConfirmedAt.Equal(at) {
			t.Errorf("second confirmation: got %v, want %v kept", r.ConfirmedAt, at)
		}

		tests := []struct {
			name  string
			phone string
			at    time.Time
		}{
			{"no reminder to this phone", phoneSam, at},
			{"hearing already started", phoneRosa, startDAL.Add(time.Minute)},
			{"empty phone", "", at},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				lang, err := db.ConfirmLatest(ctx, tt.phone, tt.at)
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("got %q, %v; want ErrNotFound", lang, err)
				}
			})
		}
	})
}

func TestConfirmLatestSkipsFailedAndCancelledHearings(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ids := deliveryFixture(t, db)
		send(t, db, t0, "SMfailed", docket.Reminder{HearingID: ids["sam"], RecipientID: "sam", Address: phoneSam})
		if _, err := db.RecordDelivery(ctx, "SMfailed", "failed", "30005", testRank, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmLatest(ctx, phoneSam, t0.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("failed reminder: got %v, want ErrNotFound", err)
		}
		send(t, db, t0.Add(time.Minute), "SMok", docket.Reminder{HearingID: ids["sam"], RecipientID: "sam", Address: phoneSam})
		if err := db.gorm.Model(&hearingRow{}).Where("id = ?", ids["sam"]).Update("status", docket.StatusCancelled).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := db.ConfirmLatest(ctx, phoneSam, t0.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("cancelled hearing: got %v, want ErrNotFound", err)
		}
	})
}

func TestNextHearingFor(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		deliveryFixture(t, db)
		// Rosa also has an earlier hearing that was cancelled, and Sam a later master after his individual.
		early := time.Date(2027, 1, 20, 9, 0, 0, 0, chicago)
		later := time.Date(2027, 6, 1, 9, 0, 0, 0, denver)
		if _, err := runSync(t, db, docket.SyncOptions{Source: "office2", Now: t0}, record("rosa-early", "201555101", early),
			docket.HearingRecord{Key: "sam-later", ANumber: "208555310", Start: later, Zone: "America/Denver", CourtCode: "ELP",
				Type: "master", Medium: "in_person"}); err != nil {
			t.Fatal(err)
		}
		if err := db.gorm.Model(&hearingRow{}).Where("source_key = ?", "rosa-early").Update("status", docket.StatusCancelled).Error; err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name      string
			phone     string
			now       time.Time
			wantKey   string
			wantLocal string
		}{
			{"household: earliest of either client, cancelled skipped", phoneRosa, t0, "rosa", "Tue Mar 2 8:30 AM CST"},
			{"court zone of El Paso", phoneSam, t0, "sam", "Tue Feb 9 1:00 PM MST"},
			{"after the first has started", phoneSam, startELP, "sam-later", "Tue Jun 1 9:00 AM MDT"},
			{"none left", phoneSam, later, "", ""},
			{"unknown phone", "+13035550199", t0, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h, err := db.NextHearingFor(ctx, tt.phone, tt.now)
				if tt.wantKey == "" {
					if !errors.Is(err, ErrNotFound) {
						t.Errorf("got hearing %d, %v; want ErrNotFound", h.ID, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got, want := h.SourceKey, tt.wantKey; got != want {
					t.Errorf("hearing: got %q, want %q", got, want)
				}
				if got, want := h.Local().Format("Mon Jan 2 3:04 PM MST"), tt.wantLocal; got != want {
					t.Errorf("local start: got %q, want %q", got, want)
				}
				if len(h.Clients) == 0 || h.Clients[0].Phone != tt.phone {
					t.Errorf("clients: got %+v, want one with the phone", h.Clients)
				}
			})
		}
		// A client dropped from the config no longer gets answers.
		if err := db.ReplacePeople(ctx, nil, []docket.Client{{ID: "rosa", Name: "Rosa", ANumber: "201555101", Phone: phoneRosa}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NextHearingFor(ctx, phoneSam, t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("inactive client: got %v, want ErrNotFound", err)
		}
	})
}
