package store

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// fillRecord sets every field of a record, through reflection, so that a field added to docket.HearingRecord or
// docket.ContactDetails and not staged fails TestStageCodecKeepsEveryField. Bools are set only when on says so.
func fillRecord(t *testing.T, on func(name string) bool) docket.HearingRecord {
	t.Helper()
	var r docket.HearingRecord
	var fill func(v reflect.Value, prefix string)
	fill = func(v reflect.Value, prefix string) {
		for i := range v.NumField() {
			f, name := v.Field(i), prefix+v.Type().Field(i).Name
			switch {
			case f.Kind() == reflect.String:
				f.SetString(fmt.Sprintf("%s ñ;,\n%d", name, i))
			case f.Kind() == reflect.Bool:
				f.SetBool(on(name))
			case f.Type() == reflect.TypeFor[time.Time]():
				f.Set(reflect.ValueOf(time.Date(2027, 3, 1, 9, 30, 0, 0, time.FixedZone("CST", -6*3600))))
			case f.Type() == reflect.TypeFor[*docket.ContactDetails]():
				c := reflect.New(f.Type().Elem())
				fill(c.Elem(), "Contact.")
				f.Set(c)
			default:
				t.Fatalf("field %s (%s): stage it in appendRecord and decodeRecord, and fill it here", name, f.Type())
			}
		}
	}
	fill(reflect.ValueOf(&r).Elem(), "")
	return r
}

func roundTrip(t *testing.T, r docket.HearingRecord) docket.HearingRecord {
	t.Helper()
	b, err := appendRecord(nil, &r)
	if err != nil {
		t.Fatal(err)
	}
	var got docket.HearingRecord
	if err := decodeRecord(b, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// Every field comes back as it went in: each bool on alone and all on, with and without a contact, the start's
// instant and offset.
func TestStageCodecKeepsEveryField(t *testing.T) {
	var bools []string
	fillRecord(t, func(name string) bool { bools = append(bools, name); return false })
	cases := map[string]func(string) bool{"all off": func(string) bool { return false },
		"all on": func(string) bool { return true }}
	for _, b := range bools {
		cases[b+" alone"] = func(name string) bool { return name == b }
	}
	for name, on := range cases {
		want := fillRecord(t, on)
		for _, contact := range []bool{true, false} {
			if !contact {
				want.Contact = nil
			}
			got := roundTrip(t, want)
			if !got.Start.Equal(want.Start) || got.Start.Format(time.RFC3339) != want.Start.Format(time.RFC3339) {
				t.Errorf("%s: start %v, want %v", name, got.Start, want.Start)
			}
			got.Start, want.Start = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, contact %v:\n got %+v\nwant %+v", name, contact, got, want)
			}
		}
	}
}

// A damaged staged record is an error, never a record with fields shifted into one another.
func TestStageCodecRefusesDamage(t *testing.T) {
	r := fillRecord(t, func(string) bool { return true })
	b, err := appendRecord(nil, &r)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{b[:len(b)-1], b[:len(b)/2], append(append([]byte{}, b...), 0), {}} {
		var got docket.HearingRecord
		if err := decodeRecord(bad, &got); !errors.Is(err, errStagedForm) {
			t.Errorf("%d of %d bytes: got %v, want the damaged-record error", len(bad), len(b), err)
		}
	}
}
