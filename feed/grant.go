package feed

import (
	"context"
	"strings"

	"github.com/docketd/docketd/docket"
)

// Granter stores a new feed token: only its hash. docketd's store satisfies it.
type Granter interface {
	CreateFeedToken(ctx context.Context, hash []byte, scope, label string) (docket.FeedToken, error)
}

// Grant creates a token for the scope and returns its record and the feed's secret URL under publicURL. The token
// itself exists only in the URL: it is shown once.
func Grant(ctx context.Context, st Granter, publicURL string, sc Scope, label string) (docket.FeedToken, string, error) {
	token, err := NewToken()
	if err != nil {
		return docket.FeedToken{}, "", err
	}
	row, err := st.CreateFeedToken(ctx, HashToken(token), sc.String(), label)
	if err != nil {
		return docket.FeedToken{}, "", err
	}
	return row, URL(publicURL, token), nil
}

// URL is where a token's feed is served.
func URL(publicURL, token string) string {
	return strings.TrimSuffix(publicURL, "/") + PathPrefix + token + ".ics"
}

// WebcalURL is the same URL with the scheme calendar apps open as a subscription when clicked.
func WebcalURL(u string) string {
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(u, scheme); ok {
			return "webcal://" + rest
		}
	}
	return u
}
