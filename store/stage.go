package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/ncruces/go-sqlite3/driver"
)

// stageInMemory is how many records a pass keeps in memory before it moves them to a staging file: the config's
// own hearings and an office export stay in memory, a dump of hundreds of thousands of rows goes to disk (a few
// hundred bytes a record in memory, which a 300,000-row import would otherwise hold twice over).
const stageInMemory = 4096

// stage holds the records of one pass, last one wins for a key repeated in the source, in the order each key was
// first listed. It lives outside the store's database (in memory, then in a private SQLite file of its own), so
// staging takes no lock any other writer waits for and a refused pass leaves nothing behind in the store.
type stage struct {
	dir string // where a staging file goes; "" means os.TempDir()
	mem []docket.HearingRecord
	idx map[string]int // key -> index in mem
	// file, once the records outgrew memory.
	path string
	db   *sql.DB
	n    int
}

func newStage(dir string) *stage { return &stage{dir: dir, idx: map[string]int{}} }

// len returns the number of distinct keys staged.
func (st *stage) len() int {
	if st.db != nil {
		return st.n
	}
	return len(st.mem)
}

// put stages a batch.
func (st *stage) put(ctx context.Context, recs []docket.HearingRecord) error {
	if st.db == nil {
		for _, r := range recs {
			if i, ok := st.idx[r.Key]; ok {
				st.mem[i] = r
				continue
			}
			st.idx[r.Key] = len(st.mem)
			st.mem = append(st.mem, r)
		}
		if len(st.mem) <= stageInMemory {
			return nil
		}
		if err := st.spill(ctx); err != nil {
			return err
		}
		return nil
	}
	return st.write(ctx, recs)
}

// staleStage is the age past which a staging folder is taken for one a killed pass left behind: no pass lasts a day.
const staleStage = 24 * time.Hour

// spill moves the records in memory to a new staging file, first removing the staging folders killed passes left.
func (st *stage) spill(ctx context.Context) error {
	base := st.dir
	if base == "" {
		base = os.TempDir()
	}
	if old, err := filepath.Glob(filepath.Join(base, "docketd-sync-*")); err == nil {
		for _, d := range old {
			if fi, err := os.Stat(d); err == nil && fi.IsDir() && time.Since(fi.ModTime()) > staleStage {
				os.RemoveAll(d)
			}
		}
	}
	dir, err := os.MkdirTemp(st.dir, "docketd-sync-")
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	st.path = dir
	// The file is private and thrown away after the pass: no journal, no fsync.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(OFF)")
	q.Add("_pragma", "synchronous(OFF)")
	q.Add("_pragma", "cache_size(-8000)") // 8 MB of page cache, SQLite's default is 2 MB
	dsn := "file:" + (&url.URL{Path: filepath.Join(dir, "stage.db")}).EscapedPath() + "?" + q.Encode()
	db, err := driver.Open(dsn)
	if err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("staging: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE rec (seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, data BLOB NOT NULL)`); err != nil {
		db.Close()
		os.RemoveAll(dir)
		return fmt.Errorf("staging: %w", err)
	}
	st.db = db
	mem := st.mem
	st.mem, st.idx = nil, nil
	return st.write(ctx, mem)
}

// write adds records to the staging file, replacing the data of a key already there (keeping its place).
func (st *stage) write(ctx context.Context, recs []docket.HearingRecord) error {
	tx, err := st.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // after a commit, a no-op
	// A key is counted when it is first inserted; a key listed again replaces its data. (Counting the rows after
	// each batch read the whole file again every time: quadratic over a dump of a million rows.)
	ins, err := tx.PrepareContext(ctx, `INSERT INTO rec (key, data) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	defer ins.Close()
	upd, err := tx.PrepareContext(ctx, `UPDATE rec SET data = ? WHERE key = ?`)
	if err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	defer upd.Close()
	added := 0
	var data []byte
	for i := range recs {
		r := &recs[i]
		data, err = appendRecord(data[:0], r)
		if err != nil {
			return fmt.Errorf("staging: %w", err)
		}
		res, err := ins.ExecContext(ctx, r.Key, data)
		if err != nil {
			return fmt.Errorf("staging: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("staging: %w", err)
		} else if n == 1 {
			added++
			continue
		}
		if _, err := upd.ExecContext(ctx, data, r.Key); err != nil {
			return fmt.Errorf("staging: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	st.n += added
	return nil
}

// each calls fn with the staged records in order, n at a time. fn may keep nothing of the slice.
func (st *stage) each(ctx context.Context, n int, fn func([]docket.HearingRecord) error) error {
	if st.db == nil {
		for i := 0; i < len(st.mem); i += n {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(st.mem[i:min(i+n, len(st.mem))]); err != nil {
				return err
			}
		}
		return nil
	}
	buf := make([]docket.HearingRecord, 0, n)
	var after int64
	for {
		buf = buf[:0]
		rows, err := st.db.QueryContext(ctx, `SELECT seq, data FROM rec WHERE seq > ? ORDER BY seq LIMIT ?`, after, n)
		if err != nil {
			return fmt.Errorf("staging: %w", err)
		}
		for rows.Next() {
			var data []byte
			var r docket.HearingRecord
			if err := rows.Scan(&after, &data); err != nil {
				rows.Close()
				return fmt.Errorf("staging: %w", err)
			}
			if err := decodeRecord(data, &r); err != nil {
				rows.Close()
				return fmt.Errorf("staging: %w", err)
			}
			buf = append(buf, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("staging: %w", err)
		}
		if len(buf) == 0 {
			return nil
		}
		if err := fn(buf); err != nil {
			return err
		}
	}
}

// close throws the staged records away.
func (st *stage) close() {
	st.mem, st.idx = nil, nil
	if st.db != nil {
		st.db.Close()
		st.db = nil
	}
	if st.path != "" {
		os.RemoveAll(st.path)
		st.path = ""
	}
}
