package main

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/docketd/docketd/docket"
)

type outboxJSON struct {
	ID          uint    `json:"id"`
	HearingID   uint    `json:"hearing_id"`
	Kind        string  `json:"kind"`
	Recipient   string  `json:"recipient"`
	RecipientID string  `json:"recipient_id"`
	Channel     string  `json:"channel"`
	Address     string  `json:"address"`
	Policy      string  `json:"policy,omitempty"`
	Offset      string  `json:"offset,omitempty"`
	Due         string  `json:"due"`
	State       string  `json:"state"`
	Attempts    int     `json:"attempts"`
	NextAttempt *string `json:"next_attempt"`
	SentAt      *string `json:"sent_at"`
	ProviderID  string  `json:"provider_id,omitempty"`
	Delivery    string  `json:"delivery,omitempty"`
	ErrorCode   string  `json:"error_code,omitempty"`
	LastError   string  `json:"last_error,omitempty"`
	ConfirmedAt *string `json:"confirmed_at"`
}

func rfc3339(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func cmdOutbox(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("outbox", "[--state STATE] [--format table|json]", false, true)
	state := f.String("state", "", "only rows in this `state`: pending, sending, sent, delivered, failed, skipped, cancelled")
	limit := f.Int("limit", 200, "at most `N` rows (0: all)")
	if err := f.parse(args); err != nil {
		return err
	}
	if *state != "" && !slices.Contains(docket.ReminderStates, docket.ReminderState(*state)) {
		return usageErrorf("outbox: --state must be one of %v, got %q", docket.ReminderStates, *state)
	}
	_, db, err := openExisting(ctx, f.config, e.now)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{State: docket.ReminderState(*state), Limit: *limit})
	if err != nil {
		return err
	}
	if f.format == "json" {
		out := make([]outboxJSON, 0, len(rows))
		for _, r := range rows {
			out = append(out, outboxJSON{ID: r.ID, HearingID: r.HearingID, Kind: string(r.Kind), Recipient: r.Recipient,
				RecipientID: r.RecipientID, Channel: string(r.Channel), Address: r.Address, Policy: r.Policy, Offset: r.Offset,
				Due: r.Due.UTC().Format(time.RFC3339), State: string(r.State), Attempts: r.Attempts,
				NextAttempt: rfc3339(r.NextAttempt), SentAt: rfc3339(r.SentAt), ProviderID: r.ProviderID,
				Delivery: r.ProviderState, ErrorCode: r.ErrorCode, LastError: r.LastError,
				ConfirmedAt: rfc3339(r.ConfirmedAt)})
		}
		return writeJSON(e.stdout, out)
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(e.stdout, "The outbox is empty.")
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDUE (UTC)\tKIND\tTO\tCHANNEL\tPOLICY\tSTATE\tCONFIRMED\tNOTE")
	for _, r := range rows {
		note := r.LastError
		if r.ErrorCode != "" {
			note = r.ErrorCode + " " + note
		}
		confirmed := "-"
		if r.ConfirmedAt != nil {
			confirmed = r.ConfirmedAt.UTC().Format("Jan 2 15:04")
		}
		policy := r.Policy
		if r.Offset != "" {
			policy += " " + r.Offset
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Due.UTC().Format("2006-01-02 15:04"), r.Kind,
			r.Recipient, r.RecipientID, string(r.Channel)+" "+docket.MaskContact(r.Address), dash(policy), r.State, confirmed,
			dash(note))
	}
	return tw.Flush()
}
