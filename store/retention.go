package store

import (
	"context"
	"fmt"
	"time"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
)

// Retention says how long old records are kept.
type Retention struct {
	Bodies, Outbox, Changes, SyncRuns time.Duration
}

// Pruned counts what Prune removed.
type Pruned struct {
	Bodies, Outbox, Changes, SyncRuns, Inbound int64
	// Inbox counts handled inbox messages removed; CallLists, records of call lists sent.
	Inbox, CallLists int64
}

// callListKept is the least time a call list's record is kept: it must outlive its day on every counsel's clock.
const callListKept = 48 * time.Hour

// Prune deletes what has outlived its retention at now: message bodies of rows sent before now-Bodies (and of inbox
// messages received before it), settled
// outbox rows of hearings that ended before now-Outbox, change-log entries and sync runs older than theirs, and the
// record of inbound messages acted on once it is older than the outbox's retention (a replay of a message older than
// that is acted on again: the record names the sender, and keeping it for ever is not worth that). An inbox message
// a person handled goes once it is older than the outbox's retention too (it names the sender's phone); one no one
// has handled stays, whatever its age: pruning must not lose a reply no one has read. The record of a day's call list
// goes with the sync runs: it only stops a list being sent twice on its day.
func (db *DB) Prune(ctx context.Context, r Retention, now time.Time) (Pruned, error) {
	var p Pruned
	now = now.UTC()
	settled := []docket.ReminderState{docket.StateSent, docket.StateDelivered, docket.StateFailed, docket.StateSkipped, docket.StateCancelled}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&outboxRow{}).Where("body <> '' AND sent_at < ?", now.Add(-r.Bodies)).Update("body", "")
		if res.Error != nil {
			return res.Error
		}
		p.Bodies = res.RowsAffected
		// An inbox message keeps its row (who wrote, when, who handled it) and loses its words with the rest.
		res = tx.Model(&inboxMessageRow{}).Where("body <> '' AND received_at < ?", now.Add(-r.Bodies)).Update("body", "")
		if res.Error != nil {
			return res.Error
		}
		p.Bodies += res.RowsAffected
		old := tx.Model(&hearingRow{}).Select("id").Where("start < ?", now.Add(-r.Outbox))
		res = tx.Where("state IN ? AND hearing_id IN (?)", settled, old).Delete(&outboxRow{})
		if res.Error != nil {
			return res.Error
		}
		p.Outbox = res.RowsAffected
		res = tx.Where("at < ?", now.Add(-r.Changes)).Delete(&changeRow{})
		if res.Error != nil {
			return res.Error
		}
		p.Changes = res.RowsAffected
		res = tx.Where("started_at < ?", now.Add(-r.SyncRuns)).Delete(&syncRunRow{})
		if res.Error != nil {
			return res.Error
		}
		p.SyncRuns = res.RowsAffected
		res = tx.Where("at < ?", now.Add(-r.Outbox)).Delete(&inboundMessageRow{})
		if res.Error != nil {
			return res.Error
		}
		p.Inbound = res.RowsAffected
		res = tx.Where("handled_at IS NOT NULL AND received_at < ?", now.Add(-r.Outbox)).Delete(&inboxMessageRow{})
		if res.Error != nil {
			return res.Error
		}
		p.Inbox = res.RowsAffected
		// Never a record of the last two days, whatever sync_runs says: without today's record the call-list job
		// (every 15 minutes) would send counsel's list of today again.
		res = tx.Where("created_at < ?", now.Add(-max(r.SyncRuns, callListKept))).Delete(&callListRow{})
		p.CallLists = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return p, fmt.Errorf("prune: %w", err)
	}
	return p, nil
}
