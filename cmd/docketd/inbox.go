package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
)

// inboxBodyWidth is how much of a message the table shows, on one line; --format json has all of it.
const inboxBodyWidth = 60

type inboxJSON struct {
	ID           uint     `json:"id"`
	ReceivedAt   string   `json:"received_at"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	Clients      []string `json:"clients"`
	Urgent       bool     `json:"urgent"`
	Reason       string   `json:"reason,omitempty"`
	Body         string   `json:"body"`
	MessageSID   string   `json:"message_sid,omitempty"`
	ForwardedAt  *string  `json:"forwarded_at"`
	Attempts     int      `json:"forward_attempts"`
	ForwardError string   `json:"forward_error,omitempty"`
	HandledAt    *string  `json:"handled_at"`
	HandledBy    string   `json:"handled_by,omitempty"`
}

func cmdInbox(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "done" {
		return cmdInboxDone(ctx, e, args[1:])
	}
	f := e.newFlags("inbox", "[--all] [--format table|json] | done ID... [--by NAME]", false, true)
	all := f.Bool("all", false, "handled messages too")
	limit := f.Int("limit", 200, "at most `N` messages, newest first (0: all)")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, db, err := openExisting(ctx, f.config, e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	ms, err := db.InboxMessages(ctx, docket.InboxFilter{All: *all, Limit: *limit})
	if err != nil {
		return err
	}
	if f.format == "json" {
		out := make([]inboxJSON, 0, len(ms))
		for _, m := range ms {
			out = append(out, inboxJSON{ID: m.ID, ReceivedAt: m.ReceivedAt.UTC().Format(time.RFC3339), From: m.From,
				To: m.To, Clients: nonNil(m.ClientIDs), Urgent: m.Urgent, Reason: m.Reason, Body: m.Body,
				MessageSID: m.MessageSID, ForwardedAt: rfc3339(m.ForwardedAt), Attempts: m.Attempts,
				ForwardError: m.ForwardError, HandledAt: rfc3339(m.HandledAt), HandledBy: m.HandledBy})
		}
		return writeJSON(e.stdout, out)
	}
	if len(ms) == 0 {
		what := "No message waits for staff."
		if *all {
			what = "The inbox is empty."
		}
		_, err := fmt.Fprintln(e.stdout, what)
		return err
	}
	zone := assembly.InboxSettings(cfg).Zone
	if zone == nil {
		zone = time.UTC
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tRECEIVED (%s)\tFROM\tCLIENTS\tURGENT\tFORWARDED\tHANDLED\tMESSAGE\n", zone)
	for _, m := range ms {
		urgent := "-"
		if m.Urgent {
			urgent = "URGENT " + m.Reason
		}
		forwarded := "no"
		switch {
		case m.ForwardedAt != nil:
			forwarded = "yes"
		case m.ForwardError != "":
			forwarded = fmt.Sprintf("no (%d tries)", m.Attempts)
		}
		handled := "-"
		if m.HandledAt != nil {
			handled = m.HandledAt.In(zone).Format("Jan 2 15:04") + " " + m.HandledBy
		}
		clients := strings.Join(m.ClientIDs, ",")
		if clients == "" {
			clients = "unknown number"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.ReceivedAt.In(zone).Format("2006-01-02 15:04"),
			docket.MaskContact(m.From), clients, urgent, forwarded, handled, oneLine(m.Body, inboxBodyWidth))
	}
	return tw.Flush()
}

func cmdInboxDone(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("inbox done", "ID... [--by NAME]", false, false)
	by := f.String("by", e.getenv("USER"), "the `NAME` of who handled them; default $USER")
	ids, err := parseInterleaved(f, args)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return usageErrorf("inbox done: name the messages by their ID (`docketd inbox` lists them)")
	}
	var nums []uint
	for _, s := range ids {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			return usageErrorf("inbox done: %q is not a message ID (`docketd inbox` lists them)", s)
		}
		nums = append(nums, uint(n))
	}
	if strings.TrimSpace(*by) == "" {
		return usageErrorf("inbox done: say who handled them with --by NAME ($USER is not set)")
	}
	_, db, err := openExisting(ctx, f.config, e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.HandleInbox(ctx, nums, strings.TrimSpace(*by), e.now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w; nothing was marked (`docketd inbox --all` lists the messages)", err)
		}
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "Marked %d message(s) handled by %s.\n", len(nums), strings.TrimSpace(*by))
	return err
}

// parseInterleaved parses args with flags before, between or after the positional arguments, and returns those.
func parseInterleaved(f *flags, args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &exitError{code: exitOK}
			}
			return nil, &exitError{code: exitUsage, err: err}
		}
		if f.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, f.Arg(0))
		args = f.Args()[1:]
	}
}

// oneLine is s on one line, cut to width runes.
func oneLine(s string, width int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > width {
		return string(r[:width-1]) + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
