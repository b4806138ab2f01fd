package office

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/store/storetest"
)

// Behind https the cookies are Secure; the session's token is stored only hashed.
func TestCookiesAreSecureBehindHTTPS(t *testing.T) {
	db := storetest.Open(t)
	hash, err := hashArgon2("correct horse", argonParams{memory: 1024, time: 1, threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, 2, 1, 15, 0, 0, 0, time.UTC)
	h := &Handler{DB: db, Now: func() time.Time { return at }, Settings: func() Settings {
		return Settings{PublicURL: "https://docket.example.org", OrgName: "Office",
			Staff: []Staff{{Email: "ana@example.org", PasswordHash: hash, Name: "Ana", Language: "en"}}}
	}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/office/signin")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	form := resp.Cookies()
	if len(form) != 1 || !form[0].Secure || !form[0].HttpOnly || form[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("sign-in form cookie: %+v, want one Secure, HttpOnly, SameSite=Lax cookie", form)
	}
	body := url.Values{"csrf": {form[0].Value}, "email": {"Ana@Example.org"}, "password": {"correct horse"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/office/signin", strings.NewReader(body.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(form[0])
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil || !session.Secure || !session.HttpOnly ||
		session.SameSite != http.SameSiteLaxMode || session.Path != Prefix {
		t.Fatalf("sign-in: %d, session cookie %+v; want a Secure, HttpOnly, SameSite=Lax cookie on /office/",
			resp.StatusCode, session)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(session.Value) {
		t.Errorf("session token %q is not 32 random bytes", session.Value)
	}
	st, err := db.StaffSession(t.Context(), hashToken(session.Value), at)
	if err != nil || st.Email != "ana@example.org" || !st.Expires.Equal(at.Add(sessionLife)) {
		t.Errorf("stored session: %+v, %v; want ana's, for %s", st, err, sessionLife)
	}
	if _, err := db.StaffSession(t.Context(), []byte(session.Value), at); err == nil {
		t.Errorf("the session is found by its token itself: it must be stored hashed")
	}
}
