package reminder

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// alarmsTo returns the urgent emails (subject URGENT…/URGENTE…) sent to address.
func (f *fixture) alarmsTo(address string) []sentAt {
	var out []sentAt
	for _, s := range f.email.messages() {
		if s.msg.To == address && strings.HasPrefix(s.msg.Subject, "URGENT") {
			out = append(out, s)
		}
	}
	return out
}

// The Mendoza family's master hearing moves from March 14 to February 8: its 15-day filing deadline, February 28,
// becomes January 24, four days after the move. Counsel get one urgent email for the family, in their language, at
// the first minute outside quiet hours, naming the deadline and both dates; planning and sending again sends no
// second one.
func TestMovedEarlierOntoADeadlineAlarmsCounselOnce(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 11, 0, 0, 0, time.UTC) // 5:00 CST
	f := newFixture(t, t0)
	f.rules.Deadlines = true
	f.hearings(t, family(time.Date(2028, 3, 14, 8, 30, 0, 0, chicago))...)
	f.runUntil(t, t0)
	f.clock.Advance(time.Hour)
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))...)
	f.runUntil(t, t0.Add(12*time.Hour))
	f.runUntil(t, t0.Add(13*time.Hour))

	alarms := f.alarmsTo("lf@example.org")
	if len(alarms) != 1 {
		t.Fatalf("alarms to counsel: got %d, want 1 for the family", len(alarms))
	}
	a := alarms[0]
	if got, want := a.at.In(chicago).Format("2006-01-02 15:04"), "2028-01-20 08:00"; got != want {
		t.Errorf("sent at %s, want %s (the end of quiet hours)", got, want)
	}
	for _, want := range []string{"URGENTE: audiencia adelantada", "se ADELANTÓ", "martes 8 de febrero de 2028",
		"martes 14 de marzo de 2028", "Plazo de presentación: lunes 24 de enero de 2028 (en una semana o menos)",
		"Fecha segura: viernes 21 de enero de 2028", "Antes del cambio: lunes 28 de febrero de 2028",
		"Rosa Mendoza", "Mateo Mendoza", "A201-555-104"} {
		if !strings.Contains(a.msg.Subject+"\n"+a.msg.Text, want) {
			t.Errorf("alarm lacks %q:\n%s\n%s", want, a.msg.Subject, a.msg.Text)
		}
	}
	// No client is sent it.
	for _, s := range f.sms.messages() {
		if strings.Contains(s.msg.Text, "URGENT") {
			t.Errorf("a client got the alarm: %s", s.msg.Text)
		}
	}
	rows, err := f.db.OutboxRows(context.Background(), docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Kind == docket.KindDeadline {
			n++
			if r.Recipient != docket.ToAttorney || r.Channel != docket.Email || r.State != docket.StateSent {
				t.Errorf("alarm row: %+v", r)
			}
		}
	}
	if n != 4 {
		t.Errorf("alarm rows: got %d, want one per hearing of the family (sent as one email)", n)
	}
}

// A move earlier that leaves every deadline more than a week away, a move later, and a move with [deadlines] off
// raise no alarm.
func TestNoAlarmWithoutADeadlineBroughtClose(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 16, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		from, to time.Time
		on       bool
	}{
		{"earlier, deadline still far", time.Date(2028, 3, 14, 8, 30, 0, 0, chicago), time.Date(2028, 3, 7, 8, 30, 0, 0, chicago), true},
		{"later", time.Date(2028, 2, 8, 8, 30, 0, 0, chicago), time.Date(2028, 2, 10, 8, 30, 0, 0, chicago), true},
		{"deadlines off", time.Date(2028, 3, 14, 8, 30, 0, 0, chicago), time.Date(2028, 2, 8, 8, 30, 0, 0, chicago), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, t0)
			f.rules.Deadlines = tt.on
			f.hearings(t, family(tt.from)[0])
			f.clock.Advance(time.Hour)
			f.hearings(t, family(tt.to)[0])
			f.runUntil(t, t0.Add(24*time.Hour))
			if got := f.alarmsTo("lf@example.org"); len(got) != 0 {
				t.Errorf("got %d alarms, want none:\n%s", len(got), got[0].msg.Text)
			}
		})
	}
}

