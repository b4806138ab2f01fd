package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PlanOutbox inserts rows whose DedupeKey is new and ignores the rest, so planning twice creates nothing. It returns
// the number of rows created.
func (db *DB) PlanOutbox(ctx context.Context, reminders []docket.Reminder) (int, error) {
	if len(reminders) == 0 {
		return 0, nil
	}
	rows := each(reminders, outboxRowOf)
	created := 0
	// Not db.hot, unlike the dispatcher's statements: a 200-row INSERT kept prepared on each connection holds
	// megabytes of SQLite's memory (6 MB more at the daemon's peak) for no gain the timings can tell from noise.
	err := db.tx(ctx, func(tx *gorm.DB) error {
		// Keys are looked up first (see unplanned) until a batch has none planned: the rest of the plan is then
		// likely new too (a first plan, a new month of hearings), and is inserted at once, the unique index
		// refusing what is planned; a batch of which some was refused turns the look-ups back on.
		look := true
		for i := 0; i < len(rows); {
			size := 200
			if !look && db.dialect == "postgres" {
				size = len(rows) // one statement of arrays takes the rest, however many
			}
			batch := rows[i:min(i+size, len(rows))]
			i += len(batch)
			if look {
				var err error
				n := len(batch)
				if batch, err = db.unplanned(tx, batch); err != nil {
					return err
				}
				look = len(batch) < n
			}
			if len(batch) == 0 {
				continue
			}
			n, err := db.insertPlanned(tx, batch)
			if err != nil {
				return fmt.Errorf("plan outbox: %w", err)
			}
			created += int(n)
			look = look || int(n) < len(batch)
		}
		return nil
	})
	if err == nil && db.planned.Add(int64(created)) >= largeWrite {
		db.planned.Store(0)
		_ = db.Optimize(ctx) // a hint to the query planner: the plan stands without it
	}
	return created, err
}

// plannedColumns are the outbox's columns a plan's insert writes: all but the id.
var plannedColumns = []string{"hearing_id", "recipient", "recipient_id", "channel", "address", "kind", "policy",
	"offset", "sequence", "dedupe_key", "group_key", "due", "state", "attempts", "next_attempt", "claimed_at",
	"lease_owner", "lease_until", "sent_at", "provider_id", "provider_state", "error_code", "last_error", "body",
	"confirmed_at", "created_at", "updated_at"}

// plannedValues are the values of plannedColumns for r, times in UTC; a zero created or updated time is now, as
// gorm's insert sets them.
func plannedValues(r outboxRow, now time.Time) []any {
	created, updated := stamps(r.CreatedAt, now), stamps(r.UpdatedAt, now)
	return []any{int64(r.HearingID), r.Recipient, r.RecipientID, string(r.Channel), r.Address, string(r.Kind),
		r.Policy, r.Offset, int64(r.Sequence), r.DedupeKey, r.GroupKey, r.Due.UTC(), string(r.State),
		int64(r.Attempts), utcPtr(r.NextAttempt), utcPtr(r.ClaimedAt), r.LeaseOwner, utcPtr(r.LeaseUntil),
		utcPtr(r.SentAt), r.ProviderID, r.ProviderState, r.ErrorCode, r.LastError, r.Body, utcPtr(r.ConfirmedAt),
		created, updated}
}

// stamps is a row's created or updated time t in UTC, or now for a zero t, as gorm's insert sets them.
func stamps(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC()
}

// utcPtr is *t in UTC, nil for nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// planInsert writes a plan's outbox rows on SQLite, one row a statement. A statement of several rows that could
// fail part-way (a NOT NULL, a foreign key) keeps a statement journal, a copy of every page it changes that its
// transaction had changed before, so that it can undo itself alone; a flush's inserts all change the same pages of
// the outbox's six indexes, and the copies were a tenth of a plan's time, most of it writes to a temporary file. A
// statement of one row keeps none. A plan of 300,000 rows: median CPU 30.5 → 29.4 s, wall 31.8 → 30.6 s (four
// alternated runs); a sync's hearings, into a table of fewer indexes, gained nothing so.
var planInsert = inserter{table: "outboxes", columns: plannedColumns, tail: "ON CONFLICT (dedupe_key) DO NOTHING", run: 1}

