package assembly

import (
	"context"
	"fmt"
	"strings"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/ingest"
	officepage "github.com/docketd/docketd/office"
	"github.com/docketd/docketd/store"
)

var _ officepage.Store = (*store.DB)(nil)

// OfficePage builds the office's page ({public_url}/office/) over the store. Its "handled" is `docketd inbox done`'s
// store call and its "apply" is SyncSource with force, as `docketd sync --source NAME --force`; after an apply that
// went through, after runs with its report (the daemon's own follow-up of a scheduled sync: feeds refreshed and
// reminders planned when hearings changed). The pass is not cut short when the browser goes away: once applied, it
// is finished. failing names the sources failing past their tolerance (the daemon's /readyz check).
func (o *Office) OfficePage(failing func(context.Context) []string, after func(context.Context, ingest.SyncReport) error) *officepage.Handler {
	return &officepage.Handler{DB: o.DB, Now: o.now, Log: o.log,
		Settings: func() officepage.Settings { return OfficeSettings(o.Config()) },
		Handled: func(ctx context.Context, ids []uint, by string) error {
			return o.DB.HandleInbox(ctx, ids, by, o.now())
		},
		Apply: func(ctx context.Context, source string) (string, error) {
			ctx = context.WithoutCancel(ctx)
			rep, err := o.SyncSource(ctx, source, true)
			if err != nil {
				return rep.String(), err
			}
			if after != nil {
				if err := after(ctx, rep); err != nil {
					o.log.Warn("after applying a held sync", "component", "office", "err", err)
				}
			}
			return rep.String(), nil
		},
		Failing: failing,
	}
}

// SyncSource runs one pass of the [[sources]] entry named name (forced: the moves and cancellations a held pass
// keeps are applied). A name the config does not have is officepage.ErrNoSuchSource.
func (o *Office) SyncSource(ctx context.Context, name string, force bool) (ingest.SyncReport, error) {
	if o.Syncer == nil {
		return ingest.SyncReport{Source: name}, fmt.Errorf("sync %s: the store is open for reading only", name)
	}
	specs, err := o.Sources(ctx)
	if err != nil {
		return ingest.SyncReport{Source: name}, err
	}
	for _, spec := range specs {
		if spec.Name == name {
			rep, err := o.Syncer.Run(ctx, spec, force, nil)
			if err == nil && (rep.Holding() || rep.Refused()) {
				err = fmt.Errorf("sync %s: %s", name, rep)
			}
			return rep, err
		}
	}
	return ingest.SyncReport{Source: name}, officepage.ErrNoSuchSource
}

// OfficeSettings are the config's choices for the office's page: its staff, the organisation's name and clock,
// public_url (Secure cookies behind https) and the order of the sources.
func OfficeSettings(c *config.Config) officepage.Settings {
	s := officepage.Settings{PublicURL: c.HTTP.PublicURL, OrgName: c.Organization.Name, Zone: officeZone(c),
		Precedence: Precedence(c)}
	for _, st := range c.Staff {
		s.Staff = append(s.Staff, officepage.Staff{Email: strings.ToLower(st.Email), PasswordHash: st.PasswordHash,
			Name: st.Name, Language: st.Language})
	}
	return s
}
