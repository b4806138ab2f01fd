package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	officepage "github.com/docketd/docketd/office"
	"github.com/docketd/docketd/store"
)

const (
	staffEmail    = "paralegal@frontera-legal.example"
	staffPassword = "correct horse battery"
)

// officeClock is the page's clock, moved by the test.
type officeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *officeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *officeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// movedDocket writes the example docket's family rows and six hearings in six slots, moved by shift days.
func movedDocket(t *testing.T, path string, shift int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Event ID,A Number,Client,Phone,Language,Attorney,Hearing Date,Hearing Time,Court,Hearing Type," +
		"Judge,Medium\n")
	for i := range 6 {
		fmt.Fprintf(&b, "EV-7%02d,A301-555-%03d,\"Client %03d\",,,,07/%02d/2028,9:00 AM,DAL,Individual,\"Calendar, "+
			"Judge\",In Person\n", i, i, i, 3+i+shift)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// officeFixture is the demo office a week before the Mendoza family's hearing: its 7-day texts sent, a reply in
// the inbox, a held sync, and the page served by httptest.
type officeFixture struct {
	srv   *httptest.Server
	clock *officeClock
	db    *store.DB
	inbox uint
}

func newOfficeFixture(t *testing.T) *officeFixture {
	t.Helper()
	hash, err := officepage.HashPassword(staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath, docketPath := syncTestConfig(t, func(s string) string {
		return s + fmt.Sprintf("\n[[staff]]\nemail = %q\npassword_hash = %q\nname = \"Pat Paralegal\"\n\n"+
			"[[staff]]\nemail = \"ana@frontera-legal.example\"\npassword_hash = %q\nlanguage = \"es\"\n",
			staffEmail, hash, hash)
	})
	movedDocket(t, docketPath, 0)
	run := func(args ...string) error {
		e, out, errb := testEnv()
		err := e.dispatch(context.Background(), append([]string{args[0], "--config", cfgPath}, args[1:]...))
		if err != nil {
			t.Logf("%s: %v\n%s%s", args[0], err, out, errb)
		}
		return err
	}
	if err := run("sync"); err != nil {
		t.Fatal(err)
	}
	// A week before the family's 8:30 hearing on February 8, 2028, at 10:30 in Dallas: the 7-day texts went out.
	if err := run("remind", "--now", "2028-02-01T10:30:00-06:00"); err != nil {
		t.Fatal(err)
	}
	movedDocket(t, docketPath, 1)
	if err := run("sync", "--source", "office-export"); exitCode(err) != exitFailure {
		t.Fatalf("the moved docket: got %v, want a held sync", err)
	}
	cfg, err := config.Load(cfgPath, config.Options{Courts: store.CourtCodes()})
	if err != nil {
		t.Fatal(err)
	}
	clock := &officeClock{t: time.Date(2028, 2, 1, 17, 0, 0, 0, time.UTC)}
	office, err := assembly.Open(context.Background(), func() *config.Config { return cfg },
		assembly.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { office.Close() })
	m, _, err := office.DB.KeepInbox(context.Background(), docket.InboxMessage{MessageSID: "SM1",
		From: "+12145550142", To: "+12145550199", Body: "no vamos a poder ir, estamos enfermos",
		ReceivedAt: clock.now().Add(-time.Hour), Urgent: true, Reason: "cannot attend"})
	if err != nil {
		t.Fatal(err)
	}
	page := office.OfficePage(func(context.Context) []string {
		return []string{"source office-export has not synced since 2028-01-31T00:00:00Z (tolerance 24h)"}
	}, nil)
	mux := http.NewServeMux()
	mux.Handle("/office/", page)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &officeFixture{srv: srv, clock: clock, db: office.DB, inbox: m.ID}
}

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
}

func (f *officeFixture) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: f.srv.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(path string) (int, string, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in\n%s", page)
	}
	return m[1]
}

