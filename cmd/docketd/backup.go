package main

import (
	"context"
	"fmt"

	"github.com/docketd/docketd/store"
)

func cmdBackup(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("backup", "PATH", false, false)
	pos, err := parseWithArgs(f, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
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
	if err := db.Backup(ctx, pos[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote a consistent copy of the database to %s\n", pos[0])
	return nil
}
