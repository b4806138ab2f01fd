package assembly

import (
	"log/slog"

	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

var (
	_ inbound.Records = (*store.Journaled)(nil)
	_ reminder.Store  = (*store.Journaled)(nil)
)

// journaled puts the opt-out journal in front of db for the parts that record or check opt-outs: the webhooks record
// through it (an ALTO that SQLite cannot take at once is journaled and answered), the dispatcher checks through it
// (so a journaled opt-out is honoured by every process on the database). Making one applies what the journal holds,
// in the background, so every command that builds the office drains a journal left by another process or a restart.
func journaled(db *store.DB, log *slog.Logger) *store.Journaled {
	return store.WithJournal(db, store.JournalOptions{Log: log})
}
