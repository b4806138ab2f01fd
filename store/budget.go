package store

import (
	"context"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"

	"github.com/docketd/docketd/docket"
)

// sendBudgetRow is a channel's send budget, shared by every process on the database: the office's carrier allows
// the office a rate, however many replicas send. It is kept as the next free send slot (virtual scheduling: each
// send takes 1/rate of time from it), in nanoseconds since the Unix epoch so one statement can move it on both
// SQLite and PostgreSQL.
type sendBudgetRow struct {
	Channel docket.Channel `gorm:"primaryKey;size:16"`
	NextNS  int64          `gorm:"not null;default:0"`
}

func (sendBudgetRow) TableName() string { return "send_budgets" }

// migrateSendBudget is 0016_send_budget.
func migrateSendBudget(tx *gorm.DB) error {
	if tx.Migrator().HasTable(&sendBudgetRow{}) {
		return nil
	}
	return tx.Migrator().CreateTable(&sendBudgetRow{})
}

// ReserveSends takes n send slots of channel at rate messages per second from the budget every process on the
// database shares, none before now, and returns the first: slot i is first + i/rate. The slots follow those any
// process took before, so all of them together keep to the rate. One statement moves the budget, so two processes
// reserving at once each get slots of their own.
func (db *DB) ReserveSends(ctx context.Context, channel docket.Channel, now time.Time, n int, rate float64) (time.Time, error) {
	if n < 1 || rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
		return time.Time{}, fmt.Errorf("reserve sends: %d slots at rate %v", n, rate)
	}
	take := int64(math.Ceil(float64(n) * float64(time.Second) / rate))
	at := now.UnixNano()
	var next int64
	defer db.sendTurn()()
	err := db.gorm.WithContext(ctx).Raw(`INSERT INTO send_budgets (channel, next_ns) VALUES (?, ?)
		ON CONFLICT (channel) DO UPDATE SET next_ns = CASE WHEN send_budgets.next_ns > ? THEN send_budgets.next_ns
		ELSE ? END + ? RETURNING next_ns`, channel, at+take, at, at, take).Scan(&next).Error
	if err != nil {
		return time.Time{}, fmt.Errorf("reserve sends: %w", err)
	}
	return time.Unix(0, next-take).UTC(), nil
}

// PauseSends makes the budget of channel give no slot before until, for every process (the provider asked for a
// pause).
func (db *DB) PauseSends(ctx context.Context, channel docket.Channel, until time.Time) error {
	at := until.UnixNano()
	err := db.gorm.WithContext(ctx).Exec(`INSERT INTO send_budgets (channel, next_ns) VALUES (?, ?)
		ON CONFLICT (channel) DO UPDATE SET next_ns = CASE WHEN send_budgets.next_ns > ? THEN send_budgets.next_ns
		ELSE ? END`, channel, at, at, at).Error
	if err != nil {
		return fmt.Errorf("pause sends: %w", err)
	}
	return nil
}
