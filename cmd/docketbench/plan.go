package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// runPlan measures reminder.Planner planning 3 reminders for each of o.Hearings hearings into an empty outbox;
// runPlanRaw is its limit, on a copy of the same database.
func runPlan(ctx context.Context, o *options) (metrics, error) {
	seed, err := planSeed(ctx, o)
	if err != nil {
		return nil, err
	}
	path := scratch(o, "plan.db")
	if err := copyFile(seed, path); err != nil {
		return nil, err
	}
	db, err := store.Open("sqlite:" + path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return plan(ctx, db)
}

// plan runs the planner over db, now, and measures it.
func plan(ctx context.Context, db *store.DB) (metrics, error) {
	now := time.Now()
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
	return m, nil
}

// runPlanRaw is the limit for runPlan: rawPlan on a copy of the same seeded database. The run checks that it
// wrote as many rows as the planner.
func runPlanRaw(ctx context.Context, o *options) (metrics, error) {
	seed, err := planSeed(ctx, o)
	if err != nil {
		return nil, err
	}
	path := scratch(o, "plan-raw.db")
	if err := copyFile(seed, path); err != nil {
		return nil, err
	}
	raw, err := openRaw(path)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	start := time.Now()
	n, err := rawPlan(ctx, raw, time.Now())
	if err != nil {
		return nil, fmt.Errorf("raw plan: %w", err)
	}
	m := metrics{"seconds": time.Since(start).Seconds(), "rows": float64(n)}
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
		m["peak_rss"] = float64(hwm)
	}
	return m, nil
}

// planSeed returns a store of o.Hearings upcoming hearings (seedHearings) in the working directory, writing it
// the first time: the planner and its limit, in every round, start from copies of the same file.
func planSeed(ctx context.Context, o *options) (string, error) {
	path := filepath.Join(o.Dir, fmt.Sprintf("plan-seed-%d.db", o.Hearings))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := scratch(o, fmt.Sprintf("plan-seed-%d.tmp", o.Hearings))
	if err := seedHearings(ctx, tmp, o.Hearings, planClients, time.Now()); err != nil {
		return "", fmt.Errorf("seed: %w", err)
	}
	return path, os.Rename(tmp, path)
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

// planHearing is an upcoming hearing as the raw baselines read it, with its client.
type planHearing struct {
	id, seq       int64
	start         time.Time
	court         string
	source, key   string
	client, phone string
}

// loadPlanHearings reads the upcoming hearings and their clients with two plain queries; pg says the database is
// PostgreSQL, whose placeholders are numbered.
func loadPlanHearings(ctx context.Context, raw *sql.DB, pg bool, now time.Time) ([]planHearing, error) {
	type client struct{ id, phone string }
	byANumber := map[string]client{}
	rows, err := raw.QueryContext(ctx, "SELECT id, a_number, phone FROM clients WHERE active")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, anum, ph string
		if err := rows.Scan(&id, &anum, &ph); err != nil {
			rows.Close()
			return nil, err
		}
		byANumber[anum] = client{id, ph}
	}
	rows.Close()
	where := "h.start >= ? AND h.status = ?"
	if pg {
		where = "h.start >= $1 AND h.status = $2"
	}
	var hs []planHearing
	rows, err = raw.QueryContext(ctx, `SELECT h.id, h.sequence, h.start, h.court_code, h.source, h.source_key, c.a_number
		FROM hearings h JOIN cases c ON c.id = h.case_id WHERE `+where+` ORDER BY h.start, h.id`,
		now.UTC(), string(docket.StatusScheduled))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h planHearing
		var anum sql.NullString
		if err := rows.Scan(&h.id, &h.seq, &h.start, &h.court, &h.source, &h.key, &anum); err != nil {
			return nil, err
		}
		c := byANumber[anum.String]
		h.client, h.phone = c.id, c.phone
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// outboxColumns are the columns of the outbox rows the raw baselines write, in the order plannedRows gives them.
var outboxColumns = []string{"hearing_id", "recipient", "recipient_id", "channel", "address", "kind", "policy",
	"offset", "sequence", "dedupe_key", "group_key", "due", "state", "attempts", "next_attempt", "claimed_at",
	"sent_at", "provider_id", "provider_state", "error_code", "last_error", "body", "confirmed_at", "created_at",
	"updated_at"}

// plannedRows computes the planner's outbox rows for hs by hand: the same three due times, keys and groups.
func plannedRows(hs []planHearing, now time.Time) (iter.Seq[[]any], error) {
	loc, err := time.LoadLocation(benchZone)
	if err != nil {
		return nil, err
	}
	stamp := time.Now().UTC()
	return func(yield func([]any) bool) {
		for _, h := range hs {
			if h.client == "" {
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
					Recipient: docket.ToClient, RecipientID: h.client, Channel: docket.SMS, Policy: "client-text",
					Offset: off.Label})
				group := fmt.Sprintf("reminder/sms/%s/%s/%s/client-text/%s", h.phone, h.court,
					h.start.UTC().Format(time.RFC3339), off.Label)
				if !yield([]any{h.id, "client", h.client, "sms", h.phone, string(docket.KindReminder), "client-text",
					off.Label, h.seq, dedupe, group, due.UTC(), string(docket.StatePending), 0, nil, nil, nil, "", "",
					"", "", "", nil, stamp, stamp}) {
					return
				}
			}
		}
	}, nil
}

// rawPlan is the limit for the planner on SQLite: it reads the upcoming hearings and their clients with two plain
// queries, computes the same rows (plannedRows), and inserts them with multi-row INSERTs that skip known dedupe
// keys, in one transaction.
func rawPlan(ctx context.Context, raw *sql.DB, now time.Time) (int64, error) {
	hs, err := loadPlanHearings(ctx, raw, false, now)
	if err != nil {
		return 0, err
	}
	planned, err := plannedRows(hs, now)
	if err != nil {
		return 0, err
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	ins := newBatchInsert(tx, "outboxes", outboxColumns, ` ON CONFLICT ("dedupe_key") DO NOTHING`, planBatch)
	defer ins.Close()
	for row := range planned {
		if err := ins.Add(ctx, row...); err != nil {
			return 0, err
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
