package inbox

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

func TestSubjectNamesNobody(t *testing.T) {
	tests := []struct {
		m    docket.InboxMessage
		want string
	}{
		{docket.InboxMessage{Urgent: true, Reason: "cannot attend"}, "URGENT: reply from a client — cannot attend"},
		{docket.InboxMessage{Urgent: true, Reason: "lost the notice"}, "URGENT: reply from a client — lost the notice"},
		{docket.InboxMessage{}, "Reply from a client"},
	}
	digits := regexp.MustCompile(`\d`)
	for _, tt := range tests {
		tt.m.From, tt.m.Body = "+12145550142", "Soy Rosa, A201-555-101, no puedo ir"
		subject, _ := Compose(tt.m, []docket.InboxClient{{Client: docket.Client{Name: "Rosa", ANumber: "201555101"}}}, nil)
		if subject != tt.want {
			t.Errorf("got %q, want %q", subject, tt.want)
		}
		if digits.MatchString(subject) || strings.Contains(subject, "Rosa") {
			t.Errorf("subject %q names the client, an A-number or a phone", subject)
		}
	}
}

func TestComposeQuotesEveryLineAndToldWhenItCame(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	m := docket.InboxMessage{ID: 4, From: "+12145550142", Body: "no puedo ir\nestoy enfermo",
		ReceivedAt: time.Date(2027, 2, 9, 18, 0, 0, 0, time.UTC), Urgent: true, Reason: "cannot attend"}
	_, text := Compose(m, nil, chicago)
	for _, want := range []string{"> no puedo ir\n> estoy enfermo\n", "Received: Tuesday, February 9, 2027 at 12:00 PM CST",
		"No client on file has this number.", "docketd inbox done 4"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

func TestRecipientsAreEachCounselOnceThenTheInbox(t *testing.T) {
	a := &docket.Attorney{ID: "a", Email: "a@example.org", Active: true}
	b := &docket.Attorney{ID: "b", Email: "b@example.org", Active: true}
	gone := &docket.Attorney{ID: "c", Email: "c@example.org"}
	tests := []struct {
		clients []docket.InboxClient
		inbox   string
		want    []string
	}{
		{[]docket.InboxClient{{Attorney: a}, {Attorney: b}, {Attorney: a}}, "office@example.org",
			[]string{"a@example.org", "b@example.org", "office@example.org"}},
		{nil, "office@example.org", []string{"office@example.org"}},
		{[]docket.InboxClient{{Attorney: gone}, {}}, "office@example.org", []string{"office@example.org"}},
		{[]docket.InboxClient{{Attorney: a}}, "a@example.org", []string{"a@example.org"}},
		{nil, "", nil},
	}
	for _, tt := range tests {
		if got := Recipients(tt.clients, tt.inbox); !slices.Equal(got, tt.want) {
			t.Errorf("got %v, want %v", got, tt.want)
		}
	}
}
