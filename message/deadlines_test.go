package message

import (
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// Counsel's reminder email names the filing deadlines it is given, in both languages; a client's never does.
func TestCounselReminderNamesTheFilingDeadline(t *testing.T) {
	ts := mustLoad(t, "")
	d := Deadline{Rule: "individual-filings", What: "Filings for the individual hearing", Short: "Filing deadline",
		Due: time.Date(2027, 2, 16, 0, 0, 0, 0, time.UTC), Safe: time.Date(2027, 2, 12, 0, 0, 0, 0, time.UTC),
		Days: 30, Authority: "Practice Manual ch. 3.1(b)(2) and Appendix C"}
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Filing deadline: Tuesday, February 16, 2027; safe date Friday, February 12, 2027. Filings for the individual hearing (Practice Manual ch. 3.1(b)(2) and Appendix C)."}},
		{"es", []string{"Plazo de presentación: martes 16 de febrero de 2027; fecha segura: viernes 12 de febrero de 2027. Escritos y pruebas para la audiencia individual"}},
	} {
		for _, n := range SampleNotices(tt.lang) {
			if n.Kind != docket.KindReminder || n.Channel != docket.Email {
				continue
			}
			n.Deadlines = []Deadline{d}
			m, err := ts.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if got := strings.Contains(m.Text, want); got != n.ToCounsel {
					t.Errorf("%s %s: names the deadline %v, want %v:\n%s", tt.lang, variant(n), got, n.ToCounsel, m.Text)
				}
				if n.ToCounsel && !strings.Contains(m.HTML, "16") {
					t.Errorf("%s %s: the HTML lacks the deadline:\n%s", tt.lang, variant(n), m.HTML)
				}
			}
		}
	}
}

// The alarm is urgent, says the hearing moved earlier with both dates, and names each deadline, its safe date and
// its rule, in both languages.
func TestDeadlineAlarmSaysWhatAndWhen(t *testing.T) {
	ts := mustLoad(t, "")
	for lang, want := range map[string][]string{
		"en": {"URGENT: hearing moved earlier", "moved EARLIER", "New date: Tuesday, February 9, 2027",
			"Previously: Tuesday, March 9, 2027", "Filing deadline: Monday, January 25, 2027 (PASSED)",
			"Safe date: Friday, January 22, 2027", "Before the move: Monday, February 22, 2027",
			"Rule: Immigration Court Practice Manual ch. 3.1(b)(1)", "A201-555-123"},
		"es": {"URGENTE: audiencia adelantada", "se ADELANTÓ", "Nueva fecha: martes 9 de febrero de 2027",
			"martes 9 de marzo de 2027", "Plazo de presentación: lunes 25 de enero de 2027 (VENCIDO)",
			"Fecha segura: viernes 22 de enero de 2027", "Antes del cambio: lunes 22 de febrero de 2027",
			"Norma: Immigration Court Practice Manual ch. 3.1(b)(1)", "A201-555-123"},
	} {
		var found bool
		for _, n := range SampleNotices(lang) {
			if n.Kind != docket.KindDeadline {
				continue
			}
			found = true
			m, err := ts.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			all := m.Subject + "\n" + m.Text
			for _, w := range want {
				if !strings.Contains(all, w) {
					t.Errorf("%s: lacks %q:\n%s", lang, w, all)
				}
			}
			// A deadline still ahead is told as near, not passed.
			n.Deadlines[0].Passed = false
			if m, err = ts.Render(n); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(m.Subject+m.Text, "PASSED") || strings.Contains(m.Subject+m.Text, "VENCIDO") {
				t.Errorf("%s: a deadline ahead is told as passed:\n%s", lang, m.Text)
			}
		}
		if !found {
			t.Errorf("%s: no sample of the deadline alarm", lang)
		}
	}
}

func TestDeadlineTemplateIsEmailOnly(t *testing.T) {
	dir := writeFiles(t, map[string]string{"es/deadline.sms.tmpl": "x"})
	if _, err := LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "unknown template") {
		t.Errorf("a deadline text template: got %v, want unknown template", err)
	}
}
