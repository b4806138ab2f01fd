package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
)

func TestLogSend(t *testing.T) {
	ts, err := message.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	sms, err := ts.Render(message.SampleNotices("es")[0])
	if err != nil {
		t.Fatal(err)
	}
	mail := docket.Message{Key: "k-mail", Channel: docket.Email, To: "rosa.castillo@example.com", Language: "en",
		Subject: "Reminder for Rosa Castillo", Text: "Dear Rosa Castillo, A-number 201555123", HTML: "<p>x</p>",
		Invite: &docket.Invite{Method: "REQUEST"}}

	tests := []struct {
		name      string
		level     slog.Level
		showBody  bool
		msg       docket.Message
		wantID    string
		want      []string
		forbidden []string
	}{
		{
			name: "sms at info", level: slog.LevelInfo, msg: sms, wantID: "log-" + sms.Key,
			want:      []string{"would send sms", "to=+1******0111", "encoding=UCS-2", "segments=3", "language=es", "component=notify"},
			forbidden: []string{"2145550111", "María", "Hernández", "body="},
		},
		{
			name: "email at info", level: slog.LevelInfo, msg: mail, wantID: "log-k-mail",
			want:      []string{"would send email", "to=r***@example.com", "html=true", "invite=REQUEST"},
			forbidden: []string{"rosa.castillo", "Rosa", "201555123", "subject="},
		},
		{
			name: "body shown at info masks numbers", level: slog.LevelInfo, showBody: true, msg: mail,
			want:      []string{"body=", "A-number *****5123"},
			forbidden: []string{"201555123"},
		},
		{
			name: "debug carries the whole body", level: slog.LevelDebug, msg: sms,
			want:      []string{"NTX Legal Aid: María", "Planee cómo llegar", "to=+1******0111"},
			forbidden: []string{"to=+12145550111"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := &Log{Logger: slog.New(docket.MaskingHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level}))), ShowBody: tt.showBody}
			id, err := l.Send(context.Background(), tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantID != "" && id != tt.wantID {
				t.Errorf("provider id: got %q, want %q", id, tt.wantID)
			}
			got := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, f := range tt.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("output leaks %q:\n%s", f, got)
				}
			}
		})
	}
}

func TestLogSendIDWithoutKeyIsStable(t *testing.T) {
	l := &Log{Logger: slog.New(slog.DiscardHandler)}
	m := docket.Message{Channel: docket.SMS, To: "+12145550123", Text: "hola"}
	a, err := l.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	m.Text = "adiós"
	c, err := l.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a == c || !strings.HasPrefix(a, "log-") {
		t.Errorf("ids: got %q, %q, %q; want the first two equal, the third different, all starting log-", a, b, c)
	}
}

func TestLogSendCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Log{Logger: slog.New(slog.DiscardHandler)}).Send(ctx, docket.Message{Channel: docket.SMS}); err == nil {
		t.Error("got no error for a cancelled context")
	}
}
