package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the daemon's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConfig returns the example config pointed at a database in dir and a free port, written to dir.
func testConfig(t *testing.T, dir string, edit func(string) string) string {
	t.Helper()
	src, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), `url = "sqlite:docketd-demo.db"`, `url = "sqlite:`+filepath.Join(dir, "test.db")+`"`, 1)
	s = strings.Replace(s, `listen = "127.0.0.1:8080"`, `listen = "127.0.0.1:0"`, 1)
	if edit != nil {
		s = edit(s)
	}
	path := filepath.Join(dir, "docketd.toml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile("../../examples/docket.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "examples"), 0o700)
	if err := os.WriteFile(filepath.Join(dir, "examples", "docket.csv"), csv, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testEnv() (*env, *syncBuffer, *syncBuffer) {
	out, errb := &syncBuffer{}, &syncBuffer{}
	now := time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC)
	return &env{stdout: out, stderr: errb, getenv: func(string) string { return "" }, now: func() time.Time { return now }},
		out, errb
}

func TestCheckReportsEveryProblemWithItsLine(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, func(s string) string {
		s = strings.Replace(s, `quiet_hours = "20:00-08:00"`, `quiet_hour = "20:00-08:00"`, 1)
		return strings.Replace(s, `phone = "+14695550177"`, `phone = "469-555"`, 1)
	})
	e, out, errb := testEnv()
	err := e.dispatch(context.Background(), []string{"check", "--config", path})
	if got, want := exitCode(err), exitUsage; got != want {
		t.Fatalf("exit: got %d, want %d (err %v, out %s)", got, want, err, out)
	}
	msg := err.Error()
	src, _ := os.ReadFile(path)
	lineOf := func(s string) int { return strings.Count(string(src[:strings.Index(string(src), s)]), "\n") + 1 }
	for _, want := range []string{
		fmt.Sprintf(`%s:%d:1: reminders.quiet_hour: unknown key (did you mean "quiet_hours"?)`, path, lineOf("quiet_hour =")),
		fmt.Sprintf(`%s:%d:1: clients[4].phone: expected a phone number in E.164 form like "+12145550123", got "469-555"`,
			path, lineOf(`phone = "469-555"`)),
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("check output lacks %q:\n%s%s", want, msg, errb)
		}
	}
}

func TestDaemonServesReloadsAndStops(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	e, _, logs := testEnv()
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
	if got, want := get(t, base+"/healthz"), 200; got != want {
		t.Errorf("/healthz: got %d, want %d", got, want)
	}
	<-ready
	if got, want := get(t, base+"/readyz"), 200; got != want {
		t.Errorf("/readyz: got %d, want %d", got, want)
	}

	// An invalid file keeps the running config and says why.
	good, _ := os.ReadFile(path)
	os.WriteFile(path, append(good, []byte("\n[oops]\n")...), 0o600)
	reload <- struct{}{}
	if err := <-reloaded; err == nil {
		t.Fatal("reload of an invalid file: got nil error")
	}
	if !strings.Contains(logs.String(), "oops: unknown key") {
		t.Errorf("logs do not name the problem:\n%s", logs)
	}

	// A valid change moves the hearing: the same hearing, one sequence higher.
	moved := strings.Replace(string(good), `start = "2028-04-11 09:00"`, `start = "2028-04-12 13:00"`, 1)
	os.WriteFile(path, []byte(moved), 0o600)
	reload <- struct{}{}
	if err := <-reloaded; err != nil {
		t.Fatalf("reload: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run returned %v, want nil on shutdown", err)
	}

	hs := fromSource(hearingsJSONOf(t, path, "--court", "ELP"), "config")
	if len(hs) != 1 {
		t.Fatalf("ELP hearings: got %d, want 1", len(hs))
	}
	if got, want := hs[0].Start, "2028-04-12T13:00:00-06:00"; got != want {
		t.Errorf("moved start: got %s, want %s", got, want)
	}
	if got, want := hs[0].Sequence, 1; got != want {
		t.Errorf("sequence: got %d, want %d", got, want)
	}
	if got, want := hs[0].ZoneAbbr, "MDT"; got != want {
		t.Errorf("zone: got %s, want %s", got, want)
	}
}

