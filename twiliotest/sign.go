package twiliotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Signature is the X-Twilio-Signature Twilio sends with a webhook request to fullURL (scheme, host, path and query,
// as configured in Twilio) carrying the form params: base64(HMAC-SHA1(authToken, fullURL followed by each
// parameter's name and value, sorted by name)). A repeated parameter contributes each of its values, sorted.
func Signature(authToken, fullURL string, params url.Values) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range names {
		vs := append([]string(nil), params[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sign sets r's X-Twilio-Signature header for the form params, as Twilio signs a webhook to fullURL with authToken.
// fullURL is the public URL Twilio calls, which differs from r's own when a proxy or a test server stands behind it.
func Sign(r *http.Request, authToken, fullURL string, params url.Values) {
	r.Header.Set("X-Twilio-Signature", Signature(authToken, fullURL, params))
}