func (b *browser) signIn(email, password string) (int, string) {
	b.t.Helper()
	_, _, page := b.get("/office/signin")
	code, _, body := b.post("/office/signin", url.Values{"csrf": {csrfOf(b.t, page)}, "email": {email},
		"password": {password}})
	return code, body
}

func TestOfficePageSignInShowsNothingPersonalBefore(t *testing.T) {
	f := newOfficeFixture(t)
	b := f.browser(t)
	code, loc, _ := b.get("/office/")
	if code != http.StatusSeeOther || loc != "/office/signin" {
		t.Fatalf("before sign-in: %d to %q, want 303 to the sign-in page", code, loc)
	}
	for _, p := range []string{"/office/signin", "/office/inbox", "/office/holds", "/office/problems"} {
		code, loc, body := b.get(p)
		if p != "/office/signin" && (code != http.StatusSeeOther || loc != "/office/signin") {
			t.Errorf("%s before sign-in: %d to %q, want 303 to the sign-in page", p, code, loc)
		}
		for _, private := range []string{"Mendoza", "555", "A201", "no vamos"} {
			if strings.Contains(body, private) {
				t.Errorf("%s before sign-in shows %q", p, private)
			}
		}
	}
	if code, body := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", code, body)
	}
	u, _ := url.Parse(b.base + "/office/")
	var session *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "docketd_office" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie after signing in")
	}
	// The jar does not keep the attributes: ask the server for the Set-Cookie line itself.
	_, _, page := b.get("/office/signin")
	form := url.Values{"csrf": {csrfOf(t, page)}, "email": {staffEmail}, "password": {staffPassword}}
	req, _ := http.NewRequest(http.MethodPost, b.base+"/office/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range b.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var line string
	for _, l := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, "docketd_office=") {
			line = l
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/office/"} {
		if !strings.Contains(line, want) {
			t.Errorf("session cookie %q lacks %s", line, want)
		}
	}
	if strings.Contains(line, "Secure") {
		t.Errorf("session cookie %q is Secure behind an http public_url", line)
	}
}

func TestOfficePageWeekShowsTheFamilyOnceWithItsStates(t *testing.T) {
	f := newOfficeFixture(t)
	b := f.browser(t)
	if code, body := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", code, body)
	}
	_, _, page := b.get("/office/")
	for _, want := range []string{"Tuesday, February 8, 2028", "8:30 AM CST Dallas time", "Dallas Immigration Court",
		"Rosa María Mendoza López", "A201-555-101", "Mateo Mendoza", "Counsel: Lucía Fernández",
		"7d text: sent", "3d text: planned", "not confirmed", "Hearings: 4, in rows (one per household): 1", "Signed in as Pat Paralegal"} {
		if !strings.Contains(page, want) {
			t.Errorf("week page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<article class="hearing">`); n != 1 {
		t.Errorf("%d rows for the family's four hearings, want 1", n)
	}
	if _, _, other := b.get("/office/?attorney=dokafor"); !strings.Contains(other, "No hearing in these two weeks.") ||
		strings.Contains(other, "Mendoza") {
		t.Errorf("filtered by another attorney: want no hearing, got the family")
	}
	if _, _, court := b.get("/office/?court=ELP"); strings.Contains(court, "Mendoza") {
		t.Errorf("filtered by El Paso: shows the Dallas family")
	}
	// Later weeks: Samuel Tesfaye's online hearing at El Paso is told on the court's clock and on his.
	_, _, april := b.get("/office/?week=2028-04-10")
	for _, want := range []string{"9:00 AM MDT El Paso time", "Samuel Tesfaye", "their clock: 10:00 AM CDT, Dallas"} {
		if !strings.Contains(april, want) {
			t.Errorf("April week lacks %q", want)
		}
	}
	es := f.browser(t)
	if code, _ := es.signIn("ANA@frontera-legal.example", staffPassword); code != http.StatusSeeOther {
		t.Fatalf("sign-in of the Spanish-speaking staff member: %d", code)
	}
	if _, _, page := es.get("/office/"); !strings.Contains(page, "Esta semana y la próxima") ||
		!strings.Contains(page, "7d mensaje: enviado") || !strings.Contains(page, "martes 8 de febrero de 2028") {
		t.Errorf("the page in Spanish lacks its words:\n%s", page)
	}
	if _, _, inbox := es.get("/office/inbox"); !strings.Contains(inbox, "URGENTE: no puede asistir") ||
		!strings.Contains(inbox, "Marcar atendido") {
		t.Errorf("the inbox in Spanish lacks its words:\n%s", inbox)
	}
}

func TestOfficePageLocksAfterFiveFailures(t *testing.T) {
	f := newOfficeFixture(t)
	b := f.browser(t)
	for i := 1; i <= 4; i++ {
		if code, body := b.signIn(staffEmail, "wrong password"); code != http.StatusUnauthorized ||
			!strings.Contains(body, "Wrong email or password.") {
			t.Fatalf("failure %d: %d, want 401 and why", i, code)
		}
	}
	if code, body := b.signIn(staffEmail, "wrong password"); code != http.StatusTooManyRequests ||
		!strings.Contains(body, "locked for 15 minutes") {
		t.Fatalf("fifth failure: %d, want 429 and the lock", code)
	}
	f.clock.add(14 * time.Minute)
	if code, _ := b.signIn(staffEmail, staffPassword); code != http.StatusTooManyRequests {
		t.Fatalf("the right password while locked: %d, want 429", code)
	}
	f.clock.add(time.Minute)
	if code, _ := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatalf("the right password after 15 minutes: %d, want 303", code)
	}
	// An email nobody has fails as a wrong password does.
	if code, _ := b.signIn("nobody@example.org", staffPassword); code != http.StatusUnauthorized {
		t.Errorf("unknown email: %d, want 401", code)
	}
}