func TestAlarming(t *testing.T) {
	at := time.Date(2028, 1, 20, 16, 0, 0, 0, time.UTC)
	hearing := func(start string, typ docket.HearingType, m docket.Medium, ordered string) docket.Hearing {
		s, err := time.ParseInLocation("2006-01-02 15:04", start, chicago)
		if err != nil {
			t.Fatal(err)
		}
		return docket.Hearing{Start: s, Zone: "America/Chicago", Type: typ, Medium: m, FilingDeadline: ordered,
			Status: docket.StatusScheduled}
	}
	tests := []struct {
		name        string
		before, now docket.Hearing
		want        string
	}{
		{"master brought within a week", hearing("2028-03-14 08:30", "master", "in_person", ""),
			hearing("2028-02-08 08:30", "master", "in_person", ""), "master-filings@2028-01-24<2028-02-28"},
		{"individual brought past", hearing("2028-04-04 08:30", "individual", "in_person", ""),
			hearing("2028-02-08 08:30", "individual", "in_person", ""), "individual-filings@2028-01-10<2028-03-06"},
		{"internet hearing: both deadlines", hearing("2028-04-04 08:30", "individual", "internet", ""),
			hearing("2028-02-07 08:30", "individual", "internet", ""),
			"individual-filings@2028-01-10<2028-03-06 medium-request@2028-01-24<2028-03-20"},
		{"only the near one", hearing("2028-04-04 08:30", "individual", "internet", ""),
			hearing("2028-02-24 08:30", "individual", "internet", ""), "individual-filings@2028-01-25<2028-03-06"},
		{"still far", hearing("2028-04-04 08:30", "individual", "in_person", ""),
			hearing("2028-03-14 08:30", "individual", "in_person", ""), ""},
		// Due Jan 18 before the move and Jan 13 after: brought earlier, but it had passed already; the move
		// changed nothing counsel could still act on.
		{"already past before the move", hearing("2028-02-02 08:30", "master", "in_person", ""),
			hearing("2028-01-28 08:30", "master", "in_person", ""), ""},
		{"passed by the move", hearing("2028-02-08 08:30", "master", "in_person", ""),
			hearing("2028-01-28 08:30", "master", "in_person", ""), "master-filings@2028-01-13<2028-01-24"},
		{"moved later", hearing("2028-02-08 08:30", "master", "in_person", ""),
			hearing("2028-03-14 08:30", "master", "in_person", ""), ""},
		{"earlier the same day", hearing("2028-02-08 13:00", "master", "in_person", ""),
			hearing("2028-02-08 08:30", "master", "in_person", ""), ""},
		{"a judge's date does not move", hearing("2028-03-14 08:30", "individual", "in_person", "2028-02-25"),
			hearing("2028-02-08 08:30", "individual", "in_person", "2028-02-25"), ""},
		{"a judge's new date, brought close", hearing("2028-03-14 08:30", "individual", "in_person", "2028-02-25"),
			hearing("2028-02-08 08:30", "individual", "in_person", "2028-01-26"), "ordered@2028-01-26<2028-02-25"},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range alarming(tt.now, tt.before, at) {
			got = append(got, string(a.Rule)+"@"+a.Due.Format(time.DateOnly)+"<"+a.before.Format(time.DateOnly))
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, g, tt.want)
		}
	}
}

