package message

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"
	_ "time/tzdata" // the samples and the tests need zones on minimal images too
	"unicode"

	"github.com/docketd/docketd/docket"
)

// FallbackLanguage is used when a notice's language has no template: a message in English is better than none.
const FallbackLanguage = "en"

// Person is one respondent a notice concerns.
type Person struct {
	Name    string         // as the person writes it, e.g. "Rosa Elena Castillo" (never "Castillo, Rosa Elena")
	ANumber docket.ANumber // shown only in messages to counsel
	// Greeting is the name the person is addressed by ("Rosa"); empty: the first word of Name.
	Greeting string
	Detained bool // in custody: told nothing that asks them to travel
	// Reach is what counsel is told of the person's reminders: "confirmed", "reached", "unreached" or "" (none sent
	// yet); Why says why a person could not be reached ("no phone", "opted out", "undelivered").
	Reach, Why string
}

// Notice is everything a message is rendered from. Templates see it as their data (see templates/README.md).
type Notice struct {
	Kind     docket.Kind
	Channel  docket.Channel
	Language string // BCP 47, e.g. "es" or "es-MX"; only the base language chooses the template
	Key      string // copied to Message.Key
	To       string // copied to Message.To

	Recipient string // whom the message addresses: a client, a family member, a contact person, or counsel
	// Greeting is the name Recipient is greeted by ("Rosa" for "Castillo, Rosa Elena"); empty: the first name.
	Greeting  string
	ToCounsel bool     // counsel get a professional message that names clients and A-numbers
	ToContact bool     // the contact person of a detained client, who is told of the hearing on their behalf
	People    []Person // everyone the hearing concerns: a household gets one message naming all

	// Now is when the message is sent, for "tomorrow" and "today"; zero omits them.
	Now time.Time
	// Home is the recipient's zone and HomePlace its name ("El Paso"; empty says "your time"): a hearing joined from
	// where one is (online, by telephone) is told in Home's time first, with the court's beside it when they differ.
	Home      *time.Location
	HomePlace string

	// Start is the hearing's instant. It is shown in Location, the court's zone, with the abbreviation in force on
	// the hearing day ("9:00 AM MDT" for an El Paso hearing after the March change, whenever the message is sent).
	Start time.Time
	// TimeUnknown marks a Start whose day the court gave and whose time it has not yet: only counsel's alarm of a
	// move earlier is sent for such a hearing, and it names the day with no time.
	TimeUnknown bool
	// OldTimeUnknown is TimeUnknown of OldStart.
	OldTimeUnknown bool
	OldStart       time.Time      // the former start of a docket.KindRescheduled notice; zero when only the place or medium changed
	Location       *time.Location // the court's zone; nil shows Start in its own location
	// Reinstated marks a rescheduled notice for a hearing that had been cancelled and is back on: OldStart is set
	// only when it also moved.
	Reinstated bool

	CourtName    string // e.g. "Dallas" or "El Paso"; templates add "immigration court"
	CourtAddress string // street and suite, e.g. "1100 Commerce Street, Suite 1060"; texts show only this
	CourtCity    string // e.g. "Dallas, TX 75242"; emails add it to the address
	CourtPlace   string // the court's city alone, "Dallas", for "9:00 AM Dallas time"; empty: CourtName
	CourtPhone   string
	Judge        string
	HearingType  docket.HearingType
	Medium       docket.Medium
	WebEx        string // the judge's WebEx link; shown only when Medium is internet

	CounselName, CounselPhone string // empty when the client has no counsel; templates then name the organisation
	OrgName, OrgPhone         string
	// OrgShort is the name texts begin with ("NTX Legal Aid"), which every recipient must recognise; empty: OrgName.
	OrgShort string
	// Invitation says that a calendar invitation is attached (counsel's email only), so the text may say so.
	Invitation bool
	Confirm    bool // ask the recipient to reply YES / SI

	// Deadlines are the hearing's filing deadlines, in messages to counsel; Urgent marks a message counsel must act
	// on at once (its subject begins with URGENT): the alarm of a hearing moved earlier.
	Deadlines []Deadline
	Urgent    bool
}

// Household reports whether the notice concerns more than one person.
func (n Notice) Household() bool { return len(n.People) > 1 }

// Online reports whether the hearing is joined over the internet, which is when the WebEx link matters: EOIR fills
// in the link for in-person hearings too.
func (n Notice) Online() bool { return n.Medium.Online() }

// Remote reports whether the hearing is joined from where the client is (online or by telephone), which tells it
// on the client's clock.
func (n Notice) Remote() bool { return n.Medium.Remote() }

// Moment is the notice's start as its reader must be told it (see Moment).
func (n Notice) Moment() Moment {
	m := n.moment(n.Start)
	m.DateOnly = n.TimeUnknown
	return m
}

// OldMoment is the former start of a rescheduled notice, told the same way.
func (n Notice) OldMoment() Moment {
	m := n.moment(n.OldStart)
	m.DateOnly = n.OldTimeUnknown
	return m
}

func (n Notice) moment(t time.Time) Moment {
	place := n.CourtPlace
	if place == "" {
		place = n.CourtName
	}
	return Moment{Start: t, Court: n.Location, CourtPlace: place, Home: n.Home, HomePlace: n.HomePlace, Remote: n.Remote()}
}

