package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

func inboxRowOf(m docket.InboxMessage) inboxMessageRow {
	r := inboxMessageRow{From: m.From, To: m.To, Body: m.Body, ReceivedAt: m.ReceivedAt.UTC(), Urgent: m.Urgent,
		Reason: m.Reason}
	if m.MessageSID != "" {
		sid := m.MessageSID
		r.MessageSID = &sid
	}
	ids, _ := json.Marshal(m.ClientIDs) // a []string always encodes
	r.ClientIDs = string(ids)
	return r
}

func inboxMessageOf(r inboxMessageRow) docket.InboxMessage {
	m := docket.InboxMessage{ID: r.ID, From: r.From, To: r.To, Body: r.Body, ReceivedAt: r.ReceivedAt,
		Urgent: r.Urgent, Reason: r.Reason, ForwardedAt: r.ForwardedAt, Attempts: r.Attempts,
		ForwardError: r.ForwardError, HandledAt: r.HandledAt, HandledBy: r.HandledBy}
	if r.MessageSID != nil {
		m.MessageSID = *r.MessageSID
	}
	_ = json.Unmarshal([]byte(r.ClientIDs), &m.ClientIDs) // written by inboxRowOf; empty for none
	return m
}

// KeepInbox stores m, a client's text for staff, with the ids of the active clients whose phone, or whose contact
// person's phone, is m.From (a family phone names several, an unknown number none). A message whose MessageSID is
// stored already (a webhook sent again) is not stored twice: KeepInbox returns the stored one and fresh false.
func (db *DB) KeepInbox(ctx context.Context, m docket.InboxMessage) (kept docket.InboxMessage, fresh bool, err error) {
	err = db.tx(ctx, func(tx *gorm.DB) error {
		ids := []string{}
		if err := tx.Model(&clientRow{}).Where("active = ? AND (phone = ? OR contact_phone = ?)", true, m.From, m.From).
			Order("id").Pluck("id", &ids).Error; err != nil {
			return err
		}
		m.ClientIDs = ids
		row := inboxRowOf(m)
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		if fresh = res.RowsAffected == 1; fresh {
			kept = inboxMessageOf(row)
			return nil
		}
		if err := tx.Where("message_sid = ?", m.MessageSID).Take(&row).Error; err != nil {
			return err
		}
		kept = inboxMessageOf(row)
		return nil
	})
	if err != nil {
		return docket.InboxMessage{}, false, fmt.Errorf("keep inbox message: %w", err)
	}
	return kept, fresh, nil
}

// InboxMessages lists inbox messages, newest first: those nobody has handled, or all of them with f.All.
func (db *DB) InboxMessages(ctx context.Context, f docket.InboxFilter) ([]docket.InboxMessage, error) {
	q := db.gorm.WithContext(ctx).Order("received_at DESC, id DESC")
	if !f.All {
		q = q.Where("handled_at IS NULL")
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []inboxMessageRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return each(rows, inboxMessageOf), nil
}

// InboxMessage returns the inbox message with this id, or ErrNotFound.
func (db *DB) InboxMessage(ctx context.Context, id uint) (docket.InboxMessage, error) {
	var r inboxMessageRow
	if err := db.gorm.WithContext(ctx).Take(&r, id).Error; err != nil {
		return docket.InboxMessage{}, notFound(err)
	}
	return inboxMessageOf(r), nil
}

// UnforwardedInbox lists, oldest first, the messages received before before whose email to staff has not gone out.
func (db *DB) UnforwardedInbox(ctx context.Context, before time.Time, limit int) ([]docket.InboxMessage, error) {
	q := db.gorm.WithContext(ctx).Where("forwarded_at IS NULL AND received_at < ?", before.UTC()).
		Order("received_at, id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var rows []inboxMessageRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("unforwarded inbox: %w", err)
	}
	return each(rows, inboxMessageOf), nil
}

// InboxForwarded records that the email to staff about message id went out at at.
func (db *DB) InboxForwarded(ctx context.Context, id uint, at time.Time) error {
	err := db.gorm.WithContext(ctx).Model(&inboxMessageRow{}).Where("id = ?", id).
		Updates(map[string]any{"forwarded_at": at.UTC(), "attempts": gorm.Expr("attempts + 1"), "forward_error": ""}).Error
	if err != nil {
		return fmt.Errorf("inbox message %d forwarded: %w", id, err)
	}
	return nil
}

// InboxForwardFailed records a failed try to forward message id; reason should carry no address (it is shown).
func (db *DB) InboxForwardFailed(ctx context.Context, id uint, reason string) error {
	err := db.gorm.WithContext(ctx).Model(&inboxMessageRow{}).Where("id = ? AND forwarded_at IS NULL", id).
		Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "forward_error": reason}).Error
	if err != nil {
		return fmt.Errorf("inbox message %d: %w", id, err)
	}
	return nil
}

// HandleInbox marks the messages ids as handled by by at at, all or none: an id that names no message fails the call
// with ErrNotFound and marks nothing. A message handled already keeps who handled it first and when.
func (db *DB) HandleInbox(ctx context.Context, ids []uint, by string, at time.Time) error {
	err := db.tx(ctx, func(tx *gorm.DB) error {
		for _, id := range ids {
			var n int64
			if err := tx.Model(&inboxMessageRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("no inbox message %d: %w", id, ErrNotFound)
			}
			if err := tx.Model(&inboxMessageRow{}).Where("id = ? AND handled_at IS NULL", id).
				Updates(map[string]any{"handled_at": at.UTC(), "handled_by": by}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("mark inbox messages handled: %w", err)
	}
	return err
}

// InboxClients returns the clients with these ids (active or not: a message stays with whom it came from), each
// with their attorney and their next hearing scheduled after now.
func (db *DB) InboxClients(ctx context.Context, ids []string, now time.Time) ([]docket.InboxClient, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var cs []clientRow
	if err := db.gorm.WithContext(ctx).Preload("Attorney").Where("id IN ?", ids).Order("id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("inbox clients: %w", err)
	}
	out := make([]docket.InboxClient, 0, len(cs))
	for _, c := range cs {
		ic := docket.InboxClient{Client: clientOf(c)}
		if c.Attorney != nil {
			a := attorneyOf(*c.Attorney)
			ic.Attorney = &a
		}
		hs, err := db.Hearings(ctx, docket.HearingFilter{ClientID: c.ID, From: now,
			Status: []docket.HearingStatus{docket.StatusScheduled}, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("inbox clients: %w", err)
		}
		if len(hs) > 0 {
			ic.Next = &hs[0]
		}
		out = append(out, ic)
	}
	return out, nil
}

// inboxCounts counts the inbox for Counts.
func inboxCounts(g *gorm.DB) (docket.InboxCounts, error) {
	var c docket.InboxCounts
	m := func() *gorm.DB { return g.Model(&inboxMessageRow{}) }
	if err := m().Where("handled_at IS NULL").Count(&c.Unhandled).Error; err != nil {
		return c, err
	}
	if err := m().Where("handled_at IS NULL AND urgent = ?", true).Count(&c.Urgent).Error; err != nil {
		return c, err
	}
	err := m().Where("forwarded_at IS NULL").Count(&c.Unforwarded).Error
	return c, err
}
