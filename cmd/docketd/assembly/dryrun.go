package assembly

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

// errDryRun is what a dry run's store answers to anything that would claim, send or record: a dry run shows what
// would go out and changes nothing.
var errDryRun = errors.New("dry run: the store is not written to")

// dryStore is the reminder engine's store in a dry run (`remind --dry-run`): it reads the real store and keeps in
// memory what planning would write (new outbox rows, rows a change made stale), so the planner and the dispatcher's
// Preview see the outbox as a real run would, and the database stays exactly as it was. It implements every method
// of reminder.Store itself, so a method added there cannot reach the database unnoticed.
type dryStore struct {
	db *store.DB

	mu sync.Mutex
	// planned are the rows planning would add; a row planning would cancel stays, in state cancelled, so that
	// planning it again creates nothing (as its dedupe key does in the store).
	planned []docket.Reminder
	// cancelled are the stored rows planning would cancel.
	cancelled map[uint]bool
	// keys are the dedupe keys of stored rows, per hearing, read once per hearing.
	keys   map[uint]map[string]bool
	nextID uint
}

var _ reminder.Store = (*dryStore)(nil)

func newDryStore(db *store.DB) *dryStore {
	// Planned rows take ids far above any the database hands out, so they never meet a stored row's.
	return &dryStore{db: db, cancelled: map[uint]bool{}, keys: map[uint]map[string]bool{}, nextID: ^uint(0) >> 1}
}

func (s *dryStore) Hearing(ctx context.Context, id uint) (docket.Hearing, error) {
	return s.db.Hearing(ctx, id)
}

func (s *dryStore) Hearings(ctx context.Context, f docket.HearingFilter) ([]docket.Hearing, error) {
	return s.db.Hearings(ctx, f)
}

func (s *dryStore) LastChange(ctx context.Context, h docket.Hearing) ([]docket.HearingChange, error) {
	return s.db.LastChange(ctx, h)
}

func (s *dryStore) IsOptedOut(ctx context.Context, channel docket.Channel, address string) (bool, error) {
	return s.db.IsOptedOut(ctx, channel, address)
}

func (s *dryStore) KnownProviderIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.db.KnownProviderIDs(ctx, ids)
}

func (s *dryStore) SentAbout(ctx context.Context, channel docket.Channel, address string, hearingIDs []uint,
	since time.Time) ([]time.Time, error) {
	return s.db.SentAbout(ctx, channel, address, hearingIDs, since)
}

func (s *dryStore) Sending(ctx context.Context) ([]docket.Reminder, error) { return s.db.Sending(ctx) }

// PlanOutbox keeps the rows whose dedupe key neither the store nor an earlier plan of this run has.
func (s *dryStore) PlanOutbox(ctx context.Context, rows []docket.Reminder) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	created := 0
	for _, r := range rows {
		keys, err := s.storedKeys(ctx, r.HearingID)
		if err != nil {
			return created, err
		}
		if keys[r.DedupeKey] {
			continue
		}
		keys[r.DedupeKey] = true
		s.nextID++
		r.ID, r.State = s.nextID, docket.StatePending
		s.planned = append(s.planned, r)
		created++
	}
	return created, nil
}

// storedKeys returns the dedupe keys of a hearing's stored rows, of every state; s.mu is held.
func (s *dryStore) storedKeys(ctx context.Context, hearingID uint) (map[string]bool, error) {
	if keys, ok := s.keys[hearingID]; ok {
		return keys, nil
	}
	rows, err := s.db.OutboxRows(ctx, docket.OutboxFilter{HearingID: hearingID})
	if err != nil {
		return nil, err
	}
	keys := make(map[string]bool, len(rows))
	for _, r := range rows {
		keys[r.DedupeKey] = true
	}
	s.keys[hearingID] = keys
	return keys, nil
}

// CancelStale is the store's CancelStale, in memory.
func (s *dryStore) CancelStale(ctx context.Context, hearingID uint, sequence int, scheduled bool) (int, error) {
	return s.cancel(ctx, hearingID, func(r docket.Reminder) bool {
		return r.Sequence < sequence || (!scheduled && r.Kind == docket.KindReminder)
	})
}

