package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
)

// maxListedProblems is how many of a file's rows with problems `docketd check` lists; the rest are counted.
const maxListedProblems = 10

// checkSources reads every csv source's file through the reader a sync uses, writing nothing, and reports per file
// the rows read, the rows with problems (line and reason) and the attorneys it names that the config does not list.
// It returns the sources a sync would fail on (a file that is missing, empty, or whose header does not map): the
// rows with problems are only reported, since a sync applies the good rows and reports the others.
func checkSources(ctx context.Context, w io.Writer, cfg *config.Config) (failed []string) {
	courts := make([]docket.Court, len(cfg.Courts))
	for i, c := range cfg.Courts {
		courts[i] = docket.Court{Code: c.Code, Name: c.Name, Address: c.Address, City: c.City, State: c.State,
			Zone: c.Timezone, Phone: c.Phone}
	}
	var zones *store.CourtZones
	for _, sc := range cfg.Sources {
		if sc.Kind != "csv" {
			continue
		}
		if zones == nil {
			z, err := store.OfflineZones(courts)
			if err != nil {
				fmt.Fprintf(w, "%s: the sources cannot be checked: %v\n", sc.Name, err)
				return append(failed, sc.Name)
			}
			zones = z
		}
		if err := checkCSV(ctx, w, cfg, sc, zones); err != nil {
			fmt.Fprintf(w, "%s (%s): a sync would fail: %s\n", sc.Name, sc.Path, docket.MaskText(err.Error()))
			failed = append(failed, sc.Name)
		}
	}
	return failed
}

// checkCSV reads one csv source and prints what a sync would make of it.
func checkCSV(ctx context.Context, w io.Writer, cfg *config.Config, sc config.Source, zones *store.CourtZones) error {
	unknown := map[string]bool{} // attorney cells naming no [[attorneys]] entry
	r, err := assembly.CheckReader(cfg, sc, zones, func(s string) { unknown[s] = true })
	if err != nil {
		return err
	}
	rows := map[int]bool{}
	hearings := 0
	var problems []docket.RecordError
	err = r.Read(ctx, func(rec docket.SourceRecord) error {
		rows[rec.Line] = true
		hearings++
		return nil
	}, func(e docket.RecordError) {
		rows[e.Line] = true
		problems = append(problems, e)
	})
	if err != nil {
		return err
	}
	bad := map[int]bool{}
	for _, p := range problems {
		bad[p.Line] = true
	}
	fmt.Fprintf(w, "%s (%s): %d rows read, %d hearings, %d rows with problems\n", sc.Name, sc.Path, len(rows),
		hearings, len(bad))
	for i, p := range problems {
		if i == maxListedProblems {
			fmt.Fprintf(w, "  and %d more\n", len(problems)-maxListedProblems)
			break
		}
		fmt.Fprintf(w, "  line %d: %s\n", p.Line, p.Reason) // a reason holds no personal data
	}
	if len(unknown) > 0 {
		names := make([]string, 0, len(unknown))
		for n := range unknown {
			names = append(names, fmt.Sprintf("%q", n))
		}
		slices.Sort(names)
		fmt.Fprintf(w, "  attorneys named in the file that the config does not list (add them under [[attorneys]], "+
			"or correct the file): %s\n", strings.Join(names, ", "))
	}
	return nil
}
