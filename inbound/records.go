package inbound

import (
	"context"
	"errors"
	"time"

	"github.com/docketd/docketd/docket"
)

// Records is what the webhooks need from the store, in the store's own terms; FromRecords adapts it to
// InboundStore. docketd's store satisfies it.
type Records interface {
	RecordDelivery(ctx context.Context, providerID, status, errorCode string, rank func(string) int,
		at time.Time) (bool, error)
	OptOut(ctx context.Context, ch docket.Channel, address, keyword string, at time.Time) error
	OptIn(ctx context.Context, ch docket.Channel, address string) error
	IsOptedOut(ctx context.Context, ch docket.Channel, address string) (bool, error)
	// ConfirmLatest returns the recipient language of the reminder it marked confirmed, or docket.ErrNotFound.
	ConfirmLatest(ctx context.Context, phone string, at time.Time) (string, error)
	// NextHearingFor returns the next hearing of a client with this phone, or docket.ErrNotFound.
	NextHearingFor(ctx context.Context, phone string, now time.Time) (docket.Hearing, error)
}

// FromRecords gives the webhooks what they need from r.
func FromRecords(r Records) InboundStore { return records{r} }

type records struct{ r Records }

// RecordDelivery keeps the furthest delivery state. A report for a message the store does not know is dropped:
// another application may send from the same Twilio number, and an error would only make Twilio retry it.
func (s records) RecordDelivery(ctx context.Context, providerID, status, errorCode string, at time.Time) error {
	_, err := s.r.RecordDelivery(ctx, providerID, status, errorCode, StatusRank, at)
	if errors.Is(err, docket.ErrNotFound) {
		return nil
	}
	return err
}

func (s records) OptOut(ctx context.Context, ch docket.Channel, address, keyword string, at time.Time) error {
	return s.r.OptOut(ctx, ch, address, keyword, at)
}

func (s records) OptIn(ctx context.Context, ch docket.Channel, address string, _ time.Time) error {
	return s.r.OptIn(ctx, ch, address)
}

func (s records) IsOptedOut(ctx context.Context, ch docket.Channel, address string) (bool, error) {
	return s.r.IsOptedOut(ctx, ch, address)
}

func (s records) Confirm(ctx context.Context, phone string, at time.Time) (string, bool, error) {
	lang, err := s.r.ConfirmLatest(ctx, phone, at)
	if errors.Is(err, docket.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return lang, true, nil
}

func (s records) NextHearing(ctx context.Context, phone string, now time.Time) (NextHearing, bool, error) {
	h, err := s.r.NextHearingFor(ctx, phone, now)
	if errors.Is(err, docket.ErrNotFound) {
		return NextHearing{}, false, nil
	}
	if err != nil {
		return NextHearing{}, false, err
	}
	return Next(h, phone), true, nil
}

// Next is what a client who asks for their next date by texting from phone is told about h: court time, and the
// court's address for a hearing in person or the WebEx link for one online (never both: an address could send
// someone to the wrong place).
func Next(h docket.Hearing, phone string) NextHearing {
	n := NextHearing{Start: h.Local(), Court: h.Court.Name}
	if n.Court == "" {
		n.Court = h.CourtCode
	}
	if h.Online() {
		n.VideoURL = h.WebEx
	} else {
		n.Address = h.Place()
	}
	for _, c := range h.Clients {
		if c.Phone == phone && c.Language != "" {
			n.Language = c.Language
			break
		}
	}
	return n
}