// CancelPending is the store's CancelPending, in memory.
func (s *dryStore) CancelPending(ctx context.Context, hearingID uint, _ string) (int, error) {
	return s.cancel(ctx, hearingID, func(docket.Reminder) bool { return true })
}

// CancelPendingTo is the store's CancelPendingTo, in memory.
func (s *dryStore) CancelPendingTo(ctx context.Context, hearingID uint, recipient string, ids []string, _ string) (int, error) {
	return s.cancel(ctx, hearingID, func(r docket.Reminder) bool {
		return r.Recipient == recipient && slices.Contains(ids, r.RecipientID)
	})
}

// cancel marks the pending rows of a hearing that stale selects as cancelled, stored and planned alike.
func (s *dryStore) cancel(ctx context.Context, hearingID uint, stale func(docket.Reminder) bool) (int, error) {
	stored, err := s.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StatePending, HearingID: hearingID})
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range stored {
		if !s.cancelled[r.ID] && stale(r) {
			s.cancelled[r.ID] = true
			n++
		}
	}
	for i, r := range s.planned {
		if r.HearingID == hearingID && r.State == docket.StatePending && stale(r) {
			s.planned[i].State = docket.StateCancelled
			n++
		}
	}
	return n, nil
}

// OutboxRows is the store's rows as this run's plan would leave them, followed by the rows it would add, in the
// store's order (due, then id).
func (s *dryStore) OutboxRows(ctx context.Context, f docket.OutboxFilter) ([]docket.Reminder, error) {
	q := docket.OutboxFilter{State: f.State, HearingID: f.HearingID, HearingIDs: f.HearingIDs}
	if f.State == docket.StateCancelled {
		q.State = "" // rows this run would cancel are pending in the store
	}
	stored, err := s.db.OutboxRows(ctx, q)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []docket.Reminder
	keep := func(r docket.Reminder) {
		if (f.State == "" || r.State == f.State) && (f.HearingID == 0 || r.HearingID == f.HearingID) &&
			(len(f.HearingIDs) == 0 || slices.Contains(f.HearingIDs, r.HearingID)) {
			out = append(out, r)
		}
	}
	for _, r := range stored {
		if s.cancelled[r.ID] {
			r.State = docket.StateCancelled
		}
		keep(r)
	}
	for _, r := range s.planned {
		keep(r)
	}
	slices.SortStableFunc(out, func(a, b docket.Reminder) int {
		return cmp.Or(a.Due.Compare(b.Due), cmp.Compare(a.ID, b.ID))
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// NextDue is when the next pending row, stored or planned, becomes due.
func (s *dryStore) NextDue(ctx context.Context, channel docket.Channel) (time.Time, bool, error) {
	rows, err := s.OutboxRows(ctx, docket.OutboxFilter{State: docket.StatePending})
	if err != nil {
		return time.Time{}, false, err
	}
	var next time.Time
	found := false
	for _, r := range rows {
		if channel != "" && r.Channel != channel {
			continue
		}
		at := r.Due
		if r.NextAttempt != nil {
			at = *r.NextAttempt
		}
		if !found || at.Before(next) {
			next, found = at, true
		}
	}
	return next, found, nil
}

func (s *dryStore) ClaimDue(context.Context, docket.Claim) ([]docket.Reminder, error) {
	return nil, errDryRun
}

func (s *dryStore) HoldLease(context.Context, []uint, string, time.Time) (bool, error) {
	return false, errDryRun
}

func (s *dryStore) ReleaseLease(context.Context, []uint, string, *time.Time, string) (int, error) {
	return 0, errDryRun
}

func (s *dryStore) FinishOutbox(context.Context, []uint, docket.OutboxResult) error { return errDryRun }

func (s *dryStore) DeferDue(context.Context, docket.Channel, time.Time) (int, error) {
	return 0, errDryRun
}

func (s *dryStore) OptOut(context.Context, docket.Channel, string, string, time.Time) error {
	return errDryRun
}
