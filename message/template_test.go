package message

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func mustLoad(t *testing.T, dir string) *Templates {
	t.Helper()
	ts, err := LoadTemplates(dir)
	if err != nil {
		t.Fatalf("LoadTemplates(%q): %v", dir, err)
	}
	return ts
}

// variant names a sample for its golden file.
func variant(n Notice) string {
	switch {
	case n.ToCounsel && n.People[0].Detained:
		return "counsel-detained"
	case n.ToCounsel:
		return "counsel"
	case n.ToContact:
		return "contact"
	case n.Household():
		return "household"
	case n.Online():
		return "remote"
	case n.CourtName == "El Paso":
		return "elpaso"
	case strings.HasPrefix(n.CourtName, "Los Angeles"):
		return "longcourt"
	}
	return "client"
}

// goldenCases are the samples plus the media the samples leave out.
func goldenCases() map[string]Notice {
	cases := map[string]Notice{}
	for _, lang := range []string{"en", "es"} {
		samples := SampleNotices(lang)
		for _, n := range samples {
			cases[fmt.Sprintf("%s/%s.%s.%s", lang, n.Kind, n.Channel, variant(n))] = n
		}
		video, phone := samples[2], samples[2]
		video.Medium, phone.Medium = "video", "telephone"
		cases[lang+"/reminder.sms.video"] = video
		cases[lang+"/reminder.sms.telephone"] = phone
	}
	return cases
}

func describe(m docket.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "key: %s\nchannel: %s\nto: %s\nlanguage: %s\n", m.Key, m.Channel, m.To, m.Language)
	if m.Channel == docket.SMS {
		enc, n := docket.Segments(m.Text)
		fmt.Fprintf(&b, "encoding: %s\nsegments: %d\n", enc, n)
	} else {
		fmt.Fprintf(&b, "subject: %s\n", m.Subject)
	}
	fmt.Fprintf(&b, "----- text -----\n%s\n", strings.TrimSuffix(m.Text, "\n"))
	if m.HTML != "" {
		fmt.Fprintf(&b, "----- html -----\n%s", m.HTML)
	}
	return b.String()
}

func TestRenderGolden(t *testing.T) {
	ts := mustLoad(t, "")
	for name, n := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			m, err := ts.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(m)
			path := filepath.Join("testdata", "golden", filepath.FromSlash(name)+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./notify -run TestRenderGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("render %s differs from %s:\n--- got ---\n%s\n--- want ---\n%s", name, path, got, want)
			}
		})
	}
}

// The common reminder (one client, in person, accented names) must fit MaxSMSSegments in both languages, even in
// UCS-2, and no sample of any built-in text may run past worstSMSSegments.
func TestBuiltinSMSFits(t *testing.T) {
	const worstSMSSegments = 5
	ts := mustLoad(t, "")
	for _, lang := range []string{"en", "es"} {
		for _, n := range SampleNotices(lang) {
			if n.Channel != docket.SMS {
				continue
			}
			m, err := ts.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			enc, count := docket.Segments(m.Text)
			limit := worstSMSSegments
			if n.Kind == docket.KindReminder && variant(n) == "client" {
				limit = MaxSMSSegments
				if enc != docket.UCS2 {
					t.Errorf("%s: the common sample must carry an accented name (UCS-2), got %s", lang, enc)
				}
			}
			if count > limit {
				t.Errorf("%s %s %s: %d segments in %s, want at most %d:\n%s", lang, n.Kind, variant(n), count, enc, limit, m.Text)
			}
		}
	}
}

// What each reader must be told, over kind × channel × language × case: a property per case, so that a golden
// file rewritten without reading cannot hide a wrong message.
func TestWhatEachReaderIsTold(t *testing.T) {
	ts := mustLoad(t, "")
	for _, lang := range []string{"en", "es"} {
		for _, n := range SampleNotices(lang) {
			name := fmt.Sprintf("%s/%s.%s.%s", lang, n.Kind, n.Channel, variant(n))
			t.Run(name, func(t *testing.T) { tellsReader(t, ts, lang, n) })
		}
	}
}

