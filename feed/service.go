package feed

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/docketd/docketd/deadline"
	"github.com/docketd/docketd/docket"
)

// VersionTTL is how long the store's data version is trusted before asking again. Calendar apps poll every
// few minutes each; with many subscribers, a 304 then costs the token lookup and nothing else. Changes made by this
// process (syncs, reloads) call bump and show at once; those made by another process (a `docketd sync` from cron,
// another replica) show within this delay.
const VersionTTL = 5 * time.Second

// Store is what feeds read: tokens, a version of the data they show, and the hearings, reminders, people and courts
// of a scope. docketd's store satisfies it.
type Store interface {
	FeedTokenByHash(ctx context.Context, hash []byte) (docket.FeedToken, error)
	TouchFeedToken(ctx context.Context, id uint, at time.Time) error
	// DataVersion is a tag that changes whenever anything a feed shows does, and when that last was.
	DataVersion(ctx context.Context) (tag string, modified time.Time, err error)
	Hearings(ctx context.Context, f docket.HearingFilter) ([]docket.Hearing, error)
	OutboxRows(ctx context.Context, f docket.OutboxFilter) ([]docket.Reminder, error)
	Attorneys(ctx context.Context) ([]docket.Attorney, error)
	Clients(ctx context.Context) ([]docket.Client, error)
	Court(ctx context.Context, code string) (docket.Court, error)
}

// Settings are the office's choices for its feeds and invitations, read anew for every rendering so a config reload
// takes effect.
type Settings struct {
	// PublicURL is where feeds are served. Event UIDs do not depend on it (see UID).
	PublicURL string
	// OrgName names org and client feeds; Organizer sends invitations (its Email must be set to send any).
	OrgName   string
	Organizer Person
	// Detail is the default detail level; Refresh how often calendar apps should poll.
	Detail  Detail
	Refresh time.Duration
	// KeepPast and KeepCancelled keep past and cancelled hearings in feeds that long.
	KeepPast, KeepCancelled time.Duration
	// Durations override DefaultDurations per hearing type.
	Durations map[docket.HearingType]time.Duration
	// Precedence lists sources from most to least trusted, for hearings two sources report (docket.Prevailing).
	Precedence []string
	// Zone is the office's zone, where a client without a zone of their own lives (docket.Client.Location); nil
	// leaves such a client on the court's clock.
	Zone *time.Location
	// Deadlines puts the filing deadlines of each hearing in counsel's and the office's feeds ([deadlines] enabled).
	Deadlines bool
}

// Service builds feeds and invitations from the store: it is the Source the Handler serves, with a cached data
// version so an unchanged feed costs a token lookup.
type Service struct {
	st       Store
	settings func() Settings
	now      func() time.Time // the version cache's clock; nil means time.Now
	ttl      time.Duration    // zero means VersionTTL

	mu      sync.Mutex
	gen     uint64 // raised by bump, so that config changes the store does not see still re-render
	tag     string
	mod     time.Time
	checked time.Time
	valid   bool
}

var _ Source = (*Service)(nil)

// NewService returns feeds over st that read settings anew on each rendering, so reloads take effect. now is the
// clock of what the feeds show and of the version cache (--now); nil means time.Now.
func NewService(st Store, settings func() Settings, now func() time.Time) *Service {
	return &Service{st: st, settings: settings, now: now}
}

// Handler returns the HTTP handler to mount at PathPrefix.
func (s *Service) Handler() *Handler {
	h := NewHandler(s)
	h.Now = s.now
	return h
}

func (s *Service) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// Bump makes every feed render again on its next request: the daemon calls it after it changed the store or the
// config, so that subscribers see the change without waiting for the version cache.
func (s *Service) Bump() {
	s.mu.Lock()
	s.gen++
	s.valid = false
	s.mu.Unlock()
}

// FeedByTokenHash implements Source. It is never cached, so a revoked token stops working at once.
func (s *Service) FeedByTokenHash(ctx context.Context, hash []byte) (Feed, error) {
	t, err := s.st.FeedTokenByHash(ctx, hash)
	if errors.Is(err, docket.ErrNotFound) {
		return Feed{}, ErrUnknownFeed
	}
	if err != nil {
		return Feed{}, err
	}
	return Feed{ID: strconv.FormatUint(uint64(t.ID), 10), TokenHash: t.Hash, Scope: t.Scope,
		Detail: s.settings().Detail}, nil
}

