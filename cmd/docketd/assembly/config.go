package assembly

import (
	"context"
	"log/slog"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
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
	hearings, err := configHearings(ctx, db, cfg)
	if err != nil {
		return docket.SyncResult{}, err
	}
	syncer := &ingest.Syncer{DB: db, Now: func() time.Time { return now }, Log: log}
	rep, err := syncer.RunConfig(ctx, hearings)
	return rep.SyncResult, err
}

// configHearings hands [[hearings]] to the source "config", with the court table as the config's [[courts]] left it.
func configHearings(ctx context.Context, db *store.DB, cfg *config.Config) (*ingest.ConfigHearings, error) {
	zones, err := db.Zones(ctx)
	if err != nil {
		return nil, err
	}
	hs := make([]ingest.ConfigHearing, len(cfg.Hearings))
	for i, h := range cfg.Hearings {
		hs[i] = ingest.ConfigHearing{ID: h.ID, ANumber: docket.ANumber(h.ANumber), Court: h.Court, Location: h.Location,
			Start: h.StartTime, Type: docket.HearingType(h.Type), Medium: docket.Medium(h.Medium), Judge: h.Judge,
			WebEx: h.WebEx}
	}
	return &ingest.ConfigHearings{Hearings: hs, Zoner: zones}, nil
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
