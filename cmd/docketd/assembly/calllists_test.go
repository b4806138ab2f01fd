package assembly

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/smtptest"
	"github.com/docketd/docketd/store"
)

// More clients of David Okafor's, beside the demo office's: one without a phone, one whose phone opted out, one
// whose reminder the carrier reported undelivered, one whose hearing has started, one whose hearing is cancelled.
const callListClients = `
[[clients]]
id = "ana-nophone"
name = "Ana Ruiz"
a_number = "A201-555-201"
language = "es"
attorney = "dokafor"

[[clients]]
id = "luis-stop"
name = "Luis Paz"
a_number = "A201-555-202"
phone = "+12145550150"
attorney = "dokafor"

[[clients]]
id = "marta-failed"
name = "Marta Gil"
a_number = "A201-555-203"
phone = "+12145550151"
attorney = "dokafor"

[[clients]]
id = "omar-started"
name = "Omar Sosa"
a_number = "A201-555-204"
attorney = "dokafor"

[[clients]]
id = "eva-cancelled"
name = "Eva Luna"
a_number = "A201-555-205"
attorney = "dokafor"

[[hearings]]
id = "ana"
a_number = "A201-555-201"
court = "DAL"
start = "2028-02-10 09:00"
type = "master"
medium = "in_person"

[[hearings]]
id = "luis"
a_number = "A201-555-202"
court = "DAL"
start = "2028-02-11 09:00"
type = "master"
medium = "in_person"

[[hearings]]
id = "marta"
a_number = "A201-555-203"
court = "DAL"
start = "2028-02-12 09:00"
type = "individual"
medium = "in_person"

[[hearings]]
id = "omar"
a_number = "A201-555-204"
court = "DAL"
start = "2028-02-06 07:00"
type = "master"
medium = "in_person"
`

// cancelledHearing is Eva's hearing, which a reload of the config without it cancels.
const cancelledHearing = `
[[hearings]]
id = "eva"
a_number = "A201-555-205"
court = "DAL"
start = "2028-02-09 09:00"
type = "master"
medium = "in_person"
`

