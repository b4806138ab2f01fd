package feed

import (
	"context"
	"strings"
	"testing"

	"github.com/docketd/docketd/docket"
)

// tokens is a Granter that keeps what it was given.
type tokens struct{ hashes [][]byte }

func (t *tokens) CreateFeedToken(_ context.Context, hash []byte, scope, label string) (docket.FeedToken, error) {
	t.hashes = append(t.hashes, hash)
	return docket.FeedToken{ID: uint(len(t.hashes)), Hash: hash, Scope: scope, Label: label}, nil
}

func TestGrantKeepsOnlyTheHash(t *testing.T) {
	st := &tokens{}
	row, u, err := Grant(context.Background(), st, "https://docket.example.org/", Scope{Kind: "attorney", ID: "lf"},
		"Lucía's phone")
	if err != nil {
		t.Fatal(err)
	}
	token, ok := strings.CutPrefix(u, "https://docket.example.org"+PathPrefix)
	if !ok || !strings.HasSuffix(token, ".ics") {
		t.Fatalf("URL = %q", u)
	}
	token = strings.TrimSuffix(token, ".ics")
	if got, want := string(row.Hash), string(HashToken(token)); got != want {
		t.Error("the stored hash is not the token's")
	}
	if strings.Contains(string(row.Hash), token) || row.Scope != "attorney:lf" {
		t.Errorf("row = %+v", row)
	}
	for in, want := range map[string]string{"https://docket.example.org/feeds/x.ics": "webcal://docket.example.org/feeds/x.ics",
		"http://localhost:8080/feeds/x.ics": "webcal://localhost:8080/feeds/x.ics", "x": "x"} {
		if got := WebcalURL(in); got != want {
			t.Errorf("WebcalURL(%q) = %q, want %q", in, got, want)
		}
	}
}
