package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/docketd/docketd/docket"
)

// SyncTotals sums the recorded sync runs per source and outcome, for /metrics.
func (db *DB) SyncTotals(ctx context.Context) ([]docket.SyncTotal, error) {
	var out []docket.SyncTotal
	err := db.gorm.WithContext(ctx).Model(&syncRunRow{}).
		Select("source, (error <> '') AS failed, COUNT(*) AS runs, SUM(created) AS created, SUM(changed) AS changed, " +
			"SUM(cancelled) AS cancel, SUM(unchanged) AS same, SUM(rejected) AS reject").
		Group("source, (error <> '')").Scan(&out).Error
	return out, err
}

// LastSuccess returns when a source last synced without error, or false if it never has.
func (db *DB) LastSuccess(ctx context.Context, source string) (time.Time, bool, error) {
	var run syncRunRow
	err := db.gorm.WithContext(ctx).Where("source = ? AND error = ''", source).Order("id DESC").Limit(1).Take(&run).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, err
	}
	return run.StartedAt, true, nil
}
