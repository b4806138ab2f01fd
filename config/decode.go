package config

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// maxSyntaxErrors bounds the syntax errors one file reports: past that, the rest is likely one mistake repeated.
const maxSyntaxErrors = 20

// syntaxPlaceholder names the table that takes the place of a table header with a syntax error, so the keys under
// it do not land in the table above.
const syntaxPlaceholder = "docketd-syntax-error-"

// decodeFile reads a configuration file into a Config over the defaults, tolerating every mistake it can so that one
// does not hide the others: a syntax error is reported and its line left out, and a value of the wrong type or an
// unknown key is reported and left out. It returns the Config and a validator holding where each key was written and
// the problems found; the Config is nil when the file could not be read at all.
func decodeFile(file string, data []byte) (*Config, *validator) {
	var problems []Problem
	doc, tree := data, map[string]any(nil)
	for n := 0; ; n++ {
		tree = map[string]any{}
		err := toml.Unmarshal(doc, &tree)
		if err == nil {
			break
		}
		var de *toml.DecodeError
		if !errors.As(err, &de) {
			return nil, &validator{file: file, problems: append(problems, Problem{File: file, Msg: err.Error()})}
		}
		row, col := de.Position()
		msg := syntaxMessage(de)
		if q := quoted(doc, row); q != "" && strings.Contains(msg, "strings must be quoted") {
			msg += "; write " + q
		}
		problems = append(problems, Problem{File: file, Line: row, Col: col, Msg: msg})
		patched, ok := patchLine(doc, row, de.Error(), n)
		if !ok || n+1 >= maxSyntaxErrors {
			// The rest of the file cannot be read apart from this line: report what is known.
			return nil, &validator{file: file, problems: problems}
		}
		doc = patched
	}
	pos, err := indexPositions(doc)
	if err != nil {
		return nil, &validator{file: file, problems: append(problems, Problem{File: file, Msg: err.Error()})}
	}
	v := &validator{file: file, pos: pos, problems: problems, badType: map[string]bool{}}
	for k := range tree {
		if strings.HasPrefix(k, syntaxPlaceholder) {
			delete(tree, k)
		}
	}
	v.fit(tree, reflect.TypeOf(Config{}), "")

	cfg := Default()
	clean, err := toml.Marshal(tree)
	if err == nil {
		err = toml.NewDecoder(bytes.NewReader(clean)).DisallowUnknownFields().Decode(cfg)
	}
	if err != nil {
		// fit let through something the decoder refuses; say what, without a position rather than not at all.
		v.problems = append(v.problems, Problem{File: file, Msg: strings.TrimPrefix(err.Error(), "toml: ")})
	}
	return cfg, v
}

// patchLine rewrites line row (1-based) of doc so that reading can go on past the syntax error msg found there,
// keeping every other line and column where it was: a value left unquoted or a quote left open is closed, so that
// the rest of the entry is still checked; a bad table header becomes a placeholder table, so the keys under it do not
// land in the table above; any other line is blanked. It reports false when the line cannot be patched.
func patchLine(doc []byte, row int, msg string, n int) ([]byte, bool) {
	lines := bytes.SplitAfter(doc, []byte("\n"))
	if row < 1 || row > len(lines) {
		return nil, false
	}
	line := lines[row-1]
	body := bytes.TrimRight(line, "\r\n")
	repl := bytes.Repeat([]byte(" "), len(body))
	key, value, isKV := bytes.Cut(body, []byte("="))
	switch {
	case bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")):
		repl = []byte("[" + syntaxPlaceholder + strconv.Itoa(n) + "]")
	case !isKV:
	case strings.Contains(msg, "basic strings cannot have new lines"):
		repl = append(bytes.Clone(body), '"')
	case strings.Contains(msg, "literal strings cannot have new lines"):
		repl = append(bytes.Clone(body), '\'')
	case strings.Contains(msg, "strings must be quoted"):
		v := bytes.TrimSpace(value)
		if i := bytes.IndexByte(v, '#'); i >= 0 {
			v = bytes.TrimSpace(v[:i])
		}
		if bytes.ContainsAny(v, "\"\\") {
			break
		}
		repl = append(append(bytes.Clone(key), `= "`...), v...)
		repl = append(repl, '"')
	}
	if bytes.Equal(repl, body) {
		return nil, false
	}
	out := make([]byte, 0, len(doc)+len(repl))
	for i, l := range lines {
		if i == row-1 {
			out = append(out, repl...)
			out = append(out, l[len(body):]...)
			continue
		}
		out = append(out, l...)
	}
	return out, true
}