func TestOfficePageRefusesFormsWithoutTheToken(t *testing.T) {
	f := newOfficeFixture(t)
	b := f.browser(t)
	_, _, _ = b.get("/office/signin")
	if code, _, _ := b.post("/office/signin", url.Values{"email": {staffEmail}, "password": {staffPassword}}); code != http.StatusForbidden {
		t.Errorf("sign-in without the token: %d, want 403", code)
	}
	// Without a session a form does nothing and leads to the sign-in page.
	if code, loc, _ := b.post("/office/inbox/handled", url.Values{"id": {fmt.Sprint(f.inbox)}}); code != http.StatusSeeOther ||
		loc != "/office/signin" {
		t.Errorf("a form without a session: %d to %q, want 303 to the sign-in page", code, loc)
	}
	if code, _ := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatal("sign-in")
	}
	for _, p := range []string{"/office/inbox/handled", "/office/holds/apply", "/office/signout"} {
		for _, token := range []string{"", "forged"} {
			form := url.Values{"id": {fmt.Sprint(f.inbox)}, "source": {"office-export"}}
			if token != "" {
				form.Set("csrf", token)
			}
			if code, _, _ := b.post(p, form); code != http.StatusForbidden {
				t.Errorf("%s with token %q: %d, want 403", p, token, code)
			}
		}
	}
	m, err := f.db.InboxMessage(context.Background(), f.inbox)
	if err != nil || m.HandledAt != nil {
		t.Errorf("after refused forms: %+v %v, want the message unhandled", m, err)
	}
	if holds, _ := f.db.HeldSyncs(context.Background()); len(holds) != 1 {
		t.Errorf("after refused forms: %d holds, want the one", len(holds))
	}
}

