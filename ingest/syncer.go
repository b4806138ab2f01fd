package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/docketd/docketd/source"
	"golang.org/x/text/language"

	"github.com/docketd/docketd/docket"
)

// Sync tuning, each value with its reason.
const (
	// syncBatch is how many records go to the store at once: large enough that a million-row dump is a thousand
	// round trips, small enough that memory stays flat however long the source is.
	syncBatch = 1000
	// maxLoggedRejects bounds the warnings of one run: a dump with a broken column would otherwise write a line per
	// row. The count in the run record stays exact.
	maxLoggedRejects = 200
	// recordTimeout bounds writing the run record, which happens even when the run's own context has ended.
	recordTimeout = 10 * time.Second
)

// Limits of the store's columns (the store's hearings table): a longer value fails its write on PostgreSQL, and with
// it the rest of the pass, so such a record is rejected alone instead.
const (
	maxKeyLen    = 128
	maxCodeLen   = 8
	maxCaseIDLen = 32
)

// SourceSpec is one configured source, ready to run.
type SourceSpec struct {
	// Name identifies the source in the store; its hearings are keyed by it.
	Name string
	// Complete says the source lists every current hearing it knows, so one it no longer lists may be cancelled
	// (after Grace).
	Complete bool
	// Grace is how long a hearing may be missing from a complete source before it is cancelled; with zero, it is
	// cancelled on the run that first misses it.
	Grace time.Duration
	// MaxChange holds the moves and cancellations of a run that would change more than this share of the source's
	// upcoming slots (court, start, judge), counting the hearings that move together to one new slot, or are
	// cancelled together, as one change; zero disables the check.
	MaxChange float64
	// MaxChangeMin is the number of changes under which MaxChange never holds a run; zero means
	// docket.DefaultMaxChangeMin.
	MaxChangeMin int
	// Reader produces the source's records.
	Reader Reader
	// Buffered reads the whole source before the store's pass begins. Set it for slow sources (a lookup service
	// polled politely, a calendar URL): a source that is down or cut short then fails before the pass exists. The
	// pass itself holds no lock while a source is read (it stages the records), so file sources stream.
	Buffered bool
}

// replay is a Reader over records already read.
type replay struct {
	Records []docket.SourceRecord
	Rejects []docket.RecordError
}

