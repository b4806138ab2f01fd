package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/store"
)

type statusJSON struct {
	Schema   string           `json:"schema"`
	Database string           `json:"database"`
	Clients  int64            `json:"clients"`
	Hearings map[string]int64 `json:"upcoming_hearings"`
	Outbox   map[string]int64 `json:"outbox"`
	OptOuts  int64            `json:"opt_outs"`
	// CallLists are counsel's call lists: every one sent, and those of the last 24 hours with the clients they name.
	CallLists callListsJSON   `json:"call_lists"`
	Inbox     inboxCountsJSON `json:"inbox"`
	Sources   []sourceJSON    `json:"sources"`
}

type callListsJSON struct {
	Sent    int64 `json:"sent"`
	Today   int64 `json:"today"`
	Clients int64 `json:"clients_today"`
}

type inboxCountsJSON struct {
	Unhandled   int64 `json:"unhandled"`
	Urgent      int64 `json:"urgent_unhandled"`
	Unforwarded int64 `json:"unforwarded"`
}

type sourceJSON struct {
	Source    string `json:"source"`
	StartedAt string `json:"started_at"`
	EndedAt   string `json:"ended_at"`
	Created   int    `json:"created"`
	Changed   int    `json:"changed"`
	Cancelled int    `json:"cancelled"`
	Unchanged int    `json:"unchanged"`
	Rejected  int    `json:"rejected"`
	Error     string `json:"error,omitempty"`
	// Held, when the mass-change guard holds the source's moves and cancellations: what, since when, and how to
	// apply them.
	Held *heldJSON `json:"held,omitempty"`
}

type heldJSON struct {
	Changes  int    `json:"changes"`
	Hearings int    `json:"hearings"`
	Since    string `json:"since"`
	Apply    string `json:"apply"`
}

func cmdStatus(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("status", "[--format table|json]", true, true)
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	if err := assembly.CheckStore(cfg); err != nil { // a status never creates the database it reports on
		return err
	}
	db, err := assembly.OpenStore(ctx, cfg, f.clock(e))
	if err != nil {
		return err
	}
	defer db.Close()
	counts, err := db.Counts(ctx, f.clock(e)())
	if err != nil {
		return err
	}
	runs, err := db.LastSyncRuns(ctx)
	if err != nil {
		return err
	}
	holds, err := db.SyncHolds(ctx)
	if err != nil {
		return err
	}
	held := map[string]*heldJSON{}
	for _, h := range holds {
		held[h.Source] = &heldJSON{Changes: h.Changes, Hearings: h.Hearings, Since: h.Since.Format(time.RFC3339),
			Apply: "docketd sync --source " + h.Source + " --force"}
	}
	st := statusJSON{Schema: store.SchemaVersion(), Database: db.Dialect(), Clients: counts.Clients,
		Hearings: counts.Hearings, Outbox: counts.Outbox, OptOuts: counts.OptOuts, Sources: []sourceJSON{},
		CallLists: callListsJSON{Sent: counts.CallLists, Today: counts.CallListsToday, Clients: counts.CallListClients},
		Inbox:     inboxCountsJSON(counts.Inbox)}
	for _, r := range runs {
		st.Sources = append(st.Sources, sourceJSON{Source: r.Source, StartedAt: r.StartedAt.Format(time.RFC3339),
			EndedAt: r.EndedAt.Format(time.RFC3339), Created: r.Created, Changed: r.Changed, Cancelled: r.Cancelled,
			Unchanged: r.Unchanged, Rejected: r.Rejected, Error: r.Error, Held: held[r.Source]})
	}
	if f.format == "json" {
		return writeJSON(e.stdout, []statusJSON{st})
	}
	w := e.stdout
	fmt.Fprintf(w, "Database: %s, schema %s\n", st.Database, st.Schema)
	fmt.Fprintf(w, "Clients: %d   Opt-outs: %d\n", st.Clients, st.OptOuts)
	fmt.Fprintf(w, "Upcoming hearings: %s\n", countList(st.Hearings))
	fmt.Fprintf(w, "Outbox: %s\n", countList(st.Outbox))
	fmt.Fprintf(w, "Call lists: %d sent in the last 24 hours, naming %d clients (%d sent in all)\n\n",
		st.CallLists.Today, st.CallLists.Clients, st.CallLists.Sent)
	fmt.Fprintf(w, "Inbox: %d unhandled (%d urgent), %d not forwarded to staff (`docketd inbox`)\n\n",
		st.Inbox.Unhandled, st.Inbox.Urgent, st.Inbox.Unforwarded)
	if len(runs) == 0 {
		fmt.Fprintln(w, "No sync has run yet.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tLAST RUN\tCREATED\tCHANGED\tCANCELLED\tUNCHANGED\tREJECTED\tRESULT")
	for _, r := range st.Sources {
		result := "ok"
		if r.Error != "" {
			result = r.Error
		}
		if h := r.Held; h != nil {
			result = fmt.Sprintf("HELD since %s: %d moves or cancellations of a slot (%d hearings) not applied; "+
				"check the source, then run '%s'", h.Since, h.Changes, h.Hearings, h.Apply)
			if r.Error != "" {
				result += "; last run: " + r.Error
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Source, r.StartedAt, r.Created, r.Changed, r.Cancelled,
			r.Unchanged, r.Rejected, result)
	}
	return tw.Flush()
}

func countList(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", m[k], k)
	}
	return s
}
