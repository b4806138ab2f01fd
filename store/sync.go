package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrRefused is the vocabulary's: a refused pass wraps it.
var ErrRefused = docket.ErrRefused

// minRefusable is the number of changes below which the MaxChange share is not applied: in a source of five
// hearings one real reschedule is 20%, and refusing it would teach admins to always pass --force.
const minRefusable = 3

// Sync is one pass over one source, in one transaction: Apply batches of records, then Finish. Nothing is visible
// to readers until Finish commits, and a refused pass writes nothing.
type Sync struct {
	db     *DB
	tx     *gorm.DB
	opts   docket.SyncOptions
	result docket.SyncResult
	seen   map[uint]struct{}
	base   int64 // scheduled future hearings of the source at the start
	done   bool
	// Rejected records: the keys and A-numbers they named, and how many named neither.
	protectKeys, protectANumbers map[string]struct{}
	unmatched                    int
}

// BeginSync starts a pass.
func (db *DB) BeginSync(ctx context.Context, opts docket.SyncOptions) (docket.SyncPass, error) {
	if opts.Now.IsZero() {
		opts.Now = db.Now()
	}
	opts.Now = opts.Now.UTC()
	tx := db.gorm.WithContext(ctx).Begin()
	if tx.Error != nil {
		return nil, fmt.Errorf("begin sync: %w", tx.Error)
	}
	s := &Sync{db: db, tx: tx, opts: opts, seen: map[uint]struct{}{}}
	if err := tx.Model(&hearingRow{}).Where("source = ? AND status = ? AND start > ?", opts.Source, docket.StatusScheduled,
		opts.Now).Count(&s.base).Error; err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("begin sync: %w", err)
	}
	return s, nil
}

// Apply writes a batch of records: new hearings are created, changed ones updated with Sequence + 1 and a
// change-log entry, unchanged ones not written at all.
func (s *Sync) Apply(recs []docket.HearingRecord) error {
	if len(recs) == 0 {
		return nil
	}
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	var existing []hearingRow
	if err := s.tx.Where("source = ? AND source_key IN ?", s.opts.Source, keys).Find(&existing).Error; err != nil {
		return fmt.Errorf("sync %s: %w", s.opts.Source, err)
	}
	byKey := make(map[string]*hearingRow, len(existing))
	for i := range existing {
		byKey[existing[i].SourceKey] = &existing[i]
	}
	var fresh []docket.HearingRecord
	for _, r := range recs {
		if _, ok := byKey[r.Key]; !ok {
			fresh = append(fresh, r)
		}
	}
	caseIDs, err := s.ensureCases(fresh)
	if err != nil {
		return err
	}
	if err := s.contacts(recs); err != nil {
		return err
	}
	var creates []hearingRow
	for _, r := range recs {
		h, ok := byKey[r.Key]
		if !ok {
			nh := newHearing(caseIDs[caseKey(r)], s.opts, r)
			creates = append(creates, nh)
			byKey[r.Key] = &creates[len(creates)-1] // a key repeated within a batch updates the pending create
			continue
		}
		if h.ID == 0 {
			*h = newHearing(h.CaseID, s.opts, r)
			continue
		}
		s.seen[h.ID] = struct{}{}
		if err := s.update(h, r); err != nil {
			return err
		}
	}
	if len(creates) > 0 {
		if err := s.tx.CreateInBatches(creates, 500).Error; err != nil {
			return fmt.Errorf("sync %s: create: %w", s.opts.Source, err)
		}
		for _, h := range creates {
			s.seen[h.ID] = struct{}{}
		}
		s.result.Created += len(creates)
	}
	return s.checkShare()
}

// caseKey names the case of a record the way ensureCase finds it: by A-number first, EOIR case id second.
func caseKey(r docket.HearingRecord) string {
	switch {
	case r.ANumber != "":
		return "a:" + string(r.ANumber)
	case r.EOIRCaseID != "":
		return "e:" + r.EOIRCaseID
	}
	return ""
}

