package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/docketd/docketd/config"
)

// Every logger the daemon and its commands build masks through docket.MaskingHandler, in either format, at
// whatever level is configured; debug lines keep what their call site wrote.
func TestNewLoggerMasks(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		for _, level := range []string{"debug", "info", "warn"} {
			t.Run(format+"/"+level, func(t *testing.T) {
				var buf bytes.Buffer
				log := newLogger(config.Log{Level: level, Format: format}, &buf).With("to", "+12145550142")
				log.Warn("send failed to samuel.tesfaye@example.net", "a_number", "A208-555-310",
					"err", errors.New("21211: +14695550177 is not valid"))
				log.Debug("body", "body", "Samuel, A208555310")
				lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
				want := 1
				if level == "debug" {
					want = 2
				}
				if got := len(lines); got != want {
					t.Fatalf("got %d lines, want %d:\n%s", got, want, buf.String())
				}
				if level == "debug" && !strings.Contains(lines[1], "A208555310") {
					t.Errorf("debug line masked: %s", lines[1])
				}
				for _, s := range []string{"2145550142", "samuel.tesfaye", "208-555-310", "4695550177"} {
					if strings.Contains(lines[0], s) {
						t.Errorf("warn line shows %q in clear: %s", s, lines[0])
					}
				}
				for _, w := range []string{"+1******0142", "s***@example.net", "A***-**5-310", "+1******0177"} {
					if !strings.Contains(lines[0], w) {
						t.Errorf("warn line lacks %q: %s", w, lines[0])
					}
				}
			})
		}
	}
}