// fromSource keeps the hearings of one source: the daemon also syncs the example's CSV export.
func fromSource(hs []hearingJSON, source string) []hearingJSON {
	var out []hearingJSON
	for _, h := range hs {
		if h.Source == source {
			out = append(out, h)
		}
	}
	return out
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func hearingsJSONOf(t *testing.T, path string, args ...string) []hearingJSON {
	t.Helper()
	e, out, _ := testEnv()
	if err := e.dispatch(context.Background(), append([]string{"hearings", "--config", path, "--format", "json"}, args...)); err != nil {
		t.Fatal(err)
	}
	var hs []hearingJSON
	if err := json.Unmarshal([]byte(out.String()), &hs); err != nil {
		t.Fatalf("hearings json: %v\n%s", err, out)
	}
	return hs
}

func TestHearingsShowCourtLocalTimes(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	e, _, _ := testEnv()
	ctx, cancel := context.WithCancel(context.Background())
	e.onReady = cancel
	if err := e.dispatch(ctx, []string{"run", "--config", path}); err != nil {
		t.Fatal(err)
	}
	hs := fromSource(hearingsJSONOf(t, path), "config")
	if got, want := len(hs), 7; got != want {
		t.Fatalf("hearings: got %d, want %d", got, want)
	}
	got := map[string]string{}
	for _, h := range hs {
		if _, ok := got[h.Court]; !ok { // the first hearing of each court
			got[h.Court] = h.Start + " " + h.ZoneAbbr
		}
	}
	want := map[string]string{"DAL": "2028-02-08T08:30:00-06:00 CST", "ELP": "2028-04-11T09:00:00-06:00 MDT"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if hs := fromSource(hearingsJSONOf(t, path, "--days", "30"), "config"); len(hs) != 0 {
		t.Errorf("--days 30 from 2027-11-01: got %d hearings, want 0", len(hs))
	}
	if hs := fromSource(hearingsJSONOf(t, path, "--now", "2028-03-01T00:00:00Z"), "config"); len(hs) != 3 {
		t.Errorf("--now after the Mendozas' Dallas hearing: got %d hearings, want 3 (two in Dallas in March, El Paso)", len(hs))
	}

	e2, out, _ := testEnv()
	if err := e2.dispatch(context.Background(), []string{"hearings", "--config", path}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Tue Feb 8 2028", "8:30 AM CST", "9:00 AM MDT", "Rosa María Mendoza López"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"nope"}, {"hearings", "--format", "xml"}, {"hearings", "--now", "tomorrow"}, {}} {
		e, _, _ := testEnv()
		err := e.dispatch(context.Background(), args)
		if got, want := exitCode(err), exitUsage; got != want {
			t.Errorf("%v: exit %d, want %d (%v)", args, got, want, err)
		}
	}
	e, _, _ := testEnv()
	err := e.dispatch(context.Background(), []string{"check", "--config", "/nonexistent.toml"})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Errorf("missing config: got %v, want exit 2", err)
	}
}

func TestCheckWarnsAboutLanguagesWithoutTemplates(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, func(s string) string {
		return strings.Replace(s, `email = "samuel.tesfaye@example.net"
language = "en"`, `email = "samuel.tesfaye@example.net"
language = "ht"`, 1)
	})
	e, out, _ := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path}); err != nil {
		t.Fatalf("check: %v", err)
	}
	if want := "warning: templates: language ht: no templates, English will be used"; !strings.Contains(out.String(), want) {
		t.Errorf("check output lacks %q:\n%s", want, out)
	}
}

func TestCheckCountsThePeopleAStateLawOnTheHoursOfTextsGoverns(t *testing.T) {
	dir := t.TempDir()
	const line = "people whose texts follow a stricter state law"
	for _, tt := range []struct {
		name, from, to, want string
	}{
		{"none in the example", "", "", ""},
		{"a client living in Florida", `state = "TX"`, `state = "FL"`, line + " (Florida, Oklahoma: 8:00-20:00 of " +
			"their time, at most 3 about one hearing in 24 hours): 1\n"},
		{"counsel with an Oklahoma number", `phone = "+12145550112"`, `phone = "+14055550112"`, line},
	} {
		path := testConfig(t, dir, func(s string) string { return strings.Replace(s, tt.from, tt.to, 1) })
		e, out, _ := testEnv()
		if err := e.dispatch(context.Background(), []string{"check", "--config", path}); err != nil {
			t.Fatalf("%s: check: %v", tt.name, err)
		}
		got := out.String()
		if ok := strings.Contains(got, line); ok != (tt.want != "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: check output:\n%s\nwant %q", tt.name, got, cmp.Or(tt.want, "no line about state laws"))
		}
	}
}

func TestReadyzFailsWhenASourceFailsBeyondItsTolerance(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, func(s string) string {
		return strings.Replace(s, `path = "examples/docket.csv"`, `path = "examples/missing.csv"`, 1)
	})
	e, _, _ := testEnv()
	var now atomic.Int64
	now.Store(time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	e.now = func() time.Time { return time.Unix(0, now.Load()).UTC() }
	addr := make(chan string, 1)
	ready := make(chan struct{})
	e.onListen = func(a string) { addr <- a }
	e.onReady = func() { close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.dispatch(ctx, []string{"run", "--config", path}) }()
	base := "http://" + <-addr
	<-ready
	if got, want := get(t, base+"/readyz"), 200; got != want {
		t.Errorf("/readyz at start: got %d, want %d", got, want)
	}
	now.Add(int64(25 * time.Hour)) // the example's tolerance is 24h
	if got, want := get(t, base+"/readyz"), 503; got != want {
		t.Errorf("/readyz after 25h of failures: got %d, want %d", got, want)
	}
	if got, want := get(t, base+"/healthz"), 200; got != want {
		t.Errorf("/healthz: got %d, want %d (the process is alive)", got, want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCheckPrintHidesSecrets(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, func(s string) string {
		s = strings.Replace(s, `password = ""      # write "${SMTP_PASSWORD}"`, `password = "hunter2-smtp"`, 1)
		return strings.Replace(s, `auth_token = ""`, `auth_token = "tw-secret-token"`, 1)
	})
	e, out, _ := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path, "--print"}); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2-smtp", "tw-secret-token"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("check --print shows %q", secret)
		}
	}
	if !strings.Contains(out.String(), "(hidden)") || !strings.Contains(out.String(), "quiet_hours") {
		t.Errorf("check --print should show the effective config with secrets hidden:\n%s", out)
	}
}
