package store

import (
	"strings"
	"testing"
)

func TestRedactURLHidesEveryPassword(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"postgres://docketd:s3cret@db.example.org/docketd?sslmode=require",
			"postgres://docketd:xxxxx@db.example.org/docketd?sslmode=require"},
		{"postgres://docketd@db.example.org/docketd?password=s3cret&sslmode=require",
			"postgres://docketd@db.example.org/docketd?password=xxxxx&sslmode=require"},
		{"postgresql://db/docketd?sslpassword=s3cret", "postgresql://db/docketd?sslpassword=xxxxx"},
		{"postgres://db/docketd?PASSWORD=s3cret", "postgres://db/docketd?PASSWORD=xxxxx"},
		{"postgres://u:s3cret@db:bad-port/x", "postgres://xxxxx"},
		{"postgres://db/docketd?password=s3cret;x=%zz", "postgres://db/docketd?xxxxx"},
		{"sqlite:/var/lib/docketd/docketd.db", "sqlite:/var/lib/docketd/docketd.db"},
		{"postgres://db/docketd?sslmode=disable", "postgres://db/docketd?sslmode=disable"},
	} {
		got := RedactURL(tt.in)
		if got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("RedactURL(%q) shows the password", tt.in)
		}
	}
}

// A PostgreSQL URL gets custom plans unless it chose a plan cache mode itself; its other parameters stay.
func TestCustomPlans(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"postgres://u:p@db:5432/docketd?sslmode=disable", "postgres://u:p@db:5432/docketd?plan_cache_mode=force_custom_plan&sslmode=disable"},
		{"postgresql://db/docketd", "postgresql://db/docketd?plan_cache_mode=force_custom_plan"},
		{"postgres://db/docketd?plan_cache_mode=auto", "postgres://db/docketd?plan_cache_mode=auto"},
	} {
		if got := customPlans(tt.in); got != tt.want {
			t.Errorf("customPlans(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// On PostgreSQL every connection of the store plans each run of a kept statement for its values.
func TestPostgresConnectionsUseCustomPlans(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		if db.dialect != "postgres" {
			t.Skip("PostgreSQL only")
		}
		var mode string
		if err := db.gorm.Raw("SHOW plan_cache_mode").Scan(&mode).Error; err != nil || mode != "force_custom_plan" {
			t.Errorf("plan_cache_mode %q (%v), want force_custom_plan", mode, err)
		}
	})
}
