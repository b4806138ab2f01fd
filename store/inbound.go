package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// inboundMessageRow records an inbound message acted on, by the provider's id for it, so that a webhook sent again
// (Twilio retrying, or a captured request replayed) is acted on once.
type inboundMessageRow struct {
	ID         uint           `gorm:"primaryKey"`
	MessageSID string         `gorm:"column:message_sid;not null;uniqueIndex;size:64"`
	Channel    docket.Channel `gorm:"not null;size:16"`
	Address    string         `gorm:"not null;size:255"` // who sent it
	Action     docket.Action  `gorm:"not null;size:16"`
	Keyword    string         `gorm:"size:32"`
	Language   string         `gorm:"size:16"` // of the answer
	At         time.Time      `gorm:"not null;index"`
}

func (inboundMessageRow) TableName() string { return "inbound_messages" }

func inboundRowOf(a docket.InboundAction) inboundMessageRow {
	return inboundMessageRow{MessageSID: a.MessageSID, Channel: a.Channel, Address: a.From, Action: a.Action,
		Keyword: a.Keyword, Language: a.Language, At: a.At.UTC()}
}

func inboundActionOf(r inboundMessageRow) docket.InboundAction {
	return docket.InboundAction{MessageSID: r.MessageSID, Channel: r.Channel, From: r.Address, Action: r.Action,
		Keyword: r.Keyword, Language: r.Language, At: r.At}
}

// InboundActed returns what was done with the inbound message the provider knows as sid, or ErrNotFound when it
// was never acted on.
func (db *DB) InboundActed(ctx context.Context, sid string) (docket.InboundAction, error) {
	if sid == "" {
		return docket.InboundAction{}, ErrNotFound
	}
	var r inboundMessageRow
	if err := db.gorm.WithContext(ctx).Where("message_sid = ?", sid).Take(&r).Error; err != nil {
		return docket.InboundAction{}, notFound(err)
	}
	return inboundActionOf(r), nil
}

// RecordInbound records a and, in the same transaction, does what it says: an opt-out is stored (with its keyword
// and time), an opt-in removes the address's opt-out. A message whose id was acted on before changes nothing. An
// action without an id (an opt-out the provider reported on a send) is applied and not recorded.
func (db *DB) RecordInbound(ctx context.Context, a docket.InboundAction) error {
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if fresh, err := recordInbound(tx, a); err != nil || !fresh {
			return err
		}
		switch a.Action {
		case docket.ActionOptOut:
			return tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "channel"}, {Name: "address"}},
				DoUpdates: clause.AssignmentColumns([]string{"keyword", "at"}),
			}).Create(&optOutRow{Channel: a.Channel, Address: a.From, Keyword: a.Keyword, At: a.At.UTC()}).Error
		case docket.ActionOptIn:
			return tx.Where("channel = ? AND address = ?", a.Channel, a.From).Delete(&optOutRow{}).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record inbound %s: %w", a.Action, err)
	}
	return nil
}

// recordInbound inserts a's row and reports whether it is new: false means the message was acted on before.
func recordInbound(tx *gorm.DB, a docket.InboundAction) (bool, error) {
	if a.MessageSID == "" {
		return true, nil
	}
	row := inboundRowOf(a)
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	return res.RowsAffected == 1, res.Error
}

// ConfirmInbound records a, a client's YES / SI, and marks the reminder it confirms as ConfirmLatest does, in one
// transaction. It returns the language of the client the reminder was for. When there is nothing to confirm it
// returns ErrNotFound and records the message as one for staff (ActionOther), so that a replay after a later
// reminder does not confirm that one. A message acted on before changes nothing and is answered as it was then.
func (db *DB) ConfirmInbound(ctx context.Context, a docket.InboundAction) (string, error) {
	a.Action = docket.ActionConfirm
	var language string
	found := true
	err := db.tx(ctx, func(tx *gorm.DB) error {
		fresh, err := recordInbound(tx, a)
		if err != nil {
			return err
		}
		if !fresh {
			var r inboundMessageRow
			if err := tx.Where("message_sid = ?", a.MessageSID).Take(&r).Error; err != nil {
				return err
			}
			language, found = r.Language, r.Action == docket.ActionConfirm
			return nil
		}
		language, err = confirmLatest(tx, a.From, a.At)
		if errors.Is(err, ErrNotFound) {
			found = false
			return updateInbound(tx, a.MessageSID, "action", docket.ActionOther)
		}
		if err != nil {
			return err
		}
		return updateInbound(tx, a.MessageSID, "language", language)
	})
	if err != nil {
		return "", fmt.Errorf("confirm reminder: %w", err)
	}
	if !found {
		return "", ErrNotFound
	}
	return language, nil
}

func updateInbound(tx *gorm.DB, sid, column string, value any) error {
	if sid == "" {
		return nil
	}
	return tx.Model(&inboundMessageRow{}).Where("message_sid = ?", sid).Update(column, value).Error
}
