package docket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

// The personal data the cases log, and how each must show when masked.
const (
	logPhone       = "+12145550142"
	logPhoneMasked = "+1******0142"
	logEmail       = "rosa.mendoza@example.net"
	logEmailMasked = "r***@example.net"
	logANumber     = "A201555101"
	logANumMasked  = "A*****5101"
)

var logSecrets = []string{logPhone, "2145550142", logEmail, "rosa.mendoza", logANumber, "201555101"}

// caseNote is a fmt.Stringer, as a config problem or a sync report is.
type caseNote struct{ text string }

func (c *caseNote) String() string { return c.text }

// courtCode is a named string type, which slog logs as KindAny.
type courtCode string

// logFormats renders what log writes through the masking handler over slog's text and JSON handlers.
func logFormats(t *testing.T, level slog.Level, log func(*slog.Logger)) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, newHandler := range map[string]func(*bytes.Buffer, *slog.HandlerOptions) slog.Handler{
		"text": func(b *bytes.Buffer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(b, o) },
		"json": func(b *bytes.Buffer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(b, o) },
	} {
		var buf bytes.Buffer
		log(slog.New(MaskingHandler(newHandler(&buf, &slog.HandlerOptions{Level: level}))))
		if name == "json" {
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				if line != "" && !json.Valid([]byte(line)) {
					t.Errorf("json handler wrote invalid JSON: %s", line)
				}
			}
		}
		out[name] = buf.String()
	}
	return out
}

func TestMaskingHandlerMasks(t *testing.T) {
	tests := []struct {
		name string
		log  func(l *slog.Logger, level slog.Level)
		want []string
	}{
		{"message", func(l *slog.Logger, level slog.Level) {
			l.Log(context.Background(), level, "text from "+logPhone+" for "+logEmail+" about "+logANumber)
		}, []string{logPhoneMasked, logEmailMasked, logANumMasked}},
		{"string attrs", func(l *slog.Logger, level slog.Level) {
			l.Log(context.Background(), level, "sent", "to", logPhone, "cc", logEmail, "a_number", logANumber)
		}, []string{logPhoneMasked, logEmailMasked, logANumMasked}},
		{"error attr", func(l *slog.Logger, level slog.Level) {
			err := fmt.Errorf("send: %w", errors.New("21610: "+logPhone+" unsubscribed; case "+logANumber+", "+logEmail))
			l.Log(context.Background(), level, "failed", "err", err)
		}, []string{logPhoneMasked, logEmailMasked, logANumMasked}},
		{"stringer and named string", func(l *slog.Logger, level slog.Level) {
			l.Log(context.Background(), level, "note", "problem", &caseNote{"row 3: phone " + logPhone}, "court", courtCode(logANumber),
				"none", (*caseNote)(nil))
		}, []string{logPhoneMasked, logANumMasked, "<nil>"}},
		{"group", func(l *slog.Logger, level slog.Level) {
			l.Log(context.Background(), level, "contact", slog.Group("client", "phone", logPhone,
				slog.Group("more", "email", logEmail, "err", errors.New("no hearing for "+logANumber))))
		}, []string{logPhoneMasked, logEmailMasked, logANumMasked}},
		{"with attrs", func(l *slog.Logger, level slog.Level) {
			l.With("to", logPhone).With(slog.Group("g", "cc", logEmail)).Log(context.Background(), level, "sent", "n", 1)
		}, []string{logPhoneMasked, logEmailMasked}},
		{"with group", func(l *slog.Logger, level slog.Level) {
			l.WithGroup("hearing").With("a_number", logANumber).Log(context.Background(), level, "moved", "to", logPhone)
		}, []string{logANumMasked, logPhoneMasked}},
		{"log valuers mask themselves", func(l *slog.Logger, level slog.Level) {
			l.Log(context.Background(), level, "planned", "a_number", ANumber("201555101"), "name", Name("Rosa Mendoza"),
				"to", Contact(logEmail))
		}, []string{"*****5101", "R. M.", logEmailMasked}},
	}
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelError + 4} {
		for _, tt := range tests {
			t.Run(level.String()+"/"+tt.name, func(t *testing.T) {
				for format, got := range logFormats(t, slog.LevelInfo, func(l *slog.Logger) { tt.log(l, level) }) {
					for _, s := range append(logSecrets, "Rosa Mendoza") {
						if strings.Contains(got, s) {
							t.Errorf("%s: shows %q in clear: %s", format, s, got)
						}
					}
					for _, w := range tt.want {
						if !strings.Contains(got, w) {
							t.Errorf("%s: lacks %q: %s", format, w, got)
						}
					}
				}
			})
		}
	}
}