func (r *replay) Read(ctx context.Context, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error {
	for _, e := range r.Rejects {
		if reject != nil {
			reject(e)
		}
	}
	for _, rec := range r.Records {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// Syncer runs one source into the store: the records are streamed in batches into a store pass (docket.SyncPass),
// which stages them, decides the mass-change guard before writing anything, and then writes in short pieces, so a
// refused run or a source that fails while it is read changes nothing and the last good data stays; a run that
// fails while writing keeps the pieces it committed, and the next run applies the rest. Every run is recorded as
// it starts and again as it ends, so one that never ends (a kill) stays on record as unfinished.
//
// Disagreeing sources. Each source's hearings are kept under (source, source key), so a source can only ever move
// or cancel its own hearings, and a sync never overwrites the config's own [[hearings]]. When two sources report one
// case on one court-local day, the choice is made where hearings are read (docket.Prevailing, given the config's
// order): the planner, the feeds and `docketd hearings` see only the first source's hearing, and the planner
// cancels what was pending for the other.
type Syncer struct {
	DB Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives one line per run and a warning per rejected record (personal data masked); nil discards.
	Log *slog.Logger
	// Notify tells the office of a held run; nil only logs it.
	Notify HoldNotifier
}

// SyncReport says what one run did. The counts are what was committed: a refused run, or one whose source failed,
// committed nothing and reports zeros, except Rejected; a run that failed while writing reports what it committed.
type SyncReport struct {
	Source         string
	Started, Ended time.Time
	docket.SyncResult
	// Rejected counts the records the source could not read, and records the store could not take.
	Rejected int
	// Err is why the run failed or was refused; nil when it committed.
	Err error
	// writes and longestWrite are the store's write transactions and the longest of them, when the store tells.
	writes       int
	longestWrite time.Duration
}

// Refused reports whether the run was refused by the empty-source rule; --force overrides it.
func (r SyncReport) Refused() bool { return errors.Is(r.Err, docket.ErrRefused) }

// Holding reports whether the run held moves and cancellations (max_change); --force applies them.
func (r SyncReport) Holding() bool { return r.Hold != nil }

// HoldText says what a held run kept back and how to apply it, e.g. "HELD: 30 changes of a slot (30 hearings) of
// its 32 upcoming slots, more than 20%, were not applied; check the source, then run 'docketd sync --source eoir
// --force' to apply them".
func HoldText(h docket.SyncHold) string {
	return fmt.Sprintf("HELD: %d moves or cancellations of a slot (%d hearings) of its %d upcoming slots, more than "+
		"%s, were not applied; check the source, then run 'docketd sync --source %s --force' to apply them",
		h.Changes, h.Hearings, h.Slots, strconv.FormatFloat(h.Share*100, 'f', -1, 64)+"%", h.Source)
}

// String prints the report as one line for people, e.g. "office-export: 12 created, 1 changed, 0 cancelled,
// 40 unchanged, 2 rejected (3 missing, within grace)".
func (r SyncReport) String() string {
	if r.Err != nil {
		reason := r.Err.Error()
		if r.Refused() {
			return fmt.Sprintf("%s: refused, %s", r.Source, strings.TrimPrefix(reason, docket.ErrRefused.Error()+": "))
		}
		reason = strings.TrimPrefix(reason, "sync "+r.Source+": ")
		if r.Created+r.Changed+r.Cancelled+r.Missing+r.Restored > 0 {
			return fmt.Sprintf("%s: failed part-way after %d created, %d changed, %d cancelled (the next run applies "+
				"the rest): %s", r.Source, r.Created, r.Changed, r.Cancelled, reason)
		}
		s := fmt.Sprintf("%s: failed, nothing changed (the last good data is kept): %s", r.Source, reason)
		if r.Rejected > 0 {
			s += fmt.Sprintf(" (%d rejected before)", r.Rejected)
		}
		return s
	}
	s := fmt.Sprintf("%s: %d created, %d changed, %d cancelled, %d unchanged, %d rejected", r.Source, r.Created,
		r.Changed, r.Cancelled, r.Unchanged, r.Rejected)
	var notes []string
	if n := r.Missing - r.Held; n > 0 {
		notes = append(notes, fmt.Sprintf("%d missing, within grace", n))
	}
	if r.Held > 0 {
		notes = append(notes, fmt.Sprintf("%d missing past grace but kept: a rejected record could be them", r.Held))
	}
	if r.Restored > 0 {
		notes = append(notes, fmt.Sprintf("%d listed again", r.Restored))
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, "; ") + ")"
	}
	if r.Hold != nil {
		s += "; " + HoldText(*r.Hold)
	}
	return s
}

// Run reads spec's source once and applies it. force overrides the max_change and empty-source refusals. progress,
// when set, is told the bytes read so far and the total (-1 when unknown) for file sources (csv, eoir_bulk),
// about every megabyte and at the end. The returned error is the report's Err; Run never panics, and it honours
// ctx (a cancelled run is a failed run), so it is safe as a scheduled job.
func (s *Syncer) Run(ctx context.Context, spec SourceSpec, force bool, progress func(done, total int64)) (SyncReport,
	error) {
	return s.run(ctx, spec, runMode{force: force, progress: progress, done: "sync done"})
}

// runMode is what differs between a configured source's run and the config's own hearings.
type runMode struct {
	force    bool
	progress func(done, total int64)
	// held says the caller holds DB.Serialized already.
	held bool
	// done is the message of a committed run; quiet logs it at debug level when the run changed nothing.
	done  string
	quiet bool
}

func (s *Syncer) run(ctx context.Context, spec SourceSpec, m runMode) (SyncReport, error) {
	rep := SyncReport{Source: spec.Name, Started: s.now()}
	log := s.logger().With("component", "sync", "source", spec.Name)
	// The run is on record from its start: a kill before it ends leaves it there, unfinished. When this write fails
	// (a database that does not answer) the pass fails the same way, and the run is recorded once, at its end.
	run := &docket.SyncRun{Source: spec.Name, StartedAt: rep.Started}
	if err := s.DB.RecordSyncRun(ctx, run); err != nil {
		run.ID = 0
	}
	work := func() error { return s.pass(ctx, spec, m.force, m.progress, log, &rep) }
	var err error
	if m.held {
		err = work()
	} else {
		// Replicas applying their config write people and cases too: one at a time (a no-op on SQLite).
		err = s.DB.Serialized(ctx, work)
	}
	rep.Ended = s.now()
	if err != nil {
		rep.Err = err
	}
	s.keepHold(ctx, &rep, log)
	*run = docket.SyncRun{ID: run.ID, Source: spec.Name, StartedAt: rep.Started, EndedAt: rep.Ended,
		Created: rep.Created, Changed: rep.Changed, Cancelled: rep.Cancelled, Unchanged: rep.Unchanged,
		Rejected: rep.Rejected}
	if err != nil {
		run.Error = docket.MaskText(err.Error())
	}
	// The run is recorded even when ctx has ended: "cancelled at shutdown" is worth knowing too.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if rerr := s.DB.RecordSyncRun(rctx, run); rerr != nil {
		// The hearings are committed (or rolled back) already; only the bookkeeping failed, so the report stands.
		log.Error("record sync run", "err", rerr)
	}
	attrs := []any{"created", rep.Created, "changed", rep.Changed, "cancelled", rep.Cancelled,
		"unchanged", rep.Unchanged, "rejected", rep.Rejected, "missing", rep.Missing,
		"duration", rep.Ended.Sub(rep.Started).Round(time.Millisecond)}
	if rep.writes > 0 {
		attrs = append(attrs, "writes", rep.writes, "longest_write", rep.longestWrite.Round(time.Millisecond))
	}
	switch {
	case rep.Holding():
		log.Warn("sync held", append(attrs, "held_changes", rep.Hold.Changes, "held_hearings", rep.Hold.Hearings,
			"slots", rep.Hold.Slots)...)
	case rep.Refused():
		log.Warn("sync refused", append(attrs, "err", run.Error)...)
	case err != nil:
		log.Error("sync failed", append(attrs, "err", run.Error)...)
	case m.quiet && rep.Created+rep.Changed+rep.Cancelled == 0:
		log.Debug(m.done, attrs...)
	default:
		log.Info(m.done, attrs...)
	}
	return rep, err
}

// keepHold records what the run held and tells the office once per held state; a run that completed without
// holding anything clears the source's hold. A failed or refused run leaves the hold as it was. Failures here are
// logged: the hearings are committed already, and a notice that did not go out is tried again by the next run.
func (s *Syncer) keepHold(ctx context.Context, rep *SyncReport, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	switch {
	case rep.Hold != nil:
		notify, err := s.DB.SetHold(ctx, *rep.Hold, rep.Ended)
		if err != nil {
			log.Error("record hold", "err", err)
		}
		if !notify || s.Notify == nil {
			return
		}
		if err := s.Notify.NotifyHold(ctx, *rep.Hold); err != nil {
			log.Error("tell the office of the hold (the next run tries again)", "err", docket.MaskText(err.Error()))
			return
		}
		if err := s.DB.HoldNotified(ctx, rep.Source, rep.Hold.Digest); err != nil {
			log.Error("record hold notice", "err", err)
		}
	case rep.Err == nil:
		if err := s.DB.ClearHold(ctx, rep.Source); err != nil {
			log.Error("clear hold", "err", err)
		}
	}
}

// pass does the work of Run; rep collects the counts.
func (s *Syncer) pass(ctx context.Context, spec SourceSpec, force bool, progress func(done, total int64),
	log *slog.Logger, rep *SyncReport) (err error) {
	var sy docket.SyncPass
	defer func() {
		if p := recover(); p != nil {
			if sy != nil {
				sy.Abort()
			}
			log.Error("sync panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("sync %s: internal error: %v", spec.Name, p)
		}
	}()
	if spec.Reader == nil {
		return fmt.Errorf("sync %s: no reader", spec.Name)
	}
	if spec.Buffered {
		res, err := collect(ctx, spec.Reader)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			// A source that is down or cut short proves nothing about what is missing: keep everything as it was.
			return fmt.Errorf("sync %s: %w", spec.Name, err)
		}
		spec.Reader = res
	}
	sy, err = s.DB.BeginSync(ctx, docket.SyncOptions{Source: spec.Name, Complete: spec.Complete, Grace: spec.Grace,
		MaxChange: spec.MaxChange, MaxChangeMin: spec.MaxChangeMin, Force: force, Now: rep.Started})
	if err != nil {
		return fmt.Errorf("sync %s: %w", spec.Name, err)
	}
	reject := func(e docket.RecordError) {
		rep.Rejected++
		sy.Protect(e.Key, string(e.ANumber))
		if rep.Rejected <= maxLoggedRejects {
			log.Warn("record rejected", "file", e.File, "line", e.Line, "reason", e.Reason)
		} else if rep.Rejected == maxLoggedRejects+1 {
			log.Warn("more records rejected; only the count is kept from here on", "logged", maxLoggedRejects)
		}
	}
	batch := make([]docket.HearingRecord, 0, syncBatch)
	var applyErr error
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		// Apply keeps nothing of the slice, so the batch's memory is reused.
		err := sy.Apply(batch)
		batch = batch[:0]
		if err != nil {
			applyErr = err
		}
		return err
	}
	emit := func(r docket.SourceRecord) error {
		if r.NoHearing {
			unlisted(sy, r, spec, log)
			return nil
		}
		h, err := hearingRecord(r)
		if err != nil {
			reject(docket.RecordError{File: spec.Name, Line: r.Line, Key: r.Key, ANumber: r.ANumber,
				Reason: err.Error()})
			return nil
		}
		batch = append(batch, h)
		if len(batch) == syncBatch {
			return flush()
		}
		return nil
	}
	readErr := withProgress(spec.Reader, progress).Read(ctx, emit, reject)
	if readErr == nil {
		readErr = ctx.Err()
	}
	switch {
	case applyErr != nil:
		sy.Abort()
		return applyErr
	case readErr != nil:
		// A source that is down or cut short proves nothing about what is missing: keep everything as it was.
		sy.Abort()
		return fmt.Errorf("sync %s: %w", spec.Name, readErr)
	}
	if err := flush(); err != nil {
		sy.Abort()
		return err
	}
	res, err := sy.Finish()
	// A pass that failed while writing returns what it committed; a refused one returns zeros.
	rep.SyncResult = res
	if w, ok := sy.(interface{ Writes() (int, time.Duration) }); ok {
		rep.writes, rep.longestWrite = w.Writes()
	}
	return err
}

