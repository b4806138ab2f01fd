// Package office is the office's page at {public_url}/office/: a small server-rendered site for staff with the
// coming two weeks' hearings and each client's reminder, delivery and confirmation state, the replies that need a
// person (with "handled"), held syncs with their changes (with "apply") and what is failing. Staff sign in with a
// [[staff]] entry's email and password; sessions are cookies whose tokens the store keeps only hashed, every form
// carries a CSRF token, and five failed sign-ins lock an account for 15 minutes. Nothing personal is shown before
// sign-in. Plain HTML forms and one small stylesheet: no JavaScript and no build step.
package office

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
)

// Store is what the page reads and writes. docketd's store satisfies it.
type Store interface {
	Hearings(ctx context.Context, f docket.HearingFilter) ([]docket.Hearing, error)
	ClientReminders(ctx context.Context, hearingIDs []uint) ([]docket.Reminder, error)
	OptedOutAmong(ctx context.Context, channel docket.Channel, addresses []string) (map[string]bool, error)
	InboxMessages(ctx context.Context, f docket.InboxFilter) ([]docket.InboxMessage, error)
	HeldSyncs(ctx context.Context) ([]docket.SyncHold, error)
	FailedSends(ctx context.Context, from time.Time, limit int) ([]docket.Reminder, error)
	Attorneys(ctx context.Context) ([]docket.Attorney, error)
	Clients(ctx context.Context) ([]docket.Client, error)

	CreateStaffSession(ctx context.Context, hash []byte, email string, created, expires time.Time) error
	StaffSession(ctx context.Context, hash []byte, now time.Time) (docket.StaffSession, error)
	EndStaffSession(ctx context.Context, hash []byte) error
	StaffLogin(ctx context.Context, email string) (docket.StaffLogin, error)
	StaffSignInFailed(ctx context.Context, email string, now time.Time, limit int, window time.Duration) (docket.StaffLogin, error)
	StaffSignedIn(ctx context.Context, email string) error
}

// Staff is one person who may sign in: a [[staff]] entry.
type Staff struct {
	Email, PasswordHash, Name, Language string
}

// Settings are the config's choices for the page, read anew on every request so a reload takes effect at once.
type Settings struct {
	// PublicURL is http.public_url: the cookies are Secure when it is https.
	PublicURL string
	// Staff are the people who may sign in; none turns the page off (404).
	Staff []Staff
	// OrgName heads every page.
	OrgName string
	// Zone is the office's clock (organization.timezone): the weeks and the times of replies are told on it.
	Zone *time.Location
	// Precedence orders the sources, so a hearing two sources report is listed once.
	Precedence []string
}

// Apply is what the page's "apply" does: a forced pass of the named source, as `docketd sync --source NAME
// --force`; it returns the pass's one-line report.
type Apply func(ctx context.Context, source string) (string, error)

// Handled marks inbox messages handled by who, as `docketd inbox done ID... --by NAME`.
type Handled func(ctx context.Context, ids []uint, by string) error

// Handler serves the page under /office/.
type Handler struct {
	DB       Store
	Settings func() Settings
	Now      func() time.Time
	Log      *slog.Logger
	Handled  Handled
	Apply    Apply
	// Failing names the sources that have failed for longer than their tolerance, one sentence each.
	Failing func(ctx context.Context) []string

	once  sync.Once
	slots chan struct{}
}

const (
	// Prefix is where the page is mounted.
	Prefix = "/office/"
	// sessionCookie holds a signed-in session's token; signinCookie the token of the sign-in form.
	sessionCookie = "docketd_office"
	signinCookie  = "docketd_office_signin"
	// sessionLife is how long a sign-in lasts: a working day.
	sessionLife = 12 * time.Hour
	// MaxFailures failed sign-ins within LockFor lock an account for LockFor.
	MaxFailures = 5
	LockFor     = 15 * time.Minute
	// maxForm bounds a form's body: the largest form is a list of message ids.
	maxForm = 64 << 10
)

//go:embed templates/*.html templates/style.css
var files embed.FS

var pages = template.Must(template.New("").Funcs(funcs).ParseFS(files, "templates/*.html"))

