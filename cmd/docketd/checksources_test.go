package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `docketd check` reads every csv source through the sync's own reader, writes nothing, and reports per file the
// rows read, the rows with problems (at most ten listed, then a count) and the attorneys the config does not list;
// rows with problems do not fail it, since a sync applies the good rows.
func TestCheckReadsTheCSVSources(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	csvPath := filepath.Join(dir, "examples", "docket.csv")
	src, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.Write(src)
	b.WriteString(`EV-20001,A201-555-201,"Sample, Ana",,,Nobody Known,06/14/2028,9:00 AM,DAL,Individual,"Example, Judge",In Person` + "\n")
	b.WriteString(`EV-20002,A201-555-202,"Sample, Luis",,,,2028-06-31,9:00 AM,DAL,Individual,"Example, Judge",In Person` + "\n")
	b.WriteString(`EV-20003,A201-555-203,"Sample, Eva",,,,06/14/2028` + "\n")
	b.WriteString(`EV-20004,A201-555-204,"Sample, Rui",+1 214 555 01720,,,06/14/2028,9:00 AM,DAL,Individual,"Example, Judge",In Person` + "\n")
	for i := range 12 {
		fmt.Fprintf(&b, `EV-3%04d,A201-555-3%02d,"Sample, Bad",,,,13/45/2028,9:00 AM,DAL,Individual,"Example, Judge",In Person`+"\n", i, i)
	}
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path}); err != nil {
		t.Fatalf("check: %v\n%s%s", err, out, errb)
	}
	got := out.String()
	for _, want := range []string{
		"office-export (" + csvPath + "): 22 rows read, 8 hearings, 16 rows with problems",
		"  line 8: attorney \"Nobody Known\" is not the id or name of an [[attorneys]] entry",
		"  line 9: ",
		"  line 10: no court",
		"  line 11: phone ",
		"  and 6 more\n",
		`attorneys named in the file that the config does not list (add them under [[attorneys]], or correct the ` +
			`file): "Nobody Known"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("check output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "01720") {
		t.Errorf("check shows a phone unmasked:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "test.db")); !os.IsNotExist(err) {
		t.Errorf("check created the database (stat: %v)", err)
	}
}

// A file a sync would fail on (missing, or a header that does not map) makes check exit non-zero, naming the source.
func TestCheckFailsOnACSVASyncWouldRefuse(t *testing.T) {
	for name, content := range map[string]string{
		"missing":    "",
		"bad header": "Who,When\nx,y\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := testConfig(t, dir, nil)
			csvPath := filepath.Join(dir, "examples", "docket.csv")
			if content == "" {
				os.Remove(csvPath)
			} else if err := os.WriteFile(csvPath, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			e, out, _ := testEnv()
			err := e.dispatch(context.Background(), []string{"check", "--config", path})
			if got := exitCode(err); got != exitFailure {
				t.Fatalf("exit %d (err %v), want %d:\n%s", got, err, exitFailure, out)
			}
			if !strings.Contains(out.String(), "office-export ("+csvPath+"): a sync would fail: ") ||
				!strings.Contains(err.Error(), "a sync of office-export would fail") {
				t.Errorf("check: %v\n%s", err, out)
			}
		})
	}
}
