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

// Provider delivery states that decide an outbox row's own state. The rest (queued, sending, sent…) only move
// ProviderState.
const (
	providerDelivered   = "delivered"
	providerRead        = "read"
	providerUndelivered = "undelivered"
	providerFailed      = "failed"
	providerCanceled    = "canceled"
)

// RecordDelivery records a provider's delivery report for every outbox row it sent as providerID (the rows of a
// household message share one id). Reports arrive out of order, so a row's ProviderState only moves to status when
// rank(status) > rank(current), and ErrorCode is the one that came with the state kept. A delivered (or read) row
// becomes docket.StateDelivered; an undelivered, failed or canceled one becomes docket.StateFailed with the provider's code.
// It reports whether any row changed, and returns ErrNotFound when no row has that provider id.
func (db *DB) RecordDelivery(ctx context.Context, providerID, status, errorCode string, rank func(string) int,
	at time.Time) (bool, error) {
	if providerID == "" {
		return false, ErrNotFound
	}
	at = at.UTC()
	changed := false
	err := db.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Select("id", "state", "provider_state").Where("provider_id = ?", providerID).Order("id")
		if db.dialect == "postgres" {
			// Two callbacks for one message may race; the second must see the first's state to compare ranks.
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var rows []outboxRow
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return ErrNotFound
		}
		newRank := rank(status)
		for _, r := range rows {
			if newRank <= rank(r.ProviderState) {
				continue
			}
			u := map[string]any{"provider_state": status, "error_code": errorCode, "updated_at": at}
			// Only rows that went out take the provider's verdict; a pending or cancelled row sharing an id would be
			// a bug elsewhere, and must not be turned into a delivered one here.
			if r.State == docket.StateSent || r.State == docket.StateDelivered || r.State == docket.StateFailed || r.State == docket.StateSending {
				switch status {
				case providerDelivered, providerRead:
					u["state"] = docket.StateDelivered
					u["last_error"] = ""
				case providerUndelivered, providerFailed, providerCanceled:
					u["state"] = docket.StateFailed
					u["last_error"] = "carrier reported " + status
				}
			}
			if err := tx.Model(&outboxRow{}).Where("id = ?", r.ID).Updates(u).Error; err != nil {
				return err
			}
			changed = true
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("record delivery: %w", err)
	}
	return changed, nil
}

