package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/docketd/docketd/docket"
)

// Hearings returns hearings by start, with their clients, counsel and court.
func (db *DB) Hearings(ctx context.Context, f docket.HearingFilter) ([]docket.Hearing, error) {
	q := db.gorm.WithContext(ctx).Model(&hearingRow{}).Preload("Case")
	if !f.From.IsZero() {
		q = q.Where("start >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("start < ?", f.To.UTC())
	}
	if f.Court != "" {
		q = q.Where("court_code = ? OR location_code = ?", f.Court, f.Court)
	}
	if len(f.Status) > 0 {
		q = q.Where("status IN ?", f.Status)
	}
	if len(f.IDs) > 0 {
		q = q.Where("id IN ?", f.IDs)
	}
	if f.ClientID != "" || f.Attorney != "" {
		sub := db.gorm.Model(&clientRow{}).Select("a_number").Where("active = ?", true)
		if f.ClientID != "" {
			sub = sub.Where("id = ?", f.ClientID)
		}
		if f.Attorney != "" {
			sub = sub.Where("attorney_id = ?", f.Attorney)
		}
		q = q.Where("case_id IN (?)", db.gorm.Model(&caseRow{}).Select("id").Where("a_number IN (?)", sub))
	}
	if f.WithPeople {
		// Asked of each hearing the start index gives (pages are ranges of start), through the case's key and the
		// clients' a_number index: an IN list of every case with a client was built again for each page, which for
		// a year of court days cost more than the pages themselves.
		q = q.Where("EXISTS (SELECT 1 FROM cases JOIN clients ON clients.a_number = cases.a_number "+
			"WHERE cases.id = hearings.case_id AND clients.active = ? AND clients.a_number <> '')", true)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	if f.Offset > 0 {
		q = q.Offset(f.Offset)
	}
	var hs []hearingRow
	if err := q.Order("start, id").Find(&hs).Error; err != nil {
		return nil, fmt.Errorf("hearings: %w", err)
	}
	if len(f.Precedence) == 0 {
		return db.views(ctx, hs)
	}
	keep, err := db.prevailing(ctx, hs, f.Precedence)
	if err != nil {
		return nil, fmt.Errorf("hearings: %w", err)
	}
	if !f.MarkSetAside {
		kept := hs[:0]
		for i, h := range hs {
			if keep[i] {
				kept = append(kept, h)
			}
		}
		return db.views(ctx, kept)
	}
	vs, err := db.views(ctx, hs)
	for i := range vs {
		vs[i].SetAside = !keep[i]
	}
	return vs, err
}

// prevailing tells which hearings of hs docket.Prevailing keeps when it sees every hearing of their cases: the
// filter may have read only one of two reports of a hearing (a planning page is one court day, and a hearing one
// source moved is on another day than the other source's report of it).
//
// Prevailing compares only hearings of one case, so the cases are taken prevailingCases at a time: the other
// hearings of a chunk's cases are read as slots, compared, and let go before the next chunk. A call list reads two
// weeks of hearings, and with them every hearing of their cases; read at once, those slots were most of the daemon's
// live memory at start.
func (db *DB) prevailing(ctx context.Context, hs []hearingRow, precedence []string) ([]bool, error) {
	pos := make(map[uint]int, len(hs)) // hearing id → index in hs
	byCase := map[uint][]int{}         // case id → indexes in hs
	for i, h := range hs {
		pos[h.ID] = i
		byCase[h.CaseID] = append(byCase[h.CaseID], i)
	}
	ids := make([]uint, 0, len(byCase))
	for id := range byCase {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	keep := make([]bool, len(hs))
	var all, others []slotRow
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), prevailingCases)]
		ids = ids[len(chunk):]
		all = all[:0]
		for _, c := range chunk {
			for _, i := range byCase[c] {
				h := &hs[i]
				all = append(all, slotRow{ID: h.ID, CaseID: h.CaseID, Source: h.Source, Zone: h.Zone, Start: h.Start,
					FirstStart: h.FirstStart})
			}
		}
		mine := len(all) // the chunk's hearings of hs come first in all
		if err := db.gorm.WithContext(ctx).Model(&hearingRow{}).Select("id", "case_id", "source", "zone", "start", "first_start").
			Where("case_id IN ?", chunk).Find(&others).Error; err != nil {
			return nil, err
		}
		for _, o := range others {
			if _, ok := pos[o.ID]; !ok {
				all = append(all, o)
			}
		}
		others = others[:0]
		mask := docket.PrevailingMask(len(all), precedence, func(i int) docket.Slot {
			h := &all[i]
			return docket.Slot{Source: h.Source, CaseID: h.CaseID, Zone: h.Zone, Start: h.Start, FirstStart: h.FirstStart}
		})
		for i := range mine {
			keep[pos[all[i].ID]] = mask[i]
		}
	}
	return keep, nil
}

// prevailingCases is how many cases prevailing compares at once.
const prevailingCases = 200

// slotRow is the part of a hearing row that docket.PrevailingMask compares.
type slotRow struct {
	ID         uint
	CaseID     uint
	Source     string
	Zone       string
	Start      time.Time
	FirstStart time.Time
}

