package inbox

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
)

// receivedLayout is how the email tells when a message came, on the office's clock.
const receivedLayout = "Monday, January 2, 2006 at 3:04 PM MST"

// Subject is the subject line of the forward of m. It names no client, A-number or phone: subject lines show in
// notifications, on lock screens and in mail logs.
func Subject(m docket.InboxMessage) string {
	if m.Urgent {
		return "URGENT: reply from a client — " + cmp.Or(m.Reason, "needs a person today")
	}
	return "Reply from a client"
}

// Compose is the subject and text of the email that forwards m to staff: why it is urgent, when it came and from
// which number, the message quoted, and each client of the number with their A-number, counsel and next hearing.
// zone is the office's, for when the message came; nil is UTC. The email is in English, counsel's default.
func Compose(m docket.InboxMessage, clients []docket.InboxClient, zone *time.Location) (subject, text string) {
	if zone == nil {
		zone = time.UTC
	}
	var b strings.Builder
	if m.Urgent {
		fmt.Fprintf(&b, "URGENT: the client's message says %s.\n\n", urgentWords(m.Reason))
	}
	b.WriteString("A client sent a text that needs a person; docketd has not answered it. Call or text the client " +
		"back.\n\n")
	fmt.Fprintf(&b, "Received: %s\n", m.ReceivedAt.In(zone).Format(receivedLayout))
	fmt.Fprintf(&b, "From:     %s\n", m.From)
	b.WriteString("\nThe message:\n\n")
	if m.Body == "" {
		b.WriteString("    (no text kept: it was empty, or [retention] bodies has passed)\n")
	} else {
		for _, line := range strings.Split(strings.TrimRight(m.Body, "\n"), "\n") {
			b.WriteString("> " + line + "\n")
		}
	}
	b.WriteString("\n")
	switch len(clients) {
	case 0:
		b.WriteString("No client on file has this number.\n")
	case 1:
		b.WriteString("The number is the client's:\n")
	default:
		fmt.Fprintf(&b, "The number is shared by %d clients:\n", len(clients))
	}
	for _, c := range clients {
		b.WriteString("\n" + clientLines(c))
	}
	fmt.Fprintf(&b, "\nOnce someone has dealt with it: docketd inbox done %d --by NAME\n", m.ID)
	return Subject(m), b.String()
}

func clientLines(c docket.InboxClient) string {
	var b strings.Builder
	name := c.Client.Name
	if id := c.Client.ANumber.String(); id != "" {
		name += ", " + id
	}
	fmt.Fprintf(&b, "- %s\n", name)
	if c.Client.Detained {
		b.WriteString("  In custody.\n")
	}
	if c.Attorney != nil {
		fmt.Fprintf(&b, "  Counsel: %s\n", c.Attorney.Name)
	} else {
		b.WriteString("  Counsel: none on file\n")
	}
	if c.Next == nil {
		b.WriteString("  Next hearing: none scheduled\n")
		return b.String()
	}
	fmt.Fprintf(&b, "  Next hearing: %s\n", hearingLine(*c.Next, c.Client))
	return b.String()
}

// hearingLine is the next hearing as counsel reads it: date and court time, the court, and how it is held.
func hearingLine(h docket.Hearing, c docket.Client) string {
	var home *time.Location // nil: the client goes by the court's clock
	if c.Zone != "" {
		home = docket.ZoneOr(c.Zone, nil)
	}
	m := message.Moment{Start: h.Start, Court: h.Location(), CourtPlace: cmp.Or(h.Court.City, h.Court.Name),
		Home: home, HomePlace: c.City, Remote: h.Medium.Remote() && !h.InCustody(c)}
	when := m.Date("en")
	if h.TimeUnknown {
		when += ", time not yet known"
	} else {
		when += ", " + m.Formal("en")
	}
	parts := []string{when, h.CourtName()}
	switch {
	case h.Online():
		parts = append(parts, "online (WebEx)")
	case h.Medium == docket.MediumTelephone:
		parts = append(parts, "by telephone")
	default:
		if p := h.Place(); p != "" {
			parts = append(parts, p)
		}
	}
	if h.Type != "" {
		parts = append(parts, strings.ReplaceAll(string(h.Type), "_", " ")+" hearing")
	}
	if h.ANumber != "" && h.ANumber != c.ANumber {
		parts = append(parts, "case "+h.ANumber.String())
	}
	return strings.Join(parts, " — ")
}

func urgentWords(reason string) string {
	switch reason {
	case "cannot attend":
		return "the client cannot attend the hearing"
	case "detained":
		return "the client was detained"
	case "moved":
		return "the client moved"
	case "lost the notice":
		return "the client lost the hearing notice"
	}
	if reason == "" {
		return "it needs a person today"
	}
	return strconv.Quote(reason)
}