// ServeHTTP routes a request under /office/.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	set := h.Settings()
	if len(set.Staff) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'")
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/"))
	get := r.Method != http.MethodPost
	switch {
	case path == "/style.css" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "max-age=3600")
		b, _ := files.ReadFile("templates/style.css")
		_, _ = w.Write(b)
		return
	case path == "/signin":
		if r.Method == http.MethodPost {
			h.signIn(w, r, set)
		} else {
			h.signInForm(w, r, set, "", http.StatusOK)
		}
		return
	}
	s, ok := h.session(r, set)
	if !ok {
		// A form of a session that expired acts on nothing and asks to sign in again, as a page does.
		http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if !s.validCSRF(r) {
			h.refuse(w, r, set, s.staff.Email, "form without a valid CSRF token")
			return
		}
	}
	switch {
	case path == "/" && get:
		h.week(w, r, s)
	case path == "/inbox" && get:
		h.inbox(w, r, s)
	case path == "/inbox/handled" && !get:
		h.handled(w, r, s)
	case path == "/holds" && get:
		h.holds(w, r, s)
	case path == "/holds/apply" && !get:
		h.apply(w, r, s)
	case path == "/problems" && get:
		h.problems(w, r, s)
	case path == "/signout" && !get:
		h.signOut(w, r, s)
	default:
		http.NotFound(w, r)
	}
}

// session is a signed-in staff member's request.
type session struct {
	staff Staff
	token string
	set   Settings
	now   time.Time
}

// csrf is the session's form token: derived from the session's token, which only the browser holding the cookie
// knows, so a page elsewhere cannot make one.
func (s session) csrf() string { return csrfOf(s.token) }

func csrfOf(token string) string {
	sum := sha256.Sum256([]byte("docketd office csrf\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s session) validCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf())) == 1
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand does not fail on the platforms Go supports
	return base64.RawURLEncoding.EncodeToString(b)
}

// session returns the request's session, when its cookie names one the store has and its staff member is still
// configured.
func (h *Handler) session(r *http.Request, set Settings) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return session{}, false
	}
	now := h.Now()
	st, err := h.DB.StaffSession(r.Context(), hashToken(c.Value), now)
	if err != nil {
		return session{}, false
	}
	staff, ok := findStaff(set, st.Email)
	if !ok {
		return session{}, false // removed from the config since signing in
	}
	return session{staff: staff, token: c.Value, set: set, now: now}, true
}

func findStaff(set Settings, email string) (Staff, bool) {
	for _, s := range set.Staff {
		if strings.EqualFold(s.Email, email) {
			return s, true
		}
	}
	return Staff{}, false
}

// secure reports whether cookies must go over https only: when the public URL is https.
func secure(set Settings) bool {
	u, err := url.Parse(set.PublicURL)
	return err == nil && u.Scheme == "https"
}

func (h *Handler) cookie(set Settings, name, value string, life time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: secure(set)}
	if life > 0 {
		c.MaxAge = int(life / time.Second)
	} else {
		c.MaxAge = -1
	}
	return c
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// who is how the log names a staff member: masked, as every email at info level.
func who(email string) slog.Attr { return slog.Any("staff", docket.EmailAddress(email)) }

// refuse answers 403 to a form without a valid token, and logs it.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, set Settings, email, why string) {
	attrs := []any{"component", "office", "path", r.URL.Path, "why", why}
	if email != "" {
		attrs = append(attrs, who(email))
	}
	h.log().Warn("office form refused", attrs...)
	lang := "en"
	if s, ok := findStaff(set, email); ok {
		lang = s.Language
	}
	w.WriteHeader(http.StatusForbidden)
	h.render(w, "refused.html", view{Lang: lang, Org: set.OrgName, T: words(lang)})
}

// signInForm shows the sign-in form with a fresh form token in its own cookie.
func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request, set Settings, problem string, status int) {
	token := newToken()
	http.SetCookie(w, h.cookie(set, signinCookie, token, time.Hour))
	lang := formLanguage(r)
	w.WriteHeader(status)
	h.render(w, "signin.html", view{Lang: lang, Org: set.OrgName, T: words(lang), CSRF: token,
		Problem: problem})
}

