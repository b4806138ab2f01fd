package assembly

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/message"
	"github.com/docketd/docketd/notify"
	"github.com/docketd/docketd/scheduler/reminder"
)

// reminderRules converts the config's [reminders] to the scheduler's rules.
func reminderRules(cfg *config.Config) reminder.Rules {
	q, _ := config.ParseQuietHours(cfg.Reminders.QuietHours) // validated when loaded
	def := docket.Zone(cfg.Organization.Timezone)            // validated when loaded
	r := reminder.Rules{Quiet: reminder.Quiet{Start: q.Start, End: q.End}, CatchUp: cfg.Reminders.CatchUp.D,
		NotifyChanges: cfg.Reminders.NotifyChangesEnabled(), DefaultZone: def, OrgName: cfg.Organization.Name,
		OrgShort: cfg.Organization.ShortName,
		OrgPhone: cfg.Organization.Phone, Precedence: Precedence(cfg), Deadlines: cfg.Deadlines.On(),
		Fallback: cfg.Reminders.FallbackMode()}
	for _, p := range cfg.Reminders.Policies {
		pol := reminder.Policy{Name: p.Name, To: p.To, Channel: docket.Channel(p.Channel)}
		for _, t := range p.Types {
			pol.Types = append(pol.Types, docket.HearingType(t))
		}
		for _, b := range p.Before {
			o := reminder.Offset{Label: b.Raw, Before: b.D}
			if days, ok := b.Days(); ok {
				o.Days, o.At = days, p.At.Minutes()
			}
			pol.Offsets = append(pol.Offsets, o)
		}
		r.Policies = append(r.Policies, pol)
	}
	return r
}

// senders builds the channels the config names: Twilio and SMTP, or the log channel that only prints.
func senders(cfg *config.Config, log *slog.Logger, now func() time.Time) (map[docket.Channel]reminder.Sender, error) {
	out := map[docket.Channel]reminder.Sender{}
	show := cfg.Log.Level == "debug"
	switch cfg.SMS.Provider {
	case "twilio":
		t := cfg.SMS.Twilio
		tw, err := notify.NewTwilio(notify.TwilioConfig{AccountSID: t.AccountSID, AuthToken: t.AuthToken, From: t.From,
			MessagingServiceSID: t.MessagingServiceSID, APIURL: t.APIURL, Timeout: t.Timeout.D,
			StatusCallback: cfg.HTTP.PublicURL + inbound.StatusPath})
		if err != nil {
			return nil, fmt.Errorf("sms: %w", err)
		}
		out[docket.SMS] = tw
	default:
		out[docket.SMS] = &notify.Log{Logger: log.With("component", "sms"), ShowBody: show}
	}
	switch cfg.Email.Provider {
	case "smtp":
		s := cfg.Email.SMTP
		m, err := notify.NewSMTP(notify.SMTPConfig{Host: s.Host, Port: s.Port, Username: s.Username,
			Password: s.Password, TLS: s.TLS, From: cfg.Email.From, Timeout: s.Timeout.D,
			UnsubscribeMailto: cfg.Organization.Email, Now: now})
		if err != nil {
			return nil, fmt.Errorf("email: %w", err)
		}
		out[docket.Email] = m
	default:
		out[docket.Email] = &notify.Log{Logger: log.With("component", "email"), ShowBody: show}
	}
	if err := addChannelSenders(out, cfg, log); err != nil {
		return nil, err
	}
	return out, nil
}

// reminderParts builds the planner and the dispatcher for a config. Counsel's email always carries the feeds'
// invitation: whichever command sends a reminder, the same outbox row makes the same email.
func reminderParts(cfg func() *config.Config, db reminder.Store, clock reminder.Clock, log *slog.Logger,
	invite reminder.Inviter, opts Options) (*reminder.Planner, *reminder.Dispatcher, error) {
	c := cfg()
	tpl, err := message.LoadTemplates(c.Reminders.TemplatesDir)
	if err != nil {
		return nil, nil, fmt.Errorf("templates: %w", err)
	}
	snd := opts.Senders
	if snd == nil {
		if snd, err = senders(c, log, clock.Now); err != nil {
			return nil, nil, err
		}
	}
	rules := func() reminder.Rules { return reminderRules(cfg()) }
	renderer, err := reminder.NewRenderer(db, tpl, rules, invite)
	if err != nil {
		return nil, nil, err
	}
	planner := &reminder.Planner{DB: db, Rules: rules, Now: clock.Now, Log: log}
	disp := &reminder.Dispatcher{DB: db, Senders: snd,
		Rates:       channelRates(c, map[docket.Channel]float64{docket.SMS: c.SMS.Rate}),
		Concurrency: map[docket.Channel]int{docket.SMS: c.SMS.Concurrency, docket.Email: c.Email.Concurrency},
		Renderer:    renderer, Clock: clock, Log: log, Observe: opts.Observe}
	return planner, disp, nil
}
