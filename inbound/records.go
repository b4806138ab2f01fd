package inbound

import (
	"cmp"
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
	// InboundActed returns what was done with the inbound message sid, or docket.ErrNotFound.
	InboundActed(ctx context.Context, sid string) (docket.InboundAction, error)
	RecordInbound(ctx context.Context, a docket.InboundAction) error
	IsOptedOut(ctx context.Context, ch docket.Channel, address string) (bool, error)
	// ConfirmInbound returns the recipient language of the reminder it marked confirmed, or docket.ErrNotFound.
	ConfirmInbound(ctx context.Context, a docket.InboundAction) (string, error)
	// NextHearingFor returns the next hearing of a client with this phone, or docket.ErrNotFound.
	NextHearingFor(ctx context.Context, phone string, now time.Time) (docket.Hearing, error)
}

// FromRecords gives the webhooks what they need from r. office is the office's zone, where a client without a zone
// of their own lives; nil leaves such a client on the court's clock.
func FromRecords(r Records, office *time.Location) InboundStore { return records{r, office} }

type records struct {
	r      Records
	office *time.Location
}

// RecordDelivery keeps the furthest delivery state. A report for a message the store does not know is dropped:
// another application may send from the same Twilio number, and an error would only make Twilio retry it.
func (s records) RecordDelivery(ctx context.Context, providerID, status, errorCode string, at time.Time) error {
	_, err := s.r.RecordDelivery(ctx, providerID, status, errorCode, StatusRank, at)
	if errors.Is(err, docket.ErrNotFound) {
		return nil
	}
	return err
}

func (s records) Acted(ctx context.Context, sid string) (docket.InboundAction, bool, error) {
	a, err := s.r.InboundActed(ctx, sid)
	if errors.Is(err, docket.ErrNotFound) {
		return docket.InboundAction{}, false, nil
	}
	if err != nil {
		return docket.InboundAction{}, false, err
	}
	return a, true, nil
}

func (s records) Record(ctx context.Context, a docket.InboundAction) error {
	return s.r.RecordInbound(ctx, a)
}

func (s records) IsOptedOut(ctx context.Context, ch docket.Channel, address string) (bool, error) {
	return s.r.IsOptedOut(ctx, ch, address)
}

func (s records) Confirm(ctx context.Context, a docket.InboundAction) (string, bool, error) {
	lang, err := s.r.ConfirmInbound(ctx, a)
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
	return Next(h, phone, s.office), true, nil
}

// Next is what a client who asks for their next date by texting from phone is told about h: the court's address for
// a hearing in person or the WebEx link for one online (never both: an address could send someone to the wrong
// place), and the start on the clock of the client whose phone it is (the first of a family sharing it). office is
// the zone of a client without one of their own; nil leaves them on the court's clock.
func Next(h docket.Hearing, phone string, office *time.Location) NextHearing {
	n := NextHearing{Start: h.Local(), Court: h.Court.Name, CourtPlace: cmp.Or(h.Court.City, h.Court.Name, h.CourtCode),
		Detained: h.Detained, Home: office}
	if n.Court == "" {
		n.Court = h.CourtCode
	}
	for _, c := range h.Clients {
		if c.Phone == phone && c.Language != "" {
			n.Language = c.Language
			break
		}
	}
	for _, c := range h.Clients {
		if c.Phone == phone {
			n.Detained, n.HomePlace = h.InCustody(c), c.City
			if loc, err := docket.LoadZone(c.Zone); err == nil {
				n.Home = loc
			}
			break
		}
	}
	if len(h.Attorneys) > 0 {
		n.Counsel, n.CounselPhone = h.Attorneys[0].Name, h.Attorneys[0].Phone
	}
	// A client in custody is taken to the hearing: the reply names no place to go and no link to join.
	n.Remote = h.Medium.Remote() && !n.Detained
	switch {
	case n.Detained:
	case h.Online():
		n.VideoURL = h.WebEx
	case h.Medium == docket.MediumTelephone:
		n.ByPhone = true // held at no address the client should go to
	default:
		n.Address = h.Place()
	}
	return n
}
