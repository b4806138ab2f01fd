package store

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
)

// keyedRow is what migration 0010 reads of an outbox row and its hearing: every field a planning key names.
type keyedRow struct {
	ID          uint
	HearingID   uint
	DedupeKey   string
	Kind        docket.Kind
	Sequence    int
	Recipient   string
	RecipientID string
	Channel     docket.Channel
	Policy      string
	Offset      string
	State       docket.ReminderState
	Source      string // the hearing's
	SourceKey   string // the hearing's
}

func (r keyedRow) reminder() docket.Reminder {
	return docket.Reminder{ID: r.ID, HearingID: r.HearingID, Kind: r.Kind, Sequence: r.Sequence, Recipient: r.Recipient,
		RecipientID: r.RecipientID, Channel: r.Channel, Policy: r.Policy, Offset: r.Offset, State: r.State}
}

// identityKey is the key the planner makes for the row from 0010 on: from its hearing's identity.
func identityKey(r keyedRow) string {
	return docket.DedupeKey(docket.Identity(r.Source, r.SourceKey), r.reminder())
}

// rowIDKey is the key versions before 0010 made for the row, from its hearing's row id. It is what those versions
// stored and plan, so it never changes.
func rowIDKey(r keyedRow) string {
	if r.Kind == docket.KindReminder {
		return fmt.Sprintf("reminder/%d/%d/%s/%s/%s/%s/%s", r.HearingID, r.Sequence, r.Recipient, r.RecipientID,
			r.Channel, r.Policy, r.Offset)
	}
	return fmt.Sprintf("%s/%d/%d/%s/%s/%s", r.Kind, r.HearingID, r.Sequence, r.Recipient, r.RecipientID, r.Channel)
}

// rekeyHearings is how many hearings' rows rekeyOutbox reads and rewrites at a time: memory stays bounded however
// large the outbox, and every row of one hearing is in view together, which is where two rows can come to share a
// key (the key names the hearing).
const rekeyHearings = 500

// duplicateReason is why rekeyOutbox cancels a pending row: another row is the same reminder.
const duplicateReason = "planned twice (under two keys, before a database rebuild): outbox row %d is this reminder"

// rekeyOutbox gives every outbox row whose hearing exists the key keyOf makes from the row's own fields and its
// hearing, in one transaction. A row whose hearing is gone keeps its key: nothing will plan it again.
//
// Two rows can come to share a key: they stand for the same reminder, planned twice under two keys (a database
// rebuilt by an earlier version gave the hearing a new row id, and the reminder was planned again under it). One row
// keeps the key, and it is the one that tells what happened to the reminder: a row already holding the key (a second
// run after an interrupted one), else one that was sent or delivered, else one being sent, else one settled (failed,
// skipped or cancelled), else the first planned. The others keep their own key, which nothing plans any more; those
// still pending are cancelled, naming the row that is the reminder, so it is not sent twice. A row in "sending" is
// left alone: its dispatcher holds a lease on it.
//
// A row that holds the key keyOf makes for rows other than itself keeps it and is not rewritten, and those rows keep
// their keys and states: it is not known to be the same reminder. Rolling back, it is the copy a rebuild left of
// another hearing's reminder, under the row id that hearing has now, and the rows are a reminder that earlier
// versions could not plan; going forward, it is a key written by hand.
func rekeyOutbox(db *gorm.DB, keyOf func(keyedRow) string) error {
	return db.Transaction(func(tx *gorm.DB) error {
		pinned := map[uint]bool{}
		for after := uint(0); ; {
			var hearings []uint
			if err := tx.Raw(`SELECT DISTINCT o.hearing_id FROM outboxes o JOIN hearings h ON h.id = o.hearing_id
				WHERE o.hearing_id > ? ORDER BY o.hearing_id LIMIT ?`, after, rekeyHearings).
				Scan(&hearings).Error; err != nil {
				return fmt.Errorf("outbox keys: %w", err)
			}
			if len(hearings) == 0 {
				return nil
			}
			after = hearings[len(hearings)-1]
			if err := rekeyPage(tx, hearings, keyOf, pinned); err != nil {
				return fmt.Errorf("outbox keys: %w", err)
			}
		}
	})
}