// HasCounsel reports whether the notice names counsel to call.
func (n Notice) HasCounsel() bool { return n.CounselName != "" }

// templateName is a template's name within a language: "reminder.sms".
func templateName(k docket.Kind, c docket.Channel) string { return string(k) + "." + string(c) }

// commonFile holds the definitions every template of its language may call.
const commonFile = "common.tmpl"

//go:embed templates
var builtin embed.FS

// Templates holds the parsed templates of every language, built-in and from templates_dir.
type Templates struct {
	langs map[string]map[string]*compiled // language → template name → templates
}

// compiled is one kind × channel × language: text/template for SMS, subject and text; html/template for HTML.
type compiled struct {
	source string // where it was read from, for messages
	text   *template.Template
	html   *htmltemplate.Template // email only; nil when the file defines no "html"
}

type file struct{ source, text string }

// LoadTemplates parses the built-in English and Spanish templates, then those under dir, if dir is not empty.
// dir holds one folder per language ("ht/", "es/") with files named "<kind>.<channel>.tmpl" and an optional
// "common.tmpl"; a file replaces the built-in one of the same name, and a common.tmpl is layered over the built-in
// one, so it need only redefine what it changes. An unknown file name is an error: it is almost always a typo.
func LoadTemplates(dir string) (*Templates, error) {
	files := map[string]map[string]file{}
	commons := map[string][]file{}
	add := func(fsys fs.FS, root, label string) error {
		entries, err := fs.ReadDir(fsys, root)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			lang := e.Name()
			if lang != strings.ToLower(lang) || strings.ContainsAny(lang, "-_.") {
				return fmt.Errorf("%s: language folder must be a lowercase base language such as \"es\"", path.Join(label, lang))
			}
			names, err := fs.ReadDir(fsys, path.Join(root, lang))
			if err != nil {
				return err
			}
			for _, n := range names {
				if n.IsDir() || strings.HasPrefix(n.Name(), ".") || strings.EqualFold(n.Name(), "README.md") {
					continue
				}
				b, err := fs.ReadFile(fsys, path.Join(root, lang, n.Name()))
				if err != nil {
					return err
				}
				f := file{source: path.Join(label, lang, n.Name()), text: string(b)}
				if n.Name() == commonFile {
					commons[lang] = append(commons[lang], f)
					continue
				}
				name, ok := strings.CutSuffix(n.Name(), ".tmpl")
				if !ok || !knownName(name) {
					return fmt.Errorf("%s: unknown template; want <kind>.<channel>.tmpl with kind %s and channel %s, or %s",
						f.source, list(docket.Kinds), list(templateChannels), commonFile)
				}
				if files[lang] == nil {
					files[lang] = map[string]file{}
				}
				files[lang][name] = f
			}
		}
		return nil
	}
	if err := add(builtin, "templates", "built-in"); err != nil {
		return nil, fmt.Errorf("load templates: %w", err)
	}
	if dir != "" {
		if err := add(os.DirFS(dir), ".", dir); err != nil {
			return nil, fmt.Errorf("load templates: %w", err)
		}
	}
	t := &Templates{langs: map[string]map[string]*compiled{}}
	// Sorted, so that of several broken files the same one is reported every time.
	for _, lang := range slices.Sorted(maps.Keys(files)) {
		t.langs[lang] = map[string]*compiled{}
		for _, name := range slices.Sorted(maps.Keys(files[lang])) {
			c, err := compile(lang, name, files[lang][name], commons[lang])
			if err != nil {
				return nil, err
			}
			t.langs[lang][name] = c
		}
	}
	if t.langs[FallbackLanguage] == nil || len(t.langs[FallbackLanguage]) != templateCount() {
		return nil, errors.New("load templates: the English templates are incomplete")
	}
	return t, nil
}

func knownName(name string) bool {
	if counselOnly(name) {
		return true
	}
	for _, k := range docket.Kinds {
		for _, c := range templateChannels {
			if name == templateName(k, c) {
				return true
			}
		}
	}
	return false
}

func list[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, "|")
}

func compile(lang, name string, f file, commons []file) (*compiled, error) {
	fm := funcs(lang)
	voiceFuncs(lang, fm)
	c := &compiled{source: f.source}
	c.text = template.New(name).Funcs(fm).Option("missingkey=error")
	for _, cf := range commons {
		if _, err := c.text.New(cf.source).Parse(cf.text); err != nil {
			return nil, fmt.Errorf("template %s: %w", cf.source, err)
		}
	}
	if _, err := c.text.Parse(f.text); err != nil {
		return nil, fmt.Errorf("template %s: %w", f.source, err)
	}
	if !strings.HasSuffix(name, "."+string(docket.Email)) {
		return c, nil
	}
	for _, part := range []string{"subject", "text"} {
		if c.text.Lookup(part) == nil {
			return nil, fmt.Errorf("template %s: an email template must define %q", f.source, part)
		}
	}
	h := htmltemplate.New(name).Funcs(htmltemplate.FuncMap(fm)).Option("missingkey=error")
	for _, cf := range commons {
		if _, err := h.New(cf.source).Parse(cf.text); err != nil {
			return nil, fmt.Errorf("template %s: %w", cf.source, err)
		}
	}
	if _, err := h.Parse(f.text); err != nil {
		return nil, fmt.Errorf("template %s: %w", f.source, err)
	}
	if h.Lookup("html") != nil {
		c.html = h
	}
	return c, nil
}