// insertPlanned inserts rows, leaving out those whose dedupe key is planned, and returns how many it inserted: on
// SQLite through the kept statements of an inserter, on PostgreSQL as one array a column (unnest), 27 parameters
// for the batch where a multi-row insert had 27 for each row for the server to parse and bind.
func (db *DB) insertPlanned(tx *gorm.DB, rows []outboxRow) (int64, error) {
	now := db.now()
	values := make([][]any, len(rows))
	for i, r := range rows {
		values[i] = plannedValues(r, now)
	}
	if db.dialect != "postgres" {
		return planInsert.insert(tx, values)
	}
	return unnestInsert(tx, "outboxes", plannedColumns, values, "ON CONFLICT (dedupe_key) DO NOTHING")
}

// unplanned leaves out of rows those whose key is planned already. Every plan plans every upcoming hearing again,
// so most rows are; looking their keys up costs far less than inserting them to have the unique index refuse
// each. The insert still does nothing on a conflict, for a row planned between the look and the insert.
func (db *DB) unplanned(tx *gorm.DB, rows []outboxRow) ([]outboxRow, error) {
	keys := make([]string, len(rows))
	for i := range rows {
		keys[i] = rows[i].DedupeKey
	}
	var have []string
	if err := tx.Model(&outboxRow{}).Where("dedupe_key IN ?", keys).Pluck("dedupe_key", &have).Error; err != nil {
		return nil, fmt.Errorf("plan outbox: %w", err)
	}
	if len(have) == 0 {
		return rows, nil
	}
	planned := make(map[string]bool, len(have))
	for _, k := range have {
		planned[k] = true
	}
	out := make([]outboxRow, 0, len(rows)-len(have))
	for _, r := range rows {
		if !planned[r.DedupeKey] {
			out = append(out, r)
		}
	}
	return out, nil
}

// CancelStale cancels the pending rows of a hearing planned for an earlier sequence (it has moved or been
// cancelled since), and every pending reminder of a hearing that is no longer scheduled. It returns how many.
func (db *DB) CancelStale(ctx context.Context, hearingID uint, sequence int, scheduled bool) (int, error) {
	q := db.gorm.WithContext(ctx).Model(&outboxRow{}).Where("hearing_id = ? AND state = ?", hearingID, docket.StatePending)
	if scheduled {
		q = q.Where("sequence < ?", sequence)
	} else {
		q = q.Where("sequence < ? OR kind = ?", sequence, docket.KindReminder)
	}
	res := q.Updates(map[string]any{"state": docket.StateCancelled, "last_error": "hearing changed since planned",
		"updated_at": db.now()})
	return int(res.RowsAffected), res.Error
}

// NextDue returns when the next pending row of channel becomes due (of any channel when channel is empty), or false
// when none is pending.
func (db *DB) NextDue(ctx context.Context, channel docket.Channel) (time.Time, bool, error) {
	var row outboxRow
	q := db.gorm.WithContext(ctx).Select("due", "next_attempt").Where("state = ?", docket.StatePending)
	if channel != "" {
		q = q.Where("channel = ?", channel)
	}
	// A string, not a clause.Expr: gorm's Order silently ignores a clause.Expr, and the query then returned whichever
	// pending row the database found first.
	err := q.Order("COALESCE(next_attempt, due)").Limit(1).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	if row.NextAttempt != nil {
		return *row.NextAttempt, true, nil
	}
	return row.Due, true, nil
}

// supersededReason is why an overdue reminder is not sent when a later one of the same hearing is due as well.
const supersededReason = "a later reminder for this hearing and recipient was also due; only the latest is sent"