// hearingRecord converts a source record for the store, rejecting what the store could not take without failing
// the pass.
func hearingRecord(r docket.SourceRecord) (docket.HearingRecord, error) {
	switch {
	case r.Key == "":
		return docket.HearingRecord{}, errors.New("no hearing key")
	case len(r.Key) > maxKeyLen:
		return docket.HearingRecord{}, fmt.Errorf("hearing key longer than %d characters", maxKeyLen)
	case r.ANumber == "" && r.CaseID == "":
		return docket.HearingRecord{}, errors.New("no a-number or EOIR case id")
	case len(r.ANumber) > 9:
		return docket.HearingRecord{}, errors.New("a-number longer than 9 digits")
	case len(r.CaseID) > maxCaseIDLen:
		return docket.HearingRecord{}, fmt.Errorf("case id longer than %d characters", maxCaseIDLen)
	case len(r.Court) > maxCodeLen || len(r.Location) > maxCodeLen:
		return docket.HearingRecord{}, fmt.Errorf("court or location code longer than %d characters", maxCodeLen)
	case r.Start.IsZero():
		return docket.HearingRecord{}, errors.New("no start time")
	}
	zone := r.Start.Location().String()
	if zone == "" || zone == "Local" {
		// time.Local names the machine's zone, not the court's.
		return docket.HearingRecord{}, errors.New("start has no court time zone")
	}
	return docket.HearingRecord{Key: r.Key, ANumber: r.ANumber, EOIRCaseID: r.CaseID, Start: r.Start,
		TimeUnknown: r.TimeUnknown, Zone: zone,
		CourtCode: r.Court, LocationCode: r.Location, Type: r.Type, TypeCode: r.TypeCode, Medium: r.Medium,
		MediumCode: r.MediumCode, Judge: r.Judge, WebEx: r.WebEx, Address: r.Address, Status: r.Status,
		Detained: r.Detained, Contact: contact(r), FilingDeadline: r.FilingDeadline}, nil
}

