package ingest

import (
	"context"
	"time"

	"github.com/docketd/docketd/docket"
)

// Reader is what a source offers the sync: it calls emit for each hearing and reject for each input it had to
// skip; a non-nil error means the source as a whole failed. It is the same interface as source.Reader (both are
// aliases of it), so every source kind is one without this room importing them.
type Reader = interface {
	Read(ctx context.Context, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error
}

// Zoner gives the time zone of a hearing location (first) or court (second): the store's court table.
type Zoner interface {
	Zone(location, court string) (*time.Location, error)
}

// Store is what the sync needs from the store: a pass over one source's hearings (decided whole, written in short
// pieces), the record of each run (recorded as it starts, again with its ID as it ends), and a lock so that one
// replica writes the config at a time. docketd's store satisfies it.
type Store interface {
	BeginSync(ctx context.Context, opts docket.SyncOptions) (docket.SyncPass, error)
	RecordSyncRun(ctx context.Context, run *docket.SyncRun) error
	Serialized(ctx context.Context, fn func() error) error
	// SetHold records a source's held changes and reports whether the office still has to be told of them;
	// HoldNotified records that it was; ClearHold that the source holds nothing.
	SetHold(ctx context.Context, h docket.SyncHold, now time.Time) (notify bool, err error)
	HoldNotified(ctx context.Context, source, digest string) error
	ClearHold(ctx context.Context, source string) error
}

// HoldNotifier tells the office at once that a source's moves and cancellations are held: what would change and
// the command that applies it. The Syncer calls it once per held state (a pass holding the same changes again
// does not), and again on the next pass if it failed.
type HoldNotifier interface {
	NotifyHold(ctx context.Context, h docket.SyncHold) error
}

// collect reads r to the end. On error what was read is returned too, so the caller can report its rejects.
func collect(ctx context.Context, r Reader) (*replay, error) {
	res := &replay{}
	err := r.Read(ctx, func(rec docket.SourceRecord) error {
		res.Records = append(res.Records, rec)
		return nil
	}, func(e docket.RecordError) {
		res.Rejects = append(res.Rejects, e)
	})
	return res, err
}