func TestOfficePageInboxHandled(t *testing.T) {
	f := newOfficeFixture(t)
	b := f.browser(t)
	if code, _ := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatal("sign-in")
	}
	_, _, page := b.get("/office/inbox")
	for _, want := range []string{"URGENT: cannot attend", "no vamos a poder ir", "Rosa María Mendoza López", "Mark handled"} {
		if !strings.Contains(page, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	code, loc, _ := b.post("/office/inbox/handled", url.Values{"csrf": {csrfOf(t, page)}, "id": {fmt.Sprint(f.inbox)}})
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/office/inbox") {
		t.Fatalf("handled: %d to %q", code, loc)
	}
	m, err := f.db.InboxMessage(context.Background(), f.inbox)
	if err != nil || m.HandledAt == nil || m.HandledBy != "Pat Paralegal" {
		t.Fatalf("after handled: %+v %v, want handled by Pat Paralegal", m, err)
	}
	if _, _, page := b.get("/office/inbox"); strings.Contains(page, "no vamos") {
		t.Errorf("the handled message still waits in the inbox")
	}
	if _, _, page := b.get("/office/inbox?all=1"); !strings.Contains(page, "Handled: ") {
		t.Errorf("all messages: the handled one does not say so")
	}
	if code, _, _ := b.post("/office/inbox/handled", url.Values{"csrf": {csrfOf(t, page)}, "id": {"999"}}); code != http.StatusNotFound {
		t.Errorf("an unknown id: %d, want 404", code)
	}
}