// Languages lists the languages that have at least one template, sorted.
func (t *Templates) Languages() []string {
	var out []string
	for lang := range t.langs {
		out = append(out, lang)
	}
	slices.Sort(out)
	return out
}

// Missing lists the templates ("reminder.sms", ...) that lang lacks and that will be rendered in English instead;
// all of them for a language with no templates at all.
func (t *Templates) Missing(lang string) []string {
	lang = BaseLanguage(lang)
	var out []string
	for _, k := range docket.Kinds {
		for _, c := range templateChannels {
			if t.langs[lang][templateName(k, c)] == nil {
				out = append(out, templateName(k, c))
			}
		}
	}
	for _, k := range docket.CounselKinds {
		if t.langs[lang][templateName(k, docket.Email)] == nil {
			out = append(out, templateName(k, docket.Email))
		}
	}
	return out
}

// BaseLanguage reduces a BCP 47 tag to its lowercase base language: "es-MX" and "ES_mx" become "es".
func BaseLanguage(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// Render writes the message for n. When n's language lacks the template, it renders the English one and sets
// Message.Language to "en", so a caller can tell (and Missing says so in advance).
func (t *Templates) Render(n Notice) (docket.Message, error) {
	name := templateName(n.Kind, templateChannel(n.Channel))
	if !knownName(name) {
		return docket.Message{}, fmt.Errorf("render: no such template %q", name)
	}
	if n.Start.IsZero() {
		return docket.Message{}, fmt.Errorf("render %s: the notice has no start time", name)
	}
	lang := BaseLanguage(n.Language)
	c := t.langs[lang][name]
	if c == nil {
		lang = FallbackLanguage
		c = t.langs[lang][name]
	}
	if n.Location != nil {
		n.Start = n.Start.In(n.Location)
		if !n.OldStart.IsZero() {
			n.OldStart = n.OldStart.In(n.Location)
		}
	}
	m := docket.Message{Key: n.Key, Channel: n.Channel, To: n.To, Language: lang, Kind: n.Kind}
	exec := func(part string) (string, error) {
		var b bytes.Buffer
		var err error
		if part == "" {
			err = c.text.Execute(&b, n)
		} else {
			err = c.text.ExecuteTemplate(&b, part, n)
		}
		if err != nil {
			return "", fmt.Errorf("render %s: %w", c.source, err)
		}
		return b.String(), nil
	}
	switch n.Channel {
	case docket.SMS, docket.WhatsApp:
		text, err := exec("")
		if err != nil {
			return docket.Message{}, err
		}
		m.Text = tidySMS(text)
		if n.Channel == docket.WhatsApp {
			m.Vars = whatsAppVars(n, lang)
		}
		return m, nil
	case docket.Voice:
		text, err := exec("")
		if err != nil {
			return docket.Message{}, err
		}
		m.Text = tidyVoice(text)
		return m, nil
	}
	subject, err := exec("subject")
	if err != nil {
		return docket.Message{}, err
	}
	m.Subject = strings.Join(strings.Fields(subject), " ")
	text, err := exec("text")
	if err != nil {
		return docket.Message{}, err
	}
	m.Text = tidyText(text)
	if c.html != nil {
		var b bytes.Buffer
		if err := c.html.ExecuteTemplate(&b, "html", n); err != nil {
			return docket.Message{}, fmt.Errorf("render %s: %w", c.source, err)
		}
		m.HTML = strings.TrimSpace(b.String()) + "\n"
	}
	return m, nil
}

var spaces = regexp.MustCompile(`[ \t]+`)

// tidySMS lets a template be written one sentence per line with actions on lines of their own: every line is
// trimmed, runs of spaces collapse, and lines left empty disappear. Each remaining line is one line of the SMS.
func tidySMS(s string) string {
	var out []string
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(spaces.ReplaceAllString(line, " "))
		if line != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

var blankRuns = regexp.MustCompile(`\n{3,}`)

// tidyText trims trailing spaces and keeps at most one blank line between paragraphs, so conditionals in a
// template do not leave holes in the mail.
func tidyText(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		b.WriteString(strings.TrimRight(line, " \t\r\n"))
		b.WriteByte('\n')
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(b.String(), "\n\n")) + "\n"
}

// words is what the template functions need to know of a language. English and Spanish are written by hand; a
// language added in templates_dir gets the English words and can spell its own with the pick function.
type words struct {
	weekdays [7]string
	months   [12]string
	date     func(w words, t time.Time) string
	at       func(clock string, t time.Time) string
	and      func(next string) string
	types    map[string]string
	kinds    map[string]string // the short names texts use
	whys     map[string]string // why a person could not be reached, from the renderer's English words
	media    map[string]string

	hour            func(t time.Time) string                           // "1:00 PM" / "1:00 p. m."
	placed          func(clock, place string) string                   // "9:00 AM Dallas time"
	split           func(home, place, court, courtPlace string) string // the client's time, then the court's
	joins           func(clock, place string) string                   // counsel's note of the client's time
	today, tomorrow string
	noTime          string // in place of the time of a hearing whose time the court has not given
}

var locales = map[string]words{
	"en": {
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
			"October", "November", "December"},
		date: func(w words, t time.Time) string {
			return fmt.Sprintf("%s, %s %d, %d", w.weekdays[t.Weekday()], w.months[t.Month()-1], t.Day(), t.Year())
		},
		at:   func(clock string, _ time.Time) string { return "at " + clock },
		and:  func(string) string { return "and" },
		hour: func(t time.Time) string { return t.Format("3:04 PM") },
		placed: func(clock, place string) string {
			if place == "" {
				return clock + " court time"
			}
			return clock + " " + place + " time"
		},
		split: func(home, place, court, courtPlace string) string {
			if place == "" {
				place = "your"
			}
			return home + " " + place + " time (" + court + " in " + courtPlace + ")"
		},
		joins: func(clock, place string) string {
			if place == "" {
				return "(the client joins at " + clock + " their time)"
			}
			return "(the client joins at " + clock + ", " + place + " time)"
		},
		today: "today", tomorrow: "tomorrow",
		noTime: "time not yet set by the court",
		types: map[string]string{
			"master":        "master calendar hearing",
			"individual":    "individual hearing",
			"bond":          "bond hearing",
			"credible_fear": "credible fear review",
			"other":         "hearing",
		},
		kinds: map[string]string{
			"master": "hearing", "individual": "final hearing", "bond": "bond hearing",
			"credible_fear": "credible fear review", "other": "hearing",
		},
		media: map[string]string{
			"in_person": "in person",
			"video":     "by video",
			"telephone": "by telephone",
			"internet":  "online (WebEx)",
		},
	},
	"es": {
		weekdays: [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
			"octubre", "noviembre", "diciembre"},
		date: func(w words, t time.Time) string {
			return fmt.Sprintf("%s %d de %s de %d", w.weekdays[t.Weekday()], t.Day(), w.months[t.Month()-1], t.Year())
		},
		// "a la 1:00", "a las 9:00": the article agrees with the hour.
		at: func(clock string, t time.Time) string {
			if h := t.Hour() % 12; h == 1 {
				return "a la " + clock
			}
			return "a las " + clock
		},
		// "y" becomes "e" before a word that starts with the sound i: "José e Isabel", but "Ana y Hierro".
		and: func(next string) string {
			l := strings.ToLower(next)
			if (strings.HasPrefix(l, "i") || strings.HasPrefix(l, "hi") || strings.HasPrefix(l, "í") ||
				strings.HasPrefix(l, "hí")) && !strings.HasPrefix(l, "hie") && !strings.HasPrefix(l, "hia") {
				return "e"
			}
			return "y"
		},
		// "1:00 p. m.": Mexico writes the hour as in the rest of Latin America, with "a. m." and "p. m.".
		hour: func(t time.Time) string {
			if t.Hour() < 12 {
				return hour12(t) + " a. m."
			}
			return hour12(t) + " p. m."
		},
		placed: func(clock, place string) string {
			if place == "" {
				return clock + ", hora de la corte"
			}
			return clock + ", hora de " + place
		},
		split: func(home, place, court, courtPlace string) string {
			if place == "" {
				return home + ", su hora (" + court + " en " + courtPlace + ")"
			}
			return home + ", hora de " + place + " (" + court + " en " + courtPlace + ")"
		},
		joins: func(clock, place string) string {
			if place == "" {
				return "(para el cliente, " + clock + ", su hora)"
			}
			return "(para el cliente, " + clock + ", hora de " + place + ")"
		},
		today: "hoy", tomorrow: "mañana",
		noTime: "la corte aún no fijó la hora",
		types: map[string]string{
			"master":        "audiencia preliminar",
			"individual":    "audiencia individual",
			"bond":          "audiencia de fianza",
			"credible_fear": "revisión de temor creíble",
			"other":         "audiencia",
		},
		whys: map[string]string{
			"no phone": "sin teléfono", "opted out": "pidió no recibir mensajes", "undelivered": "el mensaje no llegó",
			"failed": "el envío falló", "detained": "detenido/a",
		},
		kinds: map[string]string{
			"master": "audiencia", "individual": "audiencia final", "bond": "audiencia de fianza",
			"credible_fear": "revisión de miedo creíble", "other": "audiencia",
		},
		media: map[string]string{
			"in_person": "en persona",
			"video":     "por video",
			"telephone": "por teléfono",
			"internet":  "por internet (WebEx)",
		},
	},
}