func TestMaskingHandlerKeepsWhatIsNotPersonal(t *testing.T) {
	at := time.Date(2028, 2, 7, 10, 0, 0, 0, time.FixedZone("CST", -6*3600))
	out := logFormats(t, slog.LevelInfo, func(l *slog.Logger) {
		l.Info("call 1-800-898-7180 for case status; 12 hearings synced at 2028-02-07T16:00:00Z in 1.5s",
			"count", 1234567, "outbox_id", uint(20155510), "wait", 90*time.Minute, "late", time.Duration(1234567),
			"at", at, "ok", true, "ratio", 0.1234567, "ids", []uint{2015551, 2015552},
			"message_sid", "SM0123456789abcdef0123456789abcdef", "addr", "192.168.10.20:8080",
			"due", "2028-02-07 10:00", "hotline", eoirHotline)
	})
	common := []string{"1-800-898-7180 for case status; 12 hearings synced at 2028-02-07T16:00:00Z in 1.5s",
		"1234567", "20155510", "2028-02-07T10:00:00", "0.1234567", "2015551", "2015552",
		"SM0123456789abcdef0123456789abcdef", "192.168.10.20:8080", "2028-02-07 10:00"}
	wants := map[string][]string{
		"text": append(common, "wait=1h30m0s", "late=1.234567ms", "ok=true", "hotline=1-800-898-7180"),
		"json": append(common, `"wait":5400000000000`, `"late":1234567`, `"ok":true`, `"hotline":"1-800-898-7180"`),
	}
	for format, got := range out {
		if strings.Contains(got, "*") {
			t.Errorf("%s: masked something: %s", format, got)
		}
		for _, w := range wants[format] {
			if !strings.Contains(got, w) {
				t.Errorf("%s: lacks %q: %s", format, w, got)
			}
		}
	}
}

func TestMaskingHandlerDebug(t *testing.T) {
	out := logFormats(t, slog.LevelDebug, func(l *slog.Logger) {
		l = l.With("to", logPhone)
		l.Debug("would send sms (body)", "body", "Rosa Mendoza, "+logANumber+", call "+logPhone,
			"err", errors.New("to "+logEmail), "a_number", ANumber("201555101"))
		l.Log(context.Background(), slog.LevelInfo-1, "below info", "cc", logEmail)
		l.Info("sent", "cc", logEmail)
	})
	for format, got := range out {
		lines := strings.Split(strings.TrimSpace(got), "\n")
		if len(lines) != 3 {
			t.Fatalf("%s: got %d lines, want 3: %s", format, len(lines), got)
		}
		// Debug shows what its call site wrote, WithAttrs included; a LogValuer still masks itself.
		for _, w := range []string{"Rosa Mendoza", logANumber, logPhone, logEmail, "*****5101"} {
			if !strings.Contains(lines[0], w) {
				t.Errorf("%s: debug line lacks %q: %s", format, w, lines[0])
			}
		}
		if !strings.Contains(lines[1], logEmail) {
			t.Errorf("%s: a level below info is not debug's: %s", format, lines[1])
		}
		// The same logger's info line is masked, the attribute from With too.
		for _, s := range logSecrets {
			if strings.Contains(lines[2], s) {
				t.Errorf("%s: info line shows %q in clear: %s", format, s, lines[2])
			}
		}
		for _, w := range []string{logPhoneMasked, logEmailMasked} {
			if !strings.Contains(lines[2], w) {
				t.Errorf("%s: info line lacks %q: %s", format, w, lines[2])
			}
		}
	}
	// At info level, debug records are not written at all.
	for format, got := range logFormats(t, slog.LevelInfo, func(l *slog.Logger) { l.Debug("body", "body", logPhone) }) {
		if got != "" {
			t.Errorf("%s: debug record written at info level: %s", format, got)
		}
	}
}

// The wrapper keeps slog's handler contract: groups, WithAttrs, empty attributes, LogValuer resolution.
func TestMaskingHandlerSlogtest(t *testing.T) {
	var buf bytes.Buffer
	newHandler := func(*testing.T) slog.Handler {
		buf.Reset()
		return MaskingHandler(slog.NewJSONHandler(&buf, nil))
	}
	result := func(t *testing.T) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	slogtest.Run(t, newHandler, result)
}
