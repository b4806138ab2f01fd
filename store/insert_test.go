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