// streetWords shorten an address for SMS, where every character costs.
var streetWords = strings.NewReplacer(
	"Street", "St", "Avenue", "Ave", "Boulevard", "Blvd", "Road", "Rd", "Drive", "Dr", "Suite", "Ste",
	"Parkway", "Pkwy", "Highway", "Hwy", "North ", "N. ", "South ", "S. ", "East ", "E. ", "West ", "W. ",
)

// suites are how addresses write a suite or room, which a text writes "#1060".
var suites = regexp.MustCompile(`,?\s+(?:Suite|Ste\.?|Room|Rm\.?)\s+`)

// smsAddress is an address as a text gives it: "1100 Commerce St #1060, Dallas".
func smsAddress(n Notice) string {
	a := suites.ReplaceAllString(streetWords.Replace(oneLine(n.CourtAddress)), " #")
	place := n.CourtPlace
	if place == "" && n.CourtCity == "" {
		return a // the source's own address, with its city
	}
	if place == "" {
		place, _, _ = strings.Cut(n.CourtCity, ",")
	}
	if a == "" {
		return place
	}
	if strings.HasSuffix(a, place) {
		return a
	}
	return a + ", " + place
}

// oneLine joins the lines of an address EOIR writes with "|" or newlines.
func oneLine(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == '\n' })
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return strings.Join(slices.DeleteFunc(f, func(x string) bool { return x == "" }), ", ")
}

