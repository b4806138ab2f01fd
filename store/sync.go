package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ErrRefused is the vocabulary's: a refused pass wraps it.
var ErrRefused = docket.ErrRefused

// maxHoldDetail bounds the held changes a hold lists with their hearings and clients (the counts stay exact): a
// broken dump that moves a hundred thousand hearings needs a person to look, not a list of them all.
const maxHoldDetail = 200

// Sync tuning, each value with its reason.
const (
	// pieceSize is how many records the first write transaction applies. On SQLite a write transaction holds the
	// database's only write lock, which the dispatcher, the planner and the webhooks wait for (busy_timeout), so a
	// piece must stay short: 250 new hearings, their cases and clients take some milliseconds to some tens.
	pieceSize = 250
	// pieceTarget is how long a piece should hold the database at most. A piece over the target halves the size of
	// the next ones (down to minPiece), and a piece well under it doubles them (up to maxPiece), so the hold stays
	// near the target whatever the machine's speed. Every piece is a commit and, on SQLite, a pieceGap: pieces of
	// 250 that held the lock 10 ms spent a fifth of an import's time between pieces.
	pieceTarget = 100 * time.Millisecond
	minPiece    = 10
	maxPiece    = 2000
	// planChunk is how many staged records the read-only planning phase compares with the store at once.
	planChunk = 1000
	// pieceGap is how long the pass leaves SQLite's write lock free between two pieces. SQLite keeps no queue for
	// its lock: a writer waiting on busy_timeout retries every millisecond or two, and a pass that took the lock
	// back at once could keep it from ever finding it free. 5 ms is a few of its retries; over a 300,000-row
	// import it adds six seconds in pieces of 250 (1,200 pieces), under one in pieces of 2,000.
	pieceGap = 5 * time.Millisecond
)

// Sync is one pass over one source. Apply stages the records (outside the store's database: nothing is locked
// and nothing written); Finish then
//
//  1. plans, reading only: compares every staged record with the store and lists the hearings a complete source
//     no longer lists;
//  2. decides (verdict, the one place the mass-change guard and the empty-source rule are applied), so a refused
//     pass writes nothing;
//  3. writes in pieces of pieceSize records, each its own short transaction: a hearing's row, its sequence bump,
//     its change-log entry, its case and its client always commit together, so a reader (the planner, the
//     dispatcher, a feed) sees each hearing either as it was or as it is now, never a moved hearing without its
//     change;
//  4. only after every record is written, marks and cancels the hearings the source no longer lists, in pieces too.
//
// A pass stopped part-way (an error, a kill) leaves the pieces it committed; every write is keyed by source key and
// compares with what is stored, so the next pass applies what is left and nothing twice.
type Sync struct {
	db     *DB
	ctx    context.Context
	opts   docket.SyncOptions
	stage  *stage
	result docket.SyncResult // what committed pieces did
	slots  int64             // slots (court, start, judge) of the source's scheduled future hearings at the start
	done   bool
	// Rejected records: the keys and A-numbers they named, and how many named neither.
	protectKeys, protectANumbers map[string]struct{}
	unmatched                    int
	// unlisted are the keys the source answered for with no hearing (Unlisted).
	unlisted map[string]struct{}
	// pieces counts the committed write transactions; longest is the longest any of them held the database;
	// size is how many records the next one applies (pieceTarget).
	pieces  int
	longest time.Duration
	size    int
	// stopAfter, when set (tests), makes the pass stop after that many committed pieces, the way a kill would.
	stopAfter int
	// beforePiece, when set (tests), runs before each piece's transaction: another writer's turn.
	beforePiece func()
}

// errStopped is the error of a pass stopped by stopAfter.
var errStopped = errors.New("pass stopped")

// errRaced ends a piece written as new whose records were, after all, stored by the time it was written (another
// pass of the same source, from another process): it is rolled back and written again, compared with the store.
var errRaced = errors.New("records stored since the pass was planned")

// BeginSync starts a pass.
func (db *DB) BeginSync(ctx context.Context, opts docket.SyncOptions) (docket.SyncPass, error) {
	if opts.Now.IsZero() {
		opts.Now = db.Now()
	}
	opts.Now = opts.Now.UTC()
	s := &Sync{db: db, ctx: ctx, opts: opts, stage: newStage(db.stageDir)}
	g := db.gorm.WithContext(ctx)
	upcoming := g.Model(&hearingRow{}).Distinct("court_code", "start", "judge").
		Where("source = ? AND status = ? AND start > ?", opts.Source, docket.StatusScheduled, opts.Now)
	if err := g.Table("(?) AS slots", upcoming).Count(&s.slots).Error; err != nil {
		return nil, fmt.Errorf("begin sync: %w", err)
	}
	return s, nil
}

// Writes reports how many write transactions the pass committed and the longest time one of them held the
// database (on SQLite, its write lock).
func (s *Sync) Writes() (pieces int, longest time.Duration) { return s.pieces, s.longest }

// Apply stages a batch of records. Nothing is written to the store before Finish; a key listed twice keeps its
// last record.
func (s *Sync) Apply(recs []docket.HearingRecord) error {
	if s.done {
		return errors.New("sync already finished")
	}
	for _, r := range recs {
		if caseKey(r) == "" {
			return fmt.Errorf("sync %s: record %s: a hearing needs an A-number or an EOIR case id", s.opts.Source, r.Key)
		}
	}
	if err := s.stage.put(s.ctx, recs); err != nil {
		return fmt.Errorf("sync %s: %w", s.opts.Source, err)
	}
	return nil
}

