package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/feed"
	"github.com/docketd/docketd/store"
)

// feedVersionTTL is how long the store's data version is trusted before asking again. Calendar apps poll every
// few minutes each; with many subscribers, a 304 then costs the token lookup and nothing else. Changes made by this
// process (syncs, reloads) call bump and show at once; those made by another process (a `docketd sync` from cron,
// another replica) show within this delay.
const feedVersionTTL = 5 * time.Second

// feedSource is what the feed handler reads: tokens, a cached data version, and calendars built from the store and
// the live config.
type feedSource struct {
	db  *store.DB
	cfg func() *config.Config
	now func() time.Time // the version cache's clock; nil means time.Now
	ttl time.Duration    // zero means feedVersionTTL

	mu      sync.Mutex
	gen     uint64 // raised by bump, so that config changes the store does not see still re-render
	tag     string
	mod     time.Time
	checked time.Time
	valid   bool
}

var _ feed.Source = (*feedSource)(nil)

// newFeedSource returns a source over db that reads the config anew on each rendering, so reloads take effect.
func newFeedSource(db *store.DB, cfg func() *config.Config, now func() time.Time) *feedSource {
	return &feedSource{db: db, cfg: cfg, now: now}
}

// feedHandler returns the handler to mount at feed.PathPrefix, and the source whose bump the daemon calls after
// each sync pass and config reload. now is the daemon's clock (--now), used for what the feeds show.
func feedHandler(db *store.DB, cfg func() *config.Config, now func() time.Time) (*feed.Handler, *feedSource) {
	src := newFeedSource(db, cfg, now)
	h := feed.NewHandler(src)
	h.Now = now
	return h, src
}

func (s *feedSource) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// bump makes every feed render again on its next request: the daemon calls it after it changed the store or the
// config, so that subscribers see the change without waiting for the version cache.
func (s *feedSource) bump() {
	s.mu.Lock()
	s.gen++
	s.valid = false
	s.mu.Unlock()
}

// FeedByTokenHash implements feed.Source. It is never cached, so a revoked token stops working at once.
func (s *feedSource) FeedByTokenHash(ctx context.Context, hash []byte) (feed.Feed, error) {
	t, err := s.db.FeedTokenByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return feed.Feed{}, feed.ErrUnknownFeed
	}
	if err != nil {
		return feed.Feed{}, err
	}
	return feed.Feed{ID: strconv.FormatUint(uint64(t.ID), 10), TokenHash: t.Hash, Scope: t.Scope,
		Detail: feed.Detail(s.cfg().Feeds.Detail)}, nil
}

