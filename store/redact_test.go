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