// tellsReader checks what one sample's message tells its reader.
func tellsReader(t *testing.T, ts *Templates, lang string, n Notice) {
	m, err := ts.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	all := m.Subject + "\n" + m.Text
	has := func(want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("lacks %q:\n%s", w, all)
			}
		}
	}
	hasNot := func(bad ...string) {
		t.Helper()
		for _, w := range bad {
			if strings.Contains(all, w) {
				t.Errorf("says %q:\n%s", w, all)
			}
		}
	}
	// Never an abbreviation alone for a client, never Spain's Spanish, never the unaccented SI.
	if !n.ToCounsel {
		hasNot(" CST", " CDT", " MST", " MDT", " PST")
	}
	if lang == "es" {
		hasNot("le deporten", "los deporten", " SI ", "PM", "AM ")
	}
	// The WebEx link only for a hearing online, and never said by a call, where a link cannot be followed.
	if n.Online() && !n.ToContact && n.Kind != docket.KindCancelled && n.Channel != docket.Voice {
		has(n.WebEx)
	} else if !n.Online() {
		hasNot(n.WebEx)
	}
	tellsCase(t, lang, n, has, hasNot)
	if n.Channel == docket.SMS && n.Kind == docket.KindReminder && n.Confirm {
		has(map[string]string{"en": "YES", "es": "SÍ"}[lang])
	}
	if n.Channel == docket.Voice {
		// A call says the date and time twice, offers to repeat and to call back, and spells out no abbreviation.
		has(map[string]string{"en": "Press 2", "es": "Marque 2"}[lang], map[string]string{"en": "Press 9", "es": "Marque 9"}[lang])
		if n.Kind != docket.KindCancelled && strings.Count(all, n.Moment().Date(lang)) < 2 {
			t.Errorf("the date is said fewer than twice:\n%s", all)
		}
		hasNot(" St ", " St,", " Ste ", "#", " AM", " PM", "a. m.", "p. m.")
		if n.Kind == docket.KindReminder && n.Confirm {
			has(map[string]string{"en": "Press 1", "es": "Marque 1"}[lang])
		}
		if n.ToContact {
			hasNot("Press 1", "Marque 1")
		}
	}
	if n.Channel == docket.SMS && n.Kind == docket.KindReminder && variant(n) == "client" {
		has(map[string]string{"en": "tomorrow", "es": "mañana"}[lang], "María")
	}
	if n.ToCounsel && n.Kind == docket.KindRescheduled {
		if n.Invitation {
			has(map[string]string{"en": "invitation attached", "es": "invitación de calendario adjunta"}[lang])
		}
		n.Invitation = false
		m, err := ts.Render(n)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.Text, "adjunta") || strings.Contains(m.Text, "attached") {
			t.Errorf("no invitation, yet the email says one is attached:\n%s", m.Text)
		}
	}
}

// tellsCase checks what the case of a sample (remote, household, detained…) must tell.
func tellsCase(t *testing.T, lang string, n Notice, has, hasNot func(...string)) {
	t.Helper()
	switch variant(n) {
	case "remote":
		// The client's clock first, the court's beside it.
		if n.Channel == docket.Voice && n.Kind != docket.KindCancelled {
			has(map[string]string{"en": "8 in the morning, El Paso time, which is 9 in the morning in Dallas",
				"es": "las 8 de la mañana, hora de El Paso, que son las 9 de la mañana en Dallas"}[lang])
		} else if n.Kind != docket.KindCancelled || n.Channel == docket.SMS {
			has(map[string]string{"en": "8:00 AM El Paso time (9:00 AM in Dallas)",
				"es": "8 a. m., hora de El Paso (9 a. m. en Dallas)"}[lang])
		}
		hasNot("Commerce St")
	case "elpaso":
		if n.Channel == docket.Voice {
			if n.Kind != docket.KindCancelled {
				has(map[string]string{"en": "9 in the morning, El Paso time", "es": "las 9 de la mañana, hora de El Paso"}[lang])
			}
			break
		}
		has(map[string]string{"en": "9:00 AM El Paso time", "es": "9 a. m., hora de El Paso"}[lang])
	case "household":
		has("Rosa", "José", "Daniela", "Mateo")
	case "contact":
		// The contact person of a detained client is told whose hearing, never to travel.
		has("Luis")
		hasNot("Plan your trip", "Planee cómo llegar", "arrive at least", "Llegue por lo menos", "YES", "SÍ:")
	case "counsel-detained":
		has(map[string]string{"en": "DETAINED", "es": "DETENIDO/A"}[lang], "A201-555-155")
	case "counsel":
		has("A201-555-123", "A201-555-126", "Example, Judge",
			map[string]string{"en": "1:00 PM CST", "es": "1 p. m. CST"}[lang],
			map[string]string{"en": "NOT REACHED (no phone)", "es": "NO SE LE PUDO AVISAR (sin teléfono)"}[lang])
	case "client", "longcourt":
		if n.Channel == docket.SMS && n.Kind == docket.KindReminder {
			has(map[string]string{"en": "Plan your trip", "es": "Planee cómo llegar"}[lang])
		}
	}
}

