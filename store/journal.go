package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"
)

// Defaults of JournalOptions.
const (
	// DefaultJournalBound is how long recording an opt-out may wait for SQLite's write lock before it is journaled:
	// short enough that Twilio gets its answer at once, long enough for an ordinary write queued behind another.
	DefaultJournalBound = time.Second
	// DefaultJournalRetry is how long the applier waits after the database refused the journal, on top of the
	// busy timeout each attempt already waits.
	DefaultJournalRetry = 2 * time.Second
)

// JournalOptions tune a Journaled store; the zero value takes the defaults.
type JournalOptions struct {
	// Bound is how long recording an opt-out or an opt-in may wait for the database before it is journaled.
	Bound time.Duration
	// RetryEvery is how long the applier waits between attempts while the database refuses the journal.
	RetryEvery time.Duration
	// Clock is what the bound and the retries are measured by; nil means the real clock.
	Clock clockwork.Clock
	Log   *slog.Logger
}

// Journaled is the store with its opt-out journal in front of it. An opt-out or opt-in that SQLite cannot take
// within a short bound (its write lock held by another writer or a long import) is appended to a journal file beside
// the database, flushed to disk, and counts from then on: IsOptedOut reads the journal before the database, so every
// process on the database (the daemon, a cron `docketd remind`) honours it at once. The journal is applied to the
// database in order, as soon as it can be written, by an applier that runs while the journal holds entries
// (started when one is written, and when a Journaled is made over a database whose journal is not empty: so on the
// start of every command that builds the office); entries leave the file only once applied. While the journal holds
// entries, later opt-outs and opt-ins join it rather than overtake it, so the latest word of an address wins.
//
// The journal is PATH-optouts.jsonl for a database at PATH, one JSON object a line; PATH-optouts.lock orders the
// processes that append to it and compact it, PATH-optouts.apply.lock lets one process apply it at a time.
//
// On PostgreSQL there is no journal: it has no database-wide write lock (an opt-out is a one-row upsert that waits
// only for another writer of the same row), and a file on one replica's disk would not be seen by the others. An
// opt-out that cannot be recorded there fails as before (the webhook answers 500), and Twilio's own opt-out
// handling still blocks messages to the number.
type Journaled struct {
	*DB
	opts      JournalOptions
	log       *slog.Logger
	path      string // "" when there is no journal
	lockPath  string
	applyPath string
	pathErr   error

	mu       sync.Mutex // this process's appends and compactions, in turn (the lock file orders processes)
	applying sync.Mutex

	runMu   sync.Mutex
	running bool
	again   bool // an entry was added while the applier was finishing
	ctx     context.Context
	stop    context.CancelFunc
	done    sync.WaitGroup
}