// Counsel's email reminder of an individual hearing names its filing deadline; the client's text does not.
func TestCounselReminderNamesTheFilingDeadline(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.rules.Deadlines = true
	start := time.Date(2028, 2, 22, 9, 0, 0, 0, chicago)
	rec := family(start)[0]
	rec.Type = docket.TypeIndividual
	f.hearings(t, rec)
	f.runUntil(t, start)
	mails := f.email.messages()
	if len(mails) != 1 {
		t.Fatalf("counsel emails: got %d, want 1", len(mails))
	}
	// February 22 less 30 days is Sunday, January 23: the deadline is Monday the 24th, the safe date Friday the 21st.
	if want := "Plazo de presentación: lunes 24 de enero de 2028 (vencido); fecha segura: viernes 21 de enero de 2028"; !strings.Contains(mails[0].msg.Text, want) {
		t.Errorf("counsel's reminder lacks %q:\n%s", want, mails[0].msg.Text)
	}
	for _, s := range f.sms.messages() {
		if strings.Contains(s.msg.Text, "Plazo") || strings.Contains(s.msg.Text, "deadline") {
			t.Errorf("a client's text names the deadline: %s", s.msg.Text)
		}
	}
	// With [deadlines] off, counsel's reminder says nothing of them.
	f2 := newFixture(t, t0)
	f2.hearings(t, rec)
	f2.runUntil(t, start)
	for _, m := range f2.email.messages() {
		if strings.Contains(m.msg.Text, "Plazo") {
			t.Errorf("deadlines off, yet the reminder names one:\n%s", m.msg.Text)
		}
	}
}

// A hearing moved earlier to a day whose time the court has not given yet still alarms counsel: the filing deadline
// counts from the day. The alarm names the new day with no time (not the midnight the store holds), and the client,
// whose notice waits for the time, gets nothing yet. A second move earlier, from that day to another without a time,
// alarms again, and names the former day with no time either.
func TestMovedEarlierToADayWithoutATimeAlarmsCounsel(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 11, 0, 0, 0, time.UTC) // 5:00 CST
	f := newFixture(t, t0)
	f.rules.Deadlines = true
	rosa := docket.HearingRecord{Key: "rosa-1", ANumber: "201555101", Start: time.Date(2028, 3, 14, 8, 30, 0, 0, chicago),
		Zone: "America/Chicago", CourtCode: "DAL", Type: "master", Medium: "in_person"}
	f.hearings(t, rosa)
	f.runUntil(t, t0)
	texts := len(f.sms.messages())
	check := func(n int, wants ...string) {
		t.Helper()
		alarms := f.alarmsTo("lf@example.org")
		if len(alarms) != n {
			t.Fatalf("alarms to counsel: got %d, want %d", len(alarms), n)
		}
		a := alarms[n-1].msg.Subject + "\n" + alarms[n-1].msg.Text
		for _, want := range wants {
			if !strings.Contains(a, want) {
				t.Errorf("alarm %d lacks %q:\n%s", n, want, a)
			}
		}
		if strings.Contains(a, "12 a. m.") || strings.Contains(a, "12:00 a. m.") {
			t.Errorf("alarm %d gives the midnight the store holds as the time:\n%s", n, a)
		}
		if got := len(f.sms.messages()); got != texts {
			t.Errorf("texts to Rosa after the move: %d, want none until the time is known", got-texts)
		}
	}

	f.clock.Advance(time.Hour)
	rosa.Start, rosa.TimeUnknown = time.Date(2028, 2, 8, 0, 0, 0, 0, chicago), true
	f.hearings(t, rosa)
	f.runUntil(t, t0.Add(12*time.Hour))
	check(1, "URGENTE: audiencia adelantada", "Nueva fecha: martes 8 de febrero de 2028, la corte aún no fijó la hora",
		"Antes:       martes 14 de marzo de 2028, 8:30 a. m.",
		"Plazo de presentación: lunes 24 de enero de 2028", "Rosa Mendoza")

	f.clock.Advance(time.Hour)
	rosa.Start = time.Date(2028, 2, 4, 0, 0, 0, 0, chicago)
	f.hearings(t, rosa)
	f.runUntil(t, t0.Add(24*time.Hour))
	check(2, "Nueva fecha: viernes 4 de febrero de 2028, la corte aún no fijó la hora",
		"Antes:       martes 8 de febrero de 2028, la corte aún no fijó la hora")
}