// dummyHash is checked when the email names nobody, so that a wrong email takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashArgon2("docketd", defaultArgon)
	return h
})

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, set Settings) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	c, err := r.Cookie(signinCookie)
	got := r.PostFormValue("csrf")
	if err != nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(c.Value)) != 1 {
		h.refuse(w, r, set, "", "sign-in without a valid CSRF token")
		return
	}
	ctx := r.Context()
	now := h.Now()
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	t := words(formLanguage(r))
	if email == "" || len(email) > 254 || password == "" {
		h.signInForm(w, r, set, t["signin.wrong"], http.StatusUnauthorized)
		return
	}
	login, err := h.DB.StaffLogin(ctx, email)
	if err != nil {
		h.fail(w, err)
		return
	}
	if login.Locked(now) {
		h.log().Warn("office sign-in refused: account locked", "component", "office", who(email),
			"locked_until", login.LockedUntil.UTC().Format(time.RFC3339))
		h.signInForm(w, r, set, t["signin.locked"], http.StatusTooManyRequests)
		return
	}
	staff, known := findStaff(set, email)
	hash := dummyHash()
	if known {
		hash = staff.PasswordHash
	}
	ok, err := h.checkPassword(ctx, hash, password)
	if errors.Is(err, ctx.Err()) && ctx.Err() != nil {
		return // the browser went away while waiting its turn
	}
	if err != nil {
		h.log().Error("office sign-in: unreadable password_hash", "component", "office", who(email), "err", err)
	}
	if !known || !ok {
		l, err := h.DB.StaffSignInFailed(ctx, email, now, MaxFailures, LockFor)
		if err != nil {
			h.fail(w, err)
			return
		}
		if l.Locked(now) {
			h.log().Warn("office sign-in failed: account locked", "component", "office", who(email),
				"failures", MaxFailures, "locked_until", l.LockedUntil.UTC().Format(time.RFC3339))
			h.signInForm(w, r, set, t["signin.locked"], http.StatusTooManyRequests)
			return
		}
		h.log().Warn("office sign-in failed", "component", "office", who(email), "failures", l.Failures)
		h.signInForm(w, r, set, t["signin.wrong"], http.StatusUnauthorized)
		return
	}
	token := newToken()
	if err := h.DB.CreateStaffSession(ctx, hashToken(token), staff.Email, now, now.Add(sessionLife)); err != nil {
		h.fail(w, err)
		return
	}
	if err := h.DB.StaffSignedIn(ctx, email); err != nil {
		h.log().Warn("office sign-in: failures not cleared", "component", "office", "err", err)
	}
	h.log().Info("office sign-in", "component", "office", who(staff.Email))
	http.SetCookie(w, h.cookie(set, signinCookie, "", 0))
	http.SetCookie(w, h.cookie(set, sessionCookie, token, sessionLife))
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, s session) {
	if err := h.DB.EndStaffSession(r.Context(), hashToken(s.token)); err != nil {
		h.fail(w, err)
		return
	}
	h.log().Info("office sign-out", "component", "office", who(s.staff.Email))
	http.SetCookie(w, h.cookie(s.set, sessionCookie, "", 0))
	http.Redirect(w, r, Prefix+"signin", http.StatusSeeOther)
}

// formLanguage is the sign-in form's language: es when asked for (?lang=es, or the form's own field), else en.
// Nobody is known yet, so the staff member's language cannot decide.
func formLanguage(r *http.Request) string {
	if r.URL.Query().Get("lang") == "es" || r.PostFormValue("lang") == "es" {
		return "es"
	}
	return "en"
}

// checkers bounds the password checks under way at once: each argon2id check takes 64 MiB, and a flood of
// sign-ins must not take the daemon's memory.
const checkers = 4

// checkPassword checks password against hash once one of the checkers is free.
func (h *Handler) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	h.once.Do(func() { h.slots = make(chan struct{}, checkers) })
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-h.slots }()
	return CheckPassword(hash, password)
}

// fail answers 500 without the error's text, which may name a person, and logs it masked.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	h.log().Error("office page", "component", "office", "err", err)
	http.Error(w, "The page could not be made; the daemon's log says why.", http.StatusInternalServerError)
}

// errNoSuchSource is an apply of a source the config does not name.
var errNoSuchSource = errors.New("no such source")
