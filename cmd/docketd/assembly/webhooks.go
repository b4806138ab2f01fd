package assembly

import (
	"log/slog"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/store"
)

// NewWebhooks builds the Twilio status and inbound-SMS handlers (to mount with Register on the daemon's mux), with
// an inbox over db that forwards through the config's email channel. It returns nil and no error when SMS does not
// go through Twilio: there is then nothing to receive.
func NewWebhooks(cfg *config.Config, db *store.DB, log *slog.Logger, now func() time.Time) (*inbound.Webhooks, error) {
	var in inbound.Inbox
	if db != nil {
		in = newInbox(func() *config.Config { return cfg }, db, log, now, Options{})
	}
	return newWebhooks(cfg, db, log, now, in)
}

func newWebhooks(cfg *config.Config, db *store.DB, log *slog.Logger, now func() time.Time,
	in inbound.Inbox) (*inbound.Webhooks, error) {
	if cfg.SMS.Provider != "twilio" && cfg.WhatsApp.Provider != "twilio" && cfg.Voice.Provider != "twilio" {
		return nil, nil //nolint:nilnil // no Twilio, nothing to mount: not an error (see the doc comment)
	}
	var records inbound.InboundStore
	if db != nil {
		records = inbound.FromRecords(journaled(db, log), officeZone(cfg))
	}
	voice, err := calls(cfg, db, log)
	if err != nil {
		return nil, err
	}
	return inbound.NewWebhooks(inbound.WebhookConfig{
		AuthToken:       cfg.SMS.Twilio.AuthToken,
		PublicURL:       cfg.HTTP.PublicURL,
		OrgName:         cfg.Organization.Name,
		OrgPhone:        cfg.Organization.Phone,
		DefaultLanguage: cfg.Organization.Language,
		// Twilio's own opt-out handling is on by default for long codes and toll-free numbers, and a second
		// answer from us would be a duplicate (or blocked, after STOP). The config has no key to say otherwise yet.
		ProviderAnswersEnglish: cfg.SMS.Twilio.ProviderKeywords == nil || *cfg.SMS.Twilio.ProviderKeywords,
		Store:                  records,
		Logger:                 log,
		Now:                    now,
		Inbox:                  in,
		Calls:                  voice,
	})
}
