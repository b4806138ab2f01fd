package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedLocations is EOIR's hearing-location table in the project's shared data, beside the work tree.
var sharedLocations = filepath.Join("..", "..", "..", "..", "shared", "data", "eoir_hearing_locations.csv")

// The embedded table is what the generator makes of the shared data and the embedded court table, byte for byte:
// an edit by hand, or a change of the data not regenerated (go generate ./store), fails here.
func TestEmbeddedTableIsGenerated(t *testing.T) {
	if _, err := os.Stat(sharedLocations); err != nil {
		t.Skipf("the shared data is not beside the work tree (%v); CI has it", err)
	}
	got, err := build(sharedLocations, filepath.Join("..", "..", "eoir_courts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "eoir_hearing_locations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("store/eoir_hearing_locations.csv differs from the generator's output at line %d (run "+
					"go generate ./store):\ngenerated: %s\nembedded:  %s", i+1, g[i], w[i])
			}
		}
		t.Fatalf("store/eoir_hearing_locations.csv has %d lines, the generator's output %d (run go generate ./store)",
			len(w), len(g))
	}
	again, err := build(sharedLocations, filepath.Join("..", "..", "eoir_courts.csv"))
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("a second run differs (err %v)", err)
	}
}

// The rules on small cases: a single-zone state outranks a place of another zone, a place of the same zone is the
// basis, the longest place wins, a court code is the last resort, and a code with several descriptions has none.
func TestGenerateRules(t *testing.T) {
	out, err := generate([][]string{
		{"MD9", "MASSACHUSETTS DOC MCI CONCORD"},
		{"BOS", "BOSTON, MASSACHUSETTS"},
		{"SAT", "SAN ANTONIO DETAINED"},
		{"XYZ", "SOMEWHERE UNKNOWN"},
		{"HOU", "500 JEFFERSON STREET IMMIGRATION COURT"},
		{"TDC", "TEXAS DOC- TDC"},
		{"IAD", "ONE PLACE"}, {"IAD", "ANOTHER PLACE"},
	}, map[string]string{"HOU": "America/Chicago"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"MD9,MASSACHUSETTS DOC MCI CONCORD,America/New_York,state: MASSACHUSETTS\n",
		"BOS,\"BOSTON, MASSACHUSETTS\",America/New_York,place: BOSTON\n",
		"SAT,SAN ANTONIO DETAINED,America/Chicago,place: SAN ANTONIO\n",
		"XYZ,SOMEWHERE UNKNOWN,,unresolved: the base city decides\n",
		"HOU,500 JEFFERSON STREET IMMIGRATION COURT,America/Chicago,court: HOU\n",
		"TDC,TEXAS DOC- TDC,America/Chicago,state facility: TEXAS DOC\n",
		"IAD,(2 rows share this code),,ambiguous: the code names 2 places; the base city decides\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestWordIndexFindsWholeWordsOnly(t *testing.T) {
	for _, c := range []struct {
		s, name string
		want    int
	}{
		{"SAN ANTONIO DETAINED", "SAN ANTONIO", 0},
		{"PORT ISABEL SPC", "ISABEL", 5},
		{"DALLAS2 HOLD", "DALLAS", -1},
		{"XDALLAS, DALLAS", "DALLAS", 9},
		{"EL PASO", "EL PASO", 0},
		{"EL PASO", "", -1},
		{"ÑDALLAS", "DALLAS", 2}, // a letter outside A–Z is not part of the word
	} {
		if got := wordIndex(c.s, c.name); got != c.want {
			t.Errorf("wordIndex(%q, %q) = %d, want %d", c.s, c.name, got, c.want)
		}
	}
}
