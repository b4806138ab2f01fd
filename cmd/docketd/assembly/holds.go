package assembly

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/scheduler/reminder"
)

// holdNotifier tells the office, by email to [organization] email (else the address of email.from), that a source's
// moves and cancellations are held. It sends through the channel the config names for email (SMTP, or the log
// channel that only prints), read from the running config at each notice. The message goes to the office itself,
// so it names the clients and A-numbers, as counsel's emails do.
type holdNotifier struct {
	cfg  func() *config.Config
	now  func() time.Time
	log  *slog.Logger
	send reminder.Sender // set: replaces the config's email channel (tests and drills)
}

func newHoldNotifier(cfg func() *config.Config, now func() time.Time, log *slog.Logger,
	opts Options) *holdNotifier {
	return &holdNotifier{cfg: cfg, now: now, log: log, send: opts.Senders[docket.Email]}
}

// NotifyHold sends the notice of h.
func (n *holdNotifier) NotifyHold(ctx context.Context, h docket.SyncHold) error {
	c := n.cfg()
	to := organizationEmail(c)
	if to == "" {
		return errors.New("no [organization] email to tell of the held sync")
	}
	send := n.send
	if send == nil {
		snd, err := senders(c, n.log, n.now)
		if err != nil {
			return err
		}
		send = snd[docket.Email]
	}
	subject, text := HoldNotice(h)
	_, err := send.Send(ctx, docket.Message{Key: "sync-hold:" + h.Source + ":" + h.Digest, Channel: docket.Email,
		To: to, Language: "en", Subject: subject, Text: text})
	return err
}

// HoldNotice is the subject and text of the office's notice of a held sync: the source, what would change (old
// slot → new slot, with the hearings' clients and A-numbers) and the command that applies it.
func HoldNotice(h docket.SyncHold) (subject, text string) {
	force := "docketd sync --source " + h.Source + " --force"
	share := strconv.FormatFloat(h.Share*100, 'f', -1, 64) + "%"
	subject = fmt.Sprintf("Sync of %s held: %d hearing changes need a look", h.Source, h.Hearings)
	var b strings.Builder
	fmt.Fprintf(&b, "The source %q would move or cancel %d slots (%d hearings) of its %d upcoming slots: more than "+
		"the %s it may change at once (max_change). Those moves and cancellations were NOT applied, and reminders "+
		"still go out for the hearings as they were. Everything else the source listed (new hearings, other "+
		"changes) was applied.\n\n", h.Source, h.Changes, h.Hearings, h.Slots, share)
	fmt.Fprintf(&b, "If the change is real (a judge's calendar vacated or reset), apply it now:\n\n    %s\n\n", force)
	b.WriteString("If it is not (a broken or partial file), fix the source: the next sync that no longer makes " +
		"these changes ends the hold.\n\nWhat would change:\n")
	for _, c := range h.Detail {
		from := slotText(c.From, c.Zone, c.Court, c.Judge)
		to := "cancelled (no longer listed)"
		if !c.To.IsZero() {
			court, judge := "", ""
			if c.ToCourt != c.Court {
				court = c.ToCourt
			}
			if c.ToJudge != c.Judge {
				judge = c.ToJudge
			}
			to = slotText(c.To, cmp.Or(c.ToZone, c.Zone), court, judge)
		}
		fmt.Fprintf(&b, "\n%s → %s\n", from, to)
		for _, hh := range c.Hearings {
			who := "no client on file"
			if len(hh.Clients) > 0 {
				who = strings.Join(hh.Clients, ", ")
			}
			id := hh.ANumber.String()
			if id == "" {
				id = "EOIR case " + hh.EOIRCaseID
			}
			fmt.Fprintf(&b, "  - %s, %s\n", who, id)
		}
	}
	if more := h.Changes - len(h.Detail); more > 0 {
		fmt.Fprintf(&b, "\n…and %d more changes not listed here.\n", more)
	}
	fmt.Fprintf(&b, "\nThis notice is sent once for these changes; `docketd status` shows %s as HELD until they are "+
		"applied or no longer made.\n", h.Source)
	return subject, b.String()
}

// slotText is a slot as the office reads it: the court's local time, the court and the judge.
func slotText(start time.Time, zone, court, judge string) string {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = time.UTC
	}
	s := start.In(loc).Format("Mon Jan 2, 2006 3:04 PM MST")
	if court != "" {
		s += ", " + court
	}
	if judge != "" {
		s += ", " + judge
	}
	return s
}
