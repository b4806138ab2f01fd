package main

import (
	"context"
	"fmt"

	"github.com/docketd/docketd/store"
)

func cmdBackup(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("backup", "PATH", false, false)
	if err := f.Parse(args); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if f.NArg() != 1 {
		return usageErrorf("backup: give the path of the copy to write, e.g. docketd backup /var/backups/docketd-2027-01-31.db")
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	db, err := store.Open(cfg.Database.URL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, f.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote a consistent copy of the database to %s\n", f.Arg(0))
	return nil
}