// ensureCases does what ensureCase does for every record of a batch in a few queries, keyed by caseKey: one query
// per record made the first import of a large dump take minutes.
func (s *Sync) ensureCases(recs []docket.HearingRecord) (map[string]uint, error) {
	want := map[string]docket.HearingRecord{}
	var order, aNumbers, eoirIDs []string
	for _, r := range recs {
		k := caseKey(r)
		if k == "" {
			return nil, fmt.Errorf("sync %s: record %s: a hearing needs an A-number or an EOIR case id",
				s.opts.Source, r.Key)
		}
		prev, ok := want[k]
		switch {
		case !ok && r.ANumber != "":
			aNumbers = append(aNumbers, string(r.ANumber))
		case !ok:
			eoirIDs = append(eoirIDs, r.EOIRCaseID)
		case r.CourtCode == "":
			r.CourtCode = prev.CourtCode // the last court named wins, as with one ensureCase per record
		}
		if !ok {
			order = append(order, k)
		}
		want[k] = r
	}
	ids := make(map[string]uint, len(want))
	resolve := func(column, prefix string, values []string) error {
		for chunk := range slices.Chunk(values, 500) {
			var found []caseRow
			if err := s.tx.Where(column+" IN ?", chunk).Find(&found).Error; err != nil {
				return fmt.Errorf("sync %s: cases: %w", s.opts.Source, err)
			}
			for _, c := range found {
				v := c.ANumber
				if prefix == "e:" {
					v = c.EOIRCaseID
				}
				if v == nil {
					continue
				}
				k := prefix + *v
				ids[k] = c.ID
				if court := want[k].CourtCode; court != "" && c.CourtCode != court {
					if err := s.tx.Model(&caseRow{}).Where("id = ?", c.ID).Update("court_code", court).Error; err != nil {
						return fmt.Errorf("sync %s: case court: %w", s.opts.Source, err)
					}
				}
			}
		}
		return nil
	}
	if err := resolve("a_number", "a:", aNumbers); err != nil {
		return nil, err
	}
	if err := resolve("eoir_case_id", "e:", eoirIDs); err != nil {
		return nil, err
	}
	var creates []caseRow
	var createKeys []string
	for _, k := range order {
		if _, ok := ids[k]; ok {
			continue
		}
		r := want[k]
		c := caseRow{CourtCode: r.CourtCode}
		if r.ANumber != "" {
			a := string(r.ANumber)
			c.ANumber = &a
		}
		if r.EOIRCaseID != "" {
			c.EOIRCaseID = &r.EOIRCaseID
		}
		creates = append(creates, c)
		createKeys = append(createKeys, k)
	}
	if len(creates) > 0 {
		if err := s.tx.CreateInBatches(creates, 500).Error; err != nil {
			return nil, fmt.Errorf("sync %s: create cases: %w", s.opts.Source, err)
		}
		for i, c := range creates {
			ids[createKeys[i]] = c.ID
		}
	}
	return ids, nil
}

func newHearing(caseID uint, opts docket.SyncOptions, r docket.HearingRecord) hearingRow {
	return hearingRow{CaseID: caseID, Source: opts.Source, SourceKey: r.Key, Start: r.Start.UTC(), Zone: r.Zone,
		CourtCode: r.CourtCode, LocationCode: r.LocationCode, Type: r.Type, TypeCode: r.TypeCode, Medium: r.Medium,
		MediumCode: r.MediumCode, Judge: r.Judge, WebEx: r.WebEx, Address: r.Address, Status: docket.StatusScheduled,
		FirstSeen: opts.Now, LastSeen: opts.Now, ChangedAt: opts.Now}
}