// plan is what a pass would do, worked out before anything is written.
type plan struct {
	listed  int                    // distinct records of the source
	moves   map[slotMove][]heldRef // stored hearings whose start the source changes, by old and new slot
	seen    map[uint]struct{}      // stored hearings the source lists
	notSeen []hearingRow           // scheduled upcoming hearings a complete source no longer lists, or the source
	// answered for with no hearing (Unlisted), less the protected
	// held, once verdict holds the pass: the keys of the moved records, which are not written.
	held map[string]struct{}
	// found is what the plan found of each record, in the records' staged order (the write phase reads them in the
	// same order): a piece of records none of which was stored is inserted without being looked up again, and a
	// record that would write nothing is not written, nor read again.
	found []found
}

// found is what a pass's plan found of one record.
type found uint8

const (
	foundNone    found = iota // no hearing of the record's key was stored
	foundStored               // stored, and the record changes it (or names a client)
	foundNothing              // stored as the record lists it, not missing, no client named: writing it would do nothing
)

// foundFor is what the plan finds of record r with h, its stored hearing (nil: none). It is update's rule for writing
// nothing (no field changed, nothing to restore), with no contact to apply.
func foundFor(h *hearingRow, r docket.HearingRecord) found {
	switch {
	case h == nil:
		return foundNone
	case r.Contact == nil && h.MissingSince == nil && len(diff(h, r)) == 0:
		return foundNothing
	default:
		return foundStored
	}
}

// slot is where hearings are heard together: one court, one start, one judge.
type slot struct {
	court, judge string
	start        int64 // Unix seconds: a time.Time compares its location too
}

// slotMove is one change of a slot: from one slot to another, or cancelled (to is the zero slot).
type slotMove struct{ from, to slot }

// heldRef is a hearing in a change of a slot, with what the hold's message needs.
type heldRef struct {
	key          string
	caseID       uint
	zone, toZone string
}

func slotOf(court, judge string, start time.Time) slot { return slot{court, judge, start.Unix()} }

// move notes that the source moves stored hearing h to r's start.
func (p *plan) move(h *hearingRow, r docket.HearingRecord) {
	m := slotMove{slotOf(h.CourtCode, h.Judge, h.Start), slotOf(r.CourtCode, r.Judge, r.Start)}
	p.moves[m] = append(p.moves[m], heldRef{key: r.Key, caseID: h.CaseID, zone: h.Zone, toZone: r.Zone})
}

