package assembly

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
)

// OpenStore opens and migrates the database the config names.
func OpenStore(ctx context.Context, cfg *config.Config, now func() time.Time) (*store.DB, error) {
	db, err := store.Open(cfg.Database.URL)
	if err != nil {
		return nil, err
	}
	db.Now = now
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// applyConfig makes the store match the config's courts, people and hand-entered hearings (the source "config").
func applyConfig(ctx context.Context, db *store.DB, cfg *config.Config, now time.Time, log *slog.Logger) (res docket.SyncResult, err error) {
	err = db.Serialized(ctx, func() error {
		res, err = applyConfigNow(ctx, db, cfg, now, log)
		return err
	})
	return res, err
}

func applyConfigNow(ctx context.Context, db *store.DB, cfg *config.Config, now time.Time, log *slog.Logger) (docket.SyncResult, error) {
	courts := make([]docket.Court, len(cfg.Courts))
	for i, c := range cfg.Courts {
		courts[i] = docket.Court{Code: c.Code, Name: c.Name, Address: c.Address, City: c.City, State: c.State,
			Zone: c.Timezone, Phone: c.Phone}
	}
	if err := db.ApplyCourts(ctx, courts); err != nil {
		return docket.SyncResult{}, err
	}
	atts := make([]docket.Attorney, len(cfg.Attorneys))
	for i, a := range cfg.Attorneys {
		atts[i] = docket.Attorney{ID: a.ID, Name: a.Name, Email: a.Email, Phone: a.Phone, Language: a.Language,
			Zone: a.Timezone, Organization: a.Organization}
	}
	clients := make([]docket.Client, len(cfg.Clients))
	for i, c := range cfg.Clients {
		clients[i] = docket.Client{ID: c.ID, Name: c.Name, ANumber: docket.ANumber(c.ANumber), Nationality: c.Nationality,
			Phone: c.Phone, Email: c.Email, Language: c.Language, Zone: c.Timezone}
		if c.Attorney != "" {
			clients[i].AttorneyID = &c.Attorney
		}
	}
	if err := db.ReplacePeople(ctx, atts, clients); err != nil {
		return docket.SyncResult{}, err
	}
	recs, err := configHearings(ctx, db, cfg)
	if err != nil {
		return docket.SyncResult{}, err
	}
	// The file's hearings are edited on purpose: no max_change, and one removed from the file is cancelled at once.
	s, err := db.BeginSync(ctx, docket.SyncOptions{Source: "config", Complete: true, Force: true, Now: now})
	if err != nil {
		return docket.SyncResult{}, err
	}
	if err := s.Apply(recs); err != nil {
		s.Abort()
		return docket.SyncResult{}, err
	}
	res, err := s.Finish()
	run := &docket.SyncRun{Source: "config", StartedAt: now, EndedAt: now, Created: res.Created, Changed: res.Changed,
		Cancelled: res.Cancelled, Unchanged: res.Unchanged}
	if err != nil {
		run.Error = err.Error()
	}
	if rerr := db.RecordSyncRun(ctx, run); rerr != nil && err == nil {
		err = rerr
	}
	if err == nil && (res.Created+res.Changed+res.Cancelled) > 0 {
		log.Info("config hearings applied", "component", "sync", "source", "config", "created", res.Created,
			"changed", res.Changed, "cancelled", res.Cancelled, "unchanged", res.Unchanged)
	}
	return res, err
}

// configHearings turns [[hearings]] into records. A hearing without an id is known by its A-number and its place
// among that A-number's hearings, so editing its start moves it rather than replacing it.
func configHearings(ctx context.Context, db *store.DB, cfg *config.Config) ([]docket.HearingRecord, error) {
	zones, err := db.Zones(ctx)
	if err != nil {
		return nil, err
	}
	ordinal := map[string]int{}
	recs := make([]docket.HearingRecord, 0, len(cfg.Hearings))
	for i, h := range cfg.Hearings {
		loc, err := zones.Zone(h.Location, h.Court)
		if err != nil {
			return nil, fmt.Errorf("%s: hearings[%d]: %w", cfg.File, i, err)
		}
		key := h.ID
		if key == "" {
			ordinal[h.ANumber]++
			key = h.ANumber + "#" + strconv.Itoa(ordinal[h.ANumber])
		}
		medium := h.Medium
		recs = append(recs, docket.HearingRecord{Key: key, ANumber: docket.ANumber(h.ANumber), Start: h.StartIn(loc), Zone: loc.String(),
			CourtCode: h.Court, LocationCode: h.Location, Type: docket.HearingType(h.Type), Medium: docket.Medium(medium), Judge: h.Judge, WebEx: h.WebEx})
	}
	return recs, nil
}

// Precedence lists the sources from most to least trusted: the config's own hearings (entered by hand, on purpose),
// then [[sources]] in file order.
func Precedence(cfg *config.Config) []string {
	out := []string{"config"}
	for _, s := range cfg.Sources {
		out = append(out, s.Name)
	}
	return out
}
