package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
)

// CreateFeedToken stores a new feed token. Only the SHA-256 of the secret is given and kept, so a copy of the
// database does not open anyone's calendar.
func (db *DB) CreateFeedToken(ctx context.Context, hash []byte, scope, label string) (docket.FeedToken, error) {
	if len(hash) != sha256.Size {
		return docket.FeedToken{}, fmt.Errorf("create feed token: hash is %d bytes, want %d", len(hash), sha256.Size)
	}
	if scope == "" {
		return docket.FeedToken{}, fmt.Errorf("create feed token: empty scope")
	}
	t := feedTokenRow{Hash: hash, Scope: scope, Label: label, CreatedAt: db.now()}
	if err := db.gorm.WithContext(ctx).Create(&t).Error; err != nil {
		return docket.FeedToken{}, fmt.Errorf("create feed token: %w", err)
	}
	return feedTokenOf(t), nil
}

// FeedTokenByHash returns the active token with this hash. A revoked token is ErrNotFound like an unknown one, so
// callers cannot tell the two apart by accident. It is read on every feed request and never cached, so a
// revocation works at once, from any process.
func (db *DB) FeedTokenByHash(ctx context.Context, hash []byte) (docket.FeedToken, error) {
	var t feedTokenRow
	err := db.gorm.WithContext(ctx).Where("hash = ? AND revoked_at IS NULL", hash).Take(&t).Error
	if err != nil {
		return docket.FeedToken{}, notFound(err)
	}
	return feedTokenOf(t), nil
}

// FeedTokens returns every token, revoked ones included, oldest first.
func (db *DB) FeedTokens(ctx context.Context) ([]docket.FeedToken, error) {
	var ts []feedTokenRow
	if err := db.gorm.WithContext(ctx).Order("id").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("feed tokens: %w", err)
	}
	return each(ts, feedTokenOf), nil
}

// RevokeFeedToken revokes a token. Revoking one already revoked keeps its first revocation time; an unknown id is
// ErrNotFound.
func (db *DB) RevokeFeedToken(ctx context.Context, id uint) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		var t feedTokenRow
		if err := tx.Select("id", "revoked_at").Take(&t, id).Error; err != nil {
			return notFound(err)
		}
		if t.RevokedAt != nil {
			return nil
		}
		if err := tx.Model(&feedTokenRow{}).Where("id = ?", id).Update("revoked_at", db.now()).Error; err != nil {
			return fmt.Errorf("revoke feed token %d: %w", id, err)
		}
		return nil
	})
}

// TouchFeedToken records that a token was used at at. It never moves the time backwards, so two replicas
// answering polls out of order agree.
func (db *DB) TouchFeedToken(ctx context.Context, id uint, at time.Time) error {
	at = at.UTC()
	err := db.gorm.WithContext(ctx).Model(&feedTokenRow{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, at).
		Update("last_used_at", at).Error
	if err != nil {
		return fmt.Errorf("touch feed token %d: %w", id, err)
	}
	return nil
}

// DataVersion summarises everything a feed shows in one query: row counts (which catch deletions) and the latest
// updated_at of hearings, clients, attorneys and outbox rows, plus a length checksum of the courts, which have no
// updated_at (they change only through the config, and the daemon signals its reloads itself), and the sum of the
// hearings' sequences, so a move shows even when the store's clock stands still (a test, a --now run). The tag
// changes when any of it does; modified is the latest updated_at. Feed tokens are left out on purpose: their
// last-used time changes on every poll and shows in no feed.
//
// It costs a scan of each table's updated_at, so callers should ask at most every few seconds.
func (db *DB) DataVersion(ctx context.Context) (string, time.Time, error) {
	const q = `SELECT
	(SELECT COUNT(*) FROM hearings), (SELECT MAX(updated_at) FROM hearings),
	(SELECT COUNT(*) FROM clients), (SELECT MAX(updated_at) FROM clients),
	(SELECT COUNT(*) FROM attorneys), (SELECT MAX(updated_at) FROM attorneys),
	(SELECT COUNT(*) FROM outboxes), (SELECT MAX(updated_at) FROM outboxes),
	(SELECT COUNT(*) FROM courts),
	(SELECT SUM(LENGTH(COALESCE(name, '')) + 3*LENGTH(COALESCE(address, '')) + 5*LENGTH(COALESCE(city, ''))
		+ 7*LENGTH(COALESCE(state, '')) + 11*LENGTH(COALESCE(zone, '')) + 13*LENGTH(COALESCE(phone, ''))) FROM courts),
	(SELECT COALESCE(SUM(sequence), 0) FROM hearings)`
	vals := make([]any, 11)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := db.gorm.WithContext(ctx).Raw(q).Row().Scan(ptrs...); err != nil {
		return "", time.Time{}, fmt.Errorf("data version: %w", err)
	}
	h := sha256.New()
	var modified time.Time
	for i, v := range vals {
		s, t, err := versionPart(v, i%2 == 1 && i < 8)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("data version: column %d: %w", i, err)
		}
		fmt.Fprintf(h, "%d=%s;", i, s)
		if t.After(modified) {
			modified = t
		}
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12]), modified, nil
}

// versionPart renders one aggregate as text, and as a time when isTime says it is a MAX(updated_at). Drivers differ: PostgreSQL
// returns timestamps, SQLite (with _timefmt=unixepoch_micro) integers of microseconds, since an aggregate loses the
// column's declared type.
func versionPart(v any, isTime bool) (string, time.Time, error) {
	switch x := v.(type) {
	case nil:
		return "null", time.Time{}, nil
	case time.Time:
		return strconv.FormatInt(x.UnixMicro(), 10), x.UTC(), nil
	case int64:
		if isTime {
			return strconv.FormatInt(x, 10), time.UnixMicro(x).UTC(), nil
		}
		return strconv.FormatInt(x, 10), time.Time{}, nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), time.Time{}, nil
	case []byte:
		return versionPart(string(x), isTime)
	case string:
		if isTime {
			// A driver that keeps times as text: a time it cannot read still changes the tag.
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return x, t.UTC(), nil
			}
		}
		return x, time.Time{}, nil
	default:
		return "", time.Time{}, fmt.Errorf("unexpected %T", v)
	}
}
