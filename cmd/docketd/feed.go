package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/feed"
	"github.com/docketd/docketd/store"
)

// demoDatabaseURL is the database of config.example.toml. Only there does the daemon grant feeds by itself.
const demoDatabaseURL = "sqlite:docketd-demo.db"

func cmdFeed(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		feedUsage(w)
		if len(args) == 0 {
			return &exitError{code: exitUsage}
		}
		return nil
	}
	switch args[0] {
	case "grant":
		return cmdFeedGrant(ctx, e, args[1:])
	case "list":
		return cmdFeedList(ctx, e, args[1:])
	case "revoke":
		return cmdFeedRevoke(ctx, e, args[1:])
	case "export":
		return cmdFeedExport(ctx, e, args[1:])
	}
	feedUsage(e.stderr)
	return usageErrorf("feed: unknown subcommand %q", args[0])
}

func feedUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: docketd feed SUBCOMMAND [--config FILE] [options]")
	fmt.Fprintln(w, "\nSubcommands:")
	fmt.Fprintln(w, "  grant SCOPE [--label L]        print a new secret feed URL (shown once)")
	fmt.Fprintln(w, "  list [--format table|json]     feed tokens: label, scope, created, last used, revoked")
	fmt.Fprintln(w, "  revoke ID                      stop a feed URL at once")
	fmt.Fprintln(w, "  export SCOPE [--detail D]      write a feed to standard output")
	fmt.Fprintln(w, "\nSCOPE is org, attorney:ID, client:ID or court:CODE.")
}

// parseWithArgs parses flags that may come before, between or after positional arguments ("grant org --label x"),
// which the flag package alone stops at, and returns the positional ones.
func parseWithArgs(f *flags, args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &exitError{code: exitOK}
			}
			return nil, &exitError{code: exitUsage, err: err}
		}
		if f.NArg() == 0 {
			break
		}
		pos = append(pos, f.Arg(0))
		args = f.Args()[1:]
	}
	return pos, f.parse(nil)
}

// scopeArg parses the one SCOPE argument of a subcommand.
func scopeArg(name string, pos []string) (feed.Scope, error) {
	if len(pos) != 1 {
		return feed.Scope{}, usageErrorf("feed %s: want one SCOPE: org, attorney:ID, client:ID or court:CODE", name)
	}
	sc, err := feed.ParseScope(pos[0])
	if err != nil {
		return feed.Scope{}, usageErrorf("feed %s: %v", name, err)
	}
	return sc, nil
}

// checkScope makes sure a scope names someone or something that exists, so a typo does not hand out a URL to an
// empty calendar. The store is asked first; the config second, since the daemon loads the config's people into the
// store only when it starts or reloads.
func checkScope(ctx context.Context, db *store.DB, cfg *config.Config, sc feed.Scope) error {
	switch sc.Kind {
	case "attorney":
		as, err := db.Attorneys(ctx)
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(as))
		for _, a := range as {
			if a.ID == sc.ID {
				return nil
			}
			ids = append(ids, a.ID)
		}
		for _, a := range cfg.Attorneys {
			if a.ID == sc.ID {
				return nil
			}
		}
		return usageErrorf("no attorney %q (known: %s)", sc.ID, dash(strings.Join(ids, ", ")))
	case "client":
		cs, err := db.Clients(ctx)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if c.ID == sc.ID {
				return nil
			}
		}
		for _, c := range cfg.Clients {
			if c.ID == sc.ID {
				return nil
			}
		}
		// Client ids often carry names: they are not listed here.
		return usageErrorf("no client %q in the store or the config", sc.ID)
	case "court":
		if _, err := db.Court(ctx, sc.ID); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for _, c := range cfg.Courts {
			if strings.EqualFold(c.Code, sc.ID) {
				return nil
			}
		}
		return usageErrorf("no court %q (EOIR codes such as DAL, ELP; [[courts]] adds more)", sc.ID)
	}
	return nil
}