// contact is the respondent a record names, with the name in the order people write it, the phone in E.164 (a number that cannot exist is left out rather
// than texted) and the language as a base language code.
func contact(r docket.SourceRecord) *docket.ContactDetails {
	if r.ClientName == "" {
		return nil
	}
	name, _ := docket.PersonName(r.ClientName) // "CASTILLO, ROSA ELENA" is stored as "Rosa Elena Castillo"
	if name == "" {
		return nil
	}
	c := &docket.ContactDetails{Name: name, Email: strings.TrimSpace(r.Email), Attorney: strings.TrimSpace(r.Attorney),
		Detained: r.ClientDetained}
	if s, ok := docket.ParseState(r.State); ok {
		c.State = s
	}
	if r.Phone != "" {
		if p, ok := source.UsablePhone(r.Phone); ok {
			c.Phone = p
		}
	}
	if tag, err := language.Parse(strings.TrimSpace(r.Language)); err == nil {
		base, _ := tag.Base()
		c.Language = base.String()
	}
	return c
}

// progressReporter is a reader that can report the bytes it has read: the file kinds (source.Kind.Progress).
type progressReporter interface {
	WithProgress(progress func(done, total int64)) Reader
}

// withProgress returns a reader that reports its progress, when r can.
func withProgress(r Reader, progress func(done, total int64)) Reader {
	if p, ok := r.(progressReporter); ok && progress != nil {
		// A copy: the spec's reader may be shared with the next run.
		return p.WithProgress(progress)
	}
	return r
}

func (s *Syncer) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Syncer) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
