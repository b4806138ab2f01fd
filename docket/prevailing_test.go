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

func TestPrevailingFollowsAHearingMovedByEitherSource(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	mar15 := time.Date(2027, 3, 15, 8, 30, 0, 0, chicago)
	mar29 := time.Date(2027, 3, 29, 8, 30, 0, 0, chicago)
	apr5 := time.Date(2027, 4, 5, 8, 30, 0, 0, chicago)
	cases := map[string]struct {
		hs   []Hearing
		kept string
	}{
		"the trusted source moved": {[]Hearing{
			{ID: 1, CaseID: 7, Source: "config", Start: mar29, FirstStart: mar15, Zone: "America/Chicago"},
			{ID: 2, CaseID: 7, Source: "office", Start: mar15, FirstStart: mar15, Zone: "America/Chicago"},
		}, "[1]"},
		"the other source moved": {[]Hearing{
			{ID: 1, CaseID: 7, Source: "config", Start: mar15, FirstStart: mar15, Zone: "America/Chicago"},
			{ID: 2, CaseID: 7, Source: "office", Start: mar29, FirstStart: mar15, Zone: "America/Chicago"},
		}, "[1]"},
		// The office listed March 29 after the config had moved its hearing there, then moved it on to April 5.
		"a chain of moves": {[]Hearing{
			{ID: 1, CaseID: 7, Source: "config", Start: mar29, FirstStart: mar15, Zone: "America/Chicago"},
			{ID: 2, CaseID: 7, Source: "office", Start: apr5, FirstStart: mar29, Zone: "America/Chicago"},
			{ID: 3, CaseID: 7, Source: "acis", Start: mar15, FirstStart: mar15, Zone: "America/Chicago"},
		}, "[1]"},
		"another hearing of the case": {[]Hearing{
			{ID: 1, CaseID: 7, Source: "config", Start: mar29, FirstStart: mar15, Zone: "America/Chicago"},
			{ID: 2, CaseID: 7, Source: "office", Start: apr5, FirstStart: apr5, Zone: "America/Chicago"},
		}, "[1 2]"},
		"another case": {[]Hearing{
			{ID: 1, CaseID: 7, Source: "config", Start: mar29, FirstStart: mar15, Zone: "America/Chicago"},
			{ID: 2, CaseID: 8, Source: "office", Start: mar15, FirstStart: mar15, Zone: "America/Chicago"},
		}, "[1 2]"},
	}
	for name, c := range cases {
		kept, _ := Prevailing(c.hs, []string{"config", "office", "acis"})
		var got []uint
		for _, h := range kept {
			got = append(got, h.ID)
		}
		if fmt.Sprint(got) != c.kept {
			t.Errorf("%s: kept %v, want %s", name, got, c.kept)
		}
	}
}
