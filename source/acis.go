package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/docketd/docketd/docket"
)

// acisKind asks an ACIS lookup service about the office's clients and/or reads saved answers: a slow source, read
// whole before the store is touched.
var acisKind = Kind{Name: "acis", Buffered: true, build: newACIS}

func newACIS(s Spec, zones Zoner) (Reader, error) {
	return &ACIS{URL: s.URL, APIKey: s.APIKey, Cases: s.Cases, Dir: s.Path, Rate: rate.Limit(s.Rate),
		HTTPClient: s.httpClient(), Zoner: zones}, nil
}

// Defaults of the ACIS source, each chosen to be polite to a service that
// solves a captcha per lookup on EOIR's portal.
const (
	// DefaultACISRate is one lookup every two seconds.
	DefaultACISRate = rate.Limit(0.5)
	// DefaultACISRetries is how often one lookup is retried on 429 or 503
	// before the run is given up as the service being down.
	DefaultACISRetries = 3
	// DefaultACISMaxWait is the longest Retry-After obeyed; a longer one ends
	// the run, which is retried on schedule anyway.
	DefaultACISMaxWait = 10 * time.Minute
	// acisTimeout bounds one HTTP lookup; solving a captcha takes a while.
	acisTimeout = 2 * time.Minute
	// acisMaxBody bounds an answer; a real one is a few kilobytes.
	acisMaxBody = 4 << 20
	// acisMaxUpstreamFailures ends a run after that many 502s in a row: ACIS
	// itself is down, and looking up the rest would only add load.
	acisMaxUpstreamFailures = 3
)

// ACISCase is one tracked case to look up: an A-number and the nationality
// code ACIS asks for with it.
type ACISCase struct {
	ANumber     string
	Nationality string
}

