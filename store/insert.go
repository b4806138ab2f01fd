package store

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// insertRun is how many rows one kept statement of an inserter writes.
const insertRun = 20

// inserter writes rows of one table on SQLite through two statements prepared once on the database and kept: one
// of insertRun rows, and one of a single row for the rest of a batch. A statement of hundreds of rows built and
// parsed again for every batch (gorm's insert) was a sixth of a plan's time; one of hundreds kept prepared holds
// megabytes of SQLite's memory on every pooled connection, one of twenty a small part of that, for the same speed.
type inserter struct {
	table   string
	columns []string
	tail    string // after the values: the conflict clause

	mu       sync.Mutex
	run, one *sql.Stmt
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

// prepared returns the inserter's two statements, prepared on db the first time.
func (in *inserter) prepared(db *DB) (run, one *sql.Stmt, err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.run != nil {
		return in.run, in.one, nil
	}
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return nil, nil, err
	}
	if run, err = sqlDB.Prepare(in.statement(insertRun)); err != nil {
		return nil, nil, err
	}
	if one, err = sqlDB.Prepare(in.statement(1)); err != nil {
		run.Close()
		return nil, nil, err
	}
	in.run, in.one = run, one
	return run, one, nil
}

// insert writes rows, each a value for every column in order, inside tx (a transaction of db's), and returns how
// many it wrote (rows the conflict clause left out are not counted).
func (in *inserter) insert(db *DB, tx *gorm.DB, rows [][]any) (int64, error) {
	stx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return 0, fmt.Errorf("insert into %s: not inside a transaction", in.table)
	}
	run, one, err := in.prepared(db)
	if err != nil {
		return 0, fmt.Errorf("insert into %s: %w", in.table, err)
	}
	ctx := tx.Statement.Context
	var written int64
	exec := func(s *sql.Stmt, rows [][]any) error {
		args := make([]any, 0, len(rows)*len(in.columns))
		for _, r := range rows {
			args = append(args, r...)
		}
		res, err := s.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		written += n
		return err
	}
	i := 0
	if len(rows) >= insertRun {
		s := stx.StmtContext(ctx, run)
		defer s.Close()
		for ; i+insertRun <= len(rows); i += insertRun {
			if err := exec(s, rows[i:i+insertRun]); err != nil {
				return written, fmt.Errorf("insert into %s: %w", in.table, err)
			}
		}
	}
	if i < len(rows) {
		s := stx.StmtContext(ctx, one)
		defer s.Close()
		for ; i < len(rows); i++ {
			if err := exec(s, rows[i:i+1]); err != nil {
				return written, fmt.Errorf("insert into %s: %w", in.table, err)
			}
		}
	}
	return written, nil
}

// unnestInsert writes rows (each a value for every column in order) into table on PostgreSQL with one statement of
// one array a column, INSERT … SELECT FROM unnest, and returns how many it wrote. Each column's values must be of
// one Go type: int64, string, bool, time.Time or *time.Time (nil for NULL).
func unnestInsert(tx *gorm.DB, table string, columns []string, rows [][]any, tail string) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	arrays := make([]any, len(columns))
	casts := make([]string, len(columns))
	quoted := make([]string, len(columns))
	for c := range columns {
		quoted[c] = `"` + columns[c] + `"`
		var err error
		if arrays[c], casts[c], err = column(rows, c); err != nil {
			return 0, fmt.Errorf("insert into %s: column %s: %w", table, columns[c], err)
		}
		casts[c] = fmt.Sprintf("$%d::%s[]", c+1, casts[c])
	}
	q := "INSERT INTO " + table + " (" + strings.Join(quoted, ", ") + ") SELECT * FROM unnest(" +
		strings.Join(casts, ", ") + ") " + tail
	res, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, q, arrays...)
	if err != nil {
		return 0, fmt.Errorf("insert into %s: %w", table, err)
	}
	return res.RowsAffected()
}

// column gathers column c of rows into one typed slice, with the PostgreSQL type of its elements.
func column(rows [][]any, c int) (any, string, error) {
	switch rows[0][c].(type) {
	case int64:
		return gathered[int64](rows, c, "bigint")
	case string:
		return gathered[string](rows, c, "text")
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
