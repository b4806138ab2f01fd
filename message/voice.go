package message

import (
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/docketd/docketd/docket"
)

// templateChannels are the channels with templates of their own. A WhatsApp message is an approved template at
// Twilio: docketd renders the text template for the record and hands WhatsApp the values of its placeholders.
var templateChannels = []docket.Channel{docket.SMS, docket.Email, docket.Voice}

// templateChannel is the channel whose template renders a message on c.
func templateChannel(c docket.Channel) docket.Channel {
	if c == docket.WhatsApp {
		return docket.SMS
	}
	return c
}

// tidyVoice keeps a call's script one sentence group per line, as the template wrote it: every line trimmed, runs
// of spaces collapsed, empty lines dropped. The voice sender says each line and pauses between them.
func tidyVoice(s string) string { return tidySMS(s) }

// spokenWords spell out what a voice would read letter by letter or stumble over in an address.
var spokenWords = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\bSte\.?\s`), "Suite "},
	{regexp.MustCompile(`\bRm\.?\s`), "Room "},
	{regexp.MustCompile(`#\s*`), "Suite "},
	{regexp.MustCompile(`\bSt\.?(,|$|\s)`), "Street$1"},
	{regexp.MustCompile(`\bAve\.?(,|$|\s)`), "Avenue$1"},
	{regexp.MustCompile(`\bBlvd\.?(,|$|\s)`), "Boulevard$1"},
	{regexp.MustCompile(`\bRd\.?(,|$|\s)`), "Road$1"},
	{regexp.MustCompile(`\bDr\.?(,|$|\s)`), "Drive$1"},
	{regexp.MustCompile(`\bFl\.?\s`), "Floor "},
	{regexp.MustCompile(`\bN\.\s`), "North "},
	{regexp.MustCompile(`\bS\.\s`), "South "},
	{regexp.MustCompile(`\bE\.\s`), "East "},
	{regexp.MustCompile(`\bW\.\s`), "West "},
	{regexp.MustCompile(`,?\s+TX\s+\d{5}(-\d{4})?`), ", Texas"},
	{regexp.MustCompile(`\s+\d{5}(-\d{4})?$`), ""},
}

// spokenAddress is an address as a voice says it: one line, no abbreviations, no ZIP code.
func spokenAddress(s string) string {
	s = oneLine(s)
	for _, w := range spokenWords {
		s = w.re.ReplaceAllString(s, w.with)
	}
	return strings.Join(strings.Fields(s), " ")
}

// spokenPhone is a phone number said digit by digit in groups: "2 1 4, 5 5 5, 0 1 0 0".
func spokenPhone(p string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, p)
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	spell := func(s string) string { return strings.Join(strings.Split(s, ""), " ") }
	if len(d) != 10 {
		return spell(d)
	}
	return spell(d[:3]) + ", " + spell(d[3:6]) + ", " + spell(d[6:])
}

// spokenTime is the time of day as people say it: "8:30 in the morning", "1 in the afternoon"; "las 8:30 de la
// mañana", "la 1 de la tarde".
func spokenTime(lang string, t time.Time) string {
	h := hour12(t)
	part := map[bool][3]string{false: {"in the morning", "in the afternoon", "in the evening"},
		true: {"de la mañana", "de la tarde", "de la noche"}}[lang == "es"]
	p := part[0]
	switch {
	case t.Hour() >= 18:
		p = part[2]
	case t.Hour() >= 12:
		p = part[1]
	}
	if lang == "es" {
		art := "las"
		if t.Hour()%12 == 1 {
			art = "la"
		}
		return art + " " + h + " " + p
	}
	return h + " " + p
}

// spokenMoment is the hearing's time as a call says it, with the place whose clock it is when the recipient lives on
// another: "9 in the morning, El Paso time"; for a remote hearing across zones the recipient's clock first, then the
// court's: "8 in the morning, El Paso time, which is 9 in the morning in Dallas".
func spokenMoment(lang string, m Moment) string {
	es := lang == "es"
	placed := func(t string, place string) string {
		switch {
		case es && place == "":
			return t + ", su hora"
		case es:
			return t + ", hora de " + place
		case place == "":
			return t + ", your time"
		}
		return t + ", " + place + " time"
	}
	switch {
	case m.Split():
		home, court := placed(spokenTime(lang, m.home()), m.HomePlace), spokenTime(lang, m.court())
		if es {
			return home + ", que son " + court + " en " + m.CourtPlace
		}
		return home + ", which is " + court + " in " + m.CourtPlace
	case m.Apart() && m.CourtPlace != "":
		return placed(spokenTime(lang, m.court()), m.CourtPlace)
	}
	return spokenTime(lang, m.Local())
}

// voiceFuncs are the functions voice templates add to the others.
func voiceFuncs(lang string, fm template.FuncMap) {
	fm["sayAddress"] = func(n Notice) string { return spokenAddress(n.CourtAddress) }
	fm["sayPhone"] = spokenPhone
	fm["sayTime"] = func(n Notice) string { return spokenMoment(lang, n.Moment()) }
	fm["sayHelpPhone"] = func(n Notice) string {
		if n.HasCounsel() && n.CounselPhone != "" {
			return spokenPhone(n.CounselPhone)
		}
		return spokenPhone(n.OrgPhone)
	}
}

// whatsAppVars are the values a WhatsApp template may take (config.WhatsAppVariables), for n in lang.
func whatsAppVars(n Notice, lang string) map[string]string {
	m := n.Moment()
	greet := n.Greeting
	if greet == "" {
		greet = firstName(n.Recipient)
	}
	names, _ := funcs(lang)["names"].(func([]Person) string)
	place := smsAddress(n)
	switch n.Medium {
	case docket.MediumInternet:
		place = map[bool]string{false: "online", true: "por internet"}[lang == "es"]
		if n.WebEx != "" {
			place += ": " + n.WebEx
		}
	case docket.MediumTelephone:
		place = map[bool]string{false: "by telephone", true: "por teléfono"}[lang == "es"]
	}
	org := n.OrgShort
	if org == "" {
		org = n.OrgName
	}
	counselPhone := n.CounselPhone
	if counselPhone == "" {
		counselPhone = n.OrgPhone
	}
	v := map[string]string{
		"first_name":    greet,
		"names":         names(n.People),
		"date":          m.Date(lang),
		"time":          m.Clock(lang),
		"place":         place,
		"court":         n.CourtName,
		"address":       smsAddress(n),
		"counsel":       n.CounselName,
		"counsel_phone": formatPhone(counselPhone),
		"org":           org,
		"org_phone":     formatPhone(n.OrgPhone),
	}
	if !n.OldStart.IsZero() {
		v["old_date"] = n.OldMoment().Date(lang)
	}
	return v
}

// VoiceLines splits a call's script into what is said between pauses.
func VoiceLines(text string) []string {
	var out []string
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