// rekeyPage rewrites the keys of the rows of hearings (see rekeyOutbox). pinned holds the rows that keep their key
// because it is the new key of rows other than themselves; it carries over from page to page.
func rekeyPage(tx *gorm.DB, hearings []uint, keyOf func(keyedRow) string, pinned map[uint]bool) error {
	rows, err := keyedRows(tx, hearings)
	if err != nil {
		return err
	}
	keys := make([]string, len(rows))
	groups := map[string][]int{} // new key → the rows (indexes in rows) that get it
	var order []string
	for i, r := range rows {
		keys[i] = keyOf(r)
		if _, ok := groups[keys[i]]; !ok {
			order = append(order, keys[i])
		}
		groups[keys[i]] = append(groups[keys[i]], i)
	}
	holder := map[string]uint{} // new key → the row that holds it now
	for i := 0; i < len(order); i += 500 {
		var held []struct {
			ID        uint
			DedupeKey string
		}
		if err := tx.Model(&outboxRow{}).Select("id", "dedupe_key").Where("dedupe_key IN ?", order[i:min(i+500, len(order))]).
			Scan(&held).Error; err != nil {
			return err
		}
		for _, h := range held {
			holder[h.DedupeKey] = h.ID
		}
	}
	index := make(map[uint]int, len(rows))
	for i, r := range rows {
		index[r.ID] = i
	}
	for k, id := range holder {
		if i, ok := index[id]; !ok || keys[i] != k {
			pinned[id] = true
		}
	}
	now := tx.NowFunc()
	var moves []keyMove
	for _, k := range order {
		var members []keyedRow
		for _, i := range groups[k] {
			if !pinned[rows[i].ID] {
				members = append(members, rows[i])
			}
		}
		if len(members) == 0 {
			continue
		}
		winner, held := holder[k]
		if i, ok := index[winner]; held && (!ok || keys[i] != k) {
			// A row that is not one of these holds the key: they keep theirs, and their state.
			continue
		}
		if !held {
			winner = members[0].ID
			for _, m := range members[1:] {
				if settledRank(m.State) < settledRank(rows[index[winner]].State) {
					winner = m.ID
				}
			}
		}
		for _, m := range members {
			switch {
			case m.ID == winner && m.DedupeKey != k:
				moves = append(moves, keyMove{m.ID, k})
			case m.ID != winner && m.State == docket.StatePending:
				if err := tx.Exec("UPDATE outboxes SET state = ?, last_error = ?, updated_at = ? WHERE id = ?",
					docket.StateCancelled, fmt.Sprintf(duplicateReason, winner), now, m.ID).Error; err != nil {
					return err
				}
			}
		}
	}
	return setKeys(tx, moves)
}

// keyMove is a row's new key.
type keyMove struct {
	id  uint
	key string
}

// setKeys gives rows their new keys. No new key is held by another row (rekeyPage sees to it), so the order of the
// updates cannot trip the unique index. On SQLite, one statement prepared on the transaction's connection runs for
// every row: parsing a statement for each row takes longer than running it, and one statement for many rows (UPDATE
// … FROM VALUES) is no faster there. On PostgreSQL, where each statement is a round trip to the server, one
// statement sets the keys of a few hundred rows.
func setKeys(tx *gorm.DB, moves []keyMove) error {
	if len(moves) == 0 {
		return nil
	}
	if tx.Name() == "postgres" {
		const perStatement = 500
		for len(moves) > 0 {
			chunk := moves[:min(perStatement, len(moves))]
			moves = moves[len(chunk):]
			values := make([]string, len(chunk))
			args := make([]any, 0, 2*len(chunk))
			for i, m := range chunk {
				values[i] = "(CAST(? AS BIGINT), ?)"
				args = append(args, m.id, m.key)
			}
			if err := tx.Exec(`UPDATE outboxes SET dedupe_key = v.column2 FROM (VALUES `+strings.Join(values, ", ")+
				`) AS v WHERE outboxes.id = v.column1`, args...).Error; err != nil {
				return err
			}
		}
		return nil
	}
	const query = "UPDATE outboxes SET dedupe_key = ? WHERE id = ?"
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		for _, m := range moves {
			if err := tx.Exec(query, m.key, m.id).Error; err != nil {
				return err
			}
		}
		return nil
	}
	ctx := tx.Statement.Context
	stmt, err := sqlTx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, m := range moves {
		if _, err := stmt.ExecContext(ctx, m.key, m.id); err != nil {
			return err
		}
	}
	return nil
}

// keyedRows reads the rows of hearings with their hearing's source and key, in the order they were planned. It scans
// them itself: gorm's scanning, by reflection, takes as long as the rest of the migration.
func keyedRows(tx *gorm.DB, hearings []uint) ([]keyedRow, error) {
	rs, err := tx.Raw(`SELECT o.id, o.hearing_id, o.dedupe_key, o.kind, o.sequence, o.recipient, o.recipient_id,
		o.channel, o.policy, o."offset", o.state, h.source, h.source_key
		FROM outboxes o JOIN hearings h ON h.id = o.hearing_id WHERE o.hearing_id IN ? ORDER BY o.id`, hearings).Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var rows []keyedRow
	for rs.Next() {
		var r keyedRow
		var policy, offset sql.NullString
		if err := rs.Scan(&r.ID, &r.HearingID, &r.DedupeKey, &r.Kind, &r.Sequence, &r.Recipient, &r.RecipientID,
			&r.Channel, &policy, &offset, &r.State, &r.Source, &r.SourceKey); err != nil {
			return nil, err
		}
		r.Policy, r.Offset = policy.String, offset.String
		rows = append(rows, r)
	}
	return rows, rs.Err()
}

// settledRank orders the states of rows that are one reminder by how much they tell of what became of it: lowest
// first.
func settledRank(s docket.ReminderState) int {
	switch s {
	case docket.StateSent, docket.StateDelivered:
		return 0 // it reached the person
	case docket.StateSending:
		return 1 // it may have
	case docket.StatePending:
		return 3
	default:
		return 2 // failed, skipped or cancelled: decided
	}
}