func cmdFeedGrant(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("feed grant", "SCOPE [--label L]", false, false)
	label := f.String("label", "", "who or what the feed is for, shown by feed list (e.g. \"Lucía's phone\")")
	pos, err := parseWithArgs(f, args)
	if err != nil {
		return err
	}
	sc, err := scopeArg("grant", pos)
	if err != nil {
		return err
	}
	cfg, db, err := openConfigured(ctx, f.config, e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkScope(ctx, db, cfg, sc); err != nil {
		return err
	}
	row, u, err := feed.Grant(ctx, db, cfg.HTTP.PublicURL, sc, *label)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Feed %d for %s:\n  %s\n  %s\n", row.ID, sc, u, feed.WebcalURL(u))
	fmt.Fprintf(e.stderr, "This URL is a secret: anyone who has it can read the calendar. It is shown only now "+
		"(only its hash is stored).\nStop it with: docketd feed revoke %d\n", row.ID)
	return nil
}

type feedTokenJSON struct {
	ID         uint    `json:"id"`
	Label      string  `json:"label"`
	Scope      string  `json:"scope"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
	RevokedAt  *string `json:"revoked_at"`
}

func cmdFeedList(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("feed list", "[--format table|json]", false, true)
	if err := f.parse(args); err != nil {
		return err
	}
	_, db, err := openConfigured(ctx, f.config, e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	tokens, err := db.FeedTokens(ctx)
	if err != nil {
		return err
	}
	// Only the hash is stored, and not even that is printed: a list pasted into a ticket must open nothing.
	if f.format == "json" {
		out := make([]feedTokenJSON, 0, len(tokens))
		for _, t := range tokens {
			out = append(out, feedTokenJSON{ID: t.ID, Label: t.Label, Scope: t.Scope,
				CreatedAt: t.CreatedAt.UTC().Format(time.RFC3339), LastUsedAt: rfc3339(t.LastUsedAt),
				RevokedAt: rfc3339(t.RevokedAt)})
		}
		return writeJSON(e.stdout, out)
	}
	if len(tokens) == 0 {
		_, err := fmt.Fprintln(e.stdout, "No feeds yet. Grant one with: docketd feed grant SCOPE")
		return err
	}
	short := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLABEL\tSCOPE\tCREATED (UTC)\tLAST USED\tREVOKED")
	for _, t := range tokens {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, dash(t.Label), t.Scope, short(&t.CreatedAt),
			short(t.LastUsedAt), short(t.RevokedAt))
	}
	return tw.Flush()
}

func cmdFeedRevoke(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("feed revoke", "ID", false, false)
	pos, err := parseWithArgs(f, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("feed revoke: want one feed ID (see docketd feed list)")
	}
	id, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil || id == 0 {
		return usageErrorf("feed revoke: ID must be a feed number from docketd feed list, got %q", pos[0])
	}
	_, db, err := openConfigured(ctx, f.config, e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeFeedToken(ctx, uint(id)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("feed revoke: no feed %d", id)
		}
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "Feed %d revoked: its URL now answers 404.\n", id)
	return err
}

func cmdFeedExport(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("feed export", "SCOPE [--detail full|initials|busy] [--now T]", true, false)
	detail := f.String("detail", "", "what the export reveals: full, initials or busy (default: feeds.detail)")
	pos, err := parseWithArgs(f, args)
	if err != nil {
		return err
	}
	sc, err := scopeArg("export", pos)
	if err != nil {
		return err
	}
	switch feed.Detail(*detail) {
	case "", feed.DetailFull, feed.DetailInitials, feed.DetailBusy:
	default:
		return usageErrorf("feed export: --detail must be full, initials or busy, got %q", *detail)
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	clock := f.clock(e)
	office, err := assembly.Open(ctx, func() *config.Config { return cfg }, assembly.Options{Now: clock,
		ReadOnly: true})
	if err != nil {
		return err
	}
	defer office.Close()
	if err := checkScope(ctx, office.DB, cfg, sc); err != nil {
		return err
	}
	cal, err := office.Feeds.Calendar(ctx, feed.Feed{Scope: sc.String(),
		Detail: feed.Detail(cmp.Or(*detail, cfg.Feeds.Detail))}, clock())
	if err != nil {
		return err
	}
	if len(cal.Hearings) == 0 {
		// The store fills from the config and the sources only when the daemon or `docketd sync` runs.
		fmt.Fprintf(e.stderr, "The %s feed holds no hearings yet; `docketd sync` or `docketd run` loads them.\n", sc)
	}
	return feed.Render(e.stdout, cal)
}

// demoFeeds lets a newcomer running the example config subscribe at once. Tokens are stored only hashed, so the
// daemon can never print the URLs of feeds granted earlier; instead, on the example's own database
// (database.url = "sqlite:docketd-demo.db") and only while it holds no feed token at all, it grants an "org" feed
// labelled "demo" and one feed per attorney, and returns "label: URL" lines (org first, then attorneys by id) for
// the daemon to print at start. Every later start finds tokens and returns nil, as does any other database: a real
// office grants feeds with `docketd feed grant`.
func demoFeeds(ctx context.Context, db *store.DB, cfg *config.Config) ([]string, error) {
	if cfg.Database.URL != demoDatabaseURL {
		return nil, nil
	}
	tokens, err := db.FeedTokens(ctx)
	if err != nil || len(tokens) > 0 {
		return nil, err
	}
	atts, err := db.Attorneys(ctx)
	if err != nil {
		return nil, err
	}
	scopes := []feed.Scope{{Kind: "org"}}
	labels := []string{"every hearing of the office"}
	for _, a := range atts {
		scopes = append(scopes, feed.Scope{Kind: "attorney", ID: a.ID})
		labels = append(labels, a.Name)
	}
	urls := make([]string, 0, len(scopes))
	for i, sc := range scopes {
		_, u, err := feed.Grant(ctx, db, cfg.HTTP.PublicURL, sc, labels[i])
		if err != nil {
			return nil, fmt.Errorf("demo feeds: %w", err)
		}
		urls = append(urls, fmt.Sprintf("%-26s %s", labels[i]+":", u))
	}
	return urls, nil
}