func TestRenderZoneOfHearingDay(t *testing.T) {
	ts := mustLoad(t, "")
	denver, err := time.LoadLocation("America/Denver")
	if err != nil {
		t.Fatal(err)
	}
	// A Dallas client's El Paso hearing on the Tuesday after the change to daylight time, given as a UTC instant
	// (as the store keeps it): the court's clock, named, and MDT for counsel.
	base := SampleNotices("en")[3]
	base.Start = time.Date(2027, 3, 16, 15, 0, 0, 0, time.UTC)
	base.OldStart = time.Date(2027, 3, 2, 16, 0, 0, 0, time.UTC)
	base.Location = denver
	tests := []struct {
		lang    string
		kind    docket.Kind
		channel docket.Channel
		counsel bool
		want    []string
	}{
		{"en", docket.KindReminder, docket.SMS, false, []string{"Tuesday, March 16 at 9:00 AM El Paso time"}},
		{"es", docket.KindReminder, docket.SMS, false, []string{"martes 16 de marzo a las 9 a. m., hora de El Paso"}},
		{"en", docket.KindRescheduled, docket.SMS, false, []string{"Tuesday, March 16, 2027 at 9:00 AM El Paso time", "Not March 2"}},
		{"es", docket.KindRescheduled, docket.SMS, false, []string{"martes 16 de marzo de 2027 a las 9 a. m., hora de El Paso", "Ya no es el 2 de marzo"}},
		{"en", docket.KindRescheduled, docket.Email, true, []string{"Tuesday, March 2, 2027, 9:00 AM MST El Paso time", "Tuesday, March 16, 2027, 9:00 AM MDT El Paso time"}},
		{"es", docket.KindRescheduled, docket.Email, true, []string{"martes 2 de marzo de 2027, 9 a. m. MST, hora de El Paso", "martes 16 de marzo de 2027, 9 a. m. MDT, hora de El Paso"}},
	}
	for _, tt := range tests {
		n := base
		n.Language, n.Kind, n.Channel, n.ToCounsel = tt.lang, tt.kind, tt.channel, tt.counsel
		m, err := ts.Render(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s %s %s: text lacks %q:\n%s", tt.lang, tt.kind, tt.channel, w, m.Text)
			}
		}
	}
}

