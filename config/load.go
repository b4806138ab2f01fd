package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	File      string
	Line, Col int
	Key       string // key path, e.g. "clients[2].phone"
	Msg       string // what is wrong and what is expected
}

func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
	if p.Key == "" {
		return loc + ": " + p.Msg
	}
	return loc + ": " + p.Key + ": " + p.Msg
}

// Errors is every problem found in a file, in file order. It is returned as an error when the file is invalid.
type Errors []Problem

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, p := range e {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Options carries what validation needs to know from outside the file.
type Options struct {
	// Courts maps the court codes known without the file (the embedded EOIR table) to their IANA time zones. Codes
	// the file's [[courts]] add are known too, and a zone the file sets replaces the table's. Nil skips the checks
	// of court codes and of hand-entered local times.
	Courts map[string]string
	// Getenv looks up ${VAR}; nil means os.LookupEnv.
	Getenv func(string) (string, bool)
}

// Load reads, expands and validates the configuration at path. An invalid file returns Errors listing every problem.
func Load(path string, opts Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, opts)
}

// Parse is Load for bytes already read; file names them in errors.
func Parse(file string, data []byte, opts Options) (*Config, error) {
	cfg, v := decodeFile(file, data)
	if cfg == nil {
		return nil, Errors(v.problems)
	}
	cfg.File = file

	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.LookupEnv
	}
	expandEnv(reflect.ValueOf(cfg).Elem(), "", getenv, v)
	resolvePaths(cfg, file)

	v.validate(cfg, opts)
	if len(v.problems) > 0 {
		sort.SliceStable(v.problems, func(i, j int) bool {
			a, b := v.problems[i], v.problems[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return cfg, Errors(v.problems)
	}
	return cfg, nil
}

// resolvePaths makes every path the file names (the SQLite database, each source's file or folder, the templates
// folder) absolute, read from the config file's own folder rather than the working directory: the file then means the
// same office from any folder, a cron job or a service manager included. It runs after ${VAR} expansion, so a
// variable may give a relative path too. Absolute paths and URLs stay as written.
func resolvePaths(cfg *Config, file string) {
	base, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return // only when the working directory itself is gone; the paths stay as written
	}
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
			return p
		}
		return filepath.Join(base, p)
	}
	if p, ok := strings.CutPrefix(cfg.Database.URL, "sqlite:"); ok && p != "" && !strings.HasPrefix(p, ":memory:") &&
		!strings.HasPrefix(p, "file:") {
		cfg.Database.URL = "sqlite:" + rel(p)
	}
	cfg.Reminders.TemplatesDir = rel(cfg.Reminders.TemplatesDir)
	for i := range cfg.Sources {
		cfg.Sources[i].Path = rel(cfg.Sources[i].Path)
	}
}

func syntaxMessage(de *toml.DecodeError) string {
	msg := de.Error()
	if i := strings.Index(msg, "toml: "); i >= 0 {
		msg = msg[i+len("toml: "):]
	}
	return "syntax error: " + msg
}

// suggest names the key the user probably meant, for the commonest slips.
func suggest(key []string) string {
	if len(key) == 0 {
		return ""
	}
	last := key[len(key)-1]
	for _, known := range knownKeys {
		if last != known && editDistance(last, known) <= 2 && len(known) > 3 {
			return fmt.Sprintf(" (did you mean %q?)", known)
		}
	}
	return ""
}

var knownKeys = func() []string {
	seen := map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !seen[name] {
				seen[name] = true
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeOf(Config{}))
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}()

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${VAR} in every string value after decoding, so positions in errors stay those of the file.
func expandEnv(rv reflect.Value, path string, getenv func(string) (string, bool), v *validator) {
	switch rv.Kind() {
	case reflect.String:
		s := rv.String()
		if !strings.Contains(s, "${") {
			return
		}
		rv.SetString(envRef.ReplaceAllStringFunc(s, func(m string) string {
			name := m[2 : len(m)-1]
			val, ok := getenv(name)
			if !ok {
				v.add(path, "environment variable %s is not set", name)
			}
			// A value read from a file ($(cat token), an env file, a mounted secret) keeps its line ending.
			return strings.TrimRight(val, "\r\n")
		}))
	case reflect.Struct:
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
			if name == "" || name == "-" || !t.Field(i).IsExported() {
				continue
			}
			expandEnv(rv.Field(i), joinKey(path, name), getenv, v)
		}
	case reflect.Slice:
		for i := 0; i < rv.Len(); i++ {
			expandEnv(rv.Index(i), path+"["+strconv.Itoa(i)+"]", getenv, v)
		}
	case reflect.Map:
		for _, k := range rv.MapKeys() {
			e := rv.MapIndex(k)
			if e.Kind() == reflect.String {
				nv := reflect.New(e.Type()).Elem()
				nv.Set(e)
				expandEnv(nv, joinKey(path, k.String()), getenv, v)
				rv.SetMapIndex(k, nv)
			}
		}
	}
}

