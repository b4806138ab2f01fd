package assembly

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
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

// CheckStore fails when the config names a SQLite database whose file does not exist: a command that only shows or
// previews what is stored says so, instead of creating an empty database (where a wrong path, or the wrong working
// directory, would put it). PostgreSQL databases are not checked here: opening one that is missing fails anyway.
func CheckStore(cfg *config.Config) error {
	p, ok := strings.CutPrefix(cfg.Database.URL, "sqlite:")
	if !ok || strings.HasPrefix(p, ":memory:") || strings.HasPrefix(p, "file:") {
		return nil
	}
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no database at %s (database.url in %s); nothing was created: `docketd migrate`, "+
				"`docketd sync` or `docketd run` creates it", p, cfg.File)
		}
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

// OpenExisting opens the config's store as it is, for reading: the database must exist and be migrated already,
// and nothing is written to it (no migration, no court table).
func OpenExisting(ctx context.Context, cfg *config.Config, now func() time.Time) (*store.DB, error) {
	if err := CheckStore(cfg); err != nil {
		return nil, err
	}
	db, err := store.Open(cfg.Database.URL)
	if err != nil {
		return nil, err
	}
	db.Now = now
	st, err := db.Migrations(ctx)
	switch {
	case err != nil:
	case len(st.Unknown) > 0:
		err = fmt.Errorf("%w: it has migration %v, this binary knows up to %s; upgrade docketd",
			store.ErrNewerDatabase, st.Unknown, store.SchemaVersion())
	case len(st.Pending) > 0:
		err = fmt.Errorf("the database needs migration %v first (`docketd migrate`); it was left as it is", st.Pending)
	}
	if err != nil {
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
		// The file may write "Castillo, Rosa Elena" as an office export does: the store keeps the name as people write it.
		name, _ := docket.PersonName(c.Name)
		contact, _ := docket.PersonName(c.Contact.Name)
		clients[i] = docket.Client{ID: c.ID, Name: name, ANumber: docket.ANumber(c.ANumber), Nationality: c.Nationality,
			Phone: c.Phone, Email: c.Email, Language: c.Language, Zone: c.Timezone,
			Detained: c.Detained, GreetingName: strings.TrimSpace(c.GreetingName), City: strings.TrimSpace(c.City),
			Contact: docket.Proxy{Name: contact, Phone: c.Contact.Phone, Email: c.Contact.Email,
				Language: c.Contact.Language}}
		clients[i].State = c.State
		clients[i].Channels = channelsOf(c)
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
			WebEx: h.WebEx, FilingDeadline: h.FilingDeadline}
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
