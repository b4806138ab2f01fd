package main

import (
	"context"
	"encoding"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/source"
)

// referencePath is the product's reference, which must name every config key, CSV field, command and flag.
const referencePath = "../../docs/REFERENCE.md"

// configKey is one key of the config file: the table it is written in ("sms.twilio", "sources") and its name.
type configKey struct{ table, key string }

// configKeys walks config.Config's toml tags: a field whose type is a struct (or a list of structs) that is not read
// from text is a table of its own; every other field is a key of the table it is in.
func configKeys() []configKey {
	var keys []configKey
	textual := reflect.TypeFor[encoding.TextUnmarshaler]()
	var walk func(table string, t reflect.Type)
	walk = func(table string, t reflect.Type) {
		for f := range t.Fields() {
			tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(textual) {
				walk(strings.TrimPrefix(table+"."+tag, "."), ft)
				continue
			}
			keys = append(keys, configKey{table, tag})
		}
	}
	walk("", reflect.TypeFor[config.Config]())
	return keys
}

// referenceTables splits the reference into the text under each heading that names a table ("### `[sms.twilio]`",
// "### `[[sources]]`"), keyed by the table's name.
func referenceTables(doc string) map[string]string {
	heading := regexp.MustCompile("^#{2,4} .*`\\[\\[?([a-z_.]+)\\]\\]?`")
	tables := map[string]string{}
	current := ""
	for line := range strings.SplitSeq(doc, "\n") {
		if strings.HasPrefix(line, "#") {
			current = ""
			if m := heading.FindStringSubmatch(line); m != nil {
				current = m[1]
			}
			continue
		}
		if current != "" {
			tables[current] += line + "\n"
		}
	}
	return tables
}

func readReference(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("the reference is missing: %v", err)
	}
	return string(b)
}

// TestReferenceNamesEveryConfigKey fails when a key of config.Config (its toml tags) is not described in
// docs/REFERENCE.md under the heading of its table, so the reference cannot fall behind the code.
func TestReferenceNamesEveryConfigKey(t *testing.T) {
	tables := referenceTables(readReference(t))
	keys := configKeys()
	if len(keys) < 50 {
		t.Fatalf("found only %d config keys: the walk of config.Config is broken", len(keys))
	}
	for _, k := range keys {
		text, ok := tables[k.table]
		if !ok {
			t.Errorf("%s has no section for [%s] (key %s)", referencePath, k.table, k.key)
			continue
		}
		if !strings.Contains(text, "`"+k.key+"`") {
			t.Errorf("%s: section [%s] does not describe `%s`", referencePath, k.table, k.key)
		}
	}
	// A CSV column can be mapped from each of these fields; [sources.columns] lists them.
	for _, f := range source.CSVFields {
		if !strings.Contains(tables["sources.columns"], "`"+f+"`") {
			t.Errorf("%s: section [sources.columns] does not describe the CSV field `%s`", referencePath, f)
		}
	}
	for _, k := range config.SourceKinds {
		if !strings.Contains(tables["sources"], "`"+k+"`") {
			t.Errorf("%s: section [[sources]] does not name the kind `%s`", referencePath, k)
		}
	}
}

// TestReferenceNamesEveryCommandAndFlag fails when a command, or a flag that a command's --help lists, is missing
// from docs/REFERENCE.md.
func TestReferenceNamesEveryCommandAndFlag(t *testing.T) {
	doc := readReference(t)
	names := [][]string{}
	for _, c := range commands() {
		names = append(names, []string{c.name})
	}
	for _, sub := range []string{"grant", "list", "revoke", "export"} {
		names = append(names, []string{"feed", sub})
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	for _, name := range names {
		cmd := "docketd " + strings.Join(name, " ")
		if !strings.Contains(doc, "`"+cmd) {
			t.Errorf("%s does not describe `%s`", referencePath, cmd)
		}
		e, out, errb := testEnv()
		if err := e.dispatch(context.Background(), append(append([]string{}, name...), "--help")); exitCode(err) != exitOK {
			t.Fatalf("%s --help: exit status %d", cmd, exitCode(err))
		}
		for _, m := range flagLine.FindAllStringSubmatch(out.String()+errb.String(), -1) {
			if !strings.Contains(doc, "--"+m[1]) {
				t.Errorf("%s does not describe %s --%s", referencePath, cmd, m[1])
			}
		}
	}
}