// plan compares the staged records with the store, reading only.
func (s *Sync) plan() (*plan, error) {
	p := &plan{listed: s.stage.len(), seen: map[uint]struct{}{}, moves: map[slotMove][]heldRef{}}
	q := s.db.gorm.WithContext(s.ctx)
	p.found = make([]found, 0, p.listed)
	// The whole rows are read, once: what a move and the guard compare, and whether the record would write
	// anything. A record that would is read again inside the piece that writes it.
	// A source with no hearing stored (its first import) has none to look up: every record is new, as each
	// look-up would say. A hearing another pass stores meanwhile is found by the writes, as after any plan
	// (errRaced).
	var some []uint
	if err := q.Model(&hearingRow{}).Where("source = ?", s.opts.Source).Limit(1).Pluck("id", &some).Error; err != nil {
		return nil, fmt.Errorf("sync %s: %w", s.opts.Source, err)
	}
	err := s.stage.each(s.ctx, planChunk, func(recs []docket.HearingRecord) error {
		byKey := map[string]*hearingRow{}
		if len(some) > 0 {
			var err error
			if byKey, err = s.existing(q, recs); err != nil {
				return err
			}
		}
		for _, r := range recs {
			h, ok := byKey[r.Key]
			p.found = append(p.found, foundFor(h, r))
			if ok {
				p.seen[h.ID] = struct{}{}
				if !h.Start.Equal(r.Start) && !timeBecameKnown(h, r) {
					p.move(h, r)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !s.opts.Complete && len(s.unlisted) == 0 {
		return p, nil
	}
	scan := func(q *gorm.DB) error {
		var batch []hearingRow
		err := q.Select("id", "missing_since", "sequence", "status", "source_key", "case_id", "court_code", "start",
			"judge", "zone").
			Where("source = ? AND status = ? AND start > ?", s.opts.Source, docket.StatusScheduled, s.opts.Now).
			FindInBatches(&batch, 1000, func(*gorm.DB, int) error {
				for _, h := range batch {
					if _, ok := p.seen[h.ID]; !ok {
						p.notSeen = append(p.notSeen, h)
					}
				}
				return nil
			}).Error
		if err != nil {
			return fmt.Errorf("sync %s: %w", s.opts.Source, err)
		}
		return nil
	}
	if s.opts.Complete {
		// Every hearing the source does not list, the unlisted ones among them.
		if err := scan(q); err != nil {
			return nil, err
		}
	} else {
		for chunk := range chunks(s.unlisted, 500) {
			if err := scan(q.Where("source_key IN ?", chunk)); err != nil {
				return nil, err
			}
		}
	}
	if len(p.notSeen) > 0 && (len(s.protectKeys) > 0 || len(s.protectANumbers) > 0) {
		protected, err := s.protected(q)
		if err != nil {
			return nil, err
		}
		p.notSeen = slices.DeleteFunc(p.notSeen, func(h hearingRow) bool {
			_, ok := protected[h.ID]
			return ok
		})
	}
	return p, nil
}

// existing returns the stored hearings of the source that recs name, by source key.
func (s *Sync) existing(q *gorm.DB, recs []docket.HearingRecord) (map[string]*hearingRow, error) {
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = r.Key
	}
	byKey := make(map[string]*hearingRow, len(recs))
	for chunk := range slices.Chunk(keys, 500) {
		var found []hearingRow
		if err := q.Where("source = ? AND source_key IN ?", s.opts.Source, chunk).Find(&found).Error; err != nil {
			return nil, fmt.Errorf("sync %s: %w", s.opts.Source, err)
		}
		for i := range found {
			byKey[found[i].SourceKey] = &found[i]
		}
	}
	return byKey, nil
}

// verdict decides what the pass may write, from its plan: the one place where the empty-source rule and the
// mass-change guard (MaxChange, MaxChangeMin) are applied. It runs before the first write, so a refused pass
// changes nothing. A forced pass is never refused nor held.
//
// The guard counts changes of a slot, not hearings: the hearings of one court, start and judge that move together
// to one new slot (a family in consolidated proceedings, a judge's calendar reset) are one change, and so are the
// hearings of one slot a complete source no longer lists. Fewer than MaxChangeMin changes never trip it. When it
// trips, the pass is held, not refused: the moves and cancellations are kept as they are (returned as the hold)
// and everything else (new hearings, changes of fields other than the start) is written.
func (s *Sync) verdict(p *plan) (*docket.SyncHold, error) {
	if s.opts.Force {
		return nil, nil //nolint:nilnil // no hold: a forced pass applies everything
	}
	// gone are the hearings the pass would mark missing or cancel that no answer of the source was about: an
	// answer listing no hearing (Unlisted) is an answer, not an empty source.
	var gone int
	for _, h := range p.notSeen {
		if _, ok := s.unlisted[h.SourceKey]; !ok {
			gone++
		}
	}
	if gone > 0 && p.listed == 0 {
		return nil, fmt.Errorf("%w: %s listed no hearings but %d are upcoming; nothing was changed, since an empty "+
			"source never wipes a calendar (run with --force if they really are all gone)", ErrRefused,
			s.opts.Source, gone)
	}
	if s.opts.MaxChange <= 0 {
		return nil, nil //nolint:nilnil // no hold: the guard is off for this source
	}
	changes := maps.Clone(p.moves)
	for _, h := range p.notSeen {
		m := slotMove{from: slotOf(h.CourtCode, h.Judge, h.Start)}
		changes[m] = append(changes[m], heldRef{key: h.SourceKey, caseID: h.CaseID, zone: h.Zone})
	}
	floor := s.opts.MaxChangeMin
	if floor <= 0 {
		floor = docket.DefaultMaxChangeMin
	}
	n := len(changes)
	if n < floor || float64(n) <= s.opts.MaxChange*float64(s.slots) {
		return nil, nil //nolint:nilnil // no hold: within the guard
	}
	p.held = map[string]struct{}{}
	for _, refs := range p.moves {
		for _, r := range refs {
			p.held[r.key] = struct{}{}
		}
	}
	p.notSeen = nil
	return s.hold(changes)
}

// hold describes the held changes: each with its hearings and their clients (the first maxHoldDetail changes, in
// order of slot), and a digest of them all.
func (s *Sync) hold(changes map[slotMove][]heldRef) (*docket.SyncHold, error) {
	order := slices.SortedFunc(maps.Keys(changes), func(a, b slotMove) int {
		return cmp.Or(cmp.Compare(a.from.start, b.from.start), cmp.Compare(a.from.court, b.from.court),
			cmp.Compare(a.from.judge, b.from.judge), cmp.Compare(a.to.start, b.to.start),
			cmp.Compare(a.to.court, b.to.court), cmp.Compare(a.to.judge, b.to.judge))
	})
	h := &docket.SyncHold{Source: s.opts.Source, Changes: len(order), Slots: int(s.slots), Share: s.opts.MaxChange}
	sum := sha256.New()
	var caseIDs []uint
	for i, m := range order {
		refs := changes[m]
		slices.SortFunc(refs, func(a, b heldRef) int { return cmp.Compare(a.key, b.key) })
		h.Hearings += len(refs)
		fmt.Fprintf(sum, "%s|%s|%d>%s|%s|%d:", m.from.court, m.from.judge, m.from.start, m.to.court, m.to.judge,
			m.to.start)
		for _, r := range refs {
			fmt.Fprintf(sum, "%q,", r.key)
			if i < maxHoldDetail {
				caseIDs = append(caseIDs, r.caseID)
			}
		}
		sum.Write([]byte{'\n'})
	}
	h.Digest = hex.EncodeToString(sum.Sum(nil)[:16])
	cases, err := s.heldCases(caseIDs)
	if err != nil {
		return nil, err
	}
	for _, m := range order[:min(len(order), maxHoldDetail)] {
		refs := changes[m]
		c := docket.SlotChange{Court: m.from.court, Judge: m.from.judge, Zone: refs[0].zone,
			From: time.Unix(m.from.start, 0).UTC()}
		if m.to != (slot{}) {
			c.To, c.ToCourt, c.ToJudge, c.ToZone = time.Unix(m.to.start, 0).UTC(), m.to.court, m.to.judge, refs[0].toZone
		}
		for _, r := range refs {
			hh := cases[r.caseID]
			hh.Key = r.key
			c.Hearings = append(c.Hearings, hh)
		}
		h.Detail = append(h.Detail, c)
	}
	return h, nil
}

// heldCases returns, by case id, the A-number or EOIR case id of each case and the names of its active clients.
func (s *Sync) heldCases(ids []uint) (map[uint]docket.HeldHearing, error) {
	out := map[uint]docket.HeldHearing{}
	q := s.db.gorm.WithContext(s.ctx)
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), 500) {
		var cases []caseRow
		if err := q.Where("id IN ?", chunk).Find(&cases).Error; err != nil {
			return nil, fmt.Errorf("sync %s: held cases: %w", s.opts.Source, err)
		}
		var aNumbers []string
		for _, c := range cases {
			var hh docket.HeldHearing
			if c.ANumber != nil {
				hh.ANumber = docket.ANumber(*c.ANumber)
				aNumbers = append(aNumbers, *c.ANumber)
			}
			if c.EOIRCaseID != nil {
				hh.EOIRCaseID = *c.EOIRCaseID
			}
			out[c.ID] = hh
		}
		if len(aNumbers) == 0 {
			continue
		}
		var clients []clientRow
		if err := q.Select("name", "a_number").Where("active = ? AND a_number IN ?", true, aNumbers).
			Order("name").Find(&clients).Error; err != nil {
			return nil, fmt.Errorf("sync %s: held clients: %w", s.opts.Source, err)
		}
		names := map[docket.ANumber][]string{}
		for _, c := range clients {
			if !slices.Contains(names[c.ANumber], c.Name) {
				names[c.ANumber] = append(names[c.ANumber], c.Name)
			}
		}
		for id, hh := range out {
			if hh.ANumber != "" && hh.Clients == nil {
				hh.Clients = names[hh.ANumber]
				out[id] = hh
			}
		}
	}
	return out, nil
}

// piece is one short write transaction of a pass, and what it did.
type piece struct {
	*Sync
	tx  *gorm.DB
	res docket.SyncResult
}

// write runs fn, a piece of n records, in one transaction; what it did counts once it committed.
func (s *Sync) write(n int, fn func(*piece) error) error {
	if s.stopAfter > 0 && s.pieces >= s.stopAfter {
		return errStopped
	}
	if s.pieces > 0 && s.db.dialect == "sqlite" {
		t := time.NewTimer(pieceGap)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return s.ctx.Err()
		}
	}
	if s.beforePiece != nil {
		s.beforePiece()
	}
	p := &piece{Sync: s}
	var took time.Time
	err := s.db.tx(s.ctx, func(tx *gorm.DB) error {
		took = time.Now() // the transaction began: on SQLite (BEGIN IMMEDIATE) the write lock is held from here
		p.tx = tx
		return fn(p)
	})
	if err != nil {
		return err
	}
	held := time.Since(took)
	s.longest = max(s.longest, held)
	s.pieces++
	switch {
	case held > pieceTarget:
		s.size = max(s.size/2, minPiece)
	case held < pieceTarget/4 && n >= s.size:
		// Only a full piece says the size can grow: a few changed records of a re-sync, quick to write, say
		// nothing of how long a full piece of new hearings would hold the lock.
		s.size = min(s.size*2, maxPiece)
	}
	r := &s.result
	r.Created += p.res.Created
	r.Changed += p.res.Changed
	r.Moved += p.res.Moved
	r.Cancelled += p.res.Cancelled
	r.Unchanged += p.res.Unchanged
	r.Missing += p.res.Missing
	r.Restored += p.res.Restored
	r.Held += p.res.Held
	return nil
}

// apply writes one piece of records: new hearings are created, changed ones updated with Sequence + 1 and a
// change-log entry, unchanged ones not written at all. It compares with the rows as they are inside its own
// transaction, so a piece a stopped pass already committed is found unchanged.
//
// A piece of records none of which was stored when the pass was planned (fresh) is not looked up again: its
// hearings are inserted with the source's unique key left to refuse any stored since, and if one was, the piece
// ends with errRaced, writing nothing, to be applied again the other way. The look-up of 500 keys that finds
// nothing was a sixth of a first import's time on PostgreSQL.
func (p *piece) apply(recs []docket.HearingRecord, fresh bool) error {
	var byKey map[string]*hearingRow
	if !fresh {
		var err error
		if byKey, err = p.existing(p.tx, recs); err != nil {
			return err
		}
	}
	var added []docket.HearingRecord
	for _, r := range recs {
		if _, ok := byKey[r.Key]; !ok {
			added = append(added, r)
		}
	}
	caseIDs, err := p.ensureCases(added)
	if err != nil {
		return err
	}
	if err := p.contacts(recs); err != nil {
		return err
	}
	var creates []hearingRow
	for _, r := range recs {
		h, ok := byKey[r.Key]
		if !ok {
			creates = append(creates, newHearing(caseIDs[caseKey(r)], p.opts, r))
			continue
		}
		if err := p.update(h, r); err != nil {
			return err
		}
	}
	if len(creates) > 0 {
		n, err := p.db.insertHearings(p.tx, creates, fresh)
		if err != nil {
			return fmt.Errorf("sync %s: create: %w", p.opts.Source, err)
		}
		if fresh && n != int64(len(creates)) {
			return errRaced
		}
		p.res.Created += len(creates)
	}
	return nil
}

// hearingColumns are the hearings' columns a sync's insert writes: all but the id.
var hearingColumns = []string{"case_id", "source", "source_key", "start", "zone", "first_start", "time_unknown",
	"court_code", "location_code", "type", "type_code", "medium", "medium_code", "judge", "web_ex", "address",
	"filing_deadline", "detained", "status", "sequence", "first_seen", "last_seen", "missing_since", "changed_at",
	"created_at", "updated_at"}

// hearingValues are the values of hearingColumns for h, times in UTC; a zero created or updated time is now, as
// gorm's insert sets them.
func hearingValues(h hearingRow, now time.Time) []any {
	created, updated := stamps(h.CreatedAt, now), stamps(h.UpdatedAt, now)
	return []any{int64(h.CaseID), h.Source, h.SourceKey, h.Start.UTC(), h.Zone, h.FirstStart.UTC(), h.TimeUnknown,
		h.CourtCode, h.LocationCode, string(h.Type), h.TypeCode, string(h.Medium), h.MediumCode, h.Judge, h.WebEx,
		h.Address, h.FilingDeadline, h.Detained, string(h.Status), int64(h.Sequence), h.FirstSeen.UTC(),
		h.LastSeen.UTC(), utcPtr(h.MissingSince), h.ChangedAt.UTC(), created, updated}
}

// hearingInsert writes a sync's new hearings on SQLite, and freshInsert those of a piece found all new, leaving out
// one whose source key another pass stored meanwhile.
var (
	hearingInsert = inserter{table: "hearings", columns: hearingColumns}
	freshInsert   = inserter{table: "hearings", columns: hearingColumns, tail: hearingConflict}
)

// hearingConflict leaves out a new hearing whose source key another pass stored (a fresh piece's insert).
const hearingConflict = "ON CONFLICT (source, source_key) DO NOTHING"

// insertHearings inserts new hearings and returns how many it inserted; with fresh, one whose source key is stored
// is left out (and not counted), else it fails the insert. SQLite writes them through an inserter's kept
// statements, PostgreSQL as one array a column.
func (db *DB) insertHearings(tx *gorm.DB, hs []hearingRow, fresh bool) (int64, error) {
	now := db.now()
	values := make([][]any, len(hs))
	for i, h := range hs {
		values[i] = hearingValues(h, now)
	}
	tail := ""
	if fresh {
		tail = hearingConflict
	}
	if db.dialect == "postgres" {
		return unnestInsert(tx, "hearings", hearingColumns, values, tail)
	}
	if fresh {
		return freshInsert.insert(tx, values)
	}
	return hearingInsert.insert(tx, values)
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
func (s *piece) ensureCases(recs []docket.HearingRecord) (map[string]uint, error) {
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
			found, err := s.db.findCases(s.tx, column, chunk)
			if err != nil {
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
	if err := s.freeCaseIDs(creates); err != nil {
		return nil, err
	}
	if len(creates) > 0 {
		if err := s.db.insertCases(s.tx, creates); err != nil {
			return nil, fmt.Errorf("sync %s: create cases: %w", s.opts.Source, err)
		}
		for i, c := range creates {
			ids[createKeys[i]] = c.ID
		}
	}
	return ids, nil
}

// caseFields are the columns of a case a sync reads.
const caseFields = "id, a_number, eoir_case_id, court_code"

// findCases returns the stored cases whose column (a_number or eoir_case_id) is one of values: on SQLite through a
// kept look-up of insertRun keys (the last padded with NULL, which matches nothing), on PostgreSQL with one array.
func (db *DB) findCases(tx *gorm.DB, column string, values []string) ([]caseRow, error) {
	ctx := tx.Statement.Context
	var out []caseRow
	scan := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c caseRow
			var court sql.NullString
			if err := rows.Scan(&c.ID, &c.ANumber, &c.EOIRCaseID, &court); err != nil {
				return err
			}
			c.CourtCode = court.String
			out = append(out, c)
		}
		return rows.Err()
	}
	if db.dialect == "postgres" {
		err := scan(tx.Statement.ConnPool.QueryContext(ctx, "SELECT "+caseFields+" FROM cases WHERE "+column+
			" = ANY($1)", values))
		return out, err
	}
	st, err := inTx(tx, "SELECT "+caseFields+" FROM cases WHERE "+column+" IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", insertRun), ", ")+")")
	if err != nil {
		return nil, err
	}
	defer st.Close()
	args := make([]any, insertRun)
	for chunk := range slices.Chunk(values, insertRun) {
		for i := range args {
			args[i] = nil
			if i < len(chunk) {
				args[i] = chunk[i]
			}
		}
		if err := scan(st.QueryContext(ctx, args...)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// caseColumns are the columns of a new case.
var caseColumns = []string{"a_number", "eoir_case_id", "court_code", "created_at"}

// insertCases inserts new cases and sets their ids: on SQLite through kept statements, on PostgreSQL as one array a
// column, the ids returned with the keys they were made for.
func (db *DB) insertCases(tx *gorm.DB, cs []caseRow) error {
	now := db.now()
	values := make([][]any, len(cs))
	for i, c := range cs {
		created := c.CreatedAt.UTC()
		if c.CreatedAt.IsZero() {
			created = now
		}
		values[i] = []any{c.ANumber, c.EOIRCaseID, c.CourtCode, created}
	}
	byA, byE := map[string]uint{}, map[string]uint{}
	scan := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id uint
			var a, e sql.NullString
			if err := rows.Scan(&id, &a, &e); err != nil {
				return err
			}
			if a.Valid {
				byA[a.String] = id
			} else if e.Valid {
				byE[e.String] = id
			}
		}
		return rows.Err()
	}
	const returning = "RETURNING id, a_number, eoir_case_id"
	ctx := tx.Statement.Context
	if db.dialect == "postgres" {
		q, arrays, err := unnestStatement("cases", caseColumns, values, returning)
		if err != nil {
			return err
		}
		if err := scan(tx.Statement.ConnPool.QueryContext(ctx, q, arrays...)); err != nil {
			return err
		}
	} else {
		in := inserter{table: "cases", columns: caseColumns, tail: returning}
		if err := in.runs(tx, values, func(s *sql.Stmt, args []any) error {
			return scan(s.QueryContext(ctx, args...))
		}); err != nil {
			return err
		}
	}
	for i, c := range cs {
		var ok bool
		if c.ANumber != nil {
			cs[i].ID, ok = byA[*c.ANumber]
		} else if c.EOIRCaseID != nil {
			cs[i].ID, ok = byE[*c.EOIRCaseID]
		}
		if !ok {
			return fmt.Errorf("insert into cases: no id came back for case %d of %d", i+1, len(cs))
		}
	}
	return nil
}

