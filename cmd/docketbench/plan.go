package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

// planClients is how many clients (each with one case) the planned hearings belong to: an office's whole
// caseload. Hearings are spread over them. It is also the most store.ReplacePeople takes in one call: it inserts
// all clients in one statement, and 12 columns × 2,730 rows reach SQLite's 32,766 variables.
const planClients = 2000

// planBatch is the rows per INSERT of the raw outbox baseline, the batch size store.PlanOutbox uses.
const planBatch = 200

// benchZone is the zone of the synthetic office's clients and court.
const benchZone = "America/Chicago"

// planOffsets are the reminders of the example config's client policy: 7, 3 and 1 days before, at 10:00.
var planOffsets = []reminder.Offset{{Label: "7d", Days: 7, At: 600}, {Label: "3d", Days: 3, At: 600},
	{Label: "1d", Days: 1, At: 600}}

// benchRules are the reminder rules of the example config, with its client text policy.
func benchRules() reminder.Rules {
	loc, _ := time.LoadLocation(benchZone)
	return reminder.Rules{
		Policies:      []reminder.Policy{{Name: "client-text", To: "client", Channel: "sms", Offsets: planOffsets}},
		Quiet:         reminder.Quiet{Start: 21 * 60, End: 8 * 60},
		CatchUp:       6 * time.Hour,
		NotifyChanges: true,
		DefaultZone:   loc,
		OrgName:       "Bench Legal Aid",
		OrgPhone:      "+12145550100",
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// runPlan measures reminder.Planner planning 3 reminders for each of o.Hearings hearings into an empty outbox,
// against raw inserts of the same rows into a copy of the same database.
func runPlan(ctx context.Context, o *options) (metrics, error) {
	path := scratch(o, "plan.db")
	rawPath := scratch(o, "plan-raw.db")
	now := time.Now()
	if err := seedHearings(ctx, path, o.Hearings, planClients, now); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if err := copyFile(path, rawPath); err != nil {
		return nil, err
	}

	db, err := store.Open("sqlite:" + path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	p := &reminder.Planner{DB: db, Rules: benchRules, Now: func() time.Time { return now }, Log: discardLog()}
	start := time.Now()
	res, err := p.Plan(ctx)
	if err != nil {
		return nil, err
	}
	m := metrics{"seconds": time.Since(start).Seconds(), "rows": float64(res.Planned)}
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
		m["peak_rss"] = float64(hwm)
	}

	raw, err := openRaw(rawPath)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	start = time.Now()
	n, err := rawPlan(ctx, raw, now)
	if err != nil {
		return nil, fmt.Errorf("raw plan: %w", err)
	}
	m["raw_seconds"] = time.Since(start).Seconds()
	if n != int64(res.Planned) {
		return nil, fmt.Errorf("raw baseline wrote %d rows, the planner %d: the baseline no longer matches the planner",
			n, res.Planned)
	}
	return m, nil
}

// seedHearings writes a store at path with clients clients, each with a phone and a case, and n upcoming hearings
// spread over their cases, 8 days to a year ahead, so that all three reminders of each are still to come.
func seedHearings(ctx context.Context, path string, n, clients int, now time.Time) error {
	db, err := openStore(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	clients = min(clients, n)
	people := make([]docket.Client, clients)
	for i := range people {
		people[i] = docket.Client{ID: fmt.Sprintf("client-%d", i), Name: fmt.Sprintf("Client %d", i),
			ANumber: aNumber(i), Phone: phone(i), Language: []string{"en", "es"}[i%2], Zone: benchZone}
	}
	if err := db.ReplacePeople(ctx, nil, people); err != nil {
		return err
	}
	loc, err := time.LoadLocation(benchZone)
	if err != nil {
		return err
	}
	sy, err := db.BeginSync(ctx, docket.SyncOptions{Source: "office", Now: now})
	if err != nil {
		return err
	}
	defer sy.Abort()
	rng := rand.New(rand.NewPCG(syntheticSeed, 1))
	today := now.In(loc)
	batch := make([]docket.HearingRecord, 0, 1000)
	for i := range n {
		day := today.AddDate(0, 0, 8+rng.IntN(357))
		minutes := 8*60 + 15*rng.IntN(33)
		start := time.Date(day.Year(), day.Month(), day.Day(), minutes/60, minutes%60, 0, 0, loc)
		batch = append(batch, docket.HearingRecord{Key: fmt.Sprintf("h%d", i), ANumber: aNumber(i % clients),
			Start: start, Zone: benchZone, CourtCode: "DAL", Type: "master", TypeCode: "M", Medium: "in_person",
			MediumCode: "P", Judge: "Example, Judge"})
		if len(batch) == cap(batch) || i == n-1 {
			if err := sy.Apply(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	_, err = sy.Finish()
	return err
}

func aNumber(i int) docket.ANumber { return docket.ANumber(fmt.Sprintf("2%08d", i)) }

func phone(i int) string { return fmt.Sprintf("+1214%07d", 2000000+i) }

// rawPlan is the limit for the planner: it reads the upcoming hearings and their clients with two plain queries,
// computes the same three due times, keys and groups, and inserts the same outbox rows with multi-row INSERTs that
// skip known dedupe keys, in one transaction.
func rawPlan(ctx context.Context, raw *sql.DB, now time.Time) (int64, error) {
	type client struct{ id, phone string }
	byANumber := map[string]client{}
	rows, err := raw.QueryContext(ctx, "SELECT id, a_number, phone FROM clients WHERE active")
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id, anum, ph string
		if err := rows.Scan(&id, &anum, &ph); err != nil {
			rows.Close()
			return 0, err
		}
		byANumber[anum] = client{id, ph}
	}
	rows.Close()
	type hearing struct {
		id, seq     int64
		start       time.Time
		court       string
		source, key string
		c           client
	}
	var hs []hearing
	rows, err = raw.QueryContext(ctx, `SELECT h.id, h.sequence, h.start, h.court_code, h.source, h.source_key, c.a_number
		FROM hearings h JOIN cases c ON c.id = h.case_id WHERE h.start >= ? AND h.status = ? ORDER BY h.start, h.id`,
		now.UTC(), docket.StatusScheduled)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var h hearing
		var anum sql.NullString
		if err := rows.Scan(&h.id, &h.seq, &h.start, &h.court, &h.source, &h.key, &anum); err != nil {
			rows.Close()
			return 0, err
		}
		h.c = byANumber[anum.String]
		hs = append(hs, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}

	loc, err := time.LoadLocation(benchZone)
	if err != nil {
		return 0, err
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	ins := newBatchInsert(tx, "outboxes", []string{"hearing_id", "recipient", "recipient_id", "channel", "address",
		"kind", "policy", "offset", "sequence", "dedupe_key", "group_key", "due", "state", "attempts", "next_attempt",
		"claimed_at", "sent_at", "provider_id", "provider_state", "error_code", "last_error", "body", "confirmed_at",
		"created_at", "updated_at"}, ` ON CONFLICT ("dedupe_key") DO NOTHING`, planBatch)
	defer ins.Close()
	stamp := time.Now().UTC()
	for _, h := range hs {
		if h.c.id == "" {
			continue
		}
		local := h.start.In(loc)
		identity := docket.Identity(h.source, h.key)
		for _, off := range planOffsets {
			due := time.Date(local.Year(), local.Month(), local.Day()-off.Days, off.At/60, off.At%60, 0, 0, loc)
			if due.Before(now) {
				continue
			}
			dedupe := docket.DedupeKey(identity, docket.Reminder{Kind: docket.KindReminder, Sequence: int(h.seq),
				Recipient: docket.ToClient, RecipientID: h.c.id, Channel: docket.SMS, Policy: "client-text",
				Offset: off.Label})
			group := fmt.Sprintf("reminder/sms/%s/%s/%s/client-text/%s", h.c.phone, h.court,
				h.start.UTC().Format(time.RFC3339), off.Label)
			if err := ins.Add(ctx, h.id, "client", h.c.id, "sms", h.c.phone, docket.KindReminder, "client-text",
				off.Label, h.seq, dedupe, group, due.UTC(), docket.StatePending, 0, nil, nil, nil, "", "", "", "",
				"", nil, stamp, stamp); err != nil {
				return 0, err
			}
		}
	}
	if err := ins.Flush(ctx); err != nil {
		return 0, err
	}
	return ins.Rows, tx.Commit()
}

// copyFile copies a closed SQLite file.
func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
