package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/docketd/docketd/docket"
)

// Call list states: a list is claimed ("sending") before it is sent and recorded ("sent") after.
const (
	callListSending = "sending"
	callListSent    = "sent"
)

// callListRow is counsel's call list of one day: claimed before the email is sent and recorded after, so that a
// restart, a cron `docketd remind` or a second replica does not send the day's list again.
type callListRow struct {
	ID uint `gorm:"primaryKey"`
	// Counsel is the attorney's id; "" is the office's own list (clients without counsel).
	Counsel    string     `gorm:"not null;size:64;uniqueIndex:idx_call_list_day,priority:1"`
	Day        string     `gorm:"not null;size:10;uniqueIndex:idx_call_list_day,priority:2"` // YYYY-MM-DD on counsel's clock
	State      string     `gorm:"not null;size:16"`
	Owner      string     `gorm:"size:100"`
	LeaseUntil *time.Time // while "sending": a claim past this was left by a process that stopped
	Attempts   int        `gorm:"not null;default:0"`
	Clients    int        `gorm:"not null;default:0"` // clients named by the list sent
	SentAt     *time.Time `gorm:"index"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (callListRow) TableName() string { return "call_lists" }

// migrateCallLists is 0012_call_lists.
func migrateCallLists(tx *gorm.DB) error {
	if tx.Migrator().HasTable(&callListRow{}) {
		return nil
	}
	return tx.Migrator().CreateTable(&callListRow{})
}

// ClaimCallList claims the call list of counsel (an attorney's id, "" for the office) for day (YYYY-MM-DD on
// counsel's clock), leased to owner until now + lease. It reports false when the day's list was sent, or is being
// sent under a lease that has not expired. A claim whose lease expired is taken over: the process that held it
// stopped between claiming and recording, and may have sent the list (it is sent again: a lost list is worse than
// a duplicate).
func (db *DB) ClaimCallList(ctx context.Context, counsel, day, owner string, now time.Time, lease time.Duration) (bool, error) {
	now = now.UTC()
	until := now.Add(lease)
	claimed := false
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&callListRow{Counsel: counsel, Day: day,
			State: callListSending, Owner: owner, LeaseUntil: &until, Attempts: 1, CreatedAt: now, UpdatedAt: now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			claimed = true
			return nil
		}
		res = tx.Model(&callListRow{}).
			Where("counsel = ? AND day = ? AND state = ? AND (lease_until IS NULL OR lease_until <= ?)", counsel, day,
				callListSending, now).
			Updates(map[string]any{"owner": owner, "lease_until": until, "attempts": gorm.Expr("attempts + 1"),
				"updated_at": now})
		claimed = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("claim call list: %w", err)
	}
	return claimed, nil
}

// RecordCallList records that owner sent counsel's list of day, naming clients clients.
func (db *DB) RecordCallList(ctx context.Context, counsel, day, owner string, clients int, at time.Time) error {
	at = at.UTC()
	err := db.gorm.WithContext(ctx).Model(&callListRow{}).
		Where("counsel = ? AND day = ? AND state = ? AND owner = ?", counsel, day, callListSending, owner).
		Updates(map[string]any{"state": callListSent, "sent_at": at, "clients": clients, "lease_until": nil,
			"updated_at": at}).Error
	if err != nil {
		return fmt.Errorf("record call list: %w", err)
	}
	return nil
}

// CallListSent reports whether counsel's list of day was sent (not merely claimed).
func (db *DB) CallListSent(ctx context.Context, counsel, day string) (bool, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&callListRow{}).
		Where("counsel = ? AND day = ? AND state = ?", counsel, day, callListSent).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("call list sent: %w", err)
	}
	return n > 0, nil
}

// ReleaseCallList drops owner's claim on counsel's list of day, which could not be sent: the next run tries again.
func (db *DB) ReleaseCallList(ctx context.Context, counsel, day, owner string) error {
	err := db.gorm.WithContext(ctx).
		Where("counsel = ? AND day = ? AND state = ? AND owner = ?", counsel, day, callListSending, owner).
		Delete(&callListRow{}).Error
	if err != nil {
		return fmt.Errorf("release call list: %w", err)
	}
	return nil
}

// ClientReminders returns the outbox rows to clients and to the contacts of detained clients about any of
// hearingIDs, by due time: what counsel's call list reads of failures and confirmations.
func (db *DB) ClientReminders(ctx context.Context, hearingIDs []uint) ([]docket.Reminder, error) {
	var out []docket.Reminder
	for len(hearingIDs) > 0 {
		chunk := hearingIDs[:min(len(hearingIDs), 500)]
		hearingIDs = hearingIDs[len(chunk):]
		var rows []outboxRow
		if err := db.gorm.WithContext(ctx).Omit("body").
			Where("hearing_id IN ? AND recipient IN ?", chunk, []string{docket.ToClient, docket.ToContact}).
			Order("due, id").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("client reminders: %w", err)
		}
		out = append(out, each(rows, reminderOf)...)
	}
	return out, nil
}

// OptedOutAmong returns which of addresses opted out of channel.
func (db *DB) OptedOutAmong(ctx context.Context, channel docket.Channel, addresses []string) (map[string]bool, error) {
	out := map[string]bool{}
	for len(addresses) > 0 {
		chunk := addresses[:min(len(addresses), 500)]
		addresses = addresses[len(chunk):]
		var found []string
		if err := db.gorm.WithContext(ctx).Model(&optOutRow{}).Where("channel = ? AND address IN ?", channel, chunk).
			Pluck("address", &found).Error; err != nil {
			return nil, fmt.Errorf("opt-outs: %w", err)
		}
		for _, a := range found {
			out[a] = true
		}
	}
	return out, nil
}

// callListCounts fills c's call-list counts: every list sent, and those sent in the 24 hours before now (today's,
// on every counsel's clock) with the clients they name.
func callListCounts(g *gorm.DB, now time.Time, c *docket.Counts) error {
	if err := g.Model(&callListRow{}).Where("state = ?", callListSent).Count(&c.CallLists).Error; err != nil {
		return err
	}
	var today struct {
		N       int64
		Clients int64
	}
	if err := g.Model(&callListRow{}).Select("COUNT(*) AS n, COALESCE(SUM(clients), 0) AS clients").
		Where("state = ? AND sent_at > ?", callListSent, now.UTC().Add(-24*time.Hour)).Scan(&today).Error; err != nil {
		return err
	}
	c.CallListsToday, c.CallListClients = today.N, today.Clients
	return nil
}
