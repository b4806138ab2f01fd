package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// migrateTogether opens the store at url n times at once, each on its own connections, and migrates each; it
// returns the errors.
func migrateTogether(t *testing.T, url string, n int) []error {
	t.Helper()
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			db, err := Open(url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = db.Migrate(context.Background())
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// checkMigratedOnce fails t unless the database at url has every migration recorded once and the whole court table.
func checkMigratedOnce(t *testing.T, url string) {
	t.Helper()
	db, err := Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows []struct {
		ID string
		N  int
	}
	if err := db.gorm.Table(migrationsTable).Select("id, count(*) AS n").Group("id").Order("id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(migrations) {
		t.Errorf("migrations recorded: %v, want each of the %d once", rows, len(migrations))
	}
	for _, r := range rows {
		if r.N != 1 {
			t.Errorf("migration %s recorded %d times", r.ID, r.N)
		}
	}
	embedded, err := EmbeddedCourts()
	if err != nil {
		t.Fatal(err)
	}
	var courts int64
	if err := db.gorm.Model(&courtRow{}).Count(&courts).Error; err != nil {
		t.Fatal(err)
	}
	if courts != int64(len(embedded)) {
		t.Errorf("courts: %d, want %d", courts, len(embedded))
	}
	st, err := db.Migrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Pending) > 0 {
		t.Errorf("pending after every migration succeeded: %v", st.Pending)
	}
}

// TestMigrateTogetherSQLite has many stores in one process migrate one new SQLite file at the same moment, as
// `docketd run` and a cron `docketd remind` starting together do: every one must succeed, and the schema be made once.
func TestMigrateTogetherSQLite(t *testing.T) {
	const rounds, stores = 10, 8
	failed := 0
	for round := range rounds {
		url := "sqlite:" + filepath.Join(t.TempDir(), fmt.Sprintf("round%d.db", round))
		for i, err := range migrateTogether(t, url, stores) {
			if err != nil {
				failed++
				t.Errorf("round %d, store %d: %v", round, i, err)
			}
		}
		checkMigratedOnce(t, url)
	}
	t.Logf("%d rounds of %d stores migrating one new file at once: %d failed", rounds, stores, failed)
}

// migrateHelperEnv names, in a child process of this test binary, the database TestMigrateHelperProcess migrates.
const migrateHelperEnv = "DOCKETD_TEST_MIGRATE_URL"

// TestMigrateHelperProcess is not a test of its own: run as a child by TestMigrateTogetherProcesses, it opens and
// migrates the database migrateHelperEnv names and exits 0 only if that succeeded.
func TestMigrateHelperProcess(t *testing.T) {
	url := os.Getenv(migrateHelperEnv)
	if url == "" {
		t.Skip("a child process of TestMigrateTogetherProcesses")
	}
	db, err := Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateTogetherProcesses starts several processes at once, each opening and migrating one new database: on
// SQLite (the file lock), and on PostgreSQL when DOCKETD_TEST_POSTGRES is set (the advisory lock).
func TestMigrateTogetherProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	const rounds, procs = 5, 4
	urls := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "new.db") },
	}
	if base := os.Getenv("DOCKETD_TEST_POSTGRES"); base != "" {
		urls["postgres"] = func(t *testing.T) string { return emptySchema(t, base) }
	}
	for name, newURL := range urls {
		t.Run(name, func(t *testing.T) {
			failed := 0
			for round := range rounds {
				url := newURL(t)
				cmds := make([]*exec.Cmd, procs)
				outs := make([]strings.Builder, procs)
				for i := range cmds {
					cmds[i] = exec.Command(os.Args[0], "-test.run=^TestMigrateHelperProcess$", "-test.count=1")
					cmds[i].Env = append(os.Environ(), migrateHelperEnv+"="+url)
					cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
				}
				for _, c := range cmds {
					if err := c.Start(); err != nil {
						t.Fatal(err)
					}
				}
				for i, c := range cmds {
					if err := c.Wait(); err != nil {
						failed++
						t.Errorf("round %d, process %d: %v\n%s", round, i, err, outs[i].String())
					}
				}
				checkMigratedOnce(t, url)
			}
			t.Logf("%d rounds of %d processes migrating one new database at once: %d failed", rounds, procs, failed)
		})
	}
}

// emptySchema makes a new schema in the PostgreSQL database at base, dropped after the test, and returns base with
// its search_path set to it; unlike MustOpenPostgres it does not migrate.
func emptySchema(t *testing.T, base string) string {
	t.Helper()
	admin, err := Open(base)
	if err != nil {
		t.Fatal(err)
	}
	schema := "m_" + strconv.Itoa(os.Getpid()) + "_" + strconv.FormatInt(schemaSeq.Add(1), 10)
	if err := admin.gorm.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.gorm.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