// Version implements Source with one version for every scope: any change re-renders every feed on its next
// poll, and an unchanged rendering keeps its ETag, so subscribers still get 304.
func (s *Service) Version(ctx context.Context, _ string) (Version, error) {
	ttl := cmp.Or(s.ttl, VersionTTL)
	now := s.clock()
	s.mu.Lock()
	if s.valid && !now.Before(s.checked) && now.Sub(s.checked) < ttl {
		v := Version{Tag: s.tag + "." + strconv.FormatUint(s.gen, 10), Modified: s.mod}
		s.mu.Unlock()
		return v, nil
	}
	s.mu.Unlock()
	tag, mod, err := s.st.DataVersion(ctx)
	if err != nil {
		return Version{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tag, s.mod, s.checked, s.valid = tag, mod, now, true
	return Version{Tag: tag + "." + strconv.FormatUint(s.gen, 10), Modified: mod}, nil
}

// Touch implements Source.
func (s *Service) Touch(ctx context.Context, feedID string, at time.Time) error {
	id, err := strconv.ParseUint(feedID, 10, 64)
	if err != nil {
		return fmt.Errorf("touch feed %q: %w", feedID, err)
	}
	return s.st.TouchFeedToken(ctx, uint(id), at)
}

// Scope is what a feed shows: every hearing of the office ("org"), or those of one attorney, client or court.
type Scope struct {
	Kind string // org | attorney | client | court
	ID   string
}

// ParseScope reads "org", "attorney:ID", "client:ID" or "court:CODE".
func ParseScope(s string) (Scope, error) {
	s = strings.TrimSpace(s)
	if s == "org" {
		return Scope{Kind: "org"}, nil
	}
	kind, id, ok := strings.Cut(s, ":")
	id = strings.TrimSpace(id)
	if !ok || id == "" || strings.ContainsAny(id, " \t\r\n") {
		return Scope{}, fmt.Errorf("scope %q: want org, attorney:ID, client:ID or court:CODE", s)
	}
	switch kind {
	case "attorney", "client":
	case "court":
		id = strings.ToUpper(id)
	default:
		return Scope{}, fmt.Errorf("scope %q: want org, attorney:ID, client:ID or court:CODE", s)
	}
	return Scope{Kind: kind, ID: id}, nil
}

// String writes the scope as ParseScope reads it.
func (sc Scope) String() string {
	if sc.Kind == "org" {
		return "org"
	}
	return sc.Kind + ":" + sc.ID
}

func (sc Scope) filter() docket.HearingFilter {
	switch sc.Kind {
	case "attorney":
		return docket.HearingFilter{Attorney: sc.ID}
	case "client":
		return docket.HearingFilter{ClientID: sc.ID}
	case "court":
		return docket.HearingFilter{Court: sc.ID}
	default:
		return docket.HearingFilter{}
	}
}

// options are the rendering choices the settings make for feeds and invitations.
func (st Settings) options(detail Detail) Options {
	return Options{Detail: cmp.Or(detail, st.Detail), Durations: st.Durations}
}

// hearingDuration is how long a hearing blocks the calendar, as the renderer will decide it.
func hearingDuration(typ docket.HearingType, opts Options) time.Duration {
	if d, ok := opts.Durations[typ]; ok && d > 0 {
		return d
	}
	if d, ok := DefaultDurations[typ]; ok {
		return d
	}
	return DefaultDurations[docket.TypeOther]
}

// Calendar implements Source: the hearings of the scope, past ones kept for keep_past after they end and
// cancelled ones for keep_cancelled after the cancellation, with Expires set to the next time one ages out.
func (s *Service) Calendar(ctx context.Context, f Feed, now time.Time) (Calendar, error) {
	cfg := s.settings()
	sc, err := ParseScope(f.Scope)
	if err != nil {
		return Calendar{}, err
	}
	opts := cfg.options(f.Detail)
	keepPast, keepCancelled := cfg.KeepPast, cfg.KeepCancelled
	longest := time.Duration(0)
	for _, d := range DefaultDurations {
		longest = max(longest, d)
	}
	for _, d := range opts.Durations {
		longest = max(longest, d)
	}
	filter := sc.filter()
	// Hearings that ended longer ago than keep_past are not read at all; the rest are sorted out below.
	filter.From = now.Add(-keepPast - longest)
	filter.Precedence = cfg.Precedence
	views, err := s.st.Hearings(ctx, filter)
	if err != nil {
		return Calendar{}, fmt.Errorf("feed %s: %w", sc, err)
	}
	name, err := s.calendarName(ctx, cfg, sc, opts.Detail)
	if err != nil {
		return Calendar{}, err
	}
	cal := Calendar{Options: opts, Name: name, Refresh: cfg.Refresh}
	see := func(t time.Time) {
		if t.After(cal.Modified) && !t.After(now) {
			cal.Modified = t
		}
	}
	expire := func(t time.Time) {
		if cal.Expires.IsZero() || t.Before(cal.Expires) {
			cal.Expires = t
		}
	}
	shown := views[:0:0]
	var withPeople []uint
	for _, v := range views {
		until := v.Start.Add(hearingDuration(v.Type, opts) + keepPast)
		if v.Status == docket.StatusCancelled {
			until = minTime(until, v.ChangedAt.Add(keepCancelled))
		}
		if !now.Before(until) {
			see(until) // it aged out: the feed changed then
			continue
		}
		expire(until)
		shown = append(shown, v)
		if opts.Detail != DetailBusy && (len(v.Clients) > 0 || len(v.Attorneys) > 0) {
			// Only hearings with people get reminders; a court-watch feed of thousands asks nothing more.
			withPeople = append(withPeople, v.ID)
		}
	}
	// The reminders of every hearing shown, read together (a few queries, not one per hearing).
	reminders := map[uint][]docket.Reminder{}
	if len(withPeople) > 0 {
		rows, err := s.st.OutboxRows(ctx, docket.OutboxFilter{HearingIDs: withPeople})
		if err != nil {
			return Calendar{}, fmt.Errorf("feed %s: reminders: %w", sc, err)
		}
		for _, r := range rows {
			reminders[r.HearingID] = append(reminders[r.HearingID], r)
		}
	}
	for _, v := range shown {
		rows := reminders[v.ID]
		see(v.ChangedAt)
		for _, c := range v.Clients {
			see(c.UpdatedAt)
		}
		for _, a := range v.Attorneys {
			see(a.UpdatedAt)
		}
		for _, r := range rows {
			see(r.UpdatedAt)
		}
		reader := ""
		if sc.Kind == "client" {
			reader = sc.ID
		}
		// Everything feedHearing reads of a client (name, zone, city, custody, contact) is in the client's row, whose
		// updated_at is seen above and is part of DataVersion: a client who moves changes Modified and the tag.
		fh := feedHearing(v, rows, cfg.Zone, reader)
		if withDeadlines(cfg, sc) {
			fh.Deadlines = deadline.Of(v)
		}
		cal.Hearings = append(cal.Hearings, fh)
	}
	return cal, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// calendarName names the feed in the subscriber's list of calendars. Below full detail it names no client.
func (s *Service) calendarName(ctx context.Context, cfg Settings, sc Scope, detail Detail) (string, error) {
	org := cmp.Or(cfg.OrgName, "docketd")
	switch sc.Kind {
	case "attorney":
		as, err := s.st.Attorneys(ctx)
		if err != nil {
			return "", fmt.Errorf("feed %s: %w", sc, err)
		}
		for _, a := range as {
			if a.ID == sc.ID {
				return "Hearings – " + a.Name, nil
			}
		}
		return "Hearings – " + sc.ID, nil
	case "client":
		if detail == DetailFull || detail == "" {
			cs, err := s.st.Clients(ctx)
			if err != nil {
				return "", fmt.Errorf("feed %s: %w", sc, err)
			}
			for _, c := range cs {
				if c.ID == sc.ID {
					return "Hearings – " + c.Name, nil
				}
			}
		}
		return org + " – client hearings", nil
	case "court":
		c, err := s.st.Court(ctx, sc.ID)
		if err != nil && !errors.Is(err, docket.ErrNotFound) {
			return "", fmt.Errorf("feed %s: %w", sc, err)
		}
		if c.Code == "" {
			c.Code = sc.ID
		}
		return "Hearings – " + c.DisplayName(), nil
	default:
		return org + " – hearings", nil
	}
}

// feedHearing converts a stored hearing, with its outbox rows, to what a feed shows. office is the zone of clients
// without one of their own; reader is the id of the client whose own feed this is, or "" for counsel's and the
// office's feeds.
func feedHearing(v docket.Hearing, rows []docket.Reminder, office *time.Location, reader string) Hearing {
	loc := v.Location()
	h := Hearing{
		ID:          v.Identity(),
		Sequence:    v.Sequence,
		Updated:     v.ChangedAt,
		Start:       v.Start.In(loc),
		TimeUnknown: v.TimeUnknown,
		Type:        v.Type,
		TypeCode:    v.TypeCode,
		Medium:      v.Medium,
		MediumCode:  v.MediumCode,
		Status:      v.Status,
		Judge:       v.Judge,
		WebEx:       v.WebEx,
		Court: Court{Code: v.CourtCode, Name: v.CourtName(), Address: v.Place(),
			Phone: v.Court.Phone, Place: cmp.Or(v.Court.City, v.Court.Name, v.CourtCode)},
	}
	for _, c := range v.Clients {
		fc := Client{Name: c.Name, ANumber: c.ANumber, Phone: c.Phone, Language: languageName(c.Language),
			Home: homeZone(c, office), City: c.City, Detained: v.InCustody(c)}
		if fc.Detained && c.Contact.Named() {
			fc.Contact = strings.Join(nonEmpty(c.Contact.Name, c.Contact.Phone, c.Contact.Email), ", ")
		}
		h.Clients = append(h.Clients, fc)
		if reader != "" && c.ID == reader && h.Reader == nil {
			h.Reader = &fc
		}
	}
	names := make([]string, 0, len(v.Attorneys))
	for _, a := range v.Attorneys {
		names = append(names, a.Name)
	}
	h.Counsel = strings.Join(names, ", ")
	if len(v.Attorneys) > 0 {
		h.CounselPhone = v.Attorneys[0].Phone
	}
	var confirmed *docket.Reminder
	for i, r := range rows {
		if r.State == docket.StateCancelled {
			continue // a plan for a time the hearing no longer has
		}
		state := string(r.State)
		if r.State == docket.StateFailed && r.ErrorCode != "" {
			state += " (" + r.ErrorCode + ")"
		}
		h.Reminders = append(h.Reminders, Reminder{Channel: r.Channel, To: r.Recipient, Due: r.Due, State: state})
		if r.ConfirmedAt != nil && (confirmed == nil || r.ConfirmedAt.After(*confirmed.ConfirmedAt)) {
			confirmed = &rows[i]
		}
	}
	if confirmed != nil {
		how := "by text"
		if confirmed.Channel == "email" {
			how = "by email"
		}
		at := confirmed.ConfirmedAt.In(loc)
		abbr, _ := at.Zone()
		h.Confirmation = fmt.Sprintf("confirmed by the %s %s on %s", confirmed.Recipient, how,
			at.Format("Mon 2 Jan 2006, 3:04 PM ")+abbr)
	}
	return h
}

// homeZone is the zone client c lives in: their own, else the office's; nil (the court's clock) when neither is
// known, rather than UTC, which would tell every such client a wrong hour.
func homeZone(c docket.Client, office *time.Location) *time.Location {
	if loc, err := docket.LoadZone(c.Zone); err == nil {
		return loc
	}
	return office
}

func nonEmpty(ss ...string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// languageName turns a language code ("es") into the English name counsel reads ("Spanish").
func languageName(code string) string {
	if code == "" {
		return ""
	}
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := display.English.Languages().Name(tag); name != "" {
		return name
	}
	return code
}

// Invite builds the invitation attached to counsel's email reminders: the same event as in the feeds (UID,
// SEQUENCE, detail level), from the organization to the hearing's first attorney, with method "request" or
// "cancel".
func (s *Service) Invite(h docket.Hearing, method string) (*docket.Invite, error) {
	st := s.settings()
	if len(h.Attorneys) == 0 || h.Attorneys[0].Email == "" {
		return nil, fmt.Errorf("invite for hearing %d: no counsel with an email address", h.ID)
	}
	att := h.Attorneys[0]
	if st.Organizer.Email == "" {
		return nil, fmt.Errorf("invite for hearing %d: set organization.email or email.from", h.ID)
	}
	var buf bytes.Buffer
	if err := RenderInvite(&buf, method, st.options(""), feedHearing(h, nil, st.Zone, ""), st.Organizer,
		Person{Name: att.Name, Email: att.Email}); err != nil {
		return nil, err
	}
	return &docket.Invite{Method: strings.ToUpper(method), Data: buf.Bytes()}, nil
}
