package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// insertRun is how many rows one kept statement of an inserter writes, and how many keys a kept look-up asks for.
const insertRun = 20

// kept returns query prepared on the database, the first time it is asked for, and kept. It is for statements run
// outside a transaction: preparing on the database takes a pooled connection of its own, which a caller holding one
// for its transaction could wait for forever (inTx is for those). Only statements of a fixed text belong here (an IN
// list of any length would be a statement a length).
func (db *DB) kept(query string) (*sql.Stmt, error) {
	db.keptMu.Lock()
	defer db.keptMu.Unlock()
	if s, ok := db.keptStmts[query]; ok {
		return s, nil
	}
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return nil, err
	}
	s, err := sqlDB.Prepare(query)
	if err != nil {
		return nil, err
	}
	if db.keptStmts == nil {
		db.keptStmts = map[string]*sql.Stmt{}
	}
	db.keptStmts[query] = s
	return s, nil
}

// inTx prepares query on the transaction tx, for the caller to run as often as it has rows for and then close:
// parsed once for the batch of a transaction, where gorm's statements are parsed once for each use. (gorm's own
// prepared statements do not serve here: one first prepared inside a transaction belongs to it, and is parsed again
// in every later one.)
func inTx(tx *gorm.DB, query string) (*sql.Stmt, error) {
	pool := tx.Statement.ConnPool
	if p, ok := pool.(*gorm.PreparedStmtTX); ok {
		pool = p.Tx
	}
	stx, ok := pool.(*sql.Tx)
	if !ok {
		return nil, errors.New("not inside a transaction")
	}
	return stx.PrepareContext(tx.Statement.Context, query)
}

// inserter writes rows of one table on SQLite through two statements prepared for the batch (inTx): one of
// insertRun rows, and one of a single row for the rest. A statement of hundreds of rows built and parsed again for
// every few hundred rows (gorm's insert) was a sixth of a plan's time; one of twenty rows is parsed in a small part
// of that, once for a batch, and runs as fast.
type inserter struct {
	table   string
	columns []string
	tail    string // after the values: the conflict clause, a RETURNING
	run     int    // rows of the longer statement; 0 is insertRun, 1 writes every row alone
}

// runRows is how many rows the longer statement of in writes.
func (in *inserter) runRows() int {
	if in.run > 0 {
		return in.run
	}
	return insertRun
}

// statement is the INSERT of n rows.
func (in *inserter) statement(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + in.table + " (")
	for i, c := range in.columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + c + `"`)
	}
	b.WriteString(") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(in.columns)), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(" " + in.tail)
	return b.String()
}

// runs calls fn with each run of rows and the kept statement that writes it, inside tx: runs of insertRun rows,
// then single rows.
func (in *inserter) runs(tx *gorm.DB, rows [][]any, fn func(s *sql.Stmt, args []any) error) error {
	run := in.runRows()
	args := make([]any, 0, run*len(in.columns))
	each := func(n int, rows [][]any) error {
		s, err := inTx(tx, in.statement(n))
		if err != nil {
			return err
		}
		defer s.Close()
		for i := 0; i < len(rows); i += n {
			args = args[:0]
			for _, r := range rows[i : i+n] {
				args = append(args, r...)
			}
			if err := fn(s, args); err != nil {
				return err
			}
		}
		return nil
	}
	full := len(rows) / run * run
	if full > 0 {
		if err := each(run, rows[:full]); err != nil {
			return fmt.Errorf("insert into %s: %w", in.table, err)
		}
	}
	if full < len(rows) {
		if err := each(1, rows[full:]); err != nil {
			return fmt.Errorf("insert into %s: %w", in.table, err)
		}
	}
	return nil
}

// insert writes rows, each a value for every column in order, inside the transaction tx, and returns how
// many it wrote (rows the conflict clause left out are not counted).
func (in *inserter) insert(tx *gorm.DB, rows [][]any) (int64, error) {
	var written int64
	err := in.runs(tx, rows, func(s *sql.Stmt, args []any) error {
		res, err := s.ExecContext(tx.Statement.Context, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		written += n
		return err
	})
	return written, err
}

// unnestInsert writes rows (each a value for every column in order) into table on PostgreSQL with one statement of
// one array a column, INSERT … SELECT FROM unnest, and returns how many it wrote. Each column's values must be of
// one Go type: int64, string, *string, bool, time.Time or *time.Time (nil for NULL).
func unnestInsert(tx *gorm.DB, table string, columns []string, rows [][]any, tail string) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	q, arrays, err := unnestStatement(table, columns, rows, tail)
	if err != nil {
		return 0, err
	}
	res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, q, arrays...)
	if err != nil {
		return 0, fmt.Errorf("insert into %s: %w", table, err)
	}
	return res.RowsAffected()
}

// unnestStatement is the INSERT … SELECT FROM unnest of rows into table, and its arguments, an array a column.
func unnestStatement(table string, columns []string, rows [][]any, tail string) (string, []any, error) {
	arrays := make([]any, len(columns))
	casts := make([]string, len(columns))
	quoted := make([]string, len(columns))
	for c := range columns {
		quoted[c] = `"` + columns[c] + `"`
		var err error
		if arrays[c], casts[c], err = column(rows, c); err != nil {
			return "", nil, fmt.Errorf("insert into %s: column %s: %w", table, columns[c], err)
		}
		casts[c] = fmt.Sprintf("$%d::%s[]", c+1, casts[c])
	}
	return "INSERT INTO " + table + " (" + strings.Join(quoted, ", ") + ") SELECT * FROM unnest(" +
		strings.Join(casts, ", ") + ") " + tail, arrays, nil
}

// column gathers column c of rows into one typed slice, with the PostgreSQL type of its elements.
func column(rows [][]any, c int) (any, string, error) {
	switch rows[0][c].(type) {
	case int64:
		return gathered[int64](rows, c, "bigint")
	case string:
		return gathered[string](rows, c, "text")
	case *string:
		return gathered[*string](rows, c, "text")
	case bool:
		return gathered[bool](rows, c, "boolean")
	case time.Time:
		return gathered[time.Time](rows, c, "timestamptz")
	case *time.Time:
		return gathered[*time.Time](rows, c, "timestamptz")
	}
	return nil, "", fmt.Errorf("values of type %T", rows[0][c])
}

func gathered[T any](rows [][]any, c int, pgType string) (any, string, error) {
	out := make([]T, len(rows))
	for i, r := range rows {
		v, ok := r[c].(T)
		if !ok {
			return nil, "", fmt.Errorf("row %d: a %T among values of type %T", i, r[c], out[0])
		}
		out[i] = v
	}
	return out, pgType, nil
}
