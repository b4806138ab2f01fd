package feed

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// ErrUnknownFeed is what a Source returns for a token hash that matches no
// feed, or a revoked one. The handler answers both with a plain 404.
var ErrUnknownFeed = errors.New("unknown feed")

// TokenBytes is the number of random bytes in a feed token.
const TokenBytes = 32

// PathPrefix is where the handler expects to be mounted.
const PathPrefix = "/feeds/"

// DefaultTouchEvery throttles "last used" writes: calendar apps poll often,
// and a write per poll would cost more than the poll.
const DefaultTouchEvery = time.Minute

// NewToken returns a fresh secret feed token: 32 random bytes, base64url
// without padding (43 characters, safe in a URL path).
func NewToken() (string, error) {
	b := make([]byte, TokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new feed token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the SHA-256 of a token, which is all the store keeps.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Feed is one feed token as the Source reports it.
type Feed struct {
	ID        string // the token row's id, for Touch; never the token
	TokenHash []byte // the stored hash; the handler compares it in constant time
	Scope     string // "attorney:<id>", "client:<id>", "court:<code>" or "org"
	Detail    Detail // what this feed may reveal
}

// cacheKey: feeds of one scope and detail level render the same bytes.
func (f Feed) cacheKey() string { return f.Scope + "\x00" + string(f.Detail) }

// Version tells whether a scope's data changed, cheaply: the handler polls it
// on every request, and renders again only when it differs.
type Version struct {
	// Tag changes whenever anything a feed of the scope shows changes (a
	// counter the store bumps, or max(updated_at) with a row count).
	Tag string
	// Modified is when the data last changed, deletions included.
	Modified time.Time
}

// Source is what the handler needs from the store. An adapter in the wiring
// code implements it.
type Source interface {
	// FeedByTokenHash finds an active feed by its token's SHA-256, or returns
	// ErrUnknownFeed (also for revoked tokens).
	FeedByTokenHash(ctx context.Context, hash []byte) (Feed, error)
	// Version reports the data version of a scope without reading hearings.
	Version(ctx context.Context, scope string) (Version, error)
	// Calendar loads what the feed shows at now (keep_past and keep_cancelled
	// applied), with Modified and Expires filled in.
	Calendar(ctx context.Context, feed Feed, now time.Time) (Calendar, error)
	// Touch records that the feed was used at the given time.
	Touch(ctx context.Context, feedID string, at time.Time) error
}

// Handler serves GET and HEAD on /feeds/<token>.ics. It keeps the rendered
// bytes of each scope (assembled from each event's cached encoding, so a
// change re-encodes only the events it touched), plain and gzipped, until the Source's Version changes
// or the calendar's Expires passes, so polling an unchanged feed costs two
// small queries (token and version) and no rendering.
type Handler struct {
	Source     Source
	Now        func() time.Time // nil means time.Now
	Logger     *slog.Logger     // nil means slog.Default
	TouchEvery time.Duration    // zero means DefaultTouchEvery
	// PieceBytes bounds the encoded events kept between renderings (see pieceCache); zero means
	// DefaultPieceBytes.
	PieceBytes int

	mu      sync.Mutex
	cache   map[string]*rendered
	touched map[string]time.Time
	renders singleflight.Group
	pieces  *pieceCache
}

// NewHandler returns a Handler reading from src.
func NewHandler(src Source) *Handler {
	return &Handler{Source: src}
}

// rendered is one scope's cached feed.
type rendered struct {
	tag          string
	expires      time.Time
	blocks       []*block
	parts        [][]byte // the blocks' bytes, written one after another
	size         int
	etag, etagGz string
	lastModified time.Time

	gzOnce sync.Once
	gz     [][]byte
	gzSize int
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) logger() *slog.Logger {
	l := h.Logger
	if l == nil {
		l = slog.Default()
	}
	return l.With("component", "feed")
}

// tokenFromPath returns the token in "/feeds/<token>.ics", or "" when the
// path has another shape. Tokens are base64url; anything else cannot match.
func tokenFromPath(path string) string {
	rest, ok := strings.CutPrefix(path, PathPrefix)
	if !ok {
		return ""
	}
	token, ok := strings.CutSuffix(rest, ".ics")
	if !ok || token == "" || len(token) > 128 {
		return ""
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	return token
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// Checked before the token so that the answer says nothing about it.
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	token := tokenFromPath(r.URL.Path)
	if token == "" {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	hash := HashToken(token)
	feed, err := h.Source.FeedByTokenHash(ctx, hash)
	if errors.Is(err, ErrUnknownFeed) || (err == nil && subtle.ConstantTimeCompare(feed.TokenHash, hash) != 1) {
		// Unknown, revoked and never-existing paths look exactly alike.
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, "look up feed", err)
		return
	}
	now := h.now()
	h.touch(ctx, feed, now)

	c, err := h.rendered(ctx, feed, now)
	if err != nil {
		h.fail(w, "render feed "+feed.Scope, err)
		return
	}

	parts, size, etag := c.parts, c.size, c.etag
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		parts, size = c.gzipped()
		etag = c.etagGz
	}
	hdr := w.Header()
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("ETag", etag)
	hdr.Set("Last-Modified", c.lastModified.Format(http.TimeFormat))
	// Clients may keep a copy but must ask again, so a revoked token stops
	// working at once; the 304 makes asking cheap.
	hdr.Set("Cache-Control", "private, no-cache")
	if notModified(r, c) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "text/calendar; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	if gz {
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return // the client went away; nothing to do
		}
	}
}