// diff lists the fields people see that differ between h and r.
func diff(h *hearingRow, r docket.HearingRecord) [][3]string {
	var d [][3]string
	add := func(field, from, to string) {
		if from != to {
			d = append(d, [3]string{field, from, to})
		}
	}
	if !h.Start.Equal(r.Start) {
		d = append(d, [3]string{"start", h.Start.UTC().Format(time.RFC3339), r.Start.UTC().Format(time.RFC3339)})
	}
	add("zone", h.Zone, r.Zone)
	add("court", h.CourtCode, r.CourtCode)
	add("location", h.LocationCode, r.LocationCode)
	add("type", string(h.Type), string(r.Type))
	add("medium", string(h.Medium), string(r.Medium))
	add("judge", h.Judge, r.Judge)
	add("webex", h.WebEx, r.WebEx)
	add("address", h.Address, r.Address)
	return d
}

func (s *Sync) update(h *hearingRow, r docket.HearingRecord) error {
	changes := diff(h, r)
	restored := h.MissingSince != nil
	reopened := h.Status == docket.StatusCancelled
	if len(changes) == 0 && !restored && !reopened {
		s.result.Unchanged++
		return nil
	}
	now := s.opts.Now
	updates := map[string]any{"missing_since": nil, "last_seen": now}
	if restored {
		s.result.Restored++
	}
	if len(changes) > 0 || reopened {
		if reopened {
			changes = append(changes, [3]string{"status", string(h.Status), string(docket.StatusScheduled)})
		}
		updates["start"] = r.Start.UTC()
		updates["zone"] = r.Zone
		updates["court_code"] = r.CourtCode
		updates["location_code"] = r.LocationCode
		updates["type"] = r.Type
		updates["type_code"] = r.TypeCode
		updates["medium"] = r.Medium
		updates["medium_code"] = r.MediumCode
		updates["judge"] = r.Judge
		updates["web_ex"] = r.WebEx
		updates["address"] = r.Address
		updates["status"] = docket.StatusScheduled
		updates["sequence"] = h.Sequence + 1
		updates["changed_at"] = now
		if !h.Start.Equal(r.Start) {
			s.result.Moved++
		}
		s.result.Changed++
		if err := s.log(h.ID, changes); err != nil {
			return err
		}
	} else {
		s.result.Unchanged++
	}
	if err := s.tx.Model(&hearingRow{}).Where("id = ?", h.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("sync %s: update hearing %d: %w", s.opts.Source, h.ID, err)
	}
	return nil
}

func (s *Sync) log(hearingID uint, changes [][3]string) error {
	entries := make([]changeRow, len(changes))
	for i, c := range changes {
		entries[i] = changeRow{HearingID: hearingID, Source: s.opts.Source, Field: c[0], From: c[1], To: c[2],
			At: s.opts.Now}
	}
	if err := s.tx.Create(&entries).Error; err != nil {
		return fmt.Errorf("sync %s: change log: %w", s.opts.Source, err)
	}
	return nil
}

// checkShare refuses the pass as soon as the moves (and, at Finish, the cancellations) exceed MaxChange.
func (s *Sync) checkShare(extra ...int) error {
	if s.opts.Force || s.opts.MaxChange <= 0 {
		return nil
	}
	n := s.result.Moved
	for _, e := range extra {
		n += e
	}
	limit := s.opts.MaxChange * float64(s.base)
	if n >= minRefusable && float64(n) > limit {
		return fmt.Errorf("%w: %s would cancel or move %d of its %d upcoming hearings (more than %s); "+
			"nothing was changed — check the source, or run again with --force if this is real",
			ErrRefused, s.opts.Source, n, s.base, strconv.FormatFloat(s.opts.MaxChange*100, 'f', -1, 64)+"%")
	}
	return nil
}