// funcs are the functions templates of lang may call; templates/README.md documents them for translators.
func funcs(lang string) template.FuncMap {
	w, ok := locales[lang]
	if !ok {
		w = locales[FallbackLanguage]
	}
	clock := func(t time.Time) string { return t.Format("3:04 PM MST") }
	join := func(names []string) string {
		switch len(names) {
		case 0:
			return ""
		case 1:
			return names[0]
		}
		last := names[len(names)-1]
		return strings.Join(names[:len(names)-1], ", ") + " " + w.and(last) + " " + last
	}
	// The time functions take a notice, which tells its start as Moment does (the client's clock for a remote
	// hearing), or a bare time, told on its own clock.
	moment := func(v any) (Moment, error) {
		switch x := v.(type) {
		case Notice:
			return x.Moment(), nil
		case Moment:
			return x, nil
		case time.Time:
			return Moment{Start: x}, nil
		default:
			return Moment{}, fmt.Errorf("want a notice or a time, got %T", v)
		}
	}
	noYear := func(t time.Time) string {
		if lang == "es" {
			return fmt.Sprintf("%s %d de %s", w.weekdays[t.Weekday()], t.Day(), w.months[t.Month()-1])
		}
		return fmt.Sprintf("%s, %s %d", w.weekdays[t.Weekday()], w.months[t.Month()-1], t.Day())
	}
	return template.FuncMap{
		// date: "Tuesday, February 9, 2027" / "martes 9 de febrero de 2027"; weekday: without the year.
		"date": func(v any) (string, error) {
			m, err := moment(v)
			return w.date(w, m.Local()), err
		},
		"weekday": func(v any) (string, error) {
			m, err := moment(v)
			return noYear(m.Local()), err
		},
		// clock: "8:00 AM El Paso time (9:00 AM in Dallas)" for a notice (see Moment.Clock); "1:00 PM CST" for a time.
		"clock": func(v any) (string, error) {
			if t, ok := v.(time.Time); ok {
				return clock(t), nil
			}
			m, err := moment(v)
			return m.Clock(lang), err
		},
		// named: the time with its place named, "1:00 PM Dallas time", or both clocks as clock gives them.
		"named": func(n Notice) string { return n.Moment().Named(lang) },
		// formal: court time with its abbreviation and place, and the client's when a remote hearing splits them.
		"formal": func(v any) (string, error) {
			m, err := moment(v)
			return m.Formal(lang), err
		},
		// when: "tomorrow" / "mañana", "today" / "hoy", or "".
		"when": func(n Notice) string { return n.Moment().When(lang, n.Now) },
		// day: "January 26" / "26 de enero", and hour: "8:30 AM" / "8:30 a. m.", for a date set in context.
		"day": func(v any) (string, error) {
			m, err := moment(v)
			t := m.Local()
			if lang == "es" {
				return fmt.Sprintf("%d de %s", t.Day(), w.months[t.Month()-1]), err
			}
			return fmt.Sprintf("%s %d", w.months[t.Month()-1], t.Day()), err
		},
		"hour": func(v any) (string, error) {
			m, err := moment(v)
			return w.hour(m.Local()), err
		},
		// at: "at 8:00 AM El Paso time (9:00 AM in Dallas)" / "a las 8:00 a. m., hora de El Paso (9:00 a. m. en
		// Dallas)" for a notice; "at 1:00 PM CST" for a time.
		"at": func(v any) (string, error) {
			if t, ok := v.(time.Time); ok {
				return w.at(clock(t), t), nil
			}
			m, err := moment(v)
			return m.At(lang), err
		},
		// kind: the hearing type as a text names it: "hearing", "final hearing" / "audiencia", "audiencia final".
		"kind": func(t docket.HearingType) string { return lookup(w.kinds, string(t)) },
		// addr: the address as a text gives it, "1100 Commerce St #1060, Dallas".
		"addr": smsAddress,
		// placed: whether the notice's time names a place (a comma follows it in a text); link: whether a text's
		// where ends with the WebEx link, after which no full stop goes (some phones would take it into the link).
		"placed": func(n Notice) bool { return n.Moment().Placed() },
		"link":   func(n Notice) bool { return !n.ToContact && n.Online() && n.WebEx != "" },
		// why: the reason a person could not be reached, in the language.
		"why": func(reason string) string { return lookup(w.whys, reason) },
		// detained: whether any of the people is in custody.
		"detained": func(people []Person) bool {
			return slices.ContainsFunc(people, func(p Person) bool { return p.Detained })
		},
		// org: the name a text begins with.
		"org": func(n Notice) string {
			if n.OrgShort != "" {
				return n.OrgShort
			}
			return n.OrgName
		},
		// helpPhone: the number to call with questions: counsel's, or the office's.
		"helpPhone": func(n Notice) string {
			if n.HasCounsel() && n.CounselPhone != "" {
				return formatPhone(n.CounselPhone)
			}
			return formatPhone(n.OrgPhone)
		},
		// greet: the name to greet the recipient by.
		"greet": func(n Notice) string {
			if n.Greeting != "" {
				return n.Greeting
			}
			return firstName(n.Recipient)
		},
		// hearingType and medium translate the codes; an unknown code is shown as it is.
		"hearingType": func(t docket.HearingType) string { return lookup(w.types, string(t)) },
		"medium":      func(m docket.Medium) string { return lookup(w.media, string(m)) },
		// names: "Rosa, José y Daniela Castillo" from the people's full names.
		"names": func(people []Person) string {
			s := make([]string, len(people))
			for i, p := range people {
				s[i] = p.Name
			}
			return join(s)
		},
		// firstNames: "Rosa, José y Daniela", for texts, where a family shares a surname.
		"firstNames": func(people []Person) string {
			s := make([]string, len(people))
			for i, p := range people {
				s[i] = p.Greeting
				if s[i] == "" {
					s[i] = firstName(p.Name)
				}
			}
			return join(s)
		},
		"first": firstName,
		// phone: "(214) 555-0100" for a US number in E.164; other numbers are shown as given.
		"phone": formatPhone,
		// short: "1100 Commerce St, Ste 1060" for texts.
		"short": streetWords.Replace,
		// pick: the n-th (from 0) of the choices, for a language that spells its own weekdays:
		// {{pick .Start.Weekday "dimanch" "lendi" ...}}; months count from 1, so start with an empty choice.
		"pick": func(n any, choices ...string) (string, error) {
			var i int
			switch v := n.(type) {
			case int:
				i = v
			case time.Weekday:
				i = int(v)
			case time.Month:
				i = int(v)
			default:
				return "", fmt.Errorf("pick: want a number, got %T", n)
			}
			if i < 0 || i >= len(choices) {
				return "", fmt.Errorf("pick: %d is out of range of %d choices", i, len(choices))
			}
			return choices[i], nil
		},
	}
}

