package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/docketd/docketd/docket"
)

// staffSessionRow is a session of the office's page: the SHA-256 of the cookie's token, never the token.
type staffSessionRow struct {
	Hash      []byte    `gorm:"primaryKey;size:32"`
	Email     string    `gorm:"not null;size:255;index"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

func (staffSessionRow) TableName() string { return "staff_sessions" }

// staffLoginRow counts an account's failed sign-ins, and holds its lock.
type staffLoginRow struct {
	Email       string `gorm:"primaryKey;size:255"`
	Failures    int    `gorm:"not null;default:0"`
	FirstFailed time.Time
	LockedUntil *time.Time
}

func (staffLoginRow) TableName() string { return "staff_logins" }

// migrateStaff is 0015_staff: the office page's sessions and failed sign-ins, and the detail of a held sync (old
// slot → new slot), which the page shows.
func migrateStaff(tx *gorm.DB) error {
	for _, m := range []any{&staffSessionRow{}, &staffLoginRow{}} {
		if !tx.Migrator().HasTable(m) {
			if err := tx.Migrator().CreateTable(m); err != nil {
				return err
			}
		}
	}
	if tx.Migrator().HasColumn(&syncHoldRow{}, "Detail") {
		return nil // created by 0001 on a new database
	}
	return tx.Migrator().AddColumn(&syncHoldRow{}, "Detail")
}

func rollbackStaff(tx *gorm.DB) error {
	if err := tx.Migrator().DropColumn(&syncHoldRow{}, "Detail"); err != nil {
		return err
	}
	for _, m := range []any{&staffLoginRow{}, &staffSessionRow{}} {
		if err := tx.Migrator().DropTable(m); err != nil {
			return err
		}
	}
	return nil
}

// CreateStaffSession stores a session by the SHA-256 of its token; it also deletes the sessions that expired.
func (db *DB) CreateStaffSession(ctx context.Context, hash []byte, email string, created, expires time.Time) error {
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("expires_at <= ?", created.UTC()).Delete(&staffSessionRow{}).Error; err != nil {
			return err
		}
		return tx.Create(&staffSessionRow{Hash: hash, Email: email, CreatedAt: created.UTC(),
			ExpiresAt: expires.UTC()}).Error
	})
	if err != nil {
		return fmt.Errorf("create staff session: %w", err)
	}
	return nil
}

// StaffSession returns the session whose token has this SHA-256, or ErrNotFound when there is none or it expired
// by now.
func (db *DB) StaffSession(ctx context.Context, hash []byte, now time.Time) (docket.StaffSession, error) {
	var r staffSessionRow
	err := db.gorm.WithContext(ctx).Where("hash = ? AND expires_at > ?", hash, now.UTC()).Take(&r).Error
	if err != nil {
		return docket.StaffSession{}, notFound(err)
	}
	return docket.StaffSession{Email: r.Email, Created: r.CreatedAt, Expires: r.ExpiresAt}, nil
}

// EndStaffSession deletes the session whose token has this SHA-256 (sign-out); none is no error.
func (db *DB) EndStaffSession(ctx context.Context, hash []byte) error {
	if err := db.gorm.WithContext(ctx).Where("hash = ?", hash).Delete(&staffSessionRow{}).Error; err != nil {
		return fmt.Errorf("end staff session: %w", err)
	}
	return nil
}

// StaffLogin returns what the store knows of email's failed sign-ins (zero when none).
func (db *DB) StaffLogin(ctx context.Context, email string) (docket.StaffLogin, error) {
	var r staffLoginRow
	err := db.gorm.WithContext(ctx).Where("email = ?", email).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return docket.StaffLogin{}, nil
	}
	if err != nil {
		return docket.StaffLogin{}, fmt.Errorf("staff login: %w", err)
	}
	return staffLoginOf(r), nil
}

func staffLoginOf(r staffLoginRow) docket.StaffLogin {
	l := docket.StaffLogin{Failures: r.Failures, FirstFailed: r.FirstFailed}
	if r.LockedUntil != nil {
		l.LockedUntil = *r.LockedUntil
	}
	return l
}

// StaffSignInFailed counts a failed sign-in of email at now. Failures count within window of the first one; the
// limit-th locks the account until now + window and starts the count again. A sign-in that fails while the account
// is locked changes nothing: the lock runs from the failure that set it.
func (db *DB) StaffSignInFailed(ctx context.Context, email string, now time.Time, limit int,
	window time.Duration) (docket.StaffLogin, error) {
	now = now.UTC()
	var out docket.StaffLogin
	err := db.tx(ctx, func(tx *gorm.DB) error {
		// Counts that ran out and locks that expired are forgotten, so guessed emails do not pile up.
		if err := tx.Where("first_failed < ? AND (locked_until IS NULL OR locked_until < ?)", now.Add(-window), now).
			Delete(&staffLoginRow{}).Error; err != nil {
			return err
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&staffLoginRow{Email: email, FirstFailed: now}).Error; err != nil {
			return err
		}
		q := tx
		if db.dialect == "postgres" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"}) // two failures at once both count
		}
		var r staffLoginRow
		if err := q.Where("email = ?", email).Take(&r).Error; err != nil {
			return err
		}
		if l := staffLoginOf(r); l.Locked(now) {
			out = l
			return nil
		}
		if r.Failures == 0 || now.Sub(r.FirstFailed) >= window {
			r.Failures, r.FirstFailed = 0, now
		}
		r.Failures++
		r.LockedUntil = nil
		if r.Failures >= limit {
			until := now.Add(window)
			r.Failures, r.LockedUntil = 0, &until
		}
		out = staffLoginOf(r)
		return tx.Model(&staffLoginRow{}).Where("email = ?", email).Updates(map[string]any{
			"failures": r.Failures, "first_failed": r.FirstFailed, "locked_until": r.LockedUntil}).Error
	})
	if err != nil {
		return docket.StaffLogin{}, fmt.Errorf("count failed sign-in: %w", err)
	}
	return out, nil
}

// StaffSignedIn forgets email's failed sign-ins after one that succeeded.
func (db *DB) StaffSignedIn(ctx context.Context, email string) error {
	if err := db.gorm.WithContext(ctx).Where("email = ?", email).Delete(&staffLoginRow{}).Error; err != nil {
		return fmt.Errorf("staff signed in: %w", err)
	}
	return nil
}

// FailedSends returns the reminders that failed for good about hearings that start at from or later, the latest
// failure first, at most limit (0: all).
func (db *DB) FailedSends(ctx context.Context, from time.Time, limit int) ([]docket.Reminder, error) {
	q := db.gorm.WithContext(ctx).Omit("body").Where("state = ? AND hearing_id IN (?)", docket.StateFailed,
		db.gorm.Model(&hearingRow{}).Select("id").Where("start >= ?", from.UTC())).Order("updated_at DESC, id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var rows []outboxRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("failed sends: %w", err)
	}
	return each(rows, reminderOf), nil
}
