package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store/storetest"
)

// A plan whose rows are partly planned already, in every mix the batches can meet (all new, all planned, new after
// planned, planned after new), creates each new row once, counts only those, and leaves the planned ones as they are.
func TestPlanOutboxCreatesOnlyWhatIsNew(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	at := time.Date(2028, 2, 6, 16, 0, 0, 0, time.UTC)
	row := func(i int) docket.Reminder {
		return docket.Reminder{HearingID: uint(i + 1), Recipient: "client", RecipientID: "c", Channel: docket.SMS,
			Address: "+12145550142", Kind: docket.KindReminder, Due: at, State: docket.StatePending,
			DedupeKey: fmt.Sprintf("p/%04d", i)}
	}
	// Planned first: rows 200–399 (one whole batch), and every seventh row from 800 on.
	var first []docket.Reminder
	planned := map[int]bool{}
	for i := range 1400 {
		if (i >= 200 && i < 400) || (i >= 800 && i%7 == 0) {
			first = append(first, row(i))
			planned[i] = true
		}
	}
	if n, err := db.PlanOutbox(ctx, first); err != nil || n != len(first) {
		t.Fatalf("first plan: %d created, %v; want %d", n, err, len(first))
	}
	var all []docket.Reminder
	for i := range 1400 {
		all = append(all, row(i))
	}
	n, err := db.PlanOutbox(ctx, all)
	if err != nil || n != len(all)-len(first) {
		t.Fatalf("second plan: %d created, %v; want %d", n, err, len(all)-len(first))
	}
	if n, err := db.PlanOutbox(ctx, all); err != nil || n != 0 {
		t.Fatalf("third plan: %d created, %v; want none", n, err)
	}
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.DedupeKey]++
	}
	for i := range 1400 {
		if k := row(i).DedupeKey; seen[k] != 1 {
			t.Errorf("%s stored %d times, want once", k, seen[k])
		}
	}
}

// A planned row keeps every field it was planned with, whichever way the store inserts it (on PostgreSQL, one array
// a column): each field is filled with a value of its own, through reflection, so a field added to docket.Reminder
// and left out of the insert fails here.
func TestPlanOutboxKeepsEveryField(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	base := time.Date(2028, 2, 6, 16, 0, 0, 0, time.UTC)
	var want docket.Reminder
	v := reflect.ValueOf(&want).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		if name == "ID" {
			continue // the store's own
		}
		at := base.Add(time.Duration(i) * time.Hour)
		switch f.Kind() {
		case reflect.String:
			f.SetString(fmt.Sprintf("%s-%d", name, i))
		case reflect.Int, reflect.Uint:
			if f.CanInt() {
				f.SetInt(int64(i + 1))
			} else {
				f.SetUint(uint64(i + 1))
			}
		case reflect.Pointer:
			f.Set(reflect.ValueOf(&at))
		case reflect.Struct:
			f.Set(reflect.ValueOf(at))
		default:
			t.Fatalf("field %s of kind %s: fill it here", name, f.Kind())
		}
	}
	if n, err := db.PlanOutbox(ctx, []docket.Reminder{want}); err != nil || n != 1 {
		t.Fatalf("plan: %d, %v", n, err)
	}
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows: %+v, %v", rows, err)
	}
	got := rows[0]
	want.ID = got.ID
	gv := reflect.ValueOf(got)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		w, g := v.Field(i).Interface(), gv.Field(i).Interface()
		if wt, ok := w.(time.Time); ok {
			if !wt.Equal(g.(time.Time)) {
				t.Errorf("%s: stored %v, want %v", name, g, w)
			}
			continue
		}
		if wp, ok := w.(*time.Time); ok {
			if gp := g.(*time.Time); gp == nil || !wp.Equal(*gp) {
				t.Errorf("%s: stored %v, want %v", name, gp, *wp)
			}
			continue
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("%s: stored %#v, want %#v", name, g, w)
		}
	}
}
