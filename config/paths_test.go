package config

import (
	"os"
	"path/filepath"
	"testing"
)

// A config's paths are read from its own folder, whatever the working directory: a cron job or a command run from
// another folder opens the same database and reads the same files.
func TestPathsAreReadFromTheConfigFolder(t *testing.T) {
	office := t.TempDir()
	if err := os.Mkdir(filepath.Join(office, "templates"), 0o750); err != nil {
		t.Fatal(err)
	}
	src := `[organization]
name = "Office"
timezone = "America/Chicago"

[database]
url = "sqlite:data/docketd.db"

[reminders]
templates_dir = "templates"

[[sources]]
name = "export"
kind = "csv"
path = "in/docket.csv"
every = "1h"

[[sources]]
name = "court"
kind = "eoir_bulk"
path = "/srv/eoir/tbl_schedule.txt"
every = "1d"

[[sources]]
name = "shared"
kind = "csv"
path = "${SHARE}/export.csv"
every = "1h"

[[sources]]
name = "calendar"
kind = "ics"
url = "https://cal.example/office.ics"
every = "1h"
`
	if err := os.WriteFile(filepath.Join(office, "docketd.toml"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	// From the folder above, naming the file relatively, as `docketd status --config office/docketd.toml` would.
	t.Chdir(filepath.Dir(office))
	env := func(name string) (string, bool) {
		if name == "SHARE" {
			return "share", true
		}
		return "", false
	}
	cfg, err := Load(filepath.Join(filepath.Base(office), "docketd.toml"), Options{Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"database.url", cfg.Database.URL, "sqlite:" + filepath.Join(office, "data", "docketd.db")},
		{"templates_dir", cfg.Reminders.TemplatesDir, filepath.Join(office, "templates")},
		{"relative source path", cfg.Sources[0].Path, filepath.Join(office, "in", "docket.csv")},
		{"absolute source path", cfg.Sources[1].Path, "/srv/eoir/tbl_schedule.txt"},
		{"path from ${SHARE}", cfg.Sources[2].Path, filepath.Join(office, "share", "export.csv")},
		{"url", cfg.Sources[3].URL, "https://cal.example/office.ics"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}

	for _, url := range []string{"sqlite:/var/lib/docketd/docketd.db", "postgres://docketd@db.internal/docketd"} {
		cfg, err := Parse(filepath.Join(office, "docketd.toml"), []byte("[organization]\nname = \"Office\"\n[database]\nurl = \""+url+"\"\n"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Database.URL != url {
			t.Errorf("database.url %q became %q: it must stay as written", url, cfg.Database.URL)
		}
	}
}
