package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/docketd/docketd/docket"
)

// syncHoldRow is a source whose moves and cancellations the mass-change guard holds, until a pass applies them
// (forced) or no longer makes them.
type syncHoldRow struct {
	Source   string `gorm:"primaryKey;size:64"`
	Digest   string `gorm:"not null"`
	Changes  int
	Hearings int
	Slots    int
	Share    float64
	Since    time.Time `gorm:"not null"`
	// Notified is the digest the office was last told about: a pass that holds the same changes again sends
	// nothing.
	Notified string `gorm:"not null;default:''"`
	// Detail is the held changes (docket.SlotChange, JSON), for the office's page.
	Detail string
}

func (syncHoldRow) TableName() string { return "sync_holds" }

// SetHold records that h is held. It returns whether the office still has to be told about these changes: they are
// new (another digest than the one last told), or telling it has not succeeded yet.
func (db *DB) SetHold(ctx context.Context, h docket.SyncHold, now time.Time) (notify bool, err error) {
	err = db.tx(ctx, func(tx *gorm.DB) error {
		var row syncHoldRow
		err := tx.Where("source = ?", h.Source).Take(&row).Error
		found := err == nil
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if !found || row.Digest != h.Digest {
			row.Since = now.UTC()
		}
		row.Source, row.Digest, row.Changes, row.Hearings, row.Slots, row.Share = h.Source, h.Digest, h.Changes,
			h.Hearings, h.Slots, h.Share
		notify = row.Notified != h.Digest
		if d, err := json.Marshal(h.Detail); err == nil {
			row.Detail = string(d)
		}
		return tx.Save(&row).Error
	})
	if err != nil {
		return false, fmt.Errorf("record hold of %s: %w", h.Source, err)
	}
	return notify, nil
}

// HoldNotified records that the office was told about the held changes with this digest.
func (db *DB) HoldNotified(ctx context.Context, source, digest string) error {
	err := db.gorm.WithContext(ctx).Model(&syncHoldRow{}).Where("source = ? AND digest = ?", source, digest).
		Update("notified", digest).Error
	if err != nil {
		return fmt.Errorf("record hold notice of %s: %w", source, err)
	}
	return nil
}

// ClearHold records that source holds nothing any more.
func (db *DB) ClearHold(ctx context.Context, source string) error {
	if err := db.gorm.WithContext(ctx).Where("source = ?", source).Delete(&syncHoldRow{}).Error; err != nil {
		return fmt.Errorf("clear hold of %s: %w", source, err)
	}
	return nil
}

// SyncHolds returns the held sources, by name, without the changes they hold (status and /metrics need only the
// counts, and a hold's detail lists up to hundreds of changes).
func (db *DB) SyncHolds(ctx context.Context) ([]docket.SyncHold, error) { return db.holds(ctx, false) }

// HeldSyncs returns the held sources, by name, with the changes they hold (old slot → new slot) as the pass that
// held them listed them: what the office's page shows.
func (db *DB) HeldSyncs(ctx context.Context) ([]docket.SyncHold, error) { return db.holds(ctx, true) }

func (db *DB) holds(ctx context.Context, detail bool) ([]docket.SyncHold, error) {
	var rows []syncHoldRow
	q := db.gorm.WithContext(ctx).Order("source")
	if !detail {
		q = q.Omit("detail")
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("sync holds: %w", err)
	}
	out := make([]docket.SyncHold, len(rows))
	for i, r := range rows {
		out[i] = docket.SyncHold{Source: r.Source, Changes: r.Changes, Hearings: r.Hearings, Slots: r.Slots,
			Share: r.Share, Digest: r.Digest, Since: r.Since}
		if r.Detail != "" {
			_ = json.Unmarshal([]byte(r.Detail), &out[i].Detail) // written by SetHold; a hold without one lists none
		}
	}
	return out, nil
}
