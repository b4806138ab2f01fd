package assembly

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/inbox"
	"github.com/docketd/docketd/store"
)

var _ inbox.Store = (*store.DB)(nil)

// newInbox builds the inbox over db: it keeps the texts for staff and forwards them through the email channel the
// running config names (SMTP, or the log channel that only prints), the one the dispatcher sends counsel's email
// through; opts.Senders' email channel replaces it (tests and drills).
func newInbox(cfg func() *config.Config, db *store.DB, log *slog.Logger, now func() time.Time,
	opts Options) *inbox.Forwarder {
	send := opts.Senders[docket.Email]
	return &inbox.Forwarder{Store: db, Now: now, Log: log,
		Sender: func() (inbox.Sender, error) {
			if send != nil {
				return send, nil
			}
			snd, err := senders(cfg(), log, now)
			if err != nil {
				return nil, err
			}
			return snd[docket.Email], nil
		},
		Settings: func() inbox.Settings { return InboxSettings(cfg()) },
	}
}

// InboxSettings are the config's choices for forwarding clients' texts: [inbox] email (default organization.email)
// gets every one, a reply goes to organization.email, and the time a text came is told on the office's clock.
func InboxSettings(c *config.Config) inbox.Settings {
	return inbox.Settings{Inbox: cmp.Or(c.Inbox.Email, c.Organization.Email), ReplyTo: c.Organization.Email,
		Zone: officeZone(c)}
}