// WithJournal puts the opt-out journal of db in front of it and starts applying what the journal holds.
func WithJournal(db *DB, opts JournalOptions) *Journaled {
	if opts.Bound <= 0 {
		opts.Bound = DefaultJournalBound
	}
	if opts.RetryEvery <= 0 {
		opts.RetryEvery = DefaultJournalRetry
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	j := &Journaled{DB: db, opts: opts, log: log.With("component", "optout_journal")}
	j.ctx, j.stop = context.WithCancel(context.Background())
	if db.dialect == "sqlite" {
		path, err := db.sqliteFile()
		switch {
		case err != nil:
			j.pathErr = fmt.Errorf("opt-out journal: %w", err)
		case path != "":
			j.path = path + "-optouts.jsonl"
			j.lockPath = path + "-optouts.lock"
			j.applyPath = path + "-optouts.apply.lock"
		}
	}
	if es, err := j.entries(); err == nil && len(es) > 0 {
		j.log.Info("opt-out journal holds entries to apply", "entries", len(es))
		j.startApplier()
	}
	return j
}

// sqliteFile is the file of the main database, "" for one in memory.
func (db *DB) sqliteFile() (string, error) {
	var rows []struct {
		Seq  int
		Name string
		File string
	}
	if err := db.gorm.Raw("PRAGMA database_list").Scan(&rows).Error; err != nil {
		return "", err
	}
	for _, r := range rows {
		if r.Name == "main" {
			return r.File, nil
		}
	}
	return "", nil
}

// Close stops the applier; it does not close the store. Entries not yet applied stay in the journal.
func (j *Journaled) Close() {
	j.runMu.Lock()
	j.stop()
	j.runMu.Unlock()
	j.done.Wait()
}

// JournalPath is the journal file, "" when the store has none (PostgreSQL).
func (j *Journaled) JournalPath() string { return j.path }

// IsOptedOut reports whether address is opted out of channel: by the latest journaled opt-out or opt-in of the
// address when there is one (it is newer than anything in the database), else by the database. The journal is read
// first: an entry applied and removed meanwhile is in the database by then.
func (j *Journaled) IsOptedOut(ctx context.Context, channel docket.Channel, address string) (bool, error) {
	es, err := j.entries()
	if err != nil {
		return false, err
	}
	for i := len(es) - 1; i >= 0; i-- {
		if e := es[i]; e.Channel == channel && e.Address == address {
			return e.Action == docket.ActionOptOut, nil
		}
	}
	return j.DB.IsOptedOut(ctx, channel, address)
}

// InboundActed returns what was done with the inbound message sid, from the journal or the database, or
// ErrNotFound.
func (j *Journaled) InboundActed(ctx context.Context, sid string) (docket.InboundAction, error) {
	if sid == "" {
		return docket.InboundAction{}, ErrNotFound
	}
	es, err := j.entries()
	if err != nil {
		return docket.InboundAction{}, err
	}
	for _, e := range es {
		if e.SID == sid {
			return e.action(), nil
		}
	}
	return j.DB.InboundActed(ctx, sid)
}

// OptOut records that address asked not to be contacted on channel (the dispatcher's, for an opt-out the provider
// reports), through the journal.
func (j *Journaled) OptOut(ctx context.Context, channel docket.Channel, address, keyword string, at time.Time) error {
	return j.RecordInbound(ctx, docket.InboundAction{Channel: channel, From: address, Action: docket.ActionOptOut,
		Keyword: keyword, At: at})
}

// OptIn removes an opt-out, through the journal.
func (j *Journaled) OptIn(ctx context.Context, channel docket.Channel, address string) error {
	return j.RecordInbound(ctx, docket.InboundAction{Channel: channel, From: address, Action: docket.ActionOptIn,
		At: j.now()})
}

// RecordInbound records a as DB.RecordInbound does, waiting at most the bound for the database. An opt-out or
// opt-in that the database does not take in time, or that would overtake entries still in the journal, is
// journaled instead; either way it counts when RecordInbound returns nil. Any other action is only a record (it
// keeps a replay from being acted on again): it gets the bound and an error when the database is busy.
func (j *Journaled) RecordInbound(ctx context.Context, a docket.InboundAction) error {
	if j.pathErr != nil {
		return j.pathErr
	}
	if j.path == "" {
		return j.DB.RecordInbound(ctx, a)
	}
	if !a.Changes() {
		return j.bounded(ctx, func(ctx context.Context) error { return j.DB.RecordInbound(ctx, a) })
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	unlock, err := lockFile(context.Background(), j.lockPath)
	if err != nil {
		return fmt.Errorf("opt-out journal: %w", err)
	}
	defer unlock()
	es, err := readJournal(j.path)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		err := j.bounded(ctx, func(ctx context.Context) error { return j.DB.RecordInbound(ctx, a) })
		if err == nil {
			return nil
		}
		j.log.Warn("database busy: journaled the "+string(a.Action)+" to apply later", "from", a.From,
			"message_sid", a.MessageSID, "err", err)
	} else if a.MessageSID != "" {
		for _, e := range es {
			if e.SID == a.MessageSID {
				return nil // journaled already
			}
		}
		// Reading does not wait for SQLite's write lock: a replay of a message the database has is not journaled,
		// where it would count as the address's latest word until the applier skipped it.
		var acted error
		_ = j.bounded(ctx, func(ctx context.Context) error {
			_, acted = j.DB.InboundActed(ctx, a.MessageSID)
			return acted
		})
		if acted == nil {
			return nil
		}
	}
	if err := appendJournal(j.path, entryOf(a)); err != nil {
		return fmt.Errorf("opt-out journal: %w", err)
	}
	j.startApplier()
	return nil
}

// Apply applies the journal to the database, in order, and removes what it applied; one process at a time applies
// it. It returns how many entries are still waiting (after an error).
func (j *Journaled) Apply(ctx context.Context) (int, error) {
	if j.pathErr != nil {
		return 0, j.pathErr
	}
	if j.path == "" {
		return 0, nil
	}
	j.applying.Lock()
	defer j.applying.Unlock()
	release, err := lockFile(context.Background(), j.applyPath) // another process applying it first leaves less to do
	if err != nil {
		return 0, fmt.Errorf("opt-out journal: %w", err)
	}
	defer release()
	es, err := readJournal(j.path)
	if err != nil || len(es) == 0 {
		return 0, err
	}
	applied := map[string]bool{}
	var applyErr error
	for _, e := range es {
		if applyErr = j.DB.RecordInbound(ctx, e.action()); applyErr != nil {
			break
		}
		applied[e.ID] = true
	}
	left, err := j.remove(applied)
	if err != nil {
		return left, err
	}
	if len(applied) > 0 {
		j.log.Info("opt-out journal applied", "applied", len(applied), "waiting", left)
	}
	return left, applyErr
}

// remove rewrites the journal without the entries applied, and returns how many are left. Entries appended since
// they were read stay.
func (j *Journaled) remove(applied map[string]bool) (int, error) {
	if len(applied) == 0 {
		es, err := readJournal(j.path)
		return len(es), err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	unlock, err := lockFile(context.Background(), j.lockPath)
	if err != nil {
		return 0, fmt.Errorf("opt-out journal: %w", err)
	}
	defer unlock()
	es, err := readJournal(j.path)
	if err != nil {
		return 0, err
	}
	keep := es[:0]
	for _, e := range es {
		if !applied[e.ID] {
			keep = append(keep, e)
		}
	}
	return len(keep), rewriteJournal(j.path, keep)
}

// startApplier applies the journal in the background until it is empty (or Close).
func (j *Journaled) startApplier() {
	j.runMu.Lock()
	defer j.runMu.Unlock()
	if j.ctx.Err() != nil {
		return
	}
	if j.running {
		j.again = true
		return
	}
	j.running = true
	j.done.Add(1)
	go j.applyUntilEmpty()
}

func (j *Journaled) applyUntilEmpty() {
	defer j.done.Done()
	for {
		left, err := j.Apply(j.ctx)
		if err != nil && j.ctx.Err() == nil {
			j.log.Warn("opt-out journal not applied yet; retrying", "waiting", left, "err", err)
		}
		if left == 0 && err == nil {
			j.runMu.Lock()
			if !j.again {
				j.running = false
				j.runMu.Unlock()
				return
			}
			j.again = false
			j.runMu.Unlock()
			continue
		}
		retry := j.opts.Clock.NewTimer(j.opts.RetryEvery)
		select {
		case <-j.ctx.Done():
			retry.Stop()
			j.runMu.Lock()
			j.running = false
			j.runMu.Unlock()
			return
		case <-retry.Chan():
		}
	}
}

// bounded runs fn with a context that ends after the bound (on the injected clock). It does not end with ctx: an
// opt-out received is recorded even if Twilio hung up meanwhile.
func (j *Journaled) bounded(ctx context.Context, fn func(context.Context) error) error {
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	t := j.opts.Clock.AfterFunc(j.opts.Bound, cancel)
	defer t.Stop()
	return fn(bctx)
}

// entries reads the journal; none when there is no journal.
func (j *Journaled) entries() ([]journalEntry, error) {
	if j.pathErr != nil {
		return nil, j.pathErr
	}
	if j.path == "" {
		return nil, nil
	}
	return readJournal(j.path)
}

// journalEntry is one line of the journal.
type journalEntry struct {
	ID       string         `json:"id"`
	SID      string         `json:"message_sid,omitempty"`
	Channel  docket.Channel `json:"channel"`
	Address  string         `json:"address"`
	Action   docket.Action  `json:"action"`
	Keyword  string         `json:"keyword,omitempty"`
	Language string         `json:"language,omitempty"`
	At       time.Time      `json:"at"`
}

func entryOf(a docket.InboundAction) journalEntry {
	return journalEntry{ID: uuid.NewString(), SID: a.MessageSID, Channel: a.Channel, Address: a.From,
		Action: a.Action, Keyword: a.Keyword, Language: a.Language, At: a.At.UTC()}
}

func (e journalEntry) action() docket.InboundAction {
	return docket.InboundAction{MessageSID: e.SID, Channel: e.Channel, From: e.Address, Action: e.Action,
		Keyword: e.Keyword, Language: e.Language, At: e.At}
}

// readJournal returns the entries of the journal at path, oldest first; none when there is no file. A line cut
// short (by a crash while it was written, or read while it is being written) is not an entry.
func readJournal(path string) ([]journalEntry, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read opt-out journal: %w", err)
	}
	var es []journalEntry
	for len(b) > 0 {
		line, rest, complete := bytes.Cut(b, []byte{'\n'})
		if !complete {
			break
		}
		b = rest
		var e journalEntry
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &e) != nil || e.ID == "" {
			continue
		}
		es = append(es, e)
	}
	return es, nil
}

// appendJournal adds e to the journal and flushes it to disk before returning.
func appendJournal(path string, e journalEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if st.Size() > 0 && !endsWithNewline(path, st.Size()) {
		// The last line was cut short by a crash: end it, so this entry is a line of its own.
		line = append([]byte{'\n'}, line...)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if st.Size() == 0 {
		return syncDir(filepath.Dir(path)) // the file is new: make its name durable too
	}
	return nil
}

func endsWithNewline(path string, size int64) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, size-1)
	return err == nil && b[0] == '\n'
}

// rewriteJournal replaces the journal with es (removes it when es is empty), durably.
func rewriteJournal(path string, es []journalEntry) error {
	if len(es) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return syncDir(filepath.Dir(path))
	}
	var b bytes.Buffer
	for _, e := range es {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