// freeCaseIDs drops the EOIR case id from new cases found by A-number whose case id another case already holds (or
// an earlier new case of the batch): a case id is unique in the store, and one record naming another respondent's
// case id must not fail the whole pass. Such a case is kept by its A-number alone.
func (s *piece) freeCaseIDs(creates []caseRow) error {
	var ids []string
	for _, c := range creates {
		if c.ANumber != nil && c.EOIRCaseID != nil {
			ids = append(ids, *c.EOIRCaseID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	taken := map[string]bool{}
	for chunk := range slices.Chunk(ids, 500) {
		var held []string
		if err := s.tx.Model(&caseRow{}).Where("eoir_case_id IN ?", chunk).Pluck("eoir_case_id", &held).Error; err != nil {
			return fmt.Errorf("sync %s: cases: %w", s.opts.Source, err)
		}
		for _, id := range held {
			taken[id] = true
		}
	}
	for i := range creates {
		c := &creates[i]
		if c.EOIRCaseID == nil {
			continue
		}
		if taken[*c.EOIRCaseID] && c.ANumber != nil {
			c.EOIRCaseID = nil
			continue
		}
		taken[*c.EOIRCaseID] = true
	}
	return nil
}

func newHearing(caseID uint, opts docket.SyncOptions, r docket.HearingRecord) hearingRow {
	return hearingRow{CaseID: caseID, Source: opts.Source, SourceKey: r.Key, Start: r.Start.UTC(), Zone: r.Zone,
		FirstStart: r.Start.UTC(), CourtCode: r.CourtCode, LocationCode: r.LocationCode, Type: r.Type, TypeCode: r.TypeCode, Medium: r.Medium,
		MediumCode: r.MediumCode, Judge: r.Judge, WebEx: r.WebEx, Address: r.Address, Status: recordStatus(r),
		TimeUnknown: r.TimeUnknown, Detained: r.Detained, FilingDeadline: r.FilingDeadline, FirstSeen: opts.Now,
		LastSeen: opts.Now, ChangedAt: opts.Now}
}

// recordStatus is the status a record gives its hearing: scheduled unless the source says otherwise.
func recordStatus(r docket.HearingRecord) docket.HearingStatus {
	if r.Status == "" {
		return docket.StatusScheduled
	}
	return r.Status
}

// diff lists the fields people see that differ between h and r, the status included (a listed hearing that was
// cancelled is scheduled again, a decided case's hearing is completed).
//
// A hearing whose time of day becomes known on the day it was listed for (or ceases to be known) has not moved: that
// change is logged as "time", which is no reason for a change notice, and the hearing gets its reminders from then
// on. A start that was known only by its date is logged as that date, never as the midnight it is stored at, so
// that a notice of a real move never says the hearing was at midnight.
func diff(h *hearingRow, r docket.HearingRecord) [][3]string {
	var d [][3]string
	add := func(field, from, to string) {
		if from != to {
			d = append(d, [3]string{field, from, to})
		}
	}
	from, to := startText(h.Start, h.Zone, h.TimeUnknown), startText(r.Start, r.Zone, r.TimeUnknown)
	switch {
	case h.TimeUnknown != r.TimeUnknown && sameDay(h.Start, h.Zone, r.Start, r.Zone):
		d = append(d, [3]string{"time", from, to})
	case !h.Start.Equal(r.Start) || h.TimeUnknown != r.TimeUnknown:
		d = append(d, [3]string{"start", from, to})
	}
	add("zone", h.Zone, r.Zone)
	add("court", h.CourtCode, r.CourtCode)
	add("location", h.LocationCode, r.LocationCode)
	add("type", string(h.Type), string(r.Type))
	add("medium", string(h.Medium), string(r.Medium))
	add("judge", h.Judge, r.Judge)
	add("webex", h.WebEx, r.WebEx)
	add("address", h.Address, r.Address)
	// A judge's filing deadline is shown in counsel's feed: a new one is a change of the hearing's calendar.
	add("filing_deadline", h.FilingDeadline, r.FilingDeadline)
	add("status", string(h.Status), string(recordStatus(r)))
	// Custody changes who is told of the hearing: a new sequence makes the rows planned for the others stale.
	add("detained", strconv.FormatBool(h.Detained), strconv.FormatBool(r.Detained))
	return d
}

// startText is a start as the change log keeps it: the instant in RFC 3339, or only the court-local date
// (2006-01-02) when the time of day is not known.
func startText(start time.Time, zone string, timeUnknown bool) string {
	if timeUnknown {
		return start.In(docket.Zone(zone)).Format(time.DateOnly)
	}
	return start.UTC().Format(time.RFC3339)
}

// sameDay reports whether two starts fall on the same court-local date.
// timeBecameKnown reports whether r only gives the time of day of stored hearing h, known until now by its date: not
// a move, for the guard or for anyone told about it.
func timeBecameKnown(h *hearingRow, r docket.HearingRecord) bool {
	return h.TimeUnknown && !r.TimeUnknown && sameDay(h.Start, h.Zone, r.Start, r.Zone)
}

func sameDay(a time.Time, aZone string, b time.Time, bZone string) bool {
	return a.In(docket.Zone(aZone)).Format(time.DateOnly) == b.In(docket.Zone(bZone)).Format(time.DateOnly)
}

func (s *piece) update(h *hearingRow, r docket.HearingRecord) error {
	changes := diff(h, r)
	restored := h.MissingSince != nil
	if len(changes) == 0 && !restored {
		s.res.Unchanged++
		return nil
	}
	now := s.opts.Now
	updates := map[string]any{"missing_since": nil, "last_seen": now}
	if restored {
		s.res.Restored++
	}
	if len(changes) > 0 {
		updates["start"] = r.Start.UTC()
		updates["time_unknown"] = r.TimeUnknown
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
		updates["filing_deadline"] = r.FilingDeadline
		updates["status"] = recordStatus(r)
		updates["detained"] = r.Detained
		updates["sequence"] = h.Sequence + 1
		updates["changed_at"] = now
		if slices.ContainsFunc(changes, func(c [3]string) bool { return c[0] == "start" }) {
			s.res.Moved++
		}
		s.res.Changed++
		if err := s.log(h.ID, changes); err != nil {
			return err
		}
	} else {
		s.res.Unchanged++
	}
	if err := s.tx.Model(&hearingRow{}).Where("id = ?", h.ID).Updates(updates).Error; err != nil {
		return fmt.Errorf("sync %s: update hearing %d: %w", s.opts.Source, h.ID, err)
	}
	return nil
}

func (s *piece) log(hearingID uint, changes [][3]string) error {
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

// Protect tells the pass that the source listed a record it could not read (a bad row, a failed lookup), so the
// hearings it may stand for are not taken as missing: the hearing with source key key, and every hearing of the
// source whose case has the A-number aNumber. A reject that names neither could be any hearing: it holds every
// cancellation of the pass (hearings are still marked missing, and a later pass that reads clean cancels them
// once their grace period is over). Only complete sources, and the keys given to Unlisted, look at what Protect
// recorded.
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

// Unlisted tells the pass that the source answered for key and lists no hearing under it (ACIS shows the case
// decided with nothing scheduled). The scheduled upcoming hearing stored under key is then taken as missing even
// when the source is not complete: marked on this pass, cancelled once it has been missing for the grace period,
// and restored if the source lists it again before that. One odd answer therefore never cancels a hearing, and a
// decided case's hearing does not stay scheduled for ever.
func (s *Sync) Unlisted(key string) {
	if key == "" {
		return
	}
	if s.unlisted == nil {
		s.unlisted = map[string]struct{}{}
	}
	s.unlisted[key] = struct{}{}
}

// protected returns the ids of the source's hearings that Protect named.
func (s *Sync) protected(q *gorm.DB) (map[uint]struct{}, error) {
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
		if err := add(q.Model(&hearingRow{}).Where("source = ? AND source_key IN ?", s.opts.Source, chunk)); err != nil {
			return nil, err
		}
	}
	for chunk := range chunks(s.protectANumbers, 500) {
		cases := q.Model(&caseRow{}).Select("id").Where("a_number IN ?", chunk)
		if err := add(q.Model(&hearingRow{}).Where("source = ? AND case_id IN (?)", s.opts.Source, cases)); err != nil {
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

// Finish plans the pass, decides it, and writes it in pieces; hearings a complete source no longer lists are
// handled last. A hearing missing for less than the grace period is only marked; one missing that long is cancelled
// (with no grace period, on the pass that first misses it). A complete source that lists nothing while hearings
// exist is refused unless forced: an empty file never wipes a calendar. A refused pass writes nothing and returns
// zero counts; a pass that fails part-way returns the counts of what it committed, which the next pass completes.
func (s *Sync) Finish() (docket.SyncResult, error) {
	if s.done {
		return s.result, errors.New("sync already finished")
	}
	s.done = true
	defer s.stage.close()
	p, err := s.plan()
	if err != nil {
		return docket.SyncResult{}, err
	}
	hold, err := s.verdict(p)
	if err != nil {
		return docket.SyncResult{}, err
	}
	s.size = pieceSize
	pos := 0 // of the chunk's first record in the staged order
	err = s.stage.each(s.ctx, maxPiece, func(recs []docket.HearingRecord) error {
		// The records to write, with what the plan found of each.
		var recsW []docket.HearingRecord
		var foundW []found
		unchanged := 0
		for i, r := range recs {
			f := p.found[pos+i]
			if _, ok := p.held[r.Key]; ok {
				continue // a held move is left as it is stored: a forced pass applies it
			}
			if f == foundNothing {
				unchanged++
				continue
			}
			recsW, foundW = append(recsW, r), append(foundW, f)
		}
		pos += len(recs)
		recs = recsW
		for len(recs) > 0 {
			k := min(s.size, len(recs))
			part, fresh := recs[:k], !slices.Contains(foundW[:k], foundStored)
			recs, foundW = recs[k:], foundW[k:]
			err := s.write(len(part), func(pc *piece) error { return pc.apply(part, fresh) })
			if errors.Is(err, errRaced) {
				err = s.write(len(part), func(pc *piece) error { return pc.apply(part, false) })
			}
			if err != nil {
				return err
			}
		}
		s.result.Unchanged += unchanged // once the chunk's changes committed, as the pass's other counts are
		return nil
	})
	if err == nil && len(p.notSeen) > 0 {
		err = s.missing(p.notSeen)
	}
	if err != nil {
		if s.pieces == 0 {
			return docket.SyncResult{}, err
		}
		return s.result, fmt.Errorf("sync %s: stopped part-way, after %d of its writes had committed (the next run "+
			"applies the rest): %w", s.opts.Source, s.pieces, err)
	}
	s.result.Hold = hold
	r := s.result
	if r.Created+r.Changed+r.Moved+r.Cancelled+r.Restored >= largeWrite {
		// The statistics are a hint to the query planner: a sync that wrote is not failed for them.
		_ = s.db.Optimize(s.ctx)
	}
	return s.result, nil
}

// Abort ends a pass before Finish: nothing was written, and the staged records are thrown away.
func (s *Sync) Abort() {
	if !s.done {
		s.done = true
		s.stage.close()
	}
}

// missing marks or cancels the hearings a complete source no longer lists, in pieces. Each write is made only if
// the hearing is still as planned (scheduled, same sequence): one changed meanwhile is left to the next pass.
func (s *Sync) missing(notSeen []hearingRow) error {
	now := s.opts.Now
	for len(notSeen) > 0 {
		chunk := notSeen[:min(s.size, len(notSeen))]
		notSeen = notSeen[len(chunk):]
		err := s.write(len(chunk), func(p *piece) error {
			for _, h := range chunk {
				// A hearing first found missing now has been missing for no time: with no grace period (the
				// config's own hearings) that is long enough, and it is cancelled on this pass.
				var missingFor time.Duration
				if h.MissingSince != nil {
					missingFor = now.Sub(*h.MissingSince)
				}
				if missingFor < s.opts.Grace || s.unmatched > 0 {
					if h.MissingSince == nil {
						q := p.tx.Model(&hearingRow{}).Where("id = ? AND status = ? AND sequence = ? AND missing_since IS NULL",
							h.ID, docket.StatusScheduled, h.Sequence).Update("missing_since", now)
						if q.Error != nil {
							return fmt.Errorf("sync %s: mark missing: %w", s.opts.Source, q.Error)
						}
						if q.RowsAffected == 0 {
							continue
						}
					}
					p.res.Missing++
					if missingFor >= s.opts.Grace {
						p.res.Held++
					}
					continue
				}
				updates := map[string]any{"status": docket.StatusCancelled, "sequence": h.Sequence + 1, "changed_at": now}
				if h.MissingSince == nil {
					updates["missing_since"] = now
				}
				q := p.tx.Model(&hearingRow{}).Where("id = ? AND status = ? AND sequence = ?", h.ID,
					docket.StatusScheduled, h.Sequence).Updates(updates)
				if q.Error != nil {
					return fmt.Errorf("sync %s: cancel: %w", s.opts.Source, q.Error)
				}
				if q.RowsAffected == 0 {
					continue
				}
				if err := p.log(h.ID, [][3]string{{"status", string(docket.StatusScheduled), string(docket.StatusCancelled)}}); err != nil {
					return err
				}
				p.res.Cancelled++
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// RecordSyncRun stores the outcome of a pass. A run with an ID updates the row recorded for it before: a pass is
// recorded as it starts (not yet ended), so one that never ends (a kill, a crash) stays on record as unfinished.
func (db *DB) RecordSyncRun(ctx context.Context, run *docket.SyncRun) error {
	row := syncRunRow(*run)
	g := db.gorm.WithContext(ctx)
	var err error
	if row.ID != 0 {
		err = g.Save(&row).Error
	} else {
		err = g.Create(&row).Error
	}
	if err != nil {
		return fmt.Errorf("record sync run: %w", err)
	}
	run.ID = row.ID
	return nil
}

// unfinished is the error shown for a recorded run that has not ended.
const unfinished = "did not finish: still running, or stopped before it ended (a kill, a crash); the next run " +
	"applies what it left"

// LastSyncRuns returns the latest run of each source. A run that has not ended says so in its Error.
func (db *DB) LastSyncRuns(ctx context.Context) ([]docket.SyncRun, error) {
	var runs []syncRunRow
	err := db.gorm.WithContext(ctx).
		Where("id IN (?)", db.gorm.Model(&syncRunRow{}).Select("MAX(id)").Group("source")).
		Order("source").Find(&runs).Error
	out := each(runs, syncRunOf)
	for i := range out {
		if out[i].EndedAt.IsZero() && out[i].Error == "" {
			out[i].Error = unfinished
		}
	}
	return out, err
}

// contacts keeps the clients a source names: one client per source and A-number, updated when the source's details
// change, never one the config already defines. A piece's contacts are written together: one read of the config's
// clients among their A-numbers, one of counsel, and upserts in batches, not three statements a record (an export of
// thousands of clients spent most of its sync on them). When the piece names one client twice, the later record's
// details are kept, as writing them in order would.
func (s *piece) contacts(recs []docket.HearingRecord) error {
	var rows []clientRow
	at := map[string]int{} // client id → index in rows
	var anums []docket.ANumber
	for _, r := range recs {
		c := r.Contact
		if c == nil || r.ANumber == "" || c.Name == "" {
			continue
		}
		cl := clientRow{ID: s.opts.Source + ":" + string(r.ANumber), Name: c.Name, ANumber: r.ANumber, Phone: c.Phone,
			Email: c.Email, Language: c.Language, Active: true, Origin: s.opts.Source, Detained: c.Detained,
			State: c.State}
		if c.Attorney != "" {
			cl.AttorneyID = &c.Attorney // resolved below
		}
		if i, ok := at[cl.ID]; ok {
			rows[i] = cl
			continue
		}
		at[cl.ID] = len(rows)
		rows = append(rows, cl)
		anums = append(anums, r.ANumber)
	}
	if len(rows) == 0 {
		return nil
	}
	configured := map[docket.ANumber]bool{}
	for chunk := range slices.Chunk(anums, 500) {
		var found []docket.ANumber
		if err := s.tx.Model(&clientRow{}).Where("a_number IN ? AND origin = ? AND active = ?", chunk, "config", true).
			Pluck("a_number", &found).Error; err != nil {
			return err
		}
		for _, a := range found {
			configured[a] = true
		}
	}
	var counsel []attorneyRow
	if err := s.tx.Where("active = ?", true).Order("id").Find(&counsel).Error; err != nil {
		return err
	}
	keep := rows[:0]
	for _, cl := range rows {
		if configured[cl.ANumber] {
			continue
		}
		if cl.AttorneyID != nil {
			cl.AttorneyID = attorneyNamed(counsel, *cl.AttorneyID)
		}
		keep = append(keep, cl)
	}
	if len(keep) == 0 {
		return nil
	}
	err := s.tx.Omit(clause.Associations).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "phone", "email", "language", "attorney_id", "active",
			"updated_at", "detained", "state"}),
	}).CreateInBatches(&keep, 200).Error
	if err != nil {
		return fmt.Errorf("sync %s: client from records: %w", s.opts.Source, err)
	}
	return nil
}

// attorneyNamed is the id of the active attorney whose id is who, else of the first whose name is who (any case),
// else nil: a source names counsel either way.
func attorneyNamed(counsel []attorneyRow, who string) *string {
	for i := range counsel {
		if counsel[i].ID == who {
			return &counsel[i].ID
		}
	}
	for i := range counsel {
		if strings.EqualFold(counsel[i].Name, who) {
			return &counsel[i].ID
		}
	}
	return nil
}