// Protect tells the pass that the source listed a record it could not read (a bad row, a failed lookup), so the
// hearings it may stand for are not taken as missing: the hearing with source key key, and every hearing of the
// source whose case has the A-number aNumber. A reject that names neither could be any hearing: it holds every
// cancellation of the pass (hearings are still marked missing, and a later pass that reads clean cancels them
// once their grace period is over). Only complete sources look at what Protect recorded.
func (s *Sync) Protect(key, aNumber string) {
	if key == "" && aNumber == "" {
		s.unmatched++
		return
	}
	if key != "" {
		if s.protectKeys == nil {
			s.protectKeys = map[string]struct{}{}
		}
		s.protectKeys[key] = struct{}{}
	}
	if aNumber != "" {
		if s.protectANumbers == nil {
			s.protectANumbers = map[string]struct{}{}
		}
		s.protectANumbers[aNumber] = struct{}{}
	}
}

// protected returns the ids of the source's hearings that Protect named.
func (s *Sync) protected() (map[uint]struct{}, error) {
	ids := map[uint]struct{}{}
	add := func(q *gorm.DB) error {
		var batch []uint
		if err := q.Pluck("id", &batch).Error; err != nil {
			return fmt.Errorf("sync %s: protected hearings: %w", s.opts.Source, err)
		}
		for _, id := range batch {
			ids[id] = struct{}{}
		}
		return nil
	}
	for chunk := range chunks(s.protectKeys, 500) {
		if err := add(s.tx.Model(&hearingRow{}).Where("source = ? AND source_key IN ?", s.opts.Source, chunk)); err != nil {
			return nil, err
		}
	}
	for chunk := range chunks(s.protectANumbers, 500) {
		cases := s.tx.Model(&caseRow{}).Select("id").Where("a_number IN ?", chunk)
		if err := add(s.tx.Model(&hearingRow{}).Where("source = ? AND case_id IN (?)", s.opts.Source, cases)); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// chunks yields the members of set in slices of at most n, to keep IN lists within every database's limits.
func chunks(set map[string]struct{}, n int) func(yield func([]string) bool) {
	return func(yield func([]string) bool) {
		chunk := make([]string, 0, min(n, len(set)))
		for k := range set {
			chunk = append(chunk, k)
			if len(chunk) == n {
				if !yield(chunk) {
					return
				}
				chunk = chunk[:0]
			}
		}
		if len(chunk) > 0 {
			yield(chunk)
		}
	}
}

// Finish handles hearings a complete source no longer lists, then commits. A hearing missing for less than the
// grace period is only marked; one missing that long is cancelled (with no grace period, on the pass that first
// misses it). A complete source that lists nothing while hearings exist is refused unless forced: an empty file
// never wipes a calendar.
func (s *Sync) Finish() (docket.SyncResult, error) {
	if s.done {
		return s.result, errors.New("sync already finished")
	}
	s.done = true
	if s.opts.Complete {
		if err := s.missing(); err != nil {
			s.tx.Rollback()
			return s.result, err
		}
	}
	if err := s.tx.Commit().Error; err != nil {
		return s.result, fmt.Errorf("sync %s: commit: %w", s.opts.Source, err)
	}
	return s.result, nil
}

// Abort rolls the pass back.
func (s *Sync) Abort() {
	if !s.done {
		s.done = true
		s.tx.Rollback()
	}
}

func (s *Sync) missing() error {
	now := s.opts.Now
	var batch, notSeen []hearingRow
	err := s.tx.Select("id", "missing_since", "sequence", "status").
		Where("source = ? AND status = ? AND start > ?", s.opts.Source, docket.StatusScheduled, now).
		FindInBatches(&batch, 1000, func(*gorm.DB, int) error {
			for _, h := range batch {
				if _, ok := s.seen[h.ID]; !ok {
					notSeen = append(notSeen, h)
				}
			}
			return nil
		}).Error
	if err != nil {
		return fmt.Errorf("sync %s: %w", s.opts.Source, err)
	}
	if len(notSeen) > 0 && (len(s.protectKeys) > 0 || len(s.protectANumbers) > 0) {
		protected, err := s.protected()
		if err != nil {
			return err
		}
		notSeen = slices.DeleteFunc(notSeen, func(h hearingRow) bool {
			_, ok := protected[h.ID]
			return ok
		})
	}
	if len(notSeen) == 0 {
		return nil
	}
	if len(s.seen) == 0 && !s.opts.Force {
		return fmt.Errorf("%w: %s listed no hearings but %d are upcoming; nothing was changed, since an empty "+
			"source never wipes a calendar (run with --force if they really are all gone)", ErrRefused,
			s.opts.Source, len(notSeen))
	}
	if err := s.checkShare(len(notSeen)); err != nil {
		return err
	}
	for _, h := range notSeen {
		// A hearing first found missing now has been missing for no time: with no grace period (the config's own
		// hearings) that is long enough, and it is cancelled on this pass.
		var missingFor time.Duration
		if h.MissingSince != nil {
			missingFor = now.Sub(*h.MissingSince)
		}
		if missingFor < s.opts.Grace || s.unmatched > 0 {
			if h.MissingSince == nil {
				if err := s.tx.Model(&hearingRow{}).Where("id = ?", h.ID).Update("missing_since", now).Error; err != nil {
					return err
				}
			}
			s.result.Missing++
			if missingFor >= s.opts.Grace {
				s.result.Held++
			}
			continue
		}
		updates := map[string]any{"status": docket.StatusCancelled, "sequence": h.Sequence + 1, "changed_at": now}
		if h.MissingSince == nil {
			updates["missing_since"] = now
		}
		if err := s.tx.Model(&hearingRow{}).Where("id = ?", h.ID).Updates(updates).Error; err != nil {
			return err
		}
		if err := s.log(h.ID, [][3]string{{"status", string(docket.StatusScheduled), string(docket.StatusCancelled)}}); err != nil {
			return err
		}
		s.result.Cancelled++
	}
	return nil
}

// RecordSyncRun stores the outcome of a pass.
func (db *DB) RecordSyncRun(ctx context.Context, run *docket.SyncRun) error {
	row := syncRunRow(*run)
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record sync run: %w", err)
	}
	run.ID = row.ID
	return nil
}

// LastSyncRuns returns the latest run of each source.
func (db *DB) LastSyncRuns(ctx context.Context) ([]docket.SyncRun, error) {
	var runs []syncRunRow
	err := db.gorm.WithContext(ctx).
		Where("id IN (?)", db.gorm.Model(&syncRunRow{}).Select("MAX(id)").Group("source")).
		Order("source").Find(&runs).Error
	return each(runs, syncRunOf), err
}

// contacts keeps the clients a source names: one client per source and A-number, updated when the source's details
// change, never one the config already defines.
func (s *Sync) contacts(recs []docket.HearingRecord) error {
	for _, r := range recs {
		c := r.Contact
		if c == nil || r.ANumber == "" || c.Name == "" {
			continue
		}
		var n int64
		if err := s.tx.Model(&clientRow{}).Where("a_number = ? AND origin = ? AND active = ?", r.ANumber, "config", true).
			Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		cl := clientRow{ID: s.opts.Source + ":" + string(r.ANumber), Name: c.Name, ANumber: r.ANumber, Phone: c.Phone,
			Email: c.Email, Language: c.Language, Active: true, Origin: s.opts.Source}
		if c.Attorney != "" {
			var a attorneyRow
			if err := s.tx.Where("active = ? AND (id = ? OR LOWER(name) = LOWER(?))", true, c.Attorney, c.Attorney).
				Take(&a).Error; err == nil {
				cl.AttorneyID = &a.ID
			}
		}
		err := s.tx.Omit(clause.Associations).Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "phone", "email", "language", "attorney_id", "active",
				"updated_at"}),
		}).Create(&cl).Error
		if err != nil {
			return fmt.Errorf("sync %s: client from records: %w", s.opts.Source, err)
		}
	}
	return nil
}