// ClaimDue leases up to c.Limit pending rows of c.Channel due at c.Now to c.Owner and returns them, together with
// every other due row of the same household group, so a merged message is claimed whole. Of several overdue
// reminders for one hearing and recipient (after an outage) only the latest due is claimed; the earlier ones are
// skipped in the same transaction. On PostgreSQL rows locked by another replica are skipped, so two dispatchers
// never claim the same row.
func (db *DB) ClaimDue(ctx context.Context, c docket.Claim) ([]docket.Reminder, error) {
	now := c.Now.UTC()
	until := now.Add(c.Lease)
	var claimed []outboxRow
	defer db.sendTurn()()
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE outboxes SET state = ?, last_error = ?, updated_at = ?
			WHERE state = ? AND kind = ? AND channel = ? AND due <= ? AND EXISTS (
				SELECT 1 FROM outboxes later WHERE later.hearing_id = outboxes.hearing_id
				AND later.recipient = outboxes.recipient AND later.recipient_id = outboxes.recipient_id
				AND later.channel = outboxes.channel AND later.kind = outboxes.kind
				AND later.sequence = outboxes.sequence AND later.due > outboxes.due AND later.due <= ?
				AND later.state IN ?)`,
			docket.StateSkipped, supersededReason, now, docket.StatePending, docket.KindReminder, c.Channel, now, now,
			[]docket.ReminderState{docket.StatePending, docket.StateSending, docket.StateSent,
				docket.StateDelivered}).Error; err != nil {
			return err
		}
		q := tx.Model(&outboxRow{}).Select("id", "group_key").
			Where("state = ? AND channel = ? AND due <= ? AND (next_attempt IS NULL OR next_attempt <= ?)",
				docket.StatePending, c.Channel, now, now).
			Order("due, id").Limit(c.Limit)
		if db.dialect == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var due []outboxRow
		if err := q.Find(&due).Error; err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		ids := make([]uint, 0, len(due))
		var groups []string
		for _, r := range due {
			ids = append(ids, r.ID)
			if r.GroupKey != "" {
				groups = append(groups, r.GroupKey)
			}
		}
		if len(groups) > 0 {
			var more []uint
			g := tx.Model(&outboxRow{}).Where("state = ? AND group_key IN ? AND due <= ?", docket.StatePending, groups, now)
			if db.dialect == "postgres" {
				g = g.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
			}
			if err := g.Pluck("id", &more).Error; err != nil {
				return err
			}
			ids = append(ids, more...)
		}
		if err := tx.Model(&outboxRow{}).Where("id IN ? AND state = ?", ids, docket.StatePending).
			Updates(map[string]any{"state": docket.StateSending, "claimed_at": now, "lease_owner": c.Owner,
				"lease_until": until, "attempts": gorm.Expr("attempts + 1"), "updated_at": now}).Error; err != nil {
			return err
		}
		return tx.Where("id IN ? AND state = ? AND lease_owner = ? AND lease_until = ?", ids, docket.StateSending,
			c.Owner, until).Order("id").Find(&claimed).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return each(claimed, reminderOf), nil
}

// Sending returns rows in "sending": claimed, not yet recorded. A row whose lease has expired was left by a
// dispatcher that stopped between the two.
func (db *DB) Sending(ctx context.Context) ([]docket.Reminder, error) {
	var rows []outboxRow
	err := db.gorm.WithContext(ctx).Where("state = ?", docket.StateSending).Order("id").Find(&rows).Error
	return each(rows, reminderOf), err
}

// FinishOutbox records the outcome of a claimed batch. Only rows still "sending" under r.Owner's lease change (any
// lease when r.Owner is empty, for tools that settle rows by hand), so a dispatcher whose lease was taken over
// cannot overwrite what another recorded, and a late duplicate outcome cannot undo another.
func (db *DB) FinishOutbox(ctx context.Context, ids []uint, r docket.OutboxResult) error {
	_, err := finishOutbox(db.hot(ctx), ids, r, db.now())
	return err
}

// finishOutbox is FinishOutbox inside g, and reports whether every one of ids was recorded (always true when
// r.Owner is empty).
func finishOutbox(g *gorm.DB, ids []uint, r docket.OutboxResult, now time.Time) (bool, error) {
	u := map[string]any{"state": r.State, "updated_at": now, "error_code": r.ErrorCode, "last_error": r.Error,
		"lease_owner": "", "lease_until": nil}
	switch r.State {
	case docket.StateSent:
		u["provider_id"] = r.ProviderID
		u["body"] = r.Body
		u["sent_at"] = now
	case docket.StatePending:
		u["next_attempt"] = r.NextTry
		if r.NotAttempted {
			u["attempts"] = gorm.Expr("attempts - 1")
		}
	}
	q := g.Model(&outboxRow{}).Where("id IN ? AND state = ?", ids, docket.StateSending)
	if r.Owner != "" {
		q = q.Where("lease_owner = ?", r.Owner)
	}
	res := q.Updates(u)
	if res.Error != nil {
		return false, fmt.Errorf("record outbox: %w", res.Error)
	}
	return r.Owner == "" || res.RowsAffected == int64(len(ids)), nil
}

// finishSent is finishOutbox of a sent message to one row under its owner's lease, on SQLite.
const finishSent = `UPDATE outboxes SET state = ?, updated_at = ?, error_code = ?, last_error = ?, lease_owner = '',
	lease_until = NULL, provider_id = ?, body = ?, sent_at = ? WHERE id = ? AND state = ? AND lease_owner = ?`

// WriteOutbox makes several writes to leased rows (outcomes, lease renewals) in one transaction, each exactly as
// FinishOutbox or HoldLease would alone, and reports for each whether its owner still held every row: a renewal's
// rows, or the rows an outcome was recorded on (false: another process took some back, and may send them again).
// The dispatcher gathers the writes of its sends in flight, so a burst takes one write transaction for many
// messages instead of two for each.
func (db *DB) WriteOutbox(ctx context.Context, ws []docket.OutboxWrite) ([]bool, error) {
	held := make([]bool, len(ws))
	now := db.now()
	defer db.sendTurn()()
	err := db.hot(ctx).Transaction(func(tx *gorm.DB) error {
		var sent *sql.Stmt // finishSent, prepared once for the transaction (see inTx)
		defer func() {
			if sent != nil {
				sent.Close()
			}
		}()
		for i, w := range ws {
			if w.Finish != nil && db.dialect == "sqlite" && len(w.IDs) == 1 && w.Finish.Owner != "" &&
				w.Finish.State == docket.StateSent {
				// A message sent to one row, the most of any burst.
				if sent == nil {
					var err error
					if sent, err = inTx(tx, finishSent); err != nil {
						return fmt.Errorf("record outbox: %w", err)
					}
				}
				r := w.Finish
				res, err := sent.ExecContext(ctx, docket.StateSent, now, r.ErrorCode, r.Error, r.ProviderID, r.Body,
					now, int64(w.IDs[0]), docket.StateSending, r.Owner)
				if err != nil {
					return fmt.Errorf("record outbox: %w", err)
				}
				n, err := res.RowsAffected()
				if err != nil {
					return fmt.Errorf("record outbox: %w", err)
				}
				held[i] = n == 1
				continue
			}
			if w.Finish != nil {
				ok, err := finishOutbox(tx, w.IDs, *w.Finish, now)
				if err != nil {
					return err
				}
				held[i] = ok
				continue
			}
			ok, err := holdLease(tx, w.IDs, w.Owner, w.HoldUntil)
			if err != nil {
				return err
			}
			held[i] = ok
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return held, nil
}

// DeferDue makes the pending rows of channel that would be tried before until wait for it (the provider asked for
// a pause), and returns how many.
func (db *DB) DeferDue(ctx context.Context, channel docket.Channel, until time.Time) (int, error) {
	until = until.UTC()
	res := db.gorm.WithContext(ctx).Model(&outboxRow{}).
		Where("state = ? AND channel = ? AND due < ? AND (next_attempt IS NULL OR next_attempt < ?)",
			docket.StatePending, channel, until, until).
		Updates(map[string]any{"next_attempt": until, "updated_at": db.now()})
	if res.Error != nil {
		return 0, fmt.Errorf("defer outbox: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// HoldLease extends owner's lease on ids to until and reports whether owner still holds every one of them. False
// means another dispatcher took them over; the caller must not send.
func (db *DB) HoldLease(ctx context.Context, ids []uint, owner string, until time.Time) (bool, error) {
	return holdLease(db.hot(ctx), ids, owner, until)
}

func holdLease(g *gorm.DB, ids []uint, owner string, until time.Time) (bool, error) {
	res := g.Model(&outboxRow{}).
		Where("id IN ? AND state = ? AND lease_owner = ?", ids, docket.StateSending, owner).
		Update("lease_until", until.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("hold lease: %w", res.Error)
	}
	return res.RowsAffected == int64(len(ids)), nil
}

// ReleaseLease puts rows whose lease was found expired back to pending, due at once, provided the lease is still
// the one that was found (owner, until): a lease renewed meanwhile is alive and stays. It returns how many rows
// were released.
func (db *DB) ReleaseLease(ctx context.Context, ids []uint, owner string, until *time.Time, reason string) (int, error) {
	q := db.gorm.WithContext(ctx).Model(&outboxRow{}).Where("id IN ? AND state = ? AND lease_owner = ?", ids,
		docket.StateSending, owner)
	if until == nil {
		q = q.Where("lease_until IS NULL")
	} else {
		q = q.Where("lease_until = ?", until.UTC())
	}
	res := q.Updates(map[string]any{"state": docket.StatePending, "lease_owner": "", "lease_until": nil,
		"next_attempt": nil, "last_error": reason, "updated_at": db.now()})
	if res.Error != nil {
		return 0, fmt.Errorf("release lease: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// OutboxRows returns rows by due time.
func (db *DB) OutboxRows(ctx context.Context, f docket.OutboxFilter) ([]docket.Reminder, error) {
	if len(f.HearingIDs) > 0 {
		// A page of hearings a query: each hearing's rows come from one of them, in due order.
		var out []docket.Reminder
		for page := range slices.Chunk(f.HearingIDs, outboxHearingsPage) {
			g := f
			g.HearingIDs = nil
			rows, err := db.outboxRows(ctx, g, page)
			if err != nil {
				return nil, err
			}
			out = append(out, rows...)
		}
		return out, nil
	}
	return db.outboxRows(ctx, f, nil)
}

// outboxHearingsPage is how many hearings one query of OutboxRows asks for, well inside SQLite's and PostgreSQL's
// limits on parameters.
const outboxHearingsPage = 1000

func (db *DB) outboxRows(ctx context.Context, f docket.OutboxFilter, hearings []uint) ([]docket.Reminder, error) {
	q := db.gorm.WithContext(ctx).Model(&outboxRow{})
	if hearings != nil {
		q = q.Where("hearing_id IN ?", hearings)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.HearingID != 0 {
		q = q.Where("hearing_id = ?", f.HearingID)
	}
	if f.Recipient != "" {
		q = q.Where("recipient = ?", f.Recipient)
	}
	if f.RecipientID != "" {
		q = q.Where("recipient_id = ?", f.RecipientID)
	}
	if !f.DueFrom.IsZero() {
		q = q.Where("due >= ?", f.DueFrom.UTC())
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []outboxRow
	err := q.Order("due, id").Find(&rows).Error
	return each(rows, reminderOf), err
}

// IsOptedOut reports whether address opted out of channel.
func (db *DB) IsOptedOut(ctx context.Context, channel docket.Channel, address string) (bool, error) {
	if db.dialect == "sqlite" { // checked before every send: a kept statement, without gorm's building
		s, err := db.kept("SELECT COUNT(*) FROM opt_outs WHERE channel = ? AND address = ?")
		if err != nil {
			return false, err
		}
		var n int64
		err = s.QueryRowContext(ctx, string(channel), address).Scan(&n)
		return n > 0, err
	}
	var n int64
	err := db.hot(ctx).Model(&optOutRow{}).Where("channel = ? AND address = ?", channel, address).Count(&n).Error
	return n > 0, err
}

// OptOut records that address asked not to be contacted on channel.
func (db *DB) OptOut(ctx context.Context, channel docket.Channel, address, keyword string, at time.Time) error {
	return db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "channel"}, {Name: "address"}},
		DoUpdates: clause.AssignmentColumns([]string{"keyword", "at"}),
	}).Create(&optOutRow{Channel: channel, Address: address, Keyword: keyword, At: at.UTC()}).Error
}

// OptIn removes an opt-out.
func (db *DB) OptIn(ctx context.Context, channel docket.Channel, address string) error {
	return db.gorm.WithContext(ctx).Where("channel = ? AND address = ?", channel, address).Delete(&optOutRow{}).Error
}

// LastChange returns the latest change-log entries of a hearing (those made at its last change).
func (db *DB) LastChange(ctx context.Context, h docket.Hearing) ([]docket.HearingChange, error) {
	var cs []changeRow
	err := db.gorm.WithContext(ctx).Where("hearing_id = ? AND at = ?", h.ID, h.ChangedAt).Order("id").Find(&cs).Error
	return each(cs, changeOf), err
}

// CancelPending cancels the pending rows of a hearing, saying why.
func (db *DB) CancelPending(ctx context.Context, hearingID uint, reason string) (int, error) {
	res := db.gorm.WithContext(ctx).Model(&outboxRow{}).Where("hearing_id = ? AND state = ?", hearingID, docket.StatePending).
		Updates(map[string]any{"state": docket.StateCancelled, "last_error": reason, "updated_at": db.now()})
	return int(res.RowsAffected), res.Error
}

// CancelPendingTo cancels the pending rows of a hearing to recipients of one kind (docket.ToClient…) with the given
// ids, with the reason: a client now in custody is sent nothing on their own phone or email.
func (db *DB) CancelPendingTo(ctx context.Context, hearingID uint, recipient string, ids []string, reason string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	res := db.gorm.WithContext(ctx).Model(&outboxRow{}).
		Where("hearing_id = ? AND state = ? AND recipient = ? AND recipient_id IN ?", hearingID, docket.StatePending,
			recipient, ids).
		Updates(map[string]any{"state": docket.StateCancelled, "last_error": reason, "updated_at": db.now()})
	return int(res.RowsAffected), res.Error
}

// KnownProviderIDs returns which of ids are already recorded on some outbox row: a message the provider lists under
// one of them belongs to that row, not to one being reconciled.
func (db *DB) KnownProviderIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	known := map[string]bool{}
	if len(ids) == 0 {
		return known, nil
	}
	var found []string
	if err := db.gorm.WithContext(ctx).Model(&outboxRow{}).Where("provider_id IN ?", ids).Distinct().
		Pluck("provider_id", &found).Error; err != nil {
		return nil, err
	}
	for _, id := range found {
		known[id] = true
	}
	return known, nil
}

// SentAbout returns when the messages sent to address on channel about any of hearingIDs went out (rows sent or
// delivered, by their sent time, after since), oldest first. The rows of one household message share the provider's
// id and their sent time, and count once.
func (db *DB) SentAbout(ctx context.Context, channel docket.Channel, address string, hearingIDs []uint,
	since time.Time) ([]time.Time, error) {
	if len(hearingIDs) == 0 {
		return nil, nil
	}
	var rows []outboxRow
	err := db.gorm.WithContext(ctx).Select("provider_id", "sent_at").
		Where("channel = ? AND address = ? AND hearing_id IN ? AND state IN ? AND sent_at > ?", channel, address,
			hearingIDs, []docket.ReminderState{docket.StateSent, docket.StateDelivered}, since.UTC()).
		Order("sent_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("sent about: %w", err)
	}
	var out []time.Time
	seen := map[string]bool{}
	for _, r := range rows {
		key := r.ProviderID
		if key == "" {
			key = "at/" + r.SentAt.UTC().Format(time.RFC3339Nano)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, r.SentAt.UTC())
	}
	return out, nil
}
