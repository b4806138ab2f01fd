package inbound

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/docketd/docketd/docket"
)

// memInbox keeps what the webhooks hand it, once by MessageSID; fail makes the next Keep fail.
type memInbox struct {
	mu   sync.Mutex
	kept map[string]docket.InboxMessage
	fail bool
}

func (b *memInbox) Keep(_ context.Context, m docket.InboxMessage) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail {
		b.fail = false
		return errors.New("database is locked")
	}
	if _, ok := b.kept[m.MessageSID]; !ok {
		b.kept[m.MessageSID] = m
	}
	return nil
}

func TestWebhookHandsTextsForStaffToTheInbox(t *testing.T) {
	box := &memInbox{kept: map[string]docket.InboxMessage{}}
	env := newHookEnv(t, func(c *WebhookConfig) { c.Inbox = box })
	tests := []struct {
		body       string
		kept       bool
		wantReason Urgency
	}{
		{"no puedo ir, estoy enfermo", true, UrgentCannotAttend},
		{"¿Dónde queda la corte?", true, ""},
		{"yes", true, ""}, // nothing to confirm: for staff
		{"FECHA", false, ""},
		{"ALTO", false, ""},
	}
	for _, tt := range tests {
		form := inboundForm(clientA, tt.body)
		if code, _ := env.postForm(form); code != http.StatusOK {
			t.Fatalf("%q: status %d", tt.body, code)
		}
		m, ok := box.kept[form.Get("MessageSid")]
		if ok != tt.kept {
			t.Errorf("%q: kept %v, want %v", tt.body, ok, tt.kept)
			continue
		}
		if !ok {
			continue
		}
		if m.From != clientA || m.To != testFrom || m.Body != tt.body || !m.ReceivedAt.Equal(env.now) ||
			m.Urgent != (tt.wantReason != "") || m.Reason != string(tt.wantReason) {
			t.Errorf("%q: kept %+v", tt.body, m)
		}
	}
}

// A text the inbox could not keep gets a 500 and is not noted as seen, so Twilio's retry or a replay keeps it.
func TestWebhookTextTheInboxCouldNotKeepIsKeptOnTheReplay(t *testing.T) {
	box := &memInbox{kept: map[string]docket.InboxMessage{}, fail: true}
	env := newHookEnv(t, func(c *WebhookConfig) { c.Inbox = box })
	form := inboundForm(clientA, "me detuvieron")
	if code, _ := env.postForm(form); code != http.StatusInternalServerError {
		t.Fatalf("status: got %d, want 500", code)
	}
	if code, _ := env.postForm(form); code != http.StatusOK {
		t.Fatalf("replay: status %d, want 200", code)
	}
	if m, ok := box.kept[form.Get("MessageSid")]; !ok || m.Reason != string(UrgentDetained) {
		t.Errorf("replay: kept %+v %v, want the urgent text", m, ok)
	}
}
