package feed

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/docketd/docketd/deadline"
	"github.com/docketd/docketd/docket"
	"github.com/emersion/go-ical"
)

// Counsel's deadlines (SPEC §12): the filing deadlines the Practice Manual sets around a hearing, as all-day events
// in attorney and office feeds. A client's feed never shows them: what counsel must file is counsel's to manage.

// withDeadlines reports whether a feed of scope shows deadlines: counsel's and the office's, when they are on.
func withDeadlines(cfg Settings, sc Scope) bool {
	return cfg.Deadlines && (sc.Kind == "attorney" || sc.Kind == "org")
}

// DeadlineUID is the stable UID of a deadline's event: the hearing's identity and the rule, so it survives a
// rebuilt database, as the hearing's own UID does, and a moved hearing moves its deadline rather than adding one.
func DeadlineUID(identity string, rule deadline.Rule) string {
	return "deadline-" + string(rule) + "-" + identity + "@docketd"
}

// deadlineEvents are the all-day events of h's deadlines: dated by the deadline (VALUE=DATE, no zone), with the
// hearing's sequence and change time, cancelled when the hearing is, related to the hearing's event, and never
// blocking the day in free/busy lookups.
func deadlineEvents(h *Hearing, opts Options) []*ical.Component {
	if len(h.Deadlines) == 0 {
		return nil
	}
	detail := cmp.Or(opts.Detail, DetailFull)
	stamp := cmp.Or(h.Updated, h.Start).UTC().Truncate(time.Second)
	cancelled := h.Status == docket.StatusCancelled || h.Status == docket.StatusCompleted
	out := make([]*ical.Component, 0, len(h.Deadlines))
	for _, d := range h.Deadlines {
		ev := ical.NewEvent().Component
		setText(ev, ical.PropUID, DeadlineUID(h.ID, d.Rule))
		setDateTime(ev, ical.PropDateTimeStamp, stamp)
		setDateTime(ev, ical.PropLastModified, stamp)
		ev.Props.SetDate(ical.PropDateTimeStart, d.Due)
		ev.Props.SetDate(ical.PropDateTimeEnd, d.Due.AddDate(0, 0, 1))
		seq := ical.NewProp(ical.PropSequence)
		seq.Value = strconv.Itoa(max(h.Sequence, 0))
		ev.Props.Set(seq)
		status := ical.EventConfirmed
		if cancelled {
			status = ical.EventCancelled
		}
		setText(ev, ical.PropStatus, string(status))
		setText(ev, ical.PropTransparency, "TRANSPARENT")
		setText(ev, ical.PropSummary, h.deadlineSummary(d, detail))
		setText(ev, ical.PropDescription, h.deadlineDescription(d, detail))
		setText(ev, ical.PropRelatedTo, UID(h.ID))
		if detail == DetailBusy {
			setText(ev, ical.PropClass, "PRIVATE")
		}
		out = append(out, ev)
	}
	return out
}

// deadlineSummary is "Filing deadline — Rosa Elena Castillo (individual hearing Mar 15)".
func (h *Hearing) deadlineSummary(d deadline.Deadline, detail Detail) string {
	var b strings.Builder
	if h.Status == docket.StatusCancelled || h.Status == docket.StatusCompleted {
		b.WriteString("Cancelled: ")
	}
	b.WriteString(d.Short)
	if detail != DetailBusy && len(h.Clients) > 0 {
		name := h.Clients[0].Name
		if detail == DetailInitials {
			name = initials(name)
		}
		if n := len(h.Clients); n > 1 {
			name += " +" + strconv.Itoa(n-1)
		}
		b.WriteString(" — " + name)
	}
	what := strings.ToLower(typeLabel(h.Type))
	if detail == DetailBusy {
		what = "hearing"
	}
	b.WriteString(" (" + what + " " + h.Start.Format("Jan 2") + ")")
	return b.String()
}

// deadlineDescription cites the rule and names the safe date, then the hearing the deadline belongs to.
func (h *Hearing) deadlineDescription(d deadline.Deadline, detail Detail) string {
	if detail == DetailBusy {
		return "Filing deadline for a hearing on " + h.Start.Format("Mon 2 Jan 2006") + "."
	}
	var b strings.Builder
	if h.Status == docket.StatusCancelled {
		b.WriteString("CANCELLED with its hearing. Confirm with the court before assuming nothing is due.\n")
	}
	b.WriteString(d.Explain() + "\n")
	when := h.Start.Format("Mon 2 Jan 2006")
	if !h.TimeUnknown {
		abbr, _ := h.Start.Zone()
		when = h.Start.Format("Mon 2 Jan 2006, 3:04 PM ") + abbr
	}
	court := h.Court.Name
	if h.Court.Code != "" {
		court += " (" + h.Court.Code + ")"
	}
	b.WriteString("Hearing: " + typeLabel(h.Type) + ", " + when + ", " + strings.TrimSpace(court) + "\n")
	if len(h.Clients) > 0 {
		var names []string
		for _, c := range h.Clients {
			if detail == DetailFull {
				names = append(names, strings.TrimSpace(c.Name+" "+c.ANumber.String()))
			} else {
				names = append(names, initials(c.Name))
			}
		}
		b.WriteString("Clients: " + strings.Join(names, "; ") + "\n")
	}
	if h.Counsel != "" {
		b.WriteString("Counsel: " + h.Counsel + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
