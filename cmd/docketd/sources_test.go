package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/source"
)

// config validates kind names and the keys each kind needs, but may import only the vocabulary; source has the
// readers. This is where the two meet, so this is where they are held to one list.
func TestConfigKindsAreSourceKinds(t *testing.T) {
	var kinds []string
	for _, k := range source.Kinds {
		kinds = append(kinds, k.Name)
	}
	if !slices.Equal(config.SourceKinds, kinds) {
		t.Errorf("config.SourceKinds = %v, source.Kinds = %v: a kind must be known to both", config.SourceKinds, kinds)
	}
}

func TestSourceSpecsAskTheKind(t *testing.T) {
	cfg := &config.Config{File: "/etc/docketd/docketd.toml", Organization: config.Organization{Timezone: "UTC"},
		Sources: []config.Source{{Name: "a", Kind: "csv", Path: "a.csv"}, {Name: "b", Kind: "acis", URL: "https://x"},
			{Name: "c", Kind: "ics", Path: "c.ics"}, {Name: "d", Kind: "eoir_bulk", Path: "d.txt"}}}
	specs, err := sourceSpecs(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, spec := range specs {
		kind, _ := source.Lookup(cfg.Sources[i].Kind)
		if spec.Buffered != kind.Buffered {
			t.Errorf("%s: Buffered = %v, want the kind's %v", spec.Name, spec.Buffered, kind.Buffered)
		}
	}
	cfg.Sources = append(cfg.Sources, config.Source{Name: "e", Kind: "xls"})
	_, err = sourceSpecs(cfg, nil)
	if want := `/etc/docketd/docketd.toml: sources[4] (e): unknown kind "xls"`; err == nil || err.Error() != want {
		t.Errorf("unknown kind: got %v, want %s", err, want)
	}
	cfg.Sources = []config.Source{{Name: "f", Kind: "csv", Path: "f.csv", Timezone: "Mars/Olympus"}}
	if _, err := sourceSpecs(cfg, nil); err == nil || !strings.Contains(err.Error(), "(f): timezone: ") {
		t.Errorf("bad timezone: got %v, want an error naming the source and timezone", err)
	}
}