func lookup(m map[string]string, code string) string {
	if s, ok := m[code]; ok {
		return s
	}
	return code
}

// firstName is the name a person is greeted by when none is given: docket.PersonName's, so a template greets
// "Castillo, Rosa Elena" as the store and the planner do, by "Rosa".
func firstName(name string) string {
	_, greeting := docket.PersonName(name)
	return greeting
}

func formatPhone(p string) string {
	if len(p) == 12 && strings.HasPrefix(p, "+1") && strings.Trim(p[1:], "0123456789") == "" {
		return fmt.Sprintf("(%s) %s-%s", p[2:5], p[5:8], p[8:])
	}
	return p
}

// MaxSMSSegments is where check starts to warn: beyond three segments a text costs more and some older phones
// show it in pieces.
const MaxSMSSegments = 3

// Problem is something check reports about the templates; none of them stops the daemon.
type Problem struct {
	Language string
	Template string // e.g. "reminder.sms"; empty when the problem is the whole language
	Message  string
}

// String formats the problem as check prints it: "templates: es/reminder.sms: ...".
func (p Problem) String() string {
	if p.Template == "" {
		return "templates: language " + p.Language + ": " + p.Message
	}
	return "templates: " + p.Language + "/" + p.Template + ": " + p.Message
}

// CheckTemplates renders every template of every language with SampleNotices and reports what a person should
// look at: render errors, texts over MaxSMSSegments, and languages (those of t and those in wanted, typically the
// languages of the configured clients) that lack templates and will get English.
func CheckTemplates(t *Templates, wanted ...string) []Problem {
	var out []Problem
	langs := t.Languages()
	for _, w := range wanted {
		if w = BaseLanguage(w); w != "" && !slices.Contains(langs, w) {
			langs = append(langs, w)
		}
	}
	slices.Sort(langs)
	for _, lang := range langs {
		missing := t.Missing(lang)
		switch {
		case len(missing) == templateCount():
			out = append(out, Problem{Language: lang, Message: "no templates, English will be used"})
			continue
		case len(missing) > 0:
			for _, m := range missing {
				out = append(out, Problem{Language: lang, Template: m, Message: "missing, English will be used"})
			}
		}
		seen := map[string]bool{}
		for _, n := range SampleNotices(lang) {
			name := templateName(n.Kind, n.Channel)
			if slices.Contains(missing, name) {
				continue
			}
			m, err := t.Render(n)
			if err != nil {
				if !seen[name] {
					out = append(out, Problem{Language: lang, Template: name, Message: err.Error()})
					seen[name] = true
				}
				continue
			}
			if n.Channel != docket.SMS {
				continue
			}
			if !seen[name+"/optout"] && !namesOptOut(m.Text) {
				out = append(out, Problem{Language: lang, Template: name,
					Message: "the text tells no way to stop the texts (e.g. \"Reply STOP to opt out\")"})
				seen[name+"/optout"] = true
			}
			enc, count := docket.Segments(m.Text)
			limit, which := MaxWorstSMSSegments, "the longest sample text"
			if common(n) {
				limit, which = MaxSMSSegments, "the common text (one client, in person)"
			}
			if count > limit && !seen[name] {
				msg := fmt.Sprintf("%s takes %d segments in %s; aim for %d or fewer", which, count, enc, limit)
				if r, ok := docket.FirstNonGSM(m.Text); ok {
					msg += fmt.Sprintf(" (%q forces UCS-2)", r)
				}
				out = append(out, Problem{Language: lang, Template: name, Message: msg})
				seen[name] = true
			}
		}
	}
	return out
}