func TestOfficePageAppliesAHeldSync(t *testing.T) {
	f := newOfficeFixture(t)
	b := f.browser(t)
	if code, _ := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatal("sign-in")
	}
	_, _, page := b.get("/office/holds")
	for _, want := range []string{"office-export", "Monday, July 3 2028, 9:00 AM CDT", "Tuesday, July 4 2028, 9:00 AM CDT",
		"Client 000 · A301-555-000", "Apply these changes"} {
		if !strings.Contains(page, want) {
			t.Errorf("held syncs lack %q:\n%s", want, page)
		}
	}
	code, loc, _ := b.post("/office/holds/apply", url.Values{"csrf": {csrfOf(t, page)}, "source": {"office-export"}})
	if code != http.StatusSeeOther || loc != "/office/holds?applied=office-export" {
		t.Fatalf("apply: %d to %q", code, loc)
	}
	if holds, _ := f.db.HeldSyncs(context.Background()); len(holds) != 0 {
		t.Errorf("after apply: %+v, want no hold", holds)
	}
	hs, err := f.db.Hearings(context.Background(), docket.HearingFilter{ClientID: "", Court: "DAL",
		From: time.Date(2028, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2028, 7, 4, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(hs) != 0 {
		t.Errorf("hearings still on July 3 after apply: %d (%v)", len(hs), err)
	}
	if _, _, page := b.get("/office/holds?applied=office-export"); !strings.Contains(page, "No sync is held.") {
		t.Errorf("held syncs after apply still show one")
	}
	if code, _, _ := b.post("/office/holds/apply", url.Values{"csrf": {csrfOf(t, page)}, "source": {"nope"}}); code != http.StatusNotFound {
		t.Errorf("apply of an unknown source: %d, want 404", code)
	}
}

func TestOfficePageProblemsAndSignOut(t *testing.T) {
	f := newOfficeFixture(t)
	b := f.browser(t)
	if code, _ := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatal("sign-in")
	}
	_, _, page := b.get("/office/problems")
	// The failing source is listed; nothing failed yet, so the other two lists say so.
	if !strings.Contains(page, "source office-export has not synced since") ||
		strings.Count(page, "<p>None.</p>") != 2 {
		t.Errorf("problems: want the failing source and no failed send or unusable phone:\n%s", page)
	}
	code, loc, _ := b.post("/office/signout", url.Values{"csrf": {csrfOf(t, page)}})
	if code != http.StatusSeeOther || loc != "/office/signin" {
		t.Fatalf("sign-out: %d to %q", code, loc)
	}
	if code, loc, _ := b.get("/office/"); code != http.StatusSeeOther || loc != "/office/signin" {
		t.Errorf("after sign-out: %d to %q, want the sign-in page", code, loc)
	}
}

func TestOfficePageIsOffWithoutStaff(t *testing.T) {
	cfgPath := testConfig(t, t.TempDir(), nil)
	cfg, err := config.Load(cfgPath, config.Options{Courts: store.CourtCodes()})
	if err != nil {
		t.Fatal(err)
	}
	office, err := assembly.Open(context.Background(), func() *config.Config { return cfg }, assembly.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer office.Close()
	srv := httptest.NewServer(office.OfficePage(nil, nil))
	defer srv.Close()
	for _, p := range []string{"/office/", "/office/signin"} {
		if code := get(t, srv.URL+p); code != http.StatusNotFound {
			t.Errorf("%s without [[staff]]: %d, want 404", p, code)
		}
	}
}

// A family's text reported undelivered by the carrier (30006: a landline) shows failed on the week, as a failed send
// on the problems page, and their phone as one that cannot receive texts.
func TestOfficePageShowsFailuresAndUnusablePhones(t *testing.T) {
	f := newOfficeFixture(t)
	ctx := context.Background()
	sent, err := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateSent})
	if err != nil || len(sent) == 0 {
		t.Fatalf("sent rows: %d, %v; want the family's 7-day texts", len(sent), err)
	}
	rank := func(s string) int { return map[string]int{"": 0, "sent": 1, "undelivered": 2}[s] }
	if _, err := f.db.RecordDelivery(ctx, sent[0].ProviderID, "undelivered", "30006", rank, f.clock.now()); err != nil {
		t.Fatal(err)
	}
	b := f.browser(t)
	if code, _ := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatal("sign-in")
	}
	if _, _, week := b.get("/office/"); !strings.Contains(week, "7d text: failed") ||
		!strings.Contains(week, `title="30006 carrier reported undelivered"`) {
		t.Errorf("week page does not show the failed text with its code")
	}
	_, _, page := b.get("/office/problems")
	if n := strings.Count(page, "30006 carrier reported undelivered"); n != 1 {
		t.Errorf("the household's one failed text is listed %d times, want once", n)
	}
	for _, want := range []string{"Rosa María Mendoza López, Jorge Mendoza Ramírez, Valeria Mendoza, Mateo Mendoza</strong> · text &#43;12145550142",
		"Tuesday, February 8, 8:30 AM CST Dallas time · Dallas Immigration Court", "30006 carrier reported undelivered",
		"the carrier refused the number (30006)"} {
		if !strings.Contains(page, want) {
			t.Errorf("problems lack %q:\n%s", want, page)
		}
	}
	// The family's 3-day text refused when it was submitted (21211) has no provider id: still one line, not four.
	pending, err := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StatePending})
	if err != nil || len(pending) == 0 {
		t.Fatalf("pending rows: %d, %v", len(pending), err)
	}
	var due time.Time
	for _, r := range pending {
		if r.Offset == "3d" {
			due = r.Due
		}
	}
	claimed, err := f.db.ClaimDue(ctx, docket.Claim{Now: due, Channel: docket.SMS, Limit: 100, Owner: "test",
		Lease: time.Minute})
	if err != nil || len(claimed) < 4 {
		t.Fatalf("claimed %d rows (%v), want the family's four 3-day rows", len(claimed), err)
	}
	var ids []uint
	for _, r := range claimed {
		ids = append(ids, r.ID)
	}
	if err := f.db.FinishOutbox(ctx, ids, docket.OutboxResult{State: docket.StateFailed, ErrorCode: "21211",
		Error: "invalid To number", Owner: "test"}); err != nil {
		t.Fatal(err)
	}
	_, _, page = b.get("/office/problems")
	household := "<strong>Rosa María Mendoza López, Jorge Mendoza Ramírez, Valeria Mendoza, Mateo Mendoza</strong> · text &#43;12145550142<br>Tuesday, February 8, 8:30 AM CST Dallas time · " +
		"Dallas Immigration Court<br><span class=\"bad\">21211 invalid To number"
	if n := strings.Count(page, household); n != 1 {
		t.Errorf("the household's text refused at submission is listed %d times, want once:\n%s", n, page)
	}
}

