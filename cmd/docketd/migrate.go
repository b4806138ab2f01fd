package main

import (
	"context"
	"fmt"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/store"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("migrate", "[--status]", false, false)
	statusOnly := f.Bool("status", false, "show applied and pending migrations without changing anything")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	if *statusOnly {
		// Showing the state creates nothing: a missing SQLite file is said to be missing.
		if err := assembly.CheckStore(cfg); err != nil {
			return err
		}
	}
	db, err := store.Open(cfg.Database.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := db.Migrations(ctx)
	if err != nil {
		return err
	}
	if *statusOnly {
		fmt.Fprintf(e.stdout, "applied: %v\npending: %v\n", before.Applied, before.Pending)
		if len(before.Unknown) > 0 {
			fmt.Fprintf(e.stdout, "unknown (from a newer docketd): %v\n", before.Unknown)
		}
		return nil
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if len(before.Pending) == 0 {
		fmt.Fprintf(e.stdout, "schema is up to date (%s)\n", store.SchemaVersion())
		return nil
	}
	fmt.Fprintf(e.stdout, "applied %d migration(s): %v; schema is now %s\n", len(before.Pending), before.Pending,
		store.SchemaVersion())
	return nil
}
