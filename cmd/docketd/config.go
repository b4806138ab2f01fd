package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/store"
)

// loadConfig reads and validates the config. An invalid file is a usage error (exit 2) listing every problem.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path, config.Options{Courts: store.CourtCodes()})
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("%s has %d problem(s):\n%w", path, len(errs), err)}
		}
		return nil, &exitError{code: exitUsage, err: err}
	}
	return cfg, nil
}

// openConfigured loads the config at path and opens and migrates its store: the start of most commands.
func openConfigured(ctx context.Context, path string, now func() time.Time) (*config.Config, *store.DB, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, nil, err
	}
	db, err := assembly.OpenStore(ctx, cfg, now)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

// openExisting is openConfigured for commands that only show what is stored: a SQLite file that does not exist is
// reported, not created.
func openExisting(ctx context.Context, path string, now func() time.Time) (*config.Config, *store.DB, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, nil, err
	}
	if err := assembly.CheckStore(cfg); err != nil {
		return nil, nil, err
	}
	db, err := assembly.OpenStore(ctx, cfg, now)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}