// MaxWorstSMSSegments is where check warns for the longest sample of a text (a family of four, a remote hearing
// across zones with its link): longer texts are rare, but each costs every segment.
const MaxWorstSMSSegments = 5

// common reports whether n is the sample of the common reminder: one client, in person.
func common(n Notice) bool {
	return n.Kind == docket.KindReminder && !n.ToCounsel && !n.ToContact && !n.Household() &&
		n.Medium == docket.MediumInPerson && n.CourtName == "Dallas"
}

// SMSSize is what one text template costs, measured on SampleNotices.
type SMSSize struct {
	Template         string // "reminder.sms"
	Common, Worst    int    // segments of the common case and of the longest sample
	Encoding         string // of the longest sample
	Characters       int    // of the longest sample
	WorstRecipient   string // whom the longest sample is for, to say which case it is
	CommonCharacters int
}

// SMSSizes measures every text template of lang on its samples, for check to report.
func SMSSizes(t *Templates, lang string) []SMSSize {
	byName := map[string]*SMSSize{}
	var order []string
	for _, n := range SampleNotices(lang) {
		if n.Channel != docket.SMS {
			continue
		}
		name := templateName(n.Kind, n.Channel)
		m, err := t.Render(n)
		if err != nil {
			continue
		}
		enc, count := docket.Segments(m.Text)
		sz := byName[name]
		if sz == nil {
			sz = &SMSSize{Template: name}
			byName[name] = sz
			order = append(order, name)
		}
		if common(n) {
			sz.Common, sz.CommonCharacters = count, len([]rune(m.Text))
		}
		if count > sz.Worst {
			sz.Worst, sz.Encoding, sz.Characters, sz.WorstRecipient = count, enc, len([]rune(m.Text)), n.Recipient
		}
	}
	out := make([]SMSSize, 0, len(order))
	for _, name := range order {
		out = append(out, *byName[name])
	}
	return out
}

// optOutWords are the keywords a text may offer for stopping; Twilio acts on the English ones, the webhook on the
// Spanish ones.
var optOutWords = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "ALTO",
	"PARAR", "CANCELAR", "BAJA"}

// namesOptOut reports whether text offers an opt-out keyword, written in capitals as a word of its own.
func namesOptOut(text string) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if slices.Contains(optOutWords, w) {
			return true
		}
	}
	return false
}