// ACIS reads EOIR's Automated Case Information answers (GetCaseInfo), from an
// eoir-api-compatible lookup service and/or from saved JSON files. ACIS holds
// one current hearing per case, so the record key is the A-number.
//
// Files in Dir are read first; lookups then skip the A-numbers a file
// answered. Cases are looked up only when URL is set.
type ACIS struct {
	// URL is the lookup service's base URL; GET {URL}/cases/{a_number}.
	URL string
	// APIKey is sent as X-API-Key.
	APIKey string
	// Cases are the cases to look up.
	Cases []ACISCase
	// Dir holds saved answers, one case per *.json file.
	Dir string
	// Rate is lookups per second; 0 means DefaultACISRate.
	Rate rate.Limit
	// MaxRetries and MaxWait bound the waits on 429 and 503; 0 means the
	// defaults.
	MaxRetries int
	MaxWait    time.Duration
	// HTTPClient defaults to a client with a two-minute timeout.
	HTTPClient *http.Client
	// Zoner gives the zone of AdjDate/AdjTime from the hearing location, then
	// the base city.
	Zoner Zoner
	// Now and Sleep default to the real clock; tests replace both so that
	// rate limits and Retry-After pass without waiting.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

var _ Reader = (*ACIS)(nil)

// Read implements Reader: saved files, then lookups, one at a time.
func (a *ACIS) Read(ctx context.Context, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error {
	reject = rejectFunc(reject)
	zones := newZoneCache(a.Zoner)
	seen := map[docket.ANumber]string{}
	cases := caseIDs{}
	if a.Dir != "" {
		if err := a.readDir(ctx, zones, seen, cases, emit, reject); err != nil {
			return err
		}
	}
	if a.URL == "" || len(a.Cases) == 0 {
		return nil
	}
	return a.lookupAll(ctx, zones, seen, cases, emit, reject)
}

// caseIDs remembers which answer of a run gave each EOIR case id (Data.CaseID). EOIR gives every respondent a case
// of their own, so two answers about different A-numbers with one case id means one of them is wrong, and the store
// keeps one case per case id: the first answer read is kept and the later one alone is rejected, with its A-number,
// so that its stored hearing is protected rather than taken for missing.
type caseIDs map[string]string

// claim records that file gave recs, or returns the answer that already gave their case id.
func (c caseIDs) claim(recs []docket.SourceRecord, file string) (first string, dup bool) {
	for _, r := range recs {
		if r.CaseID == "" {
			continue
		}
		if first, dup := c[r.CaseID]; dup {
			return first, true
		}
	}
	for _, r := range recs {
		if r.CaseID != "" {
			c[r.CaseID] = file
		}
	}
	return "", false
}

func (a *ACIS) readDir(ctx context.Context, zones *zoneCache, seen map[docket.ANumber]string, cases caseIDs,
	emit func(docket.SourceRecord) error,
	reject func(docket.RecordError)) error {
	files, err := filepath.Glob(filepath.Join(a.Dir, "*.json"))
	if err != nil {
		return fmt.Errorf("acis %s: %w", a.Dir, err)
	}
	if _, err := os.Stat(a.Dir); err != nil {
		return fmt.Errorf("acis: %w", err)
	}
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := readFileLimited(name, acisMaxBody)
		if err != nil {
			if pe, ok := errors.AsType[*os.PathError](err); ok {
				err = pe.Err
			}
			reject(docket.RecordError{File: name, Reason: err.Error()})
			continue
		}
		an, recs, err := parseCaseInfo(data, "", zones)
		if err != nil {
			reject(docket.RecordError{File: name, Key: string(an), ANumber: an, Reason: err.Error()})
			continue
		}
		if first, dup := seen[an]; dup {
			reject(docket.RecordError{File: name, Key: string(an), ANumber: an, Reason: "same case as " + first})
			continue
		}
		seen[an] = name
		if first, dup := cases.claim(recs, name); dup {
			reject(docket.RecordError{File: name, Key: string(an), ANumber: an, Reason: "same EOIR case id as " + first})
			continue
		}
		for _, r := range recs {
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *ACIS) lookupAll(ctx context.Context, zones *zoneCache, seen map[docket.ANumber]string, cases caseIDs,
	emit func(docket.SourceRecord) error,
	reject func(docket.RecordError)) error {
	r := a.Rate
	if r == 0 {
		r = DefaultACISRate
	}
	lim := rate.NewLimiter(r, 1)
	upstreamFailures := 0
	for i, c := range a.Cases {
		an, err := docket.ParseANumber(c.ANumber)
		if err != nil {
			reject(docket.RecordError{File: "acis cases", Line: i + 1, Reason: err.Error()})
			continue
		}
		file := strings.TrimRight(a.URL, "/") + "/cases/" + an.Masked()
		if _, dup := seen[an]; dup {
			continue
		}
		seen[an] = file
		nat := strings.ToUpper(strings.TrimSpace(c.Nationality))
		if nat == "" {
			reject(docket.RecordError{File: file, Key: string(an), ANumber: an, Reason: "no nationality code to look up with"})
			continue
		}
		recs, err := a.lookup(ctx, lim, an, nat, zones)
		var rerr *lookupError
		switch {
		case errors.As(err, &rerr):
			if rerr.upstream {
				upstreamFailures++
				if upstreamFailures >= acisMaxUpstreamFailures {
					return fmt.Errorf("acis %s: %d upstream failures in a row, ACIS looks down", a.URL,
						upstreamFailures)
				}
			} else {
				upstreamFailures = 0
			}
			reject(docket.RecordError{File: file, Key: string(an), ANumber: an, Reason: rerr.reason})
			continue
		case err != nil:
			return err
		}
		upstreamFailures = 0
		if first, dup := cases.claim(recs, file); dup {
			reject(docket.RecordError{File: file, Key: string(an), ANumber: an, Reason: "same EOIR case id as " + first})
			continue
		}
		for _, r := range recs {
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// lookupError fails one lookup without failing the run.
type lookupError struct {
	reason   string
	upstream bool
}

func (e *lookupError) Error() string { return e.reason }

// lookup asks the service about one case, keeping to the rate of lim and
// waiting out 429 and 503 answers as told by Retry-After. Errors other than *lookupError fail the run.
func (a *ACIS) lookup(ctx context.Context, lim *rate.Limiter, an docket.ANumber, nat string,
	zones *zoneCache) ([]docket.SourceRecord, error) {
	u := strings.TrimRight(a.URL, "/") + "/cases/" + url.PathEscape(string(an)) + "?nationality=" + url.QueryEscape(nat)
	retries, maxWait := a.MaxRetries, a.MaxWait
	if retries == 0 {
		retries = DefaultACISRetries
	}
	if maxWait == 0 {
		maxWait = DefaultACISMaxWait
	}
	for attempt := 0; ; attempt++ {
		// Every request counts against the rate, retries included.
		now := a.now()
		if err := a.sleep(ctx, lim.ReserveN(now, 1).DelayFrom(now)); err != nil {
			return nil, err
		}
		status, header, body, err := a.get(ctx, u)
		if err != nil {
			return nil, err
		}
		switch {
		case status == http.StatusOK:
			_, recs, err := parseCaseInfo(body, an, zones)
			if err != nil {
				return nil, &lookupError{reason: err.Error()}
			}
			return recs, nil
		case status == http.StatusNotFound:
			return nil, nil
		case status == http.StatusUnprocessableEntity:
			return nil, &lookupError{reason: "case information is unavailable (422)"}
		case status == http.StatusBadGateway:
			return nil, &lookupError{reason: "ACIS failed behind the lookup service (502)", upstream: true}
		case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
			if attempt >= retries {
				return nil, fmt.Errorf("acis %s: still %d after %d retries", a.URL, status, retries)
			}
			wait := retryAfter(header.Get("Retry-After"), a.now())
			if wait < 0 {
				wait = time.Duration(10<<attempt) * time.Second
			}
			if wait > maxWait {
				return nil, fmt.Errorf("acis %s: %d asks to wait %s, more than %s", a.URL, status, wait, maxWait)
			}
			if err := a.sleep(ctx, wait); err != nil {
				return nil, err
			}
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return nil, fmt.Errorf("acis %s: api key refused (%d)", a.URL, status)
		case status >= 500:
			return nil, fmt.Errorf("acis %s: service error %d", a.URL, status)
		default:
			return nil, &lookupError{reason: fmt.Sprintf("lookup refused with status %d", status)}
		}
	}
}

// get performs one request and reads the bounded body.
func (a *ACIS) get(ctx context.Context, u string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("acis: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if a.APIKey != "" {
		req.Header.Set("X-API-Key", a.APIKey)
	}
	hc := a.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: acisTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, nil, ctx.Err()
		}
		// The URL holds the A-number; report the service only.
		return 0, nil, nil, fmt.Errorf("acis %s: service unreachable: %w", a.URL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, acisMaxBody+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("acis %s: read answer: %w", a.URL, unwrapURLError(err))
	}
	if len(body) > acisMaxBody {
		return 0, nil, nil, fmt.Errorf("acis %s: answer larger than %d bytes", a.URL, acisMaxBody)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// unwrapURLError drops the *url.Error layer, whose message repeats the URL
// and so the A-number in it.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

func (a *ACIS) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *ACIS) sleep(ctx context.Context, d time.Duration) error {
	if a.Sleep != nil {
		return a.Sleep(ctx, d)
	}
	return sleepContext(ctx, d)
}

// sleepContext waits d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads a Retry-After header, delay-seconds or an HTTP date; it
// returns -1 when the header is absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return -1
	}
	if s, err := strconv.Atoi(h); err == nil {
		if s < 0 {
			return -1
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
		return 0
	}
	return -1
}

// flexString accepts a JSON string, number or null; ACIS writes ids as
// numbers and A-numbers as strings, and saved files may differ.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexString(n.String())
	}
	return nil
}

// acisEnvelope is the eoir-api answer around GetCaseInfo.
type acisEnvelope struct {
	ANumber     flexString      `json:"a_number"`
	Nationality json.RawMessage `json:"nationality"`
	RetrievedAt string          `json:"retrieved_at"`
	Cached      bool            `json:"cached"`
	ACIS        json.RawMessage `json:"acis"`
}

// getCaseInfo holds the parts of ACIS's GetCaseInfo answer docketd uses.
type getCaseInfo struct {
	Message     *string    `json:"message"`
	AlienNumber flexString `json:"AlienNumber"`
	Data        *struct {
		ValidAlienNumber *bool      `json:"ValidAlienNumber"`
		AlienName        string     `json:"AlienName"`
		CaseID           flexString `json:"CaseID"`
		CaseDecision     flexString `json:"CaseDecisionString"`
	} `json:"Data"`
	Proceeding *struct {
		BaseCityCode           string     `json:"BaseCityCode"`
		HearingLocationCode    string     `json:"HearingLocationCode"`
		HearingLocationAddress string     `json:"HearingLocationAddress"`
		IJName                 string     `json:"IJName"`
		CompDate               flexString `json:"CompDate"`
		DecisionCode           flexString `json:"DecisionCode"`
	} `json:"Proceeding"`
	Schedule *struct {
		AdjDate                string `json:"AdjDate"`
		AdjTime                string `json:"AdjTime"`
		CalType                string `json:"CalType"`
		ScheduleType           string `json:"ScheduleType"`
		HearingMedium          string `json:"HearingMedium"`
		IJName                 string `json:"IJ_Name"`
		WebEx                  string `json:"IJ_WebExURLLink"`
		HearingLocationCode    string `json:"HearingLocationCode"`
		HearingLocationAddress string `json:"HearingLocationAddress"`
	} `json:"Schedule"`
}

// decided reports whether ACIS shows the case decided: a decision (Data.CaseDecisionString, Proceeding.DecisionCode)
// or a completion date (Proceeding.CompDate). A decision outranks the hearing still listed in Schedule, which ACIS
// keeps showing after the case is decided: the proceedings are over, so that hearing is not held, and telling the
// client to come to it would be wrong. Its status is completed, not cancelled: a cancellation would text the client
// "your hearing was cancelled", and what a decision means for them is counsel's to explain.
func (ci *getCaseInfo) decided() bool {
	if ci.Data != nil && strings.TrimSpace(string(ci.Data.CaseDecision)) != "" {
		return true
	}
	p := ci.Proceeding
	return p != nil && (strings.TrimSpace(string(p.DecisionCode)) != "" || strings.TrimSpace(string(p.CompDate)) != "")
}

// parseCaseInfo reads a GetCaseInfo answer, bare or in the eoir-api envelope,
// into zero records (no case, nothing scheduled) or one. want is the
// A-number looked up, "" for a saved file; the A-number found is returned
// even with an error so the caller can name the case.
func parseCaseInfo(data []byte, want docket.ANumber, zones *zoneCache) (docket.ANumber, []docket.SourceRecord, error) {
	an := want
	var env acisEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return an, nil, fmt.Errorf("malformed answer: %s", jsonReason(err, len(data)))
	}
	inner := data
	if len(env.ACIS) > 0 {
		if bytes.Equal(env.ACIS, []byte("null")) {
			return an, nil, errors.New("answer has no acis object")
		}
		inner = env.ACIS
	}
	var ci getCaseInfo
	if err := json.Unmarshal(inner, &ci); err != nil {
		return an, nil, fmt.Errorf("malformed answer: %s", jsonReason(err, len(inner)))
	}
	if an == "" {
		raw := string(env.ANumber)
		if raw == "" {
			raw = string(ci.AlienNumber)
		}
		if raw == "" {
			return "", nil, errors.New("answer names no A-number")
		}
		n, err := docket.ParseANumber(raw)
		if err != nil {
			return "", nil, err
		}
		an = n
	} else {
		for _, got := range []flexString{env.ANumber, ci.AlienNumber} {
			if got == "" {
				continue
			}
			if n, err := docket.ParseANumber(string(got)); err != nil || n != an {
				return an, nil, errors.New("answer is about another A-number")
			}
		}
	}
	if ci.Message != nil {
		msg := strings.TrimSpace(*ci.Message)
		if strings.Contains(strings.ToLower(msg), "no case info") {
			return an, nil, nil
		}
		return an, nil, fmt.Errorf("ACIS says %q", clip(msg))
	}
	if ci.Data == nil {
		return an, nil, errors.New("answer has no Data")
	}
	if ci.Data.ValidAlienNumber != nil && !*ci.Data.ValidAlienNumber {
		return an, nil, errors.New("ACIS says the A-number is not valid")
	}
	if ci.Schedule == nil || ci.decidedUnscheduled() {
		return an, ci.noHearing(an), nil // nothing scheduled
	}
	s := ci.Schedule
	rec := docket.SourceRecord{Key: string(an), ANumber: an, CaseID: string(ci.Data.CaseID), ClientName: ci.Data.AlienName}
	rec.Location = strings.ToUpper(strings.TrimSpace(s.HearingLocationCode))
	addr := s.HearingLocationAddress
	rec.Judge = strings.TrimSpace(s.IJName)
	if p := ci.Proceeding; p != nil {
		rec.Court = strings.ToUpper(strings.TrimSpace(p.BaseCityCode))
		if rec.Location == "" {
			rec.Location = strings.ToUpper(strings.TrimSpace(p.HearingLocationCode))
		}
		if addr == "" {
			addr = p.HearingLocationAddress
		}
		if rec.Judge == "" {
			rec.Judge = strings.TrimSpace(p.IJName)
		}
	}
	if rec.Court == "" && rec.Location == "" {
		return an, nil, errors.New("answer names no court or hearing location")
	}
	loc, err := zones.zone(rec.Location, rec.Court)
	if err != nil {
		return an, nil, err
	}
	if rec.Start, rec.TimeUnknown, err = acisStart(s.AdjDate, s.AdjTime, loc); err != nil {
		return an, nil, err
	}
	rec.Type, rec.TypeCode = docket.EOIRHearingType(s.CalType, s.ScheduleType)
	// GetCaseInfo has no custody status (ReleaseInfo is not documented as one): a detained schedule type is what it
	// says, and the store adds what the hearing location says.
	rec.Detained = docket.EOIRDetainedSchedule(s.ScheduleType)
	rec.MediumCode = strings.ToUpper(strings.TrimSpace(s.HearingMedium))
	rec.Medium = docket.EOIRMedium(rec.MediumCode)
	rec.WebEx = strings.TrimSpace(s.WebEx)
	rec.Address = ReadableAddress(addr)
	if ci.decided() {
		rec.Status = docket.StatusCompleted
	}
	return an, []docket.SourceRecord{rec}, nil
}

// acisStart is the hearing's start from AdjDate and AdjTime. ACIS sometimes lists a hearing's date before its time
// (AdjTime empty or null): the hearing is kept on that date, at the day's midnight in loc, and marked time unknown,
// since dropping it would leave the client with no hearing at all. A time that is there but unreadable still
// rejects the answer: it is not known to be missing.
func acisStart(adjDate, adjTime string, loc *time.Location) (start time.Time, timeUnknown bool, err error) {
	if strings.TrimSpace(adjTime) == "" {
		start, err = ACISTime(adjDate, "00:00", loc)
		return start, err == nil, err
	}
	start, err = ACISTime(adjDate, adjTime, loc)
	return start, false, err
}

// jsonReason describes a JSON error without quoting the input, which may
// hold a name.
func jsonReason(err error, size int) string {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		if se.Offset >= int64(size) {
			return "JSON cut short"
		}
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return fmt.Sprintf("field %s should be %s, not %s", te.Field, te.Type, te.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "JSON cut short"
	}
	return "invalid JSON"
}

// readFileLimited reads a file that should be small, refusing a huge one.
func readFileLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}
