package assembly

import (
	"cmp"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/scheduler/calllist"
)

// callListSettings reads the call list's settings from the running config.
func callListSettings(cfg func() *config.Config) func() calllist.Settings {
	return func() calllist.Settings {
		c := cfg()
		return calllist.Settings{Ahead: c.Inbox.CallList.D, Zone: officeZone(c), OrgName: c.Organization.Name,
			Office: cmp.Or(c.Inbox.Email, organizationEmail(c)), Precedence: Precedence(c)}
	}
}

// newCallLists builds counsel's call lists over the store. They go out through the dispatcher's own email channel:
// one SMTP path, whichever part sends.
func (o *Office) newCallLists() *calllist.Lists {
	return &calllist.Lists{DB: o.DB, Send: o.Dispatcher.Senders[docket.Email], Settings: callListSettings(o.Config),
		Log: o.log}
}
