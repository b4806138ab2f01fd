package docket

import (
	"fmt"
	"time"
)

// Prevailing keeps, of the hearings several sources report for one case on one court-local day, the one from the
// source listed first in precedence; it returns the kept hearings in their order and the ones set aside.
func Prevailing(hs []Hearing, precedence []string) (kept, aside []Hearing) {
	return PrevailingBy(hs, precedence, func(h Hearing) (string, uint, string, time.Time) {
		return h.Source, h.CaseID, h.Zone, h.Start
	})
}

// PrevailingBy is Prevailing for any shape of hearing (the store's rows among them); of reads a hearing's
// source, case, zone and start.
func PrevailingBy[H any](hs []H, precedence []string, of func(H) (source string, caseID uint, zone string, start time.Time)) (kept, aside []H) {
	rank := make(map[string]int, len(precedence))
	for i, s := range precedence {
		rank[s] = i
	}
	rankOf := func(h H) int {
		source, _, _, _ := of(h)
		if r, ok := rank[source]; ok {
			return r
		}
		return len(precedence)
	}
	day := func(h H) string {
		_, caseID, zone, start := of(h)
		return fmt.Sprint(caseID, "/", start.In(Zone(zone)).Format(time.DateOnly))
	}
	// A source may list two sessions of one case on one day; only a different source's report is set aside.
	best := map[string]int{}
	for _, h := range hs {
		k := day(h)
		if r, ok := best[k]; !ok || rankOf(h) < r {
			best[k] = rankOf(h)
		}
	}
	for _, h := range hs {
		if rankOf(h) == best[day(h)] {
			kept = append(kept, h)
		} else {
			aside = append(aside, h)
		}
	}
	return kept, aside
}