func TestLocalFormats(t *testing.T) {
	central, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	one := time.Date(2027, 2, 9, 13, 0, 0, 0, central)
	nine := time.Date(2027, 11, 3, 9, 30, 0, 0, central)
	people := func(names ...string) []Person {
		var ps []Person
		for _, n := range names {
			ps = append(ps, Person{Name: n})
		}
		return ps
	}
	tests := []struct {
		lang, fn string
		arg      any
		want     string
	}{
		{"en", "date", one, "Tuesday, February 9, 2027"},
		{"es", "date", one, "martes 9 de febrero de 2027"},
		{"es", "date", nine, "miércoles 3 de noviembre de 2027"},
		{"en", "at", one, "at 1:00 PM CST"},
		{"es", "at", one, "a la 1:00 PM CST"},
		{"es", "at", nine, "a las 9:30 AM CDT"},
		{"es", "hour", one, "1 p. m."},
		{"es", "hour", nine, "9:30 a. m."},
		{"es", "weekday", one, "martes 9 de febrero"},
		{"ht", "date", one, "Tuesday, February 9, 2027"},
		{"en", "hearingType", "bond", "bond hearing"},
		{"es", "hearingType", "master", "audiencia preliminar"},
		{"es", "hearingType", "XYZ", "XYZ"},
		{"es", "medium", "telephone", "por teléfono"},
		{"en", "names", people("Rosa Castillo"), "Rosa Castillo"},
		{"en", "names", people("Rosa", "José", "Ana"), "Rosa, José and Ana"},
		{"es", "firstNames", people("Rosa Castillo", "José Castillo", "Ana Castillo"), "Rosa, José y Ana"},
		{"es", "firstNames", people("José Castillo", "Isabel Castillo"), "José e Isabel"},
		{"es", "firstNames", people("José Castillo", "Hilda Castillo"), "José e Hilda"},
		{"es", "firstNames", people("José Castillo", "Hierro Castillo"), "José y Hierro"},
		{"es", "first", "Castillo, Rosa Elena", "Rosa"},
		{"en", "phone", "+12145550142", "(214) 555-0142"},
		{"en", "phone", "+525512345678", "+525512345678"},
		{"en", "short", "700 E. San Antonio Avenue, Suite 750", "700 E. San Antonio Ave, Ste 750"},
		{"es", "firstNames", []Person{{Name: "Rosa Elena Castillo", Greeting: "Rosa Elena"}, {Name: "José Castillo"}}, "Rosa Elena y José"},
	}
	for _, tt := range tests {
		fn := funcs(tt.lang)[tt.fn]
		var got string
		switch f := fn.(type) {
		case func(any) (string, error):
			var err error
			if got, err = f(tt.arg); err != nil {
				t.Fatal(err)
			}
		case func(string) string:
			got = f(tt.arg.(string))
		case func(docket.HearingType) string:
			got = f(docket.HearingType(tt.arg.(string)))
		case func(docket.Medium) string:
			got = f(docket.Medium(tt.arg.(string)))
		case func([]Person) string:
			got = f(tt.arg.([]Person))
		default:
			t.Fatalf("%s: unexpected func type %T", tt.fn, fn)
		}
		if got != tt.want {
			t.Errorf("%s %s(%v) = %q, want %q", tt.lang, tt.fn, tt.arg, got, tt.want)
		}
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFallbackAndAddedLanguage(t *testing.T) {
	builtin := mustLoad(t, "")
	n := SampleNotices("ht")[0]
	m, err := builtin.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Language, "en"; got != want {
		t.Errorf("language of a ht notice without ht templates: got %q, want %q", got, want)
	}
	if got, want := len(builtin.Missing("ht")), 10; got != want { // 3 kinds × 3 channels (sms, email, voice), and counsel's deadline alarm
		t.Errorf("Missing(ht): got %d, want %d", got, want)
	}
	if got := builtin.Missing("es-MX"); len(got) != 0 {
		t.Errorf("Missing(es-MX): got %v, want none", got)
	}

	dir := writeFiles(t, map[string]string{
		"ht/reminder.sms.tmpl": `Bonjou {{first .Recipient}}: ou gen odyans {{pick .Start.Weekday "dimanch" "lendi" "madi" "mekredi" "jedi" "vandredi" "samdi"}} {{.Start.Day}} {{pick .Start.Month "" "janvye" "fevriye" "mas" "avril" "me" "jen" "jiye" "out" "septanm" "oktob" "novanm" "desanm"}}.`,
		"ht/common.tmpl":       `{{define "unused"}}x{{end}}`,
	})
	ts := mustLoad(t, dir)
	if got, want := ts.Languages(), []string{"en", "es", "ht"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Languages: got %v, want %v", got, want)
	}
	if got, want := len(ts.Missing("ht")), 9; got != want {
		t.Errorf("Missing(ht): got %d, want %d", got, want)
	}
	m, err = ts.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Text, "Bonjou María: ou gen odyans madi 9 fevriye."; got != want {
		t.Errorf("ht text: got %q, want %q", got, want)
	}
	if got, want := m.Language, "ht"; got != want {
		t.Errorf("ht language: got %q, want %q", got, want)
	}
	n.Kind = docket.KindCancelled
	m, err = ts.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Language, "en"; got != want {
		t.Errorf("ht cancelled falls back: got %q, want %q", got, want)
	}
}

func TestOverrideCommonLayersOverBuiltin(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"es/common.tmpl": `{{define "sms-footer"}}Responda ALTO para no recibir mensajes.{{end}}`,
	})
	ts := mustLoad(t, dir)
	n := SampleNotices("es")[0]
	m, err := ts.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(m.Text, "\nResponda ALTO para no recibir mensajes.") {
		t.Errorf("override of sms-footer not used:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, "Si falta, pueden ordenar su deportación") {
		t.Errorf("built-in definitions lost by the override:\n%s", m.Text)
	}
}

func TestLoadTemplatesErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"typo in name", map[string]string{"es/remider.sms.tmpl": "x"}, "unknown template"},
		{"wrong extension", map[string]string{"es/reminder.sms.txt": "x"}, "unknown template"},
		{"region folder", map[string]string{"es-MX/reminder.sms.tmpl": "x"}, "lowercase base language"},
		{"parse error", map[string]string{"ht/reminder.sms.tmpl": "{{if .Household}}x"}, "reminder.sms.tmpl"},
		{"unknown function", map[string]string{"ht/reminder.sms.tmpl": "{{fecha .Start}}"}, `function "fecha" not defined`},
		{"email without subject", map[string]string{"ht/reminder.email.tmpl": `{{define "text"}}x{{end}}`}, `must define "subject"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadTemplates(writeFiles(t, tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	ts := mustLoad(t, "")
	good := SampleNotices("en")[0]
	noStart := good
	noStart.Start = time.Time{}
	badKind := good
	badKind.Kind = "reminded"
	badChannel := good
	badChannel.Channel = "fax"
	for name, n := range map[string]Notice{"no start": noStart, "bad kind": badKind, "bad channel": badChannel} {
		if _, err := ts.Render(n); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

func TestAChangeOfPlaceOnlyNamesNoFormerTime(t *testing.T) {
	ts := mustLoad(t, "")
	for _, lang := range []string{"en", "es"} {
		for _, ch := range []docket.Channel{docket.SMS, docket.Email} {
			n := SampleNotices(lang)[0]
			n.Kind, n.Channel, n.OldStart, n.Medium = docket.KindRescheduled, ch, time.Time{}, "internet"
			m, err := ts.Render(n)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, ch, err)
			}
			for _, bad := range []string{"0001", "NEW DATE", "NUEVA FECHA", "Previously", "Antes:", "(was", "(antes"} {
				if strings.Contains(m.Text+m.Subject, bad) {
					t.Errorf("%s %s: a change of place only says %q:\n%s", lang, ch, bad, m.Text)
				}
			}
		}
	}
}

func TestHTMLIsEscaped(t *testing.T) {
	ts := mustLoad(t, "")
	n := SampleNotices("en")[7] // email to counsel
	n.Medium = "internet"
	n.People = []Person{{Name: `<b>Rosa</b> & "family"`, ANumber: "201555123"}}
	n.WebEx = "javascript:alert(1)"
	m, err := ts.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<b>Rosa") || strings.Contains(m.HTML, `href="javascript:`) {
		t.Errorf("HTML not escaped:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, "&lt;b&gt;Rosa&lt;/b&gt; &amp; &#34;family&#34;") {
		t.Errorf("escaped name missing:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, `<b>Rosa</b> & "family"`) {
		t.Errorf("the text part must stay unescaped:\n%s", m.Text)
	}
}

func TestCheckTemplates(t *testing.T) {
	if got := CheckTemplates(mustLoad(t, ""), "es", "en-US"); len(got) != 0 {
		t.Errorf("built-in templates: got problems %v, want none", got)
	}
	got := CheckTemplates(mustLoad(t, ""), "ht")
	if len(got) != 1 || got[0].String() != "templates: language ht: no templates, English will be used" {
		t.Errorf("language without templates: got %v", got)
	}

	dir := writeFiles(t, map[string]string{
		"pt/reminder.sms.tmpl":    "Olá {{.Recipient}}, sua audiência é em {{date .Start}}. " + strings.Repeat("Não falte à audiência. ", 10),
		"pt/cancelled.sms.tmpl":   "{{.Nope}}",
		"pt/rescheduled.sms.tmpl": "Nova data: {{date .Start}}. Responda STOP para sair.",
		"pt/cancelled.email.tmpl": `{{define "subject"}}x{{end}}{{define "text"}}y{{end}}`,
	})
	problems := CheckTemplates(mustLoad(t, dir))
	var lines []string
	for _, p := range problems {
		lines = append(lines, p.String())
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{
		"templates: pt/reminder.email: missing, English will be used",
		"templates: pt/reminder.sms: the common text (one client, in person) takes 5 segments in UCS-2; aim for 3 or fewer ('á' forces UCS-2)",
		"templates: pt/cancelled.sms: render " + filepath.Join(dir, "pt", "cancelled.sms.tmpl"),
		"can't evaluate field Nope",
		"templates: pt/reminder.sms: the text tells no way to stop the texts",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q; got:\n%s", want, all)
		}
	}
	if strings.Contains(all, "rescheduled.sms") {
		t.Errorf("a short template was reported:\n%s", all)
	}
}