// callListOffice is the demo office with the clients above, its email going to an in-process SMTP server, at the
// time *now says.
func callListOffice(t *testing.T, now *time.Time) (*Office, *smtptest.Server, func(extra string)) {
	t.Helper()
	src, err := os.ReadFile("../../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	mailer := smtptest.NewServer()
	t.Cleanup(mailer.Close)
	dir := t.TempDir()
	s := strings.Replace(string(src), `url = "sqlite:docketd-demo.db"`, `url = "sqlite:`+filepath.Join(dir, "t.db")+`"`, 1)
	s = strings.Replace(s, `provider = "log"                              # smtp | log`, `provider = "smtp"`, 1)
	s = strings.Replace(s, `host = ""          # your mail server, needed with provider = "smtp"`,
		fmt.Sprintf("host = %q", mailer.Host), 1)
	s = strings.Replace(s, "port = 587 ", fmt.Sprintf("port = %d ", mailer.Port), 1)
	s = strings.Replace(s, `tls = "starttls"   # starttls`, `tls = "none"   # starttls`, 1)
	csv, err := os.ReadFile("../../../examples/docket.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "examples"), 0o700)
	if err := os.WriteFile(filepath.Join(dir, "examples", "docket.csv"), csv, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "docketd.toml")
	load := func(extra string) *config.Config {
		t.Helper()
		if err := os.WriteFile(path, []byte(s+callListClients+extra), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path, config.Options{Courts: store.CourtCodes()})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := load(cancelledHearing)
	ctx := context.Background()
	office, err := Open(ctx, func() *config.Config { return cfg }, Options{Now: func() time.Time { return *now },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { office.Close() })
	reload := func(extra string) {
		t.Helper()
		cfg = load(extra)
		if _, err := office.ApplyConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	return office, mailer, reload
}

// mailText is a message's subject and its text body, decoded.
func mailText(t *testing.T, m smtptest.Message) (subject, body string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(msg.Body)
	if err != nil {
		t.Fatal(err)
	}
	return subject, decodeQP(string(b))
}

// decodeQP undoes quoted-printable, which go-mail uses for text bodies.
func decodeQP(s string) string {
	r := strings.NewReplacer("=\r\n", "", "=\n", "")
	s = r.Replace(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+3], "%02X", &c); err == nil {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// sendSMS marks the pending texts due at at as sent, as the dispatcher records them, one provider id per household.
func sendSMS(t *testing.T, o *Office, at time.Time) []docket.Reminder {
	t.Helper()
	ctx := context.Background()
	if _, err := o.Planner.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := o.DB.ClaimDue(ctx, docket.Claim{Now: at, Channel: docket.SMS, Limit: 100, Owner: "test", Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	byAddress := map[string][]uint{}
	for _, r := range rows {
		byAddress[r.Address] = append(byAddress[r.Address], r.ID)
	}
	for addr, ids := range byAddress {
		if err := o.DB.FinishOutbox(ctx, ids, docket.OutboxResult{State: docket.StateSent, ProviderID: "SM" + addr,
			Owner: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// The "done when": the demo family, who have not confirmed two days before their hearing, are named on
// Lucía Fernández's list once, as a household, in Spanish; after one of them answers SÍ they are off it. David
// Okafor's list names a client without a phone, one who opted out and one whose text was undelivered, each with
// why, and not a hearing that started or was cancelled. A second run the same day sends nothing; the next day
// sends again.
func TestCallListNamesWhomToCallOnceADay(t *testing.T) {
	ctx := context.Background()
	chicago, _ := time.LoadLocation("America/Chicago")
	now := time.Date(2028, 2, 5, 10, 0, 0, 0, chicago)
	office, mailer, reload := callListOffice(t, &now)
	reload("") // Eva's hearing is cancelled
	hs, err := office.DB.Hearings(ctx, docket.HearingFilter{From: now, Status: []docket.HearingStatus{docket.StatusCancelled}})
	if err != nil || len(hs) != 1 || hs[0].SourceKey != "eva" {
		t.Fatalf("cancelled hearings: %+v, %v; want Eva's", hs, err)
	}

	// The 3-day texts of Feb 5 10:00 go out (the family's, Marta's and Luis's); Marta's is reported undelivered and
	// Luis answers STOP.
	sent := sendSMS(t, office, now)
	if len(sent) == 0 {
		t.Fatal("no texts due on Feb 5 at 10:00")
	}
	if _, err := office.DB.RecordDelivery(ctx, "SM+12145550151", "undelivered", "30003",
		func(s string) int { return map[string]int{"": 0, "sent": 1, "delivered": 2, "undelivered": 3}[s] }, now); err != nil {
		t.Fatalf("delivery report: %v", err)
	}
	if err := office.DB.OptOut(ctx, docket.SMS, "+12145550150", "STOP", now); err != nil {
		t.Fatal(err)
	}

	// Feb 5 at 7:59 is before 8:00: nothing. At 8:00 on Feb 6 (the family's hearing is on Feb 8 at 8:30): both lists.
	now = time.Date(2028, 2, 6, 7, 59, 0, 0, chicago)
	if got, err := office.CallLists.SendDue(ctx, now); err != nil || got.Lists != 0 {
		t.Fatalf("at 7:59: %+v, %v; want nothing sent", got, err)
	}
	now = time.Date(2028, 2, 6, 8, 0, 0, 0, chicago)
	got, err := office.CallLists.SendDue(ctx, now)
	if err != nil || got.Lists != 2 {
		t.Fatalf("at 8:00: %+v, %v; want 2 lists", got, err)
	}
	msgs := mailer.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d emails, want 2", len(msgs))
	}
	mails := map[string]smtptest.Message{}
	for _, m := range msgs {
		mails[m.To[0]] = m
	}
	subject, body := mailText(t, mails["lfernandez@frontera-legal.example"])
	t.Logf("%s\n%s", subject, body)
	if want := "Llamadas del domingo 6 de febrero: 4 clientes"; subject != want {
		t.Errorf("Lucía's subject = %q, want %q", subject, want)
	}
	for _, want := range []string{"martes 8 de febrero de 2028, 8:30 a. m. CST, hora de Dallas",
		"Rosa María Mendoza López (A201-555-101)", "Mateo Mendoza (A201-555-104) — una familia, un teléfono",
		"Teléfono: +12145550142", "no ha confirmado la audiencia"} {
		if !strings.Contains(body, want) {
			t.Errorf("Lucía's list lacks %q:\n%s", want, body)
		}
	}
	if n := strings.Count(body, "Teléfono:"); n != 1 {
		t.Errorf("Lucía's list has %d lines, want 1 (one household):\n%s", n, body)
	}
	subject, body = mailText(t, mails["dokafor@frontera-legal.example"])
	t.Logf("%s\n%s", subject, body)
	if want := "Call list for Sunday, February 6: 3 clients"; subject != want {
		t.Errorf("David's subject = %q, want %q", subject, want)
	}
	for _, want := range []string{
		"Ana Ruiz (A201-555-201)", "Phone: none on file", "no phone number that can receive texts",
		"Luis Paz (A201-555-202)", "opted out of texts",
		"Marta Gil (A201-555-203)", "Phone: +12145550151",
		"the text of Saturday, February 5 was reported undelivered by the carrier (code 30003)",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("David's list lacks %q:\n%s", want, body)
		}
	}
	for _, not := range []string{"Omar", "Eva", "A201-555-204", "A201-555-205", "has not confirmed"} {
		if strings.Contains(body, not) {
			t.Errorf("David's list names %q:\n%s", not, body)
		}
	}
	for _, m := range msgs {
		s, _ := mailText(t, m)
		if strings.Contains(s, "A201") || strings.Contains(s, "555") {
			t.Errorf("subject %q names an A-number or a phone", s)
		}
	}
	if strings.Index(body, "Ana Ruiz") > strings.Index(body, "Luis Paz") ||
		strings.Index(body, "Luis Paz") > strings.Index(body, "Marta Gil") {
		t.Errorf("David's list is not by hearing start:\n%s", body)
	}

	// The same day again (a restart, a cron remind): nothing more.
	now = time.Date(2028, 2, 6, 15, 0, 0, 0, chicago)
	if got, err := office.CallLists.SendDue(ctx, now); err != nil || got.Lists != 0 {
		t.Fatalf("again on Feb 6: %+v, %v; want nothing", got, err)
	}
	counts, err := office.DB.Counts(ctx, now)
	if err != nil || counts.CallLists != 2 || counts.CallListsToday != 2 || counts.CallListClients != 7 {
		t.Errorf("counts: %+v, %v; want 2 lists, 2 today, 7 clients", counts, err)
	}

	// Rosa answers SÍ: the household's rows are confirmed, and the family is off the next day's list, which has
	// nobody else of Lucía's: she gets no email. David's goes again.
	if _, err := office.DB.ConfirmLatest(ctx, "+12145550142", now); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	now = time.Date(2028, 2, 7, 8, 0, 0, 0, chicago)
	got, err = office.CallLists.SendDue(ctx, now)
	if err != nil || got.Lists != 1 {
		t.Fatalf("Feb 7: %+v, %v; want David's list only", got, err)
	}
	msgs = mailer.Messages()
	if len(msgs) != 3 || msgs[2].To[0] != "dokafor@frontera-legal.example" {
		t.Fatalf("emails after Feb 7: %d, last to %v", len(msgs), msgs[len(msgs)-1].To)
	}
	lists, err := office.CallLists.Build(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lists {
		if l.Counsel.ID == "lfernandez" && l.Clients() != 0 {
			t.Errorf("Lucía's list after the SÍ names %d clients, want none", l.Clients())
		}
	}
}