// The daemon serves the page once the config names staff: off (404) at first, on after a reload that adds an entry,
// and a newcomer at today's date, years before the demo's hearings, is shown the way to the next one.
func TestDaemonServesTheOfficePageOnceStaffAreConfigured(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	e, _, _ := testEnv()
	addr := make(chan string, 1)
	ready := make(chan struct{})
	reload := make(chan struct{})
	reloaded := make(chan error)
	e.onListen = func(a string) { addr <- a }
	e.onReady = func() { close(ready) }
	e.reload = reload
	e.onReload = func(err error) { reloaded <- err }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.dispatch(ctx, []string{"run", "--config", path}) }()
	base := "http://" + <-addr
	<-ready
	if got := get(t, base+"/office/signin"); got != http.StatusNotFound {
		t.Errorf("/office/ without [[staff]]: %d, want 404", got)
	}
	hash := hashFromCommand(t, staffPassword)
	cfg, _ := os.ReadFile(path)
	os.WriteFile(path, append(cfg, fmt.Sprintf("\n[[staff]]\nemail = %q\npassword_hash = %q\n", staffEmail, hash)...), 0o600)
	reload <- struct{}{}
	if err := <-reloaded; err != nil {
		t.Fatalf("reload: %v", err)
	}
	b := &browser{t: t, base: base}
	jar, _ := cookiejar.New(nil)
	b.c = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if code, body := b.signIn(staffEmail, staffPassword); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", code, body)
	}
	_, _, page := b.get("/office/")
	// testEnv's clock is November 1, 2027: the demo's first hearing is three months on.
	for _, want := range []string{"No hearing in these two weeks.", "The next hearing is on Tuesday, February 8, 2028",
		`href="?week=2028-02-07"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	_, _, later := b.get("/office/?week=2028-02-07")
	if !strings.Contains(later, "Rosa María Mendoza López") || !strings.Contains(later, "7d text: planned") {
		t.Errorf("the week of the family's hearing lacks them and their planned texts")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// hashFromCommand runs `docketd staff hash` with the password piped on stdin and returns what it printed.
func hashFromCommand(t *testing.T, password string) string {
	t.Helper()
	e, out, errb := testEnv()
	e.stdin = strings.NewReader(password + "\n")
	if err := e.dispatch(context.Background(), []string{"staff", "hash"}); err != nil {
		t.Fatalf("staff hash: %v\n%s", err, errb)
	}
	return strings.TrimSpace(out.String())
}

func TestStaffHashReadsAPipedPassword(t *testing.T) {
	hash := hashFromCommand(t, staffPassword)
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("staff hash printed %q, want an argon2id hash in PHC form", hash)
	}
	if ok, err := officepage.CheckPassword(hash, staffPassword); !ok || err != nil {
		t.Errorf("the printed hash does not take the password: %v %v", ok, err)
	}
	if ok, _ := officepage.CheckPassword(hash, "another"); ok {
		t.Errorf("the printed hash takes another password")
	}
	if again := hashFromCommand(t, staffPassword); again == hash {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
	for _, args := range [][]string{{"staff", "hash"}, {"staff", "nope"}} {
		e, out, _ := testEnv()
		e.stdin = strings.NewReader("short\n")
		if err := e.dispatch(context.Background(), args); exitCode(err) != exitUsage || out.String() != "" {
			t.Errorf("%v with a short password: exit %d, printed %q; want 2 and nothing", args, exitCode(err), out)
		}
	}
}

func TestCheckPrintHidesStaffPasswordHashes(t *testing.T) {
	const hash = "$2b$10$abcdefghijklmnopqrstuv0123456789ABCDEFGHIJKLMNOPQRSTU"
	path := testConfig(t, t.TempDir(), func(s string) string {
		return s + fmt.Sprintf("\n[[staff]]\nemail = %q\npassword_hash = %q\n", staffEmail, hash)
	})
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path, "--print"}); err != nil {
		t.Fatalf("check --print: %v\n%s", err, errb)
	}
	if strings.Contains(out.String(), "ABCDEFGHIJ") || !strings.Contains(out.String(), staffEmail) {
		t.Errorf("check --print shows the password hash, or not the staff entry:\n%s", out)
	}
}
