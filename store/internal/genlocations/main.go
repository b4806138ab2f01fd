// Command genlocations builds store/eoir_hearing_locations.csv, EOIR's hearing-location codes with the IANA zone of
// each place, from EOIR's code table (code,description: ../shared/data/eoir_hearing_locations.csv, from the FOIA
// case data's tblLookupHloc) and the court table the binary embeds (store/eoir_courts.csv). Its output depends on
// its inputs and the tables in tables.go only, so running it twice gives the same file.
//
// Each code gets its zone from the first of these that its description names (see tables.go):
//
//  1. a single-zone state or territory (states), unless the description names a place of the same zone too, which
//     is then the basis; a place of another zone loses (MCI CONCORD is in Massachusetts, not California);
//  2. a place (places): of several, the longest name, and of two as long the one in preferOnTie;
//  3. a state-run facility of a state with several zones (stateFacilities);
//  4. for a code that is also a court code, that court's zone;
//
// else the zone is empty ("unresolved": the base city decides). A code listed with several descriptions names
// several places and has no zone ("ambiguous").
//
// Usage, from the store folder (go generate does it):
//
//	go run ./internal/genlocations -locations ../../shared/data/eoir_hearing_locations.csv -courts eoir_courts.csv -out eoir_hearing_locations.csv
package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// header is the output's first line, which says how each zone was decided.
const header = `# EOIR hearing-location codes (EOIR FOIA case data, tblLookupHloc; copied from shared/data/eoir_hearing_locations.csv) with an IANA zone for each place. A zone comes from, in order: a US state or territory the description names, when the whole state keeps one zone (a city in it that disagrees loses: MCI CONCORD is in Massachusetts); a place the description names (court cities, and facilities whose town is known: CHIPLEY is Florida's Central-time panhandle, PENDLETON Oregon); a state-run facility of a multi-zone state that sits in its main zone (TEXAS DOC, FLORIDA STATE PRISON); the court table for a code equal to a court code. basis says which. An empty zone means the place is not known (unresolved) or the code names several places (IAD, 87 rows): the hearing takes its base city's zone.`

// preferOnTie decides between two places of the same length that one description names; both give the same zone,
// so only the basis differs: the facility over its town (STEWART in LUMPKIN, KROME in MIAMI), the court's city over
// the docket's name (the MPP court at OTAY MESA sits in SAN DIEGO), and GUAYNABO, where the court of SAN JUAN is.
var preferOnTie = map[string]bool{"STEWART": true, "KROME": true, "SAN DIEGO": true, "GUAYNABO": true}

func main() {
	locations := flag.String("locations", "", "EOIR's hearing-location table, code,description (required)")
	courts := flag.String("courts", "eoir_courts.csv", "the court table, code,name,address,city,state,iana_tz,...")
	out := flag.String("out", "", "file to write; empty writes to standard output")
	flag.Parse()
	if *locations == "" {
		fmt.Fprintln(os.Stderr, "genlocations: -locations is required: the path of shared/data/eoir_hearing_locations.csv")
		os.Exit(2)
	}
	data, err := build(*locations, *courts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlocations:", err)
		os.Exit(1)
	}
	if *out == "" {
		_, err = os.Stdout.Write(data)
	} else {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlocations:", err)
		os.Exit(1)
	}
}

// build reads the two tables at their paths and returns the hearing-location table.
func build(locationsPath, courtsPath string) ([]byte, error) {
	locs, err := readCSV(locationsPath, "code,description")
	if err != nil {
		return nil, err
	}
	courtRows, err := readCSV(courtsPath, "code,name,address,city,state,iana_tz,status,note")
	if err != nil {
		return nil, err
	}
	courtZones := map[string]string{}
	for _, r := range courtRows {
		courtZones[r[0]] = r[5]
	}
	return generate(locs, courtZones)
}

// readCSV reads a CSV table with a header line (lines starting with # are comments) and returns its rows.
func readCSV(path, want string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty, want the header %s", path, want)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if strings.Join(head, ",") != want {
		return nil, fmt.Errorf("%s: header is %q, want %q", path, strings.Join(head, ","), want)
	}
	r.FieldsPerRecord = len(head)
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}

// generate builds the table from EOIR's code,description rows and the court codes' zones, in the order the codes
// first appear.
func generate(locs [][]string, courtZones map[string]string) ([]byte, error) {
	var order []string
	descs := map[string][]string{}
	for _, r := range locs {
		code := strings.TrimSpace(r[0])
		if code == "" {
			return nil, errors.New("a hearing-location row has no code")
		}
		if _, ok := descs[code]; !ok {
			order = append(order, code)
		}
		descs[code] = append(descs[code], r[1])
	}
	var buf bytes.Buffer
	buf.WriteString(header + "\n")
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{"code", "description", "iana_tz", "basis"}); err != nil {
		return nil, err
	}
	for _, code := range order {
		ds := descs[code]
		var row []string
		if distinct(ds) > 1 {
			row = []string{code, fmt.Sprintf("(%d rows share this code)", len(ds)), "",
				fmt.Sprintf("ambiguous: the code names %d places; the base city decides", len(ds))}
		} else {
			zone, basis := decide(code, ds[0], courtZones)
			row = []string{code, ds[0], zone, basis}
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func distinct(ss []string) int {
	seen := map[string]bool{}
	for _, s := range ss {
		seen[s] = true
	}
	return len(seen)
}

// decide gives one description its zone and the basis of it (see the package comment).
func decide(code, desc string, courtZones map[string]string) (zone, basis string) {
	place := named(desc, places)
	if state := named(desc, states); state != "" && (place == "" || places[place] != states[state]) {
		return states[state], "state: " + state
	}
	if place != "" {
		return places[place], "place: " + place
	}
	if f := named(desc, stateFacilities); f != "" {
		return stateFacilities[f], "state facility: " + f
	}
	if z, ok := courtZones[code]; ok && z != "" {
		return z, "court: " + code
	}
	return "", "unresolved: the base city decides"
}

// named returns the name of names that desc names as whole words: the longest, and of two as long the one in
// preferOnTie, else the one first in desc; "" when none is named.
func named(desc string, names map[string]string) string {
	desc = strings.ToUpper(desc)
	best, bestAt := "", -1
	for name := range names {
		at := wordIndex(desc, name)
		if at < 0 {
			continue
		}
		switch {
		case best == "", len(name) > len(best),
			len(name) == len(best) && preferOnTie[name] && !preferOnTie[best],
			len(name) == len(best) && preferOnTie[name] == preferOnTie[best] && at < bestAt:
			best, bestAt = name, at
		}
	}
	return best
}

// wordIndex is where name first appears in s with no letter or digit (A–Z, 0–9: s is upper case) on either side, or
// -1.
func wordIndex(s, name string) int {
	if name == "" {
		return -1
	}
	for from := 0; from <= len(s)-len(name); {
		at := strings.Index(s[from:], name)
		if at < 0 {
			return -1
		}
		at += from
		end := at + len(name)
		if (at == 0 || !wordByte(s[at-1])) && (end == len(s) || !wordByte(s[end])) {
			return at
		}
		from = at + 1
	}
	return -1
}

func wordByte(b byte) bool { return 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' }
