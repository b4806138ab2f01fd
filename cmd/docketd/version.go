package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/docketd/docketd/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func cmdVersion(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("version", "", false, false)
	if err := f.parse(args); err != nil {
		return err
	}
	v := version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	fmt.Fprintf(e.stdout, "docketd %s (schema %s, %s)\n", v, store.SchemaVersion(), runtime.Version())
	return nil
}