// Version implements feed.Source with one version for every scope: any change re-renders every feed on its next
// poll, and an unchanged rendering keeps its ETag, so subscribers still get 304.
func (s *feedSource) Version(ctx context.Context, _ string) (feed.Version, error) {
	ttl := cmp.Or(s.ttl, feedVersionTTL)
	now := s.clock()
	s.mu.Lock()
	if s.valid && !now.Before(s.checked) && now.Sub(s.checked) < ttl {
		v := feed.Version{Tag: s.tag + "." + strconv.FormatUint(s.gen, 10), Modified: s.mod}
		s.mu.Unlock()
		return v, nil
	}
	s.mu.Unlock()
	tag, mod, err := s.db.DataVersion(ctx)
	if err != nil {
		return feed.Version{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tag, s.mod, s.checked, s.valid = tag, mod, now, true
	return feed.Version{Tag: tag + "." + strconv.FormatUint(s.gen, 10), Modified: mod}, nil
}

// Touch implements feed.Source.
func (s *feedSource) Touch(ctx context.Context, feedID string, at time.Time) error {
	id, err := strconv.ParseUint(feedID, 10, 64)
	if err != nil {
		return fmt.Errorf("touch feed %q: %w", feedID, err)
	}
	return s.db.TouchFeedToken(ctx, uint(id), at)
}

// feedScope is a parsed feed scope: "org", or a kind and an id.
type feedScope struct {
	kind string // org | attorney | client | court
	id   string
}

func parseFeedScope(s string) (feedScope, error) {
	s = strings.TrimSpace(s)
	if s == "org" {
		return feedScope{kind: "org"}, nil
	}
	kind, id, ok := strings.Cut(s, ":")
	id = strings.TrimSpace(id)
	if !ok || id == "" || strings.ContainsAny(id, " \t\r\n") {
		return feedScope{}, fmt.Errorf("scope %q: want org, attorney:ID, client:ID or court:CODE", s)
	}
	switch kind {
	case "attorney", "client":
	case "court":
		id = strings.ToUpper(id)
	default:
		return feedScope{}, fmt.Errorf("scope %q: want org, attorney:ID, client:ID or court:CODE", s)
	}
	return feedScope{kind: kind, id: id}, nil
}

func (sc feedScope) String() string {
	if sc.kind == "org" {
		return "org"
	}
	return sc.kind + ":" + sc.id
}

func (sc feedScope) filter() docket.HearingFilter {
	switch sc.kind {
	case "attorney":
		return docket.HearingFilter{Attorney: sc.id}
	case "client":
		return docket.HearingFilter{ClientID: sc.id}
	case "court":
		return docket.HearingFilter{Court: sc.id}
	default:
		return docket.HearingFilter{}
	}
}

// feedOptions are the rendering choices the config makes for feeds and invitations.
func feedOptions(cfg *config.Config, detail feed.Detail) feed.Options {
	durations := make(map[docket.HearingType]time.Duration, len(cfg.Feeds.Durations))
	for t, d := range cfg.Feeds.Durations {
		if d.D > 0 {
			durations[docket.HearingType(t)] = d.D
		}
	}
	return feed.Options{Host: feedHost(cfg.HTTP.PublicURL), Detail: cmp.Or(detail, feed.Detail(cfg.Feeds.Detail)),
		Durations: durations}
}

// feedHost is the UID domain. It is the public host name without port or path, so that moving the server to
// another port does not duplicate every event in subscribers' calendars.
func feedHost(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Hostname() == "" {
		return "docketd"
	}
	return strings.ToLower(u.Hostname())
}

// hearingDuration is how long a hearing blocks the calendar, as the renderer will decide it.
func hearingDuration(typ docket.HearingType, opts feed.Options) time.Duration {
	if d, ok := opts.Durations[typ]; ok && d > 0 {
		return d
	}
	if d, ok := feed.DefaultDurations[docket.HearingType(typ)]; ok {
		return d
	}
	return feed.DefaultDurations[docket.TypeOther]
}

// Calendar implements feed.Source: the hearings of the scope, past ones kept for keep_past after they end and
// cancelled ones for keep_cancelled after the cancellation, with Expires set to the next time one ages out.
func (s *feedSource) Calendar(ctx context.Context, f feed.Feed, now time.Time) (feed.Calendar, error) {
	cfg := s.cfg()
	sc, err := parseFeedScope(f.Scope)
	if err != nil {
		return feed.Calendar{}, err
	}
	opts := feedOptions(cfg, f.Detail)
	keepPast, keepCancelled := cfg.Feeds.KeepPast.D, cfg.Feeds.KeepCancelled.D
	longest := time.Duration(0)
	for _, d := range feed.DefaultDurations {
		longest = max(longest, d)
	}
	for _, d := range opts.Durations {
		longest = max(longest, d)
	}
	filter := sc.filter()
	// Hearings that ended longer ago than keep_past are not read at all; the rest are sorted out below.
	filter.From = now.Add(-keepPast - longest)
	filter.Precedence = precedence(cfg)
	views, err := s.db.Hearings(ctx, filter)
	if err != nil {
		return feed.Calendar{}, fmt.Errorf("feed %s: %w", sc, err)
	}
	name, err := s.calendarName(ctx, cfg, sc, opts.Detail)
	if err != nil {
		return feed.Calendar{}, err
	}
	cal := feed.Calendar{Options: opts, Name: name, Refresh: cfg.Feeds.Refresh.D}
	zones := map[string]*time.Location{}
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
		var rows []docket.Reminder
		if opts.Detail != feed.DetailBusy && (len(v.Clients) > 0 || len(v.Attorneys) > 0) {
			// Only hearings with people get reminders; a court-watch feed of thousands asks nothing more.
			if rows, err = s.db.OutboxRows(ctx, docket.OutboxFilter{HearingID: v.ID}); err != nil {
				return feed.Calendar{}, fmt.Errorf("feed %s: reminders of hearing %d: %w", sc, v.ID, err)
			}
		}
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
		cal.Hearings = append(cal.Hearings, feedHearing(v, rows, zoneOf(zones, v.Zone)))
	}
	return cal, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// zoneOf loads a zone once per rendering. A zone the database does not know (a bad court row) falls back to UTC,
// which the renderer writes without TZID: the event is still at the right instant.
func zoneOf(cache map[string]*time.Location, name string) *time.Location {
	if loc, ok := cache[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		loc = time.UTC
	}
	cache[name] = loc
	return loc
}

// calendarName names the feed in the subscriber's list of calendars. Below full detail it names no client.
func (s *feedSource) calendarName(ctx context.Context, cfg *config.Config, sc feedScope, detail feed.Detail) (string, error) {
	org := cmp.Or(cfg.Organization.Name, "docketd")
	switch sc.kind {
	case "attorney":
		as, err := s.db.Attorneys(ctx)
		if err != nil {
			return "", fmt.Errorf("feed %s: %w", sc, err)
		}
		for _, a := range as {
			if a.ID == sc.id {
				return "Hearings – " + a.Name, nil
			}
		}
		return "Hearings – " + sc.id, nil
	case "client":
		if detail == feed.DetailFull || detail == "" {
			cs, err := s.db.Clients(ctx)
			if err != nil {
				return "", fmt.Errorf("feed %s: %w", sc, err)
			}
			for _, c := range cs {
				if c.ID == sc.id {
					return "Hearings – " + c.Name, nil
				}
			}
		}
		return org + " – client hearings", nil
	case "court":
		c, err := s.db.Court(ctx, sc.id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", fmt.Errorf("feed %s: %w", sc, err)
		}
		return "Hearings – " + courtName(c.Name, sc.id), nil
	default:
		return org + " – hearings", nil
	}
}

// courtName turns EOIR's short names ("Dallas") into what people call the place ("Dallas Immigration Court").
func courtName(name, code string) string {
	switch {
	case name == "":
		return code
	case strings.Contains(strings.ToLower(name), "court"):
		return name
	default:
		return name + " Immigration Court"
	}
}

// feedHearing converts a stored hearing, with its outbox rows, to what a feed shows.
func feedHearing(v docket.Hearing, rows []docket.Reminder, loc *time.Location) feed.Hearing {
	h := feed.Hearing{
		ID:         strconv.FormatUint(uint64(v.ID), 10),
		Sequence:   v.Sequence,
		Updated:    v.ChangedAt,
		Start:      v.Start.In(loc),
		Type:       docket.HearingType(v.Type),
		TypeCode:   v.TypeCode,
		Medium:     v.Medium,
		MediumCode: v.MediumCode,
		Status:     v.Status,
		Judge:      v.Judge,
		WebEx:      v.WebEx,
		Court: feed.Court{Code: v.CourtCode, Name: v.CourtName(), Address: v.Place(),
			Phone: v.Court.Phone},
	}
	for _, c := range v.Clients {
		h.Clients = append(h.Clients, feed.Client{Name: c.Name, ANumber: c.ANumber, Phone: c.Phone,
			Language: languageName(c.Language)})
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
		h.Reminders = append(h.Reminders, feed.Reminder{Channel: r.Channel, To: r.Recipient, Due: r.Due, State: state})
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

// inviteFunc builds the invitation attached to counsel's email reminders: the same event as in the feeds (UID,
// SEQUENCE, detail level), from the organization to the hearing's first attorney. It plugs into
// reminder.Renderer.Invite.
func inviteFunc(cfg func() *config.Config) func(h docket.Hearing, method string) (*docket.Invite, error) {
	return func(h docket.Hearing, method string) (*docket.Invite, error) {
		c := cfg()
		if len(h.Attorneys) == 0 || h.Attorneys[0].Email == "" {
			return nil, fmt.Errorf("invite for hearing %d: no counsel with an email address", h.ID)
		}
		att := h.Attorneys[0]
		organizer := feed.Person{Name: c.Organization.Name, Email: organizationEmail(c)}
		if organizer.Email == "" {
			return nil, fmt.Errorf("invite for hearing %d: set organization.email or email.from", h.ID)
		}
		fh := feedHearing(h, nil, zoneOf(map[string]*time.Location{}, h.Zone))
		var buf bytes.Buffer
		if err := feed.RenderInvite(&buf, method, feedOptions(c, ""), fh, organizer,
			feed.Person{Name: att.Name, Email: att.Email}); err != nil {
			return nil, err
		}
		return &docket.Invite{Method: strings.ToUpper(method), Data: buf.Bytes()}, nil
	}
}

// organizationEmail is the organizer of invitations: organization.email, else the address in email.from.
func organizationEmail(c *config.Config) string {
	if c.Organization.Email != "" {
		return c.Organization.Email
	}
	if a, err := mail.ParseAddress(c.Email.From); err == nil {
		return a.Address
	}
	return ""
}
