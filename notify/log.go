package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"

	"github.com/docketd/docketd/docket"
)

// Log is the channel that only prints: it lets the example configuration run with no account anywhere and lets
// `docketd remind --dry-run` show what would go out.
//
// What it prints follows the product's privacy rule (names, phones, emails and A-numbers never in full at info
// level), given a logger built on docket.MaskingHandler as the daemon's is, which masks the phones, emails and
// A-numbers. At info level: the key, channel, recipient, language, SMS encoding and segment count, and sizes.
// At debug level, a second line carries the subject and the whole body, names included, as ntfy does with bodies:
// a person who turns on debug logging on a production system has chosen to see them. ShowBody adds the body at info
// level with phones, emails and A-numbers masked; names cannot be recognised in free text, so it is meant for the
// quick start and demonstrations with made-up people, not for real clients.
type Log struct {
	Logger   *slog.Logger // nil means slog.Default()
	ShowBody bool
}

// Send prints m and returns a provider id of the form "log-<key>", so outbox rows sent this way look like any other.
func (l *Log) Send(ctx context.Context, m docket.Message) (providerID string, err error) {
	logger := l.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	name := string(m.Channel)
	attrs := []slog.Attr{
		slog.String("component", "notify"),
		slog.String("provider", "log"),
		slog.String("channel", string(m.Channel)),
		slog.String("key", m.Key),
		slog.String("to", m.To),
		slog.String("language", m.Language),
	}
	if m.Channel == docket.SMS {
		enc, n := docket.Segments(m.Text)
		attrs = append(attrs, slog.String("encoding", enc), slog.Int("segments", n))
	}
	attrs = append(attrs, slog.Int("chars", len([]rune(m.Text))))
	if m.HTML != "" {
		attrs = append(attrs, slog.Bool("html", true))
	}
	if m.Invite != nil {
		attrs = append(attrs, slog.String("invite", m.Invite.Method))
	}
	if l.ShowBody {
		attrs = append(attrs, slog.String("body", m.Text))
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "would send "+name, attrs...)
	logger.LogAttrs(ctx, slog.LevelDebug, "would send "+name+" (body)",
		slog.String("component", "notify"),
		slog.String("key", m.Key),
		slog.String("subject", m.Subject),
		slog.String("body", m.Text),
	)
	return "log-" + providerKey(m), nil
}

// providerKey is the message key, or for a message without one a digest of it, so the same message always gets the
// same id.
func providerKey(m docket.Message) string {
	if m.Key != "" {
		return m.Key
	}
	h := sha256.Sum256([]byte(string(m.Channel) + "\x00" + m.To + "\x00" + m.Subject + "\x00" + m.Text))
	return hex.EncodeToString(h[:6])
}
