package docket

import (
	"time"
)

// Prevailing keeps, of the hearings several sources report for one case, the ones from the source listed first in
// precedence; it returns the kept hearings in their order and the ones set aside.
//
// Each report of a case has two court-local days: the one it is on and the one it was first listed on (FirstStart).
// Two sources' reports of one case are taken to be one hearing when they share a day: a source that moves a hearing
// keeps it tied to the other source's report of the slot they both listed, or of the slot it was listed on when the
// other first listed it. The tie is transitive, so a hearing moved twice still meets the other source's report. A source may list two sessions of one case on one day; only a
// different source's report is set aside.
func Prevailing(hs []Hearing, precedence []string) (kept, aside []Hearing) {
	return PrevailingBy(hs, precedence, func(h Hearing) Slot {
		return Slot{Source: h.Source, CaseID: h.CaseID, Zone: h.Zone, Start: h.Start, FirstStart: h.FirstStart}
	})
}

// Slot is what Prevailing compares of a hearing.
type Slot struct {
	Source string
	CaseID uint
	Zone   string
	// Start is where the hearing is now, FirstStart where it was when its source first listed it (zero: Start).
	Start, FirstStart time.Time
}

// PrevailingBy is Prevailing for any shape of hearing (the store's rows among them); of reads a hearing's slot.
func PrevailingBy[H any](hs []H, precedence []string, of func(H) Slot) (kept, aside []H) {
	keep := PrevailingMask(len(hs), precedence, func(i int) Slot { return of(hs[i]) })
	for i, h := range hs {
		if keep[i] {
			kept = append(kept, h)
		} else {
			aside = append(aside, h)
		}
	}
	return kept, aside
}

// PrevailingMask is Prevailing over n hearings whose slots slot reads by index: it reports, for each, whether it
// is kept. It copies nothing of the hearings, for a caller that compares many (every hearing of a fortnight's cases).
func PrevailingMask(n int, precedence []string, slot func(i int) Slot) []bool {
	rank := make(map[string]int, len(precedence))
	for i, s := range precedence {
		rank[s] = i
	}
	rankOf := func(s Slot) int {
		if r, ok := rank[s.Source]; ok {
			return r
		}
		return len(precedence)
	}
	// Hearings are grouped with a union-find over their indexes: a day a hearing is on, or was first on, joins every
	// hearing of its case that is on that day or was first on it.
	parent := make([]int, n)
	var find func(i int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	type dayKey struct {
		caseID uint
		day    int // year, month and day on the court's clock, as yyyymmdd
	}
	dayOf := func(t time.Time, loc *time.Location) int {
		y, m, d := t.In(loc).Date()
		return y*10000 + int(m)*100 + d
	}
	firstOn := map[dayKey]int{}
	join := func(i int, k dayKey) {
		if j, ok := firstOn[k]; ok {
			parent[find(i)] = find(j)
		} else {
			firstOn[k] = i
		}
	}
	for i := range n {
		parent[i] = i
		s := slot(i)
		loc := Zone(s.Zone)
		first := s.FirstStart
		if first.IsZero() {
			first = s.Start
		}
		join(i, dayKey{s.CaseID, dayOf(s.Start, loc)})
		join(i, dayKey{s.CaseID, dayOf(first, loc)})
	}
	ranks := make([]int, n)
	best := make([]int, n) // by group (its root's index): the best rank of the group's sources
	for i := range best {
		best[i] = len(precedence) + 1
	}
	for i := range n {
		ranks[i] = rankOf(slot(i))
		g := find(i)
		best[g] = min(best[g], ranks[i])
	}
	keep := make([]bool, n)
	for i := range n {
		keep[i] = ranks[i] == best[find(i)]
	}
	return keep
}
