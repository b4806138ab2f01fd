package store

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"
)

// fillRow sets every field of the struct row points to a value of its own, through reflection, except those named
// in skip; a field of a kind it cannot fill fails the test, so a new kind gets a value here.
func fillRow(t *testing.T, row any, skip ...string) {
	t.Helper()
	base := time.Date(2028, 2, 6, 16, 0, 0, 0, time.UTC)
	v := reflect.ValueOf(row).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		if slices.Contains(skip, name) {
			continue
		}
		at := base.Add(time.Duration(i) * time.Hour)
		switch f.Kind() {
		case reflect.String:
			s := fmt.Sprintf("%d%s", i, name)
			f.SetString(s[:min(8, len(s))]) // short: some columns are sized
		case reflect.Int:
			f.SetInt(int64(i + 1))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			f.Set(reflect.ValueOf(&at))
		case reflect.Struct:
			f.Set(reflect.ValueOf(at))
		default:
			t.Fatalf("field %s of kind %s: fill it here", name, f.Kind())
		}
	}
}

// sameRow fails the test for every field of want and got (structs of one type) that differ, times compared as
// instants.
func sameRow(t *testing.T, want, got any, skip ...string) {
	t.Helper()
	wv, gv := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range wv.NumField() {
		name := wv.Type().Field(i).Name
		if slices.Contains(skip, name) {
			continue
		}
		w, g := wv.Field(i).Interface(), gv.Field(i).Interface()
		switch w := w.(type) {
		case time.Time:
			if !w.Equal(g.(time.Time)) {
				t.Errorf("%s: stored %v, want %v", name, g, w)
			}
		case *time.Time:
			if gp := g.(*time.Time); (w == nil) != (gp == nil) || w != nil && !w.Equal(*gp) {
				t.Errorf("%s: stored %v, want %v", name, gp, w)
			}
		default:
			if !reflect.DeepEqual(w, g) {
				t.Errorf("%s: stored %#v, want %#v", name, g, w)
			}
		}
	}
}

// A sync's new hearing keeps every field it was made with, whichever way the store inserts it (SQLite's kept
// statements, PostgreSQL's arrays), in a fresh piece and in another: a field added to the hearings and left out of
// hearingColumns fails here.
func TestInsertHearingsKeepsEveryField(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		for _, fresh := range []bool{false, true} {
			t.Run(fmt.Sprint("fresh=", fresh), func(t *testing.T) {
				c := caseRow{CourtCode: "DAL"}
				if err := db.gorm.Create(&c).Error; err != nil {
					t.Fatal(err)
				}
				var want hearingRow
				fillRow(t, &want, "ID", "Case", "CaseID")
				want.CaseID = c.ID
				want.FilingDeadline = "2028-03-01"
				want.SourceKey = fmt.Sprint("key-", fresh)
				var n int64
				err := db.gorm.Transaction(func(tx *gorm.DB) (err error) {
					n, err = db.insertHearings(tx, []hearingRow{want}, fresh)
					return err
				})
				if err != nil || n != 1 {
					t.Fatalf("insert: %d, %v", n, err)
				}
				var got hearingRow
				if err := db.gorm.Where("source_key = ?", want.SourceKey).Take(&got).Error; err != nil {
					t.Fatal(err)
				}
				sameRow(t, want, got, "ID", "Case")
				// Inserted again: a fresh piece's insert leaves it out, another's fails.
				err = db.gorm.Transaction(func(tx *gorm.DB) (err error) {
					n, err = db.insertHearings(tx, []hearingRow{want}, fresh)
					return err
				})
				if fresh && (err != nil || n != 0) {
					t.Errorf("fresh insert of a stored key: %d, %v; want it left out", n, err)
				}
				if !fresh && err == nil {
					t.Errorf("insert of a stored key: %d and no error; want the unique key's refusal", n)
				}
			})
		}
	})
}

// New cases get the ids the database gave them, each its own, in runs of insertRun and single rows alike; and the
// look-ups by A-number and by EOIR case id find each of them, in lists shorter and longer than one kept look-up.
func TestInsertedCasesAreFoundByEitherKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		var cs []caseRow
		for i := range 2*insertRun + 5 {
			c := caseRow{CourtCode: fmt.Sprint("C", i%3)}
			a, e := fmt.Sprintf("2015%05d", i), fmt.Sprintf("E-%d", i)
			switch i % 3 {
			case 0:
				c.ANumber = &a
			case 1:
				c.EOIRCaseID = &e
			default:
				c.ANumber, c.EOIRCaseID = &a, &e
			}
			cs = append(cs, c)
		}
		err := db.gorm.Transaction(func(tx *gorm.DB) error { return db.insertCases(tx, cs) })
		if err != nil {
			t.Fatal(err)
		}
		seen := map[uint]bool{}
		var aNumbers, eoirIDs []string
		for i, c := range cs {
			var stored caseRow
			if err := db.gorm.Take(&stored, c.ID).Error; err != nil {
				t.Fatalf("case %d: id %d: %v", i, c.ID, err)
			}
			sameRow(t, c, stored, "CreatedAt")
			if seen[c.ID] {
				t.Errorf("case %d: id %d given twice", i, c.ID)
			}
			seen[c.ID] = true
			if c.ANumber != nil {
				aNumbers = append(aNumbers, *c.ANumber)
			}
			if c.EOIRCaseID != nil {
				eoirIDs = append(eoirIDs, *c.EOIRCaseID)
			}
		}
		for _, tt := range []struct {
			column string
			values []string
		}{{"a_number", aNumbers}, {"eoir_case_id", eoirIDs}, {"a_number", aNumbers[:3]},
			{"a_number", []string{"999999999"}}} {
			var found []caseRow
			err := db.gorm.Transaction(func(tx *gorm.DB) (err error) {
				found, err = db.findCases(tx, tt.column, tt.values)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, c := range cs {
				key := c.ANumber
				if tt.column == "eoir_case_id" {
					key = c.EOIRCaseID
				}
				if key != nil && slices.Contains(tt.values, *key) {
					want++
				}
			}
			if len(found) != want {
				t.Errorf("%s among %d values: found %d cases, want %d", tt.column, len(tt.values), len(found), want)
			}
			for _, f := range found {
				if !seen[f.ID] {
					t.Errorf("%s: found case %d, not one inserted", tt.column, f.ID)
				}
			}
		}
	})
}