// Hearing returns one hearing with its people and court.
func (db *DB) Hearing(ctx context.Context, id uint) (docket.Hearing, error) {
	var h hearingRow
	if err := db.gorm.WithContext(ctx).Preload("Case").First(&h, id).Error; err != nil {
		return docket.Hearing{}, notFound(err)
	}
	vs, err := db.views(ctx, []hearingRow{h})
	if err != nil {
		return docket.Hearing{}, err
	}
	return vs[0], nil
}

// HearingsByID returns the hearings of ids that exist, as Hearing does, with five queries for up to 500 ids: the
// dispatcher loads a claimed batch's hearings at once instead of one by one. A deleted hearing is left out.
func (db *DB) HearingsByID(ctx context.Context, ids []uint) ([]docket.Hearing, error) {
	var out []docket.Hearing
	for i := 0; i < len(ids); i += 500 {
		var hs []hearingRow
		if err := db.gorm.WithContext(ctx).Preload("Case").Where("id IN ?", ids[i:min(i+500, len(ids))]).
			Order("id").Find(&hs).Error; err != nil {
			return nil, fmt.Errorf("hearings by id: %w", err)
		}
		vs, err := db.views(ctx, hs)
		if err != nil {
			return nil, fmt.Errorf("hearings by id: %w", err)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// views attaches clients, attorneys and courts to hearings with three queries, whatever the number of hearings.
func (db *DB) views(ctx context.Context, hs []hearingRow) ([]docket.Hearing, error) {
	anums := map[string]bool{}
	codes := map[string]bool{}
	for _, h := range hs {
		if h.Case != nil && h.Case.ANumber != nil {
			anums[*h.Case.ANumber] = true
		}
		codes[h.CourtCode] = true
		if h.LocationCode != "" {
			codes[h.LocationCode] = true // a location that is a court: its custody counts (detainedAt)
		}
	}
	g := db.gorm.WithContext(ctx)
	var clients []clientRow
	if len(anums) > 0 {
		if err := g.Where("active = ? AND a_number IN ?", true, keys(anums)).Order("id").Find(&clients).Error; err != nil {
			return nil, err
		}
	}
	attIDs := map[string]bool{}
	byANum := map[docket.ANumber][]clientRow{}
	for _, c := range clients {
		byANum[c.ANumber] = append(byANum[c.ANumber], c)
		if c.AttorneyID != nil {
			attIDs[*c.AttorneyID] = true
		}
	}
	atts := map[string]attorneyRow{}
	if len(attIDs) > 0 {
		var as []attorneyRow
		if err := g.Where("id IN ?", keys(attIDs)).Find(&as).Error; err != nil {
			return nil, err
		}
		for _, a := range as {
			atts[a.ID] = a
		}
	}
	courts := map[string]courtRow{}
	if len(codes) > 0 {
		var cs []courtRow
		if err := g.Where("code IN ?", keys(codes)).Find(&cs).Error; err != nil {
			return nil, err
		}
		for _, c := range cs {
			courts[c.Code] = c
		}
	}
	out := make([]docket.Hearing, len(hs))
	for i, h := range hs {
		v := hearingOf(h)
		v.Court = courtOf(courts[h.CourtCode])
		v.Detained = h.Detained || detainedAt(v.Court, courtOf(courts[h.LocationCode]), h.LocationCode)
		if v.ANumber != "" {
			v.Clients = each(byANum[v.ANumber], clientOf)
			seen := map[string]bool{}
			for _, c := range v.Clients {
				if c.AttorneyID != nil && !seen[*c.AttorneyID] {
					seen[*c.AttorneyID] = true
					if a, ok := atts[*c.AttorneyID]; ok {
						v.Attorneys = append(v.Attorneys, attorneyOf(a))
					}
				}
			}
		}
		out[i] = v
	}
	return out, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HearingChanges returns the change log of a hearing, oldest first.
func (db *DB) HearingChanges(ctx context.Context, hearingID uint) ([]docket.HearingChange, error) {
	var cs []changeRow
	err := db.gorm.WithContext(ctx).Where("hearing_id = ?", hearingID).Order("id").Find(&cs).Error
	return each(cs, changeOf), err
}

// Counts returns the summary at now.
func (db *DB) Counts(ctx context.Context, now time.Time) (docket.Counts, error) {
	c := docket.Counts{Hearings: map[string]int64{}, Outbox: map[string]int64{}}
	g := db.gorm.WithContext(ctx)
	type row struct {
		Key string
		N   int64
	}
	var rows []row
	if err := g.Model(&hearingRow{}).Select("status AS key, COUNT(*) AS n").Where("start >= ?", now.UTC()).
		Group("status").Scan(&rows).Error; err != nil {
		return c, err
	}
	for _, r := range rows {
		c.Hearings[r.Key] = r.N
	}
	rows = nil
	if err := g.Model(&outboxRow{}).Select("state AS key, COUNT(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		return c, err
	}
	for _, r := range rows {
		c.Outbox[r.Key] = r.N
	}
	if err := g.Model(&optOutRow{}).Count(&c.OptOuts).Error; err != nil {
		return c, err
	}
	var err error
	if c.Inbox, err = inboxCounts(g); err != nil {
		return c, err
	}
	if err := g.Model(&clientRow{}).Where("active = ?", true).Count(&c.Clients).Error; err != nil {
		return c, err
	}
	return c, callListCounts(g, now, &c)
}
