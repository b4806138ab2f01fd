package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/notify"
	"github.com/docketd/docketd/store"
)

// inboundStore gives the Twilio webhooks what they need from the store.
type inboundStore struct{ db *store.DB }

var _ notify.InboundStore = (*inboundStore)(nil)

// RecordDelivery keeps the furthest delivery state. A report for a message the store does not know is dropped:
// another application may send from the same Twilio number, and an error would only make Twilio retry it.
func (s *inboundStore) RecordDelivery(ctx context.Context, providerID, status, errorCode string, at time.Time) error {
	_, err := s.db.RecordDelivery(ctx, providerID, status, errorCode, notify.StatusRank, at)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func (s *inboundStore) OptOut(ctx context.Context, ch docket.Channel, address, keyword string, at time.Time) error {
	return s.db.OptOut(ctx, ch, address, keyword, at)
}

func (s *inboundStore) OptIn(ctx context.Context, ch docket.Channel, address string, _ time.Time) error {
	return s.db.OptIn(ctx, ch, address)
}

func (s *inboundStore) IsOptedOut(ctx context.Context, ch docket.Channel, address string) (bool, error) {
	return s.db.IsOptedOut(ctx, ch, address)
}

func (s *inboundStore) Confirm(ctx context.Context, phone string, at time.Time) (string, bool, error) {
	lang, err := s.db.ConfirmLatest(ctx, phone, at)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return lang, true, nil
}

func (s *inboundStore) NextHearing(ctx context.Context, phone string, now time.Time) (notify.NextHearing, bool, error) {
	h, err := s.db.NextHearingFor(ctx, phone, now)
	if errors.Is(err, store.ErrNotFound) {
		return notify.NextHearing{}, false, nil
	}
	if err != nil {
		return notify.NextHearing{}, false, err
	}
	return nextHearing(h, phone), true, nil
}

// nextHearing is what a client who asks for their next date is told about h.
func nextHearing(h docket.Hearing, phone string) notify.NextHearing {
	n := notify.NextHearing{Start: h.Local(), Court: h.Court.Name}
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

// newWebhooks builds the Twilio status and inbound-SMS handlers (to mount with Register on the daemon's mux). It
// returns nil and no error when SMS does not go through Twilio: there is then nothing to receive.
func newWebhooks(cfg *config.Config, db *store.DB, log *slog.Logger, now func() time.Time) (*notify.Webhooks, error) {
	if cfg.SMS.Provider != "twilio" {
		return nil, nil //nolint:nilnil // no Twilio, nothing to mount: not an error (see the doc comment)
	}
	return notify.NewWebhooks(notify.WebhookConfig{
		AuthToken:       cfg.SMS.Twilio.AuthToken,
		PublicURL:       cfg.HTTP.PublicURL,
		OrgName:         cfg.Organization.Name,
		OrgPhone:        cfg.Organization.Phone,
		DefaultLanguage: cfg.Organization.Language,
		// Twilio's own opt-out handling is on by default for long codes and toll-free numbers, and a second
		// answer from us would be a duplicate (or blocked, after STOP). The config has no key to say otherwise yet.
		ProviderAnswersEnglish: cfg.SMS.Twilio.ProviderKeywords == nil || *cfg.SMS.Twilio.ProviderKeywords,
		Store:                  &inboundStore{db: db},
		Logger:                 log,
		Now:                    now,
	})
}