// SampleNotices returns realistic notices in lang for every kind and channel, the cases a template must handle
// among them, with names as real offices have them (accents, which force UCS-2): the common reminder (one client,
// in person, with counsel) first, then a household of four, a client in El Paso joining a Dallas WebEx hearing, a
// Dallas client with an in-person hearing at El Paso (another zone), a long court name and address, the contact
// person of a detained client, and email to a client, a family, counsel and a contact.
func SampleNotices(lang string) []Notice {
	central, mountain := mustZone("America/Chicago"), mustZone("America/Denver")
	start := time.Date(2027, 2, 9, 13, 0, 0, 0, central)
	base := Notice{
		Language:     lang,
		OrgName:      "North Texas Immigrant Legal Aid",
		OrgShort:     "NTX Legal Aid",
		OrgPhone:     "+12145550100",
		CounselName:  "Lucía Fernández",
		CounselPhone: "+12145550142",
		HearingType:  "master",
		Medium:       "in_person",
		CourtName:    "Dallas",
		CourtPlace:   "Dallas",
		CourtAddress: "1100 Commerce Street, Suite 1060",
		CourtCity:    "Dallas, TX 75242",
		CourtPhone:   "+12147675000",
		Judge:        "Example, Judge",
		WebEx:        "https://eoir.webex.com/meet/IJ.Example",
		Location:     central,
		Home:         central,
		Start:        start,
		OldStart:     time.Date(2027, 1, 26, 8, 30, 0, 0, central),
		Now:          start.Add(-27 * time.Hour), // the day before, at 10:00
	}
	client := base
	client.Recipient = "María Hernández"
	client.To = "+12145550111"
	client.Confirm = true
	client.People = []Person{{Name: "María Hernández", ANumber: "201555111", Reach: "confirmed"}}

	household := base
	household.Recipient = "Rosa Elena Castillo Ramírez"
	household.Greeting = "Rosa"
	household.To = "+12145550123"
	household.Confirm = true
	household.People = []Person{
		{Name: "Rosa Elena Castillo Ramírez", Greeting: "Rosa", ANumber: "201555123", Reach: "confirmed"},
		{Name: "José Castillo Vega", ANumber: "201555124", Reach: "reached"},
		{Name: "Daniela Castillo Ramírez", ANumber: "201555125", Reach: "unreached", Why: "no phone"},
		{Name: "Mateo Castillo Ramírez", ANumber: "201555126"},
	}

	remote := base
	remote.Recipient = "Carmen López"
	remote.To = "+19155550188"
	remote.Confirm = true
	remote.People = []Person{{Name: "Carmen López", ANumber: "201555888"}}
	remote.Medium = "internet"
	remote.HearingType = "individual"
	remote.Home, remote.HomePlace = mountain, "El Paso"
	remote.Start = time.Date(2027, 3, 16, 9, 0, 0, 0, central) // after the March change: CDT and MDT
	remote.OldStart = time.Date(2027, 3, 2, 9, 0, 0, 0, central)
	remote.Now = remote.Start.AddDate(0, 0, -7)
	remote.CounselName, remote.CounselPhone = "", ""

	elPaso := base
	elPaso.Recipient = "Mario Ramírez Soto"
	elPaso.To = "+12145550177"
	elPaso.Confirm = true
	elPaso.People = []Person{{Name: "Mario Ramírez Soto", ANumber: "201555777"}}
	elPaso.HearingType = "individual"
	elPaso.CourtName, elPaso.CourtPlace = "El Paso", "El Paso"
	elPaso.CourtAddress = "700 E. San Antonio Avenue, Suite 750"
	elPaso.CourtCity = "El Paso, TX 79901"
	elPaso.CourtPhone = "+19155346020"
	elPaso.Location = mountain
	elPaso.Start = time.Date(2027, 3, 16, 9, 0, 0, 0, mountain)
	elPaso.OldStart = time.Date(2027, 3, 2, 9, 0, 0, 0, mountain)
	elPaso.Now = elPaso.Start.AddDate(0, 0, -3)

	long := base
	long.Recipient = "Guadalupe Martínez Ibáñez"
	long.To = "+13235550199"
	long.Confirm = true
	long.People = []Person{{Name: "Guadalupe Martínez Ibáñez", ANumber: "201555199"}}
	long.HearingType = "individual"
	long.CourtName, long.CourtPlace = "Los Angeles - N. Los Angeles Street", "Los Angeles"
	long.CourtAddress = "300 North Los Angeles Street, Room 4330"
	long.CourtCity = "Los Angeles, CA 90012"
	long.Location = mustZone("America/Los_Angeles")
	long.Home = long.Location
	long.Start = time.Date(2027, 2, 9, 8, 30, 0, 0, long.Location)
	long.Now = long.Start.AddDate(0, 0, -7)

	contact := base
	contact.Recipient = "Ana Morales"
	contact.To = "+12145550155"
	contact.ToContact = true
	contact.People = []Person{{Name: "Luis Morales Díaz", ANumber: "201555155", Detained: true}}
	contact.Medium = "video"
	contact.Now = time.Time{}

	counsel := household
	counsel.Recipient = "Lucía Fernández"
	counsel.To = "lucia.fernandez@example.org"
	counsel.ToCounsel = true
	counsel.Confirm = false
	counsel.Invitation = true
	counsel.Now = time.Time{}
	familyMail := household
	familyMail.To = "rosa.castillo@example.com"
	familyMail.Confirm = false
	remoteMail := remote
	remoteMail.To = "carmen.lopez@example.com"
	remoteMail.Confirm = false
	counselDetained := contact
	counselDetained.ToContact, counselDetained.ToCounsel = false, true
	counselDetained.Recipient, counselDetained.To = "Lucía Fernández", "lucia.fernandez@example.org"
	contactMail := contact
	contactMail.To = "ana.morales@example.com"

	var out []Notice
	for _, k := range docket.Kinds {
		for _, n := range []Notice{client, household, remote, elPaso, long, contact} {
			n.Kind, n.Channel = k, docket.SMS
			n.Confirm = n.Confirm && k == docket.KindReminder // as the renderer asks: only reminders ask for YES
			n.Key = fmt.Sprintf("sample-%s-sms-%d", k, len(out))
			out = append(out, n)
		}
		for _, n := range []Notice{familyMail, counsel, remoteMail, counselDetained, contactMail} {
			n.Kind, n.Channel = k, docket.Email
			n.Key = fmt.Sprintf("sample-%s-email-%d", k, len(out))
			out = append(out, n)
		}
	}
	for _, k := range docket.Kinds {
		for _, n := range []Notice{client, household, remote, elPaso, contact} {
			n.Kind, n.Channel = k, docket.Voice
			n.Confirm = n.Confirm && k == docket.KindReminder // a call asks to press 1 for reminders only
			n.Key = fmt.Sprintf("sample-%s-voice-%d", k, len(out))
			out = append(out, n)
		}
	}
	return append(out, deadlineSamples(counsel)...)
}

// mustZone loads a zone the samples need; the package imports time/tzdata, so it cannot fail.
func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