// quoted returns line row of doc, a key and a bare value, with the value in quotes: `every = "30m"`.
func quoted(doc []byte, row int) string {
	lines := strings.Split(string(doc), "\n")
	if row < 1 || row > len(lines) {
		return ""
	}
	key, value, ok := strings.Cut(lines[row-1], "=")
	value, _, _ = strings.Cut(value, "#")
	value = strings.TrimSpace(value)
	if !ok || value == "" || strings.ContainsAny(value, "\"\\") || len(value) > 40 {
		return ""
	}
	return strings.TrimSpace(key) + " = " + strconv.Quote(value)
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// fit checks the decoded tree m against the type t it will be decoded into: a key t does not have and a value of
// the wrong type are problems, and are deleted so that decoding goes on with the rest.
func (v *validator) fit(m map[string]any, t reflect.Type, path string) {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name != "" && name != "-" && f.IsExported() {
			fields[name] = f.Type
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := joinKey(path, k)
		ft, ok := fields[k]
		if !ok {
			v.add(key, "unknown key%s", suggest([]string{k}))
			delete(m, k)
			continue
		}
		if !v.fitValue(m[k], ft, key) {
			delete(m, k)
		}
	}
}

// fitValue reports whether x can be decoded into a value of type t, recording the problem when it cannot. Inside
// lists and tables it removes what does not fit and keeps the rest.
func (v *validator) fitValue(x any, t reflect.Type, key string) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		if _, ok := x.(string); ok {
			return true
		}
		v.wrongType(key, t, x)
		return false
	}
	ok := false
	switch t.Kind() {
	case reflect.String:
		_, ok = x.(string)
	case reflect.Bool:
		_, ok = x.(bool)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if i, isInt := x.(int64); isInt {
			ok = !reflect.New(t).Elem().OverflowInt(i)
		}
	case reflect.Float32, reflect.Float64:
		switch x.(type) {
		case float64, int64:
			ok = true
		}
	case reflect.Slice:
		list, isList := x.([]any)
		if isList {
			kept := list[:0]
			for i, e := range list {
				if v.fitValue(e, t.Elem(), key+"["+strconv.Itoa(i)+"]") {
					kept = append(kept, e)
				}
			}
			// A list keeps its length so that later problems name the right element; a bad element is reported
			// once and replaced by one the validation will report no further problem with.
			if len(kept) != len(list) {
				v.replaceBad(list, t.Elem(), key)
			}
			return true
		}
	case reflect.Struct:
		if tbl, isTable := x.(map[string]any); isTable {
			v.fit(tbl, t, key)
			return true
		}
	case reflect.Map:
		if tbl, isTable := x.(map[string]any); isTable {
			for k, e := range tbl {
				if !v.fitValue(e, t.Elem(), joinKey(key, k)) {
					delete(tbl, k)
				}
			}
			return true
		}
	}
	if !ok {
		v.wrongType(key, t, x)
	}
	return ok
}

// wrongType reports a value of the wrong type; validation says nothing more about the same key.
func (v *validator) wrongType(key string, t reflect.Type, x any) {
	v.add(key, "expected %s, got %s", expectation(t), describeTOML(x))
	if v.badType != nil {
		v.badType[key] = true
	}
}

// replaceBad puts the zero value of a list's element type in place of each element that does not fit, so the list
// decodes; fitValue has already reported each one.
func (v *validator) replaceBad(list []any, t reflect.Type, key string) {
	quiet := &validator{file: v.file, pos: v.pos}
	for i, e := range list {
		if quiet.fitValue(e, t, key) {
			continue
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case reflect.PointerTo(t).Implements(textUnmarshaler), t.Kind() == reflect.String:
			list[i] = ""
		case t.Kind() == reflect.Struct || t.Kind() == reflect.Map:
			list[i] = map[string]any{}
		case t.Kind() == reflect.Bool:
			list[i] = false
		case t.Kind() == reflect.Slice:
			list[i] = []any{}
		default:
			list[i] = int64(0)
		}
	}
}

// expectation says what a value of type t is written like.
func expectation(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Duration]():
		return `a duration in quotes, like "30m" or "7d"`
	case reflect.TypeFor[ClockTime]():
		return `a time of day in quotes, like "07:30"`
	case reflect.TypeFor[Percent]():
		return `a percentage in quotes, like "20%"`
	}
	switch t.Kind() {
	case reflect.String:
		return "text in quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number, without quotes"
	case reflect.Float32, reflect.Float64:
		return "a number, without quotes"
	case reflect.Slice:
		return "a list, like [" + strings.TrimSuffix(expectation(t.Elem()), ", without quotes") + ", …]"
	case reflect.Struct, reflect.Map:
		return "a table"
	}
	return "a " + t.Kind().String()
}

// describeTOML names the TOML type and value the file wrote.
func describeTOML(x any) string {
	switch x := x.(type) {
	case string:
		if len(x) > 40 {
			x = strings.ToValidUTF8(x[:40], "") + "…"
		}
		return fmt.Sprintf("the text %q", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		return "the number " + strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return fmt.Sprintf("%t", x)
	case toml.LocalTime:
		return fmt.Sprintf("a bare time %s; write it in quotes", x.String())
	case toml.LocalDate:
		return fmt.Sprintf("a bare date %s; write it in quotes", x.String())
	case toml.LocalDateTime:
		return fmt.Sprintf("a bare date and time %s; write it in quotes", x.String())
	case time.Time:
		return fmt.Sprintf("a bare date and time %s; write it in quotes", x.Format(time.RFC3339))
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%v", x)
}
