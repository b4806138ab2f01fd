package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/source"
)

// configHearing is a Dallas master hearing on a December 2027 morning, as [[hearings]] gives it: wall-clock time.
func configHearing(id, aNumber string, day, hour int) ingest.ConfigHearing {
	return ingest.ConfigHearing{ID: id, ANumber: docket.ANumber(aNumber), Court: "DAL",
		Start: time.Date(2027, 12, day, hour, 30, 0, 0, time.UTC), Type: docket.TypeMaster, Medium: docket.MediumInPerson}
}

func TestConfigHearingsCreatedMovedAndCancelledAtOnce(t *testing.T) {
	ctx := context.Background()
	db := syncTestDB(t)
	clock := newSyncClock(syncT0)
	var logs bytes.Buffer
	s := &ingest.Syncer{DB: db, Now: clock.now, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	zones := syncZones(t, db)
	hs := []ingest.ConfigHearing{
		configHearing("", "201555101", 7, 8),
		configHearing("", "201555101", 14, 9),
		configHearing("bond-1", "201555102", 8, 10),
	}

	rep, err := s.RunConfig(ctx, &ingest.ConfigHearings{Hearings: hs, Zoner: zones})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.String(), "config: 3 created, 0 changed, 0 cancelled, 0 unchanged, 0 rejected"; got != want {
		t.Errorf("first apply: got %q, want %q", got, want)
	}
	before := hearingsBySource(t, db, ingest.ConfigSource)
	// Without an id, a hearing is its A-number and its place among that A-number's entries, as it always was:
	// another key would cancel and recreate every config hearing of an existing database.
	for _, key := range []string{"201555101#1", "201555101#2", "bond-1"} {
		if _, ok := before[key]; !ok {
			t.Errorf("no config hearing keyed %q; got %v", key, before)
		}
	}
	chicago, _ := time.LoadLocation("America/Chicago")
	if got, want := before["201555101#1"].Start, time.Date(2027, 12, 7, 8, 30, 0, 0, chicago); !got.Equal(want) {
		t.Errorf("start: got %v, want %v (wall clock read in the court's zone)", got, want)
	}
	if run := lastRun(t, db, ingest.ConfigSource); run.Created != 3 || run.Error != "" {
		t.Errorf("run record: got %+v, want 3 created and no error", run)
	}
	if !strings.Contains(logs.String(), `level=INFO msg="config hearings applied" component=sync source=config created=3`) {
		t.Errorf("log lacks the applied line:\n%s", logs.String())
	}

	// The same file again changes nothing and says nothing at info level.
	logs.Reset()
	clock.add(time.Minute)
	if rep, err = s.RunConfig(ctx, &ingest.ConfigHearings{Hearings: hs, Zoner: zones}); err != nil || rep.Unchanged != 3 {
		t.Fatalf("second apply: %v, %v; want 3 unchanged", rep, err)
	}
	if strings.Contains(logs.String(), "level=INFO") {
		t.Errorf("an unchanged apply logged at info:\n%s", logs.String())
	}

	// The second hearing moves, and the bond hearing is deleted from the file: it is cancelled on this apply.
	hs[1].Start = time.Date(2028, 1, 19, 13, 0, 0, 0, time.UTC)
	hs = hs[:2]
	clock.add(time.Hour)
	rep, err = s.RunConfig(ctx, &ingest.ConfigHearings{Hearings: hs, Zoner: zones})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.String(), "config: 0 created, 1 changed, 1 cancelled, 1 unchanged, 0 rejected"; got != want {
		t.Errorf("edit: got %q, want %q", got, want)
	}
	after := hearingsBySource(t, db, ingest.ConfigSource)
	moved := after["201555101#2"]
	if got, want := moved.ID, before["201555101#2"].ID; got != want {
		t.Errorf("moved hearing id: got %d, want %d (same hearing)", got, want)
	}
	if got, want := moved.Sequence, before["201555101#2"].Sequence+1; got != want {
		t.Errorf("moved sequence: got %d, want %d", got, want)
	}
	if got, want := moved.Start, time.Date(2028, 1, 19, 13, 0, 0, 0, chicago); !got.Equal(want) {
		t.Errorf("moved start: got %v, want %v", got, want)
	}
	if got, want := after["bond-1"].Status, docket.StatusCancelled; got != want {
		t.Errorf("removed entry: got %s, want %s on the same apply", got, want)
	}

	// An office that deletes its last entry means it: nothing is refused, and every hearing is cancelled at once.
	clock.add(time.Hour)
	rep, err = s.RunConfig(ctx, &ingest.ConfigHearings{Zoner: zones})
	if err != nil {
		t.Fatalf("empty file: %v", err)
	}
	if got, want := rep.Cancelled, 2; got != want {
		t.Errorf("empty file: got %d cancelled, want %d", got, want)
	}
	for key, h := range hearingsBySource(t, db, ingest.ConfigSource) {
		if h.Status != docket.StatusCancelled {
			t.Errorf("%s: got %s, want cancelled", key, h.Status)
		}
	}
}

func TestConfigHearingRejectedAloneWithItsPlace(t *testing.T) {
	ctx := context.Background()
	db := syncTestDB(t)
	var logs bytes.Buffer
	s := &ingest.Syncer{DB: db, Now: func() time.Time { return syncT0 }, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	unknown := configHearing("", "201555103", 9, 9)
	unknown.Court = "ZZZ"
	hs := []ingest.ConfigHearing{
		configHearing("", "201555101", 7, 8),
		configHearing(strings.Repeat("x", 129), "201555102", 8, 8),
		unknown,
		configHearing("", "201555103", 10, 9),
	}

	rep, err := s.RunConfig(ctx, &ingest.ConfigHearings{Hearings: hs, Zoner: syncZones(t, db)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.String(), "config: 2 created, 0 changed, 0 cancelled, 0 unchanged, 2 rejected"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got := hearingsBySource(t, db, ingest.ConfigSource)
	// The rejected first entry of 201555103 still holds its place: the next one is its second.
	for _, key := range []string{"201555101#1", "201555103#2"} {
		if _, ok := got[key]; !ok {
			t.Errorf("no hearing keyed %q; got %v", key, got)
		}
	}
	if got, want := len(got), 2; got != want {
		t.Errorf("hearings: got %d, want %d", got, want)
	}
	for _, want := range []string{
		`msg="record rejected" component=sync source=config file=config line=2 reason="hearing key longer than 128 characters"`,
		`msg="record rejected" component=sync source=config file=config line=3 reason="unknown court \"ZZZ\"`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
	if run := lastRun(t, db, ingest.ConfigSource); run.Created != 2 || run.Rejected != 2 || run.Error != "" {
		t.Errorf("run record: got %+v, want 2 created, 2 rejected, no error", run)
	}
}

// cancellingZoner is the court table, cancelling the run when asked for the zone of the after'th hearing.
type cancellingZoner struct {
	source.Zoner
	after  int
	calls  int
	cancel context.CancelFunc
}

func (z *cancellingZoner) Zone(location, court string) (*time.Location, error) {
	if z.calls++; z.calls == z.after {
		z.cancel()
	}
	return z.Zoner.Zone(location, court)
}

func TestConfigHearingsFailedApplyRecordsZero(t *testing.T) {
	db := syncTestDB(t)
	s := &ingest.Syncer{DB: db, Now: func() time.Time { return syncT0 }}
	// More than one batch, so the store has taken some of them when the run is cut short.
	hs := make([]ingest.ConfigHearing, 1500)
	for i := range hs {
		hs[i] = configHearing(fmt.Sprintf("h-%04d", i), fmt.Sprintf("2015%05d", i), 1+i%28, 8)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	zones := &cancellingZoner{Zoner: syncZones(t, db), after: 1200, cancel: cancel}

	rep, err := s.RunConfig(ctx, &ingest.ConfigHearings{Hearings: hs, Zoner: zones})
	if err == nil {
		t.Fatalf("cancelled apply: got %v and no error", rep)
	}
	if got := rep.Created + rep.Changed + rep.Cancelled + rep.Unchanged; got != 0 {
		t.Errorf("report of a failed apply: got %+v, want zero counts", rep.SyncResult)
	}
	run := lastRun(t, db, ingest.ConfigSource)
	if run.Created != 0 || run.Changed != 0 || run.Cancelled != 0 || run.Unchanged != 0 || run.Error == "" {
		t.Errorf("run record: got %+v, want zero counts and the error", run)
	}
	if got := hearingsBySource(t, db, ingest.ConfigSource); len(got) != 0 {
		t.Errorf("a failed apply left %d hearings", len(got))
	}
}
