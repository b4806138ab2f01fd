package source_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/source"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/store/storetest"
)

// These tests run ACIS answers through the sync into a real store, from an httptest lookup service speaking the
// eoir-api wire format.

// acisAnswers serves GET /cases/{a_number} with the eoir-api envelope around the GetCaseInfo answer given for
// that A-number; any other A-number is not found.
func acisAnswers(t *testing.T, answers map[string]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		an, ok := strings.CutPrefix(r.URL.Path, "/cases/")
		acis, known := answers[an]
		if !ok || !known || r.Header.Get("X-API-Key") != "k" || r.URL.Query().Get("nationality") == "" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail":"No case info found"}`)
			return
		}
		fmt.Fprintf(w, `{"a_number":%q,"nationality":{"code":"MX","name":"MEXICO"},`+
			`"retrieved_at":"2026-11-20T15:04:05Z","cached":false,"acis":%s}`, an, acis)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// sampleFor is the sample answer about another A-number and EOIR case id.
func sampleFor(t *testing.T, aNumber, caseID string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "acis_getcaseinfo_sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "201555123", aNumber)
	return strings.Replace(s, `"CaseID": 71002233`, `"CaseID": `+caseID, 1)
}

type acisRun struct {
	db   *store.DB
	s    *ingest.Syncer
	spec ingest.SourceSpec
	now  time.Time
}

func newACISRun(t *testing.T, url string, aNumbers ...string) *acisRun {
	t.Helper()
	db := storetest.Open(t)
	zones, err := db.Zones(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := &acisRun{db: db, now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	a := &source.ACIS{URL: url, APIKey: "k", Rate: 1000, Zoner: zones, Now: func() time.Time { return r.now },
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
	for _, an := range aNumbers {
		a.Cases = append(a.Cases, source.ACISCase{ANumber: an, Nationality: "MX"})
	}
	r.s = &ingest.Syncer{DB: db, Now: func() time.Time { return r.now }}
	r.spec = ingest.SourceSpec{Name: "acis", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2, Reader: a}
	return r
}

func (r *acisRun) run(t *testing.T) ingest.SyncReport {
	t.Helper()
	rep, err := r.s.Run(context.Background(), r.spec, false, nil)
	if err != nil {
		t.Fatalf("run: %v (report %s)", err, rep)
	}
	return rep
}

// hearings returns the source's hearings by key.
func (r *acisRun) hearings(t *testing.T) map[string]docket.Hearing {
	t.Helper()
	hs, err := r.db.Hearings(context.Background(), docket.HearingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]docket.Hearing{}
	for _, h := range hs {
		if h.Source == "acis" {
			m[h.SourceKey] = h
		}
	}
	return m
}

func TestACISSharedCaseIDFailsOnlyItself(t *testing.T) {
	url := acisAnswers(t, map[string]string{
		"201555123": sampleFor(t, "201555123", "71002233"),
		"201555124": sampleFor(t, "201555124", "71002233"), // the same EOIR case id as the first
		"201555125": sampleFor(t, "201555125", "71002235"),
	})
	r := newACISRun(t, url, "201555123", "201555124", "201555125")
	rep := r.run(t)
	hs := r.hearings(t)
	for _, k := range []string{"201555123", "201555125"} {
		if h, ok := hs[k]; !ok || h.Status != docket.StatusScheduled {
			t.Errorf("hearing %s: got %+v, want it scheduled", docket.MaskANumber(k), h)
		}
	}
	if _, ok := hs["201555124"]; ok {
		t.Error("the answer sharing another's case id was stored")
	}
	if rep.Rejected != 1 {
		t.Errorf("rejected = %d, want the second answer with the shared case id", rep.Rejected)
	}
	res, err := source.Collect(context.Background(), r.spec.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejects) != 1 || res.Rejects[0].ANumber != "201555124" ||
		!strings.Contains(res.Rejects[0].Reason, "case id") {
		t.Errorf("rejects = %v, want the second answer with the shared case id", res.Rejects)
	}

	// A later run in which the case id turns up under another A-number than the one stored with it: that record
	// alone is rejected, the others still apply.
	r2url := acisAnswers(t, map[string]string{
		"201555123": sampleFor(t, "201555123", "71002233"),
		"201555126": sampleFor(t, "201555126", "71002235"), // 201555125's case id, stored on the first run
	})
	r.spec.Reader.(*source.ACIS).URL = r2url
	r.spec.Reader.(*source.ACIS).Cases = []source.ACISCase{{ANumber: "201555123", Nationality: "MX"},
		{ANumber: "201555126", Nationality: "MX"}}
	r.now = r.now.Add(time.Hour)
	r.run(t)
	hs = r.hearings(t)
	for _, k := range []string{"201555123", "201555126"} {
		if h, ok := hs[k]; !ok || h.Status != docket.StatusScheduled {
			t.Errorf("second run: hearing %s: got %+v, want it scheduled", docket.MaskANumber(k), h)
		}
	}
}

func TestACISDecisionOutranksTheHearing(t *testing.T) {
	scheduled := sampleFor(t, "201555123", "71002233")
	decided := strings.Replace(strings.Replace(scheduled, `"CompDate": null`, `"CompDate": "2026-12-02T00:00:00"`, 1),
		`"DecisionCode": null`, `"DecisionCode": "X"`, 1)
	decidedOnly := strings.Replace(sampleFor(t, "201555125", "71002235"), `"CaseDecisionString": null`,
		`"CaseDecisionString": "Removal"`, 1)
	answers := map[string]string{"201555123": scheduled, "201555125": decidedOnly}
	r := newACISRun(t, acisAnswers(t, answers), "201555123", "201555125")
	r.run(t)
	hs := r.hearings(t)
	if h := hs["201555123"]; h.Status != docket.StatusScheduled {
		t.Errorf("undecided case: status %q, want scheduled", h.Status)
	}
	if h := hs["201555125"]; h.Status != docket.StatusCompleted {
		t.Errorf("case with a decision string imported as %q, want completed", h.Status)
	}

	// The stored hearing's case is decided: the hearing ACIS still lists is no longer scheduled.
	r.spec.Reader.(*source.ACIS).URL = acisAnswers(t, map[string]string{"201555123": decided, "201555125": decidedOnly})
	r.now = r.now.Add(24 * time.Hour)
	r.run(t)
	h := r.hearings(t)["201555123"]
	if h.Status != docket.StatusCompleted || h.Sequence != 1 {
		t.Errorf("decided case: status %q sequence %d, want completed at sequence 1", h.Status, h.Sequence)
	}
}
