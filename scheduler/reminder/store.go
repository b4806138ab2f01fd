package reminder

import (
	"context"
	"time"

	"github.com/docketd/docketd/docket"
)

// Store is what the reminder engine needs from the store: hearings as they stand, the outbox it plans into and
// claims from (and what it sent, which a state's cap on messages counts), and opt-outs. docketd's store satisfies it.
type Store interface {
	Hearing(ctx context.Context, id uint) (docket.Hearing, error)
	Hearings(ctx context.Context, f docket.HearingFilter) ([]docket.Hearing, error)
	LastChange(ctx context.Context, h docket.Hearing) ([]docket.HearingChange, error)

	PlanOutbox(ctx context.Context, rows []docket.Reminder) (int, error)
	OutboxRows(ctx context.Context, f docket.OutboxFilter) ([]docket.Reminder, error)
	CancelStale(ctx context.Context, hearingID uint, sequence int, scheduled bool) (int, error)
	CancelPending(ctx context.Context, hearingID uint, reason string) (int, error)
	CancelPendingTo(ctx context.Context, hearingID uint, recipient string, ids []string, reason string) (int, error)
	NextDue(ctx context.Context, channel docket.Channel) (time.Time, bool, error)
	ClaimDue(ctx context.Context, c docket.Claim) ([]docket.Reminder, error)
	HoldLease(ctx context.Context, ids []uint, owner string, until time.Time) (bool, error)
	ReleaseLease(ctx context.Context, ids []uint, owner string, until *time.Time, reason string) (int, error)
	FinishOutbox(ctx context.Context, ids []uint, r docket.OutboxResult) error
	DeferDue(ctx context.Context, channel docket.Channel, until time.Time) (int, error)
	Sending(ctx context.Context) ([]docket.Reminder, error)
	KnownProviderIDs(ctx context.Context, ids []string) (map[string]bool, error)
	// SentAbout returns when the messages sent to address on channel about any of hearingIDs went out, of those
	// sent after since, oldest first: one time per message, however many rows (a household's hearings) it carried.
	SentAbout(ctx context.Context, channel docket.Channel, address string, hearingIDs []uint, since time.Time) ([]time.Time, error)

	IsOptedOut(ctx context.Context, channel docket.Channel, address string) (bool, error)
	OptOut(ctx context.Context, channel docket.Channel, address, keyword string, at time.Time) error
}