// ConfirmLatest records that the client at phone answered YES / SI: it marks the most recent SMS reminder sent to
// phone for a hearing still scheduled after at, with every row of the same message (a household's rows share the
// provider id), as confirmed at at. An earlier confirmation of that message is kept. It returns the language of the
// client the reminder was for (or of any active client with that phone; "" if none is known), and ErrNotFound when
// there is no such reminder.
func (db *DB) ConfirmLatest(ctx context.Context, phone string, at time.Time) (string, error) {
	if phone == "" {
		return "", ErrNotFound
	}
	var language string
	err := db.tx(ctx, func(tx *gorm.DB) (err error) {
		language, err = confirmLatest(tx, phone, at)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("confirm reminder: %w", err)
	}
	return language, nil
}

// confirmLatest is ConfirmLatest inside tx.
func confirmLatest(tx *gorm.DB, phone string, at time.Time) (string, error) {
	if phone == "" {
		return "", ErrNotFound
	}
	at = at.UTC()
	var latest outboxRow
	err := tx.Model(&outboxRow{}).Select("outboxes.*").
		Joins("JOIN hearings ON hearings.id = outboxes.hearing_id").
		Where("outboxes.address = ? AND outboxes.channel = ? AND outboxes.kind = ? AND outboxes.state IN ?",
			phone, docket.ChannelOf(phone), docket.KindReminder, []docket.ReminderState{docket.StateSent, docket.StateDelivered}).
		Where("hearings.status = ? AND hearings.start > ?", docket.StatusScheduled, at).
		Order("outboxes.sent_at DESC, outboxes.id DESC").Limit(1).Take(&latest).Error
	if err != nil {
		return "", notFound(err)
	}
	q := tx.Model(&outboxRow{}).Where("confirmed_at IS NULL")
	if latest.ProviderID != "" {
		q = q.Where("provider_id = ? AND address = ?", latest.ProviderID, phone)
	} else {
		q = q.Where("id = ?", latest.ID)
	}
	if err := q.Updates(map[string]any{"confirmed_at": at, "updated_at": at}).Error; err != nil {
		return "", err
	}
	return clientLanguage(tx, latest, phone)
}

// clientLanguage returns the language of the reminder's recipient, else of an active client with that phone.
func clientLanguage(tx *gorm.DB, row outboxRow, phone string) (string, error) {
	var langs []string
	if row.Recipient == "client" && row.RecipientID != "" {
		if err := tx.Model(&clientRow{}).Where("id = ?", row.RecipientID).Pluck("language", &langs).Error; err != nil {
			return "", err
		}
		if len(langs) > 0 && langs[0] != "" {
			return langs[0], nil
		}
	}
	langs = nil
	if err := tx.Model(&clientRow{}).Where("phone = ? AND active = ? AND language <> ?", phone, true, "").
		Order("id").Limit(1).Pluck("language", &langs).Error; err != nil {
		return "", err
	}
	if len(langs) > 0 {
		return langs[0], nil
	}
	return "", nil
}

// NextHearingFor returns the earliest hearing still scheduled after now of any active client whose phone this is,
// for a client who texts FECHA or NEXT. It returns ErrNotFound when there is none.
func (db *DB) NextHearingFor(ctx context.Context, phone string, now time.Time) (docket.Hearing, error) {
	if phone == "" {
		return docket.Hearing{}, ErrNotFound
	}
	var ids []uint
	err := db.gorm.WithContext(ctx).Model(&hearingRow{}).
		Joins("JOIN cases ON cases.id = hearings.case_id").
		Joins("JOIN clients ON clients.a_number = cases.a_number").
		Where("clients.phone = ? AND clients.active = ?", phone, true).
		Where("hearings.status = ? AND hearings.start > ?", docket.StatusScheduled, now.UTC()).
		Order("hearings.start, hearings.id").Limit(1).Pluck("hearings.id", &ids).Error
	if err != nil {
		return docket.Hearing{}, fmt.Errorf("next hearing: %w", err)
	}
	if len(ids) == 0 {
		return docket.Hearing{}, ErrNotFound
	}
	// Two statements, not one transaction: both only read, and a hearing deleted in between is reported as not
	// found rather than half read.
	return db.Hearing(ctx, ids[0])
}

// ConfirmSent records that the recipient of the message the provider knows as providerID confirmed it (a call
// answered with 1): every row sent as it, still unconfirmed, is confirmed at at. It returns ErrNotFound when no
// reminder was sent as providerID.
func (db *DB) ConfirmSent(ctx context.Context, providerID string, at time.Time) error {
	if providerID == "" {
		return ErrNotFound
	}
	at = at.UTC()
	return db.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&outboxRow{}).Where("provider_id = ? AND kind = ?", providerID, docket.KindReminder).
			Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return tx.Model(&outboxRow{}).Where("provider_id = ? AND kind = ? AND confirmed_at IS NULL", providerID,
			docket.KindReminder).Updates(map[string]any{"confirmed_at": at, "updated_at": at}).Error
	})
}

// SentAs returns the outbox rows sent as the message the provider knows as providerID, in id order.
func (db *DB) SentAs(ctx context.Context, providerID string) ([]docket.Reminder, error) {
	var rows []outboxRow
	if providerID == "" {
		return nil, nil
	}
	err := db.gorm.WithContext(ctx).Where("provider_id = ?", providerID).Order("id").Find(&rows).Error
	return each(rows, reminderOf), err
}