func (h *Handler) fail(w http.ResponseWriter, what string, err error) {
	h.logger().Error(what, "err", err)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// touch records use of the feed at most once per TouchEvery per feed; a
// failure is logged, not shown to the calendar app.
func (h *Handler) touch(ctx context.Context, feed Feed, now time.Time) {
	every := h.TouchEvery
	if every <= 0 {
		every = DefaultTouchEvery
	}
	h.mu.Lock()
	if last, ok := h.touched[feed.ID]; ok && now.Sub(last) < every && !now.Before(last) {
		h.mu.Unlock()
		return
	}
	if h.touched == nil {
		h.touched = map[string]time.Time{}
	}
	h.touched[feed.ID] = now
	h.mu.Unlock()
	if err := h.Source.Touch(ctx, feed.ID, now); err != nil {
		h.logger().Warn("record feed use", "feed_id", feed.ID, "err", err)
	}
}

// rendered returns the cached feed for the scope, rendering it again when the
// data version changed or the content expired. Concurrent requests for one
// scope share one rendering.
func (h *Handler) rendered(ctx context.Context, feed Feed, now time.Time) (*rendered, error) {
	ver, err := h.Source.Version(ctx, feed.Scope)
	if err != nil {
		return nil, fmt.Errorf("feed version: %w", err)
	}
	key := feed.cacheKey()
	h.mu.Lock()
	c := h.cache[key]
	h.mu.Unlock()
	if c != nil && c.tag == ver.Tag && (c.expires.IsZero() || now.Before(c.expires)) {
		return c, nil
	}
	// The rendering is shared, so one caller hanging up must not cancel it.
	rctx := context.WithoutCancel(ctx)
	v, err, _ := h.renders.Do(key+"\x00"+ver.Tag, func() (any, error) {
		return h.render(rctx, feed, ver, now, c)
	})
	if err != nil {
		if c != nil {
			// Last good data beats an error in a calendar app.
			h.logger().Warn("render feed, serving the previous one", "scope", feed.Scope, "err", err)
			return c, nil
		}
		return nil, err
	}
	return v.(*rendered), nil
}

func (h *Handler) render(ctx context.Context, feed Feed, ver Version, now time.Time, prev *rendered) (*rendered, error) {
	cal, err := h.Source.Calendar(ctx, feed, now)
	if err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	if feed.Detail != "" {
		cal.Detail = feed.Detail
	}
	h.mu.Lock()
	if h.pieces == nil {
		h.pieces = newPieceCache(h.PieceBytes)
	}
	pieces := h.pieces
	h.mu.Unlock()
	out, err := pieces.render(feed.cacheKey(), cal)
	if err != nil {
		return nil, err
	}
	c := &rendered{tag: ver.Tag, expires: cal.Expires, blocks: out.blocks, size: out.size}
	c.parts = make([][]byte, len(out.blocks))
	for i, b := range out.blocks {
		c.parts[i] = b.text
	}
	c.etag = etagOf(out.digest)
	c.etagGz = strings.TrimSuffix(c.etag, `"`) + `-gz"` // a different encoding is a different representation

	// Last-Modified never moves backwards, and moves forward when the bytes
	// change even if the data's own times do not say so (a hearing aging out).
	lm := ver.Modified
	if cal.Modified.After(lm) {
		lm = cal.Modified
	}
	if prev != nil {
		if prev.lastModified.After(lm) {
			lm = prev.lastModified
		}
		if prev.etag != c.etag && !lm.After(prev.lastModified) {
			lm = now
		}
	}
	if lm.IsZero() {
		lm = now
	}
	c.lastModified = lm.UTC().Truncate(time.Second)

	h.mu.Lock()
	if h.cache == nil {
		h.cache = map[string]*rendered{}
	}
	h.cache[feed.cacheKey()] = c
	h.mu.Unlock()
	return c, nil
}

// gzipped is the feed compressed, made on the first request that accepts gzip: many feeds are only ever fetched
// plain. Each block is compressed once and kept with it, so after a change only the changed block is compressed
// again.
func (c *rendered) gzipped() ([][]byte, int) {
	c.gzOnce.Do(func() { c.gz, c.gzSize = gzipParts(c.blocks) })
	return c.gz, c.gzSize
}

// notModified applies RFC 9110 §13.2.2: If-None-Match decides when present;
// If-Modified-Since only otherwise. Either ETag variant matches, since both
// are the same content.
func notModified(r *http.Request, c *rendered) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimSpace(t)
			if t == "*" {
				return true
			}
			t = strings.TrimPrefix(t, "W/") // If-None-Match compares weakly
			if t == c.etag || t == c.etagGz {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !c.lastModified.After(t)
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip with a
// non-zero quality, directly or through "*".
func acceptsGzip(header string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			gzipQ = q
		case "*":
			starQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
