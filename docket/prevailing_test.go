package docket

import (
	"fmt"
	"testing"
	"time"
)

func TestPrevailingSourceDecidesOneHearing(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2027, 3, 2, 9, 0, 0, 0, chicago)
	hs := []Hearing{
		{ID: 1, CaseID: 7, Source: "acis", Start: day.Add(4 * time.Hour), Zone: "America/Chicago"},
		{ID: 2, CaseID: 7, Source: "office", Start: day, Zone: "America/Chicago"},
		{ID: 3, CaseID: 7, Source: "office", Start: day.Add(5 * time.Hour), Zone: "America/Chicago"}, // afternoon session
		{ID: 4, CaseID: 7, Source: "acis", Start: day.Add(24 * time.Hour), Zone: "America/Chicago"},  // another day
		{ID: 5, CaseID: 8, Source: "acis", Start: day, Zone: "America/Chicago"},                      // another case
	}
	kept, aside := Prevailing(hs, []string{"config", "office", "acis"})
	var got []uint
	for _, h := range kept {
		got = append(got, h.ID)
	}
	if fmt.Sprint(got) != "[2 3 4 5]" || len(aside) != 1 || aside[0].ID != 1 {
		t.Errorf("kept %v, aside %+v; want [2 3 4 5] and hearing 1 set aside", got, aside)
	}
}