func joinKey(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// position is where a key (and its value) was written.
type position struct{ line, col int }

// indexPositions maps every key path of the document ("clients[2].phone", "reminders.policy[0].before[1]") to the
// line and column where it was written, so validation errors can point at the value at fault.
func indexPositions(data []byte) (map[string]position, error) {
	pos := map[string]position{}
	counts := map[string]int{} // array-of-tables name -> elements seen
	var p unstable.Parser
	p.Reset(data)
	table := ""
	// A node's line and column (in bytes, from 1, as the parser's Shape counts them) from the offsets of the
	// newlines, found once: Shape counts newlines from the start of the file each time, and a config of a few
	// thousand clients took seconds to read.
	var newlines []int
	for i, b := range data {
		if b == '\n' {
			newlines = append(newlines, i)
		}
	}
	at := func(n *unstable.Node) position {
		off := int(n.Raw.Offset)
		before, _ := slices.BinarySearch(newlines, off) // newlines before off
		col := off + 1
		if before > 0 {
			col = off - newlines[before-1]
		}
		return position{before + 1, col}
	}
	var keyValue func(prefix string, kv *unstable.Node)
	var value func(path string, n *unstable.Node, fallback position)
	value = func(path string, n *unstable.Node, fallback position) {
		switch n.Kind {
		case unstable.Array:
			i := 0
			for it := n.Children(); it.Next(); i++ {
				c := it.Node()
				cp := fallback
				if c.Raw.Length > 0 {
					cp = at(c)
				}
				elem := path + "[" + strconv.Itoa(i) + "]"
				pos[elem] = cp
				value(elem, c, cp)
			}
		case unstable.InlineTable:
			for it := n.Children(); it.Next(); {
				keyValue(path, it.Node())
			}
		}
	}
	keyValue = func(prefix string, kv *unstable.Node) {
		var parts []string
		var first position
		for it := kv.Key(); it.Next(); {
			k := it.Node()
			if len(parts) == 0 && k.Raw.Length > 0 {
				first = at(k)
			}
			parts = append(parts, string(k.Data))
		}
		path := joinKey(prefix, strings.Join(parts, "."))
		pos[path] = first
		value(path, kv.Value(), first)
	}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			var parts []string
			var first position
			for it := e.Key(); it.Next(); {
				k := it.Node()
				if len(parts) == 0 && k.Raw.Length > 0 {
					first = at(k)
				}
				parts = append(parts, string(k.Data))
			}
			name := strings.Join(parts, ".")
			// Nested array tables ([[reminders.policy]]) index within the latest parent element.
			name = resolveParents(name, counts)
			if e.Kind == unstable.ArrayTable {
				i := counts[name]
				counts[name] = i + 1
				table = name + "[" + strconv.Itoa(i) + "]"
			} else {
				table = name
			}
			pos[table] = first
		case unstable.KeyValue:
			keyValue(table, e)
		}
	}
	return pos, p.Error()
}

// resolveParents turns "sources.columns" into "sources[3].columns" when [[sources]] is an array of tables.
func resolveParents(name string, counts map[string]int) string {
	parts := strings.Split(name, ".")
	out := ""
	for i, part := range parts {
		out = joinKey(out, part)
		if i < len(parts)-1 {
			if n, ok := counts[out]; ok && n > 0 {
				out += "[" + strconv.Itoa(n-1) + "]"
			}
		}
	}
	return out
}
