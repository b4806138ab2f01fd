package metrics

import (
	"io"
	"testing"

	"github.com/docketd/docketd/docket"
)

func TestStoreCollectorCountsTheInbox(t *testing.T) {
	st := &fakeStore{counts: docket.Counts{Inbox: docket.InboxCounts{Unhandled: 3, Urgent: 1, Unforwarded: 2}}}
	body := scrapeText(t, newTestRegistry(st, true, io.Discard))
	checkLines(t, body, []string{
		`docketd_inbox_messages{state="unhandled"} 3`,
		`docketd_inbox_messages{state="urgent_unhandled"} 1`,
		`docketd_inbox_messages{state="unforwarded"} 2`,
	}, nil)
}
