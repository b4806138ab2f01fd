package calllist

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
)

// words are the list's sentences in one language.
type words struct {
	subject     func(day string, n int) string
	intro       func(day, org string) string
	household   string
	phone       string
	noPhone     string
	why         string
	noPhoneWhy  string
	optedOutWhy string
	unconfirmed string
	failed      func(channel, to, date, state, code string) string
	footer      func(org string) string
	and         string
}

var locales = map[string]words{
	"en": {
		subject: func(day string, n int) string {
			if n == 1 {
				return fmt.Sprintf("Call list for %s: 1 client", day)
			}
			return fmt.Sprintf("Call list for %s: %d clients", day, n)
		},
		intro: func(day, org string) string {
			return fmt.Sprintf("Clients of %s to call today, %s. Each may miss a hearing unless someone reaches them; "+
				"each line says why.", org, day)
		},
		household:   "one household, one phone",
		phone:       "Phone",
		noPhone:     "none on file",
		why:         "Why",
		noPhoneWhy:  "no phone number that can receive texts is on file, so no reminder reaches them",
		optedOutWhy: "their phone opted out of texts (STOP), so no reminder reaches them",
		unconfirmed: "has not confirmed the hearing (no SÍ / YES reply to a reminder)",
		failed: func(channel, to, date, state, code string) string {
			what := map[string]string{string(docket.Email): "the email", string(docket.WhatsApp): "the WhatsApp message",
				string(docket.Voice): "the call"}[channel]
			if what == "" {
				what = "the text"
			}
			if to != "" {
				what += " to their contact (" + to + ")"
			}
			if date != "" {
				what += " of " + date
			}
			s := what + " failed for good"
			if state == "undelivered" || state == "failed" {
				s = what + " was reported " + state + " by the carrier"
			}
			if code != "" {
				s += " (code " + code + ")"
			}
			return s
		},
		footer: func(org string) string {
			return fmt.Sprintf("This list is sent once a day, at 8:00 AM, when it names anyone. It was sent by docketd "+
				"for %s.", org)
		},
		and: "and",
	},
	"es": {
		subject: func(day string, n int) string {
			if n == 1 {
				return fmt.Sprintf("Llamadas del %s: 1 cliente", day)
			}
			return fmt.Sprintf("Llamadas del %s: %d clientes", day, n)
		},
		intro: func(day, org string) string {
			return fmt.Sprintf("Clientes de %s a quienes llamar hoy, %s. Cada uno puede faltar a una audiencia si "+
				"nadie se comunica con él; cada línea dice por qué.", org, day)
		},
		household:   "una familia, un teléfono",
		phone:       "Teléfono",
		noPhone:     "ninguno en el expediente",
		why:         "Por qué",
		noPhoneWhy:  "no hay en el expediente un teléfono que reciba textos, así que ningún recordatorio le llega",
		optedOutWhy: "su teléfono pidió no recibir textos (STOP / ALTO), así que ningún recordatorio le llega",
		unconfirmed: "no ha confirmado la audiencia (no respondió SÍ a ningún recordatorio)",
		failed: func(channel, to, date, state, code string) string {
			what := map[string]string{string(docket.Email): "el correo", string(docket.WhatsApp): "el mensaje de WhatsApp",
				string(docket.Voice): "la llamada"}[channel]
			if what == "" {
				what = "el texto"
			}
			if to != "" {
				what += " a su contacto (" + to + ")"
			}
			if date != "" {
				what += " del " + date
			}
			s := what + " no se pudo enviar"
			if state == "undelivered" || state == "failed" {
				s = what + " no fue entregado, según el operador"
			}
			if code != "" {
				s += " (código " + code + ")"
			}
			return s
		},
		footer: func(org string) string {
			return fmt.Sprintf("Esta lista se envía una vez al día, a las 8:00 a. m., cuando nombra a alguien. La envió "+
				"docketd para %s.", org)
		},
		and: "y",
	},
}

// Render is the list's email: a subject with the day and the number of clients (never a name, A-number or
// phone, which a subject line shows in every inbox and notification), and a text that gives, by hearing, each
// client's name, A-number and phone and why to call them, in counsel's language (English unless it is Spanish).
func (l List) Render(org string) (subject, text string) {
	lang := l.Counsel.Language
	w, ok := locales[lang]
	if !ok {
		lang, w = "en", locales["en"]
	}
	day := message.Moment{Start: l.Day}
	subject = w.subject(day.Weekday(lang), l.Clients())
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", w.intro(day.Date(lang), org))
	for _, g := range l.Groups {
		h := g.Hearing
		var home *docket.Client
		if len(g.Calls) > 0 && len(g.Calls[0].Clients) > 0 {
			home = &g.Calls[0].Clients[0]
		}
		m := moment(h, home)
		fmt.Fprintf(&b, "\n%s, %s — %s, %s\n", m.Date(lang), m.Formal(lang), h.CourtName(),
			message.TypeName(lang, string(h.Type)))
		for _, c := range g.Calls {
			names := make([]string, len(c.Clients))
			for i, cl := range c.Clients {
				names[i] = fmt.Sprintf("%s (%s)", cl.Name, cmp.Or(cl.ANumber.String(), "no A-number"))
			}
			line := join(names, w.and)
			if len(c.Clients) > 1 {
				line += " — " + w.household
			}
			fmt.Fprintf(&b, "  • %s\n", line)
			fmt.Fprintf(&b, "    %s: %s\n", w.phone, cmp.Or(c.Phone, w.noPhone))
			fmt.Fprintf(&b, "    %s: %s\n", w.why, strings.Join(whyTexts(c.Whys, w, lang, l.Counsel), "; "))
		}
	}
	fmt.Fprintf(&b, "\n%s\n", w.footer(org))
	return subject, b.String()
}

// whyTexts are the reasons of a line, each said once: the rows of a household's one message failed together.
func whyTexts(whys []Why, w words, lang string, to Counsel) []string {
	var out []string
	seen := map[string]bool{}
	for _, y := range whys {
		var s string
		switch y.Reason {
		case Failed:
			r := y.Reminder
			contact, date := "", ""
			if r.Recipient == docket.ToContact {
				contact = r.Address
			}
			if at := attempted(r); !at.IsZero() {
				date = message.Moment{Start: at.In(to.Zone)}.Weekday(lang)
			}
			s = w.failed(string(r.Channel), contact, date, r.ProviderState, r.ErrorCode)
		case NoPhone:
			s = w.noPhoneWhy
		case OptedOut:
			s = w.optedOutWhy
		case Unconfirmed:
			s = w.unconfirmed
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// moment is the hearing's start as counsel read it: court time, and the client's for a remote hearing across zones.
func moment(h docket.Hearing, c *docket.Client) message.Moment {
	m := message.Moment{Start: h.Start, Court: h.Location(), CourtPlace: cmp.Or(h.Court.City, h.Court.Name, h.CourtCode)}
	if c != nil && !h.InCustody(*c) {
		m.Home, m.HomePlace, m.Remote = c.Location(h.Location()), c.City, h.Medium.Remote()
	}
	return m
}

// join writes names as people do: "A", "A and B", "A, B and C".
func join(names []string, and string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}
