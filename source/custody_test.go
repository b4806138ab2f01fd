package source

import (
	"context"
	"strings"
	"testing"
)

func TestEOIRBulkDetainedScheduleType(t *testing.T) {
	lines := []string{
		strings.Join(EOIRScheduleColumns, "\t"),
		eoirRow(map[string]string{"IDNSCHEDULE": "1", "IDNCASE": "100", "BASE_CITY_CODE": "DAL", "CAL_TYPE": "M",
			"SCHEDULE_TYPE": "MD", "ADJ_DATE": "2027-02-09", "ADJ_TIME_START": "0830"}),
		eoirRow(map[string]string{"IDNSCHEDULE": "2", "IDNCASE": "101", "BASE_CITY_CODE": "DAL", "CAL_TYPE": "M",
			"SCHEDULE_TYPE": "MM", "ADJ_DATE": "2027-02-09", "ADJ_TIME_START": "0830"}),
	}
	b := &EOIRBulk{Path: writeFile(t, "tbl_schedule.csv", strings.Join(lines, "\n")+"\n"), Zoner: testZones}
	res, err := Collect(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 2 || !res.Records[0].Detained || res.Records[1].Detained {
		t.Errorf("records %+v: want the MD hearing detained and the MM one not", res.Records)
	}
}

func TestCSVDetainedAndCustody(t *testing.T) {
	kind, _ := Lookup("csv")
	content := "a_number,date,time,court,client_name,detained,custody\n" +
		"201555121,2027-02-09,9:00,DAL,\"Castillo, Rosa\",yes,\n" +
		"201555122,2027-02-09,9:00,DAL,Luis Mora,No,R\n" +
		"201555123,2027-02-09,9:00,DAL,Ana Soto,D,\n" +
		"201555124,2027-02-09,9:00,DAL,Eva Gil,0,D\n" +
		"201555125,2027-02-09,9:00,DAL,Ida Paz,maybe,\n" +
		"201555126,2027-02-09,9:00,DAL,Noa Paz,,X\n" +
		"201555127,2027-02-09,9:00,DAL,Teo Paz,,\n"
	r, err := kind.New(Spec{Path: writeFile(t, "d.csv", content), Zoner: testZones})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Collect(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	type custody struct{ client, hearing bool }
	want := map[string]custody{"201555121": {true, false}, "201555122": {false, false}, "201555123": {true, false},
		"201555124": {false, true}, "201555127": {false, false}}
	if len(res.Records) != len(want) {
		t.Fatalf("records %+v, want %d", res.Records, len(want))
	}
	for _, rec := range res.Records {
		if got := (custody{rec.ClientDetained, rec.Detained}); got != want[string(rec.ANumber)] {
			t.Errorf("%s: client detained, hearing detained = %v, want %v", rec.ANumber, got, want[string(rec.ANumber)])
		}
	}
	if len(res.Rejects) != 2 || res.Rejects[0].Line != 6 || !strings.Contains(res.Rejects[0].Reason, `detained: expected yes or no`) ||
		res.Rejects[1].Line != 7 || !strings.Contains(res.Rejects[1].Reason, "custody: expected a custody status") {
		t.Errorf("rejects = %v, want lines 6 (detained) and 7 (custody)", res.Rejects)
	}
}
