package drills

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/twiliotest"
)

// promise is what each drill of exactly-once delivery states and asserts: no message went out twice, none was lost,
// none went out inside the recipient's quiet hours or later after it was due than catch_up allows.
type promise struct {
	duplicates, losses, inQuiet, pastCatchUp int
	// examples say what broke it, a few per kind.
	examples []string
}

// check logs the counts and fails t unless every one is 0.
func (p promise) check(t *testing.T, what string) {
	t.Helper()
	t.Logf("%s: %d duplicates, %d losses, %d sends in quiet hours, %d sends past catch-up", what, p.duplicates,
		p.losses, p.inQuiet, p.pastCatchUp)
	if p.duplicates+p.losses+p.inQuiet+p.pastCatchUp > 0 {
		t.Errorf("%s broke the promise (want 0 of each): %d duplicates, %d losses, %d in quiet hours, %d past catch-up\n  %s",
			what, p.duplicates, p.losses, p.inQuiet, p.pastCatchUp, strings.Join(p.examples[:min(len(p.examples), 8)], "\n  "))
	}
}

func (p *promise) example(format string, args ...any) {
	p.examples = append(p.examples, fmt.Sprintf(format, args...))
}

// smsPromise counts, for text messages that must all have gone out, what rep found doubled or lost (rows not sent
// count as lost), and which accepted messages the provider took inside the quiet window quiet ("21:00-08:00") of
// zone, or more than catchUp after the row they belong to was due.
func smsPromise(t *testing.T, rep deliveryReport, rows []docket.Reminder, accepted []twiliotest.Message,
	zone *time.Location, quiet string, catchUp time.Duration) promise {
	t.Helper()
	p := promise{duplicates: rep.extra, losses: rep.missing + len(rep.notSent)}
	for _, s := range [][]string{rep.doubled, rep.unrecorded, rep.lost, rep.notSent} {
		for _, e := range s {
			p.example("%s", e)
		}
	}
	p.timing(t, rows, accepted, zone, quiet, catchUp)
	return p
}

// timing counts the accepted messages sent inside quiet hours or past catch-up. A message belongs to the row that
// records its provider id, or else to the latest due row with its number and text (the most lenient reading).
func (p *promise) timing(t *testing.T, rows []docket.Reminder, accepted []twiliotest.Message, zone *time.Location,
	quiet string, catchUp time.Duration) {
	t.Helper()
	q := mustQuiet(t, quiet)
	bySID := map[string]docket.Reminder{}
	latest := map[string]docket.Reminder{}
	for _, r := range rows {
		if r.ProviderID != "" {
			bySID[r.ProviderID] = r
		}
		k := r.Address + "\x00" + r.Body
		if l, ok := latest[k]; !ok || r.Due.After(l.Due) {
			latest[k] = r
		}
	}
	for _, m := range accepted {
		local := m.At.In(zone)
		if inWindow(q, local) {
			p.inQuiet++
			p.example("to %s at %s local, inside quiet hours %s", mask(m.To), local.Format("Jan 2 15:04:05"), quiet)
		}
		r, ok := bySID[m.SID]
		if !ok {
			r, ok = latest[m.To+"\x00"+m.Body]
		}
		if ok && m.At.Sub(r.Due) > catchUp {
			p.pastCatchUp++
			p.example("row %d (%s) to %s sent %s after it was due, catch-up %s", r.ID, r.Offset, mask(m.To),
				m.At.Sub(r.Due).Round(time.Second), catchUp)
		}
	}
}

// mustQuiet parses a quiet_hours window.
func mustQuiet(t *testing.T, quiet string) config.QuietHours {
	t.Helper()
	q, err := config.ParseQuietHours(quiet)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// inWindow reports whether local falls inside the daily window q (which may wrap midnight).
func inWindow(q config.QuietHours, local time.Time) bool {
	m := local.Hour()*60 + local.Minute()
	switch {
	case q.Start == q.End:
		return false
	case q.Start < q.End:
		return m >= q.Start && m < q.End
	default:
		return m >= q.Start || m < q.End
	}
}

// drillClock is the clock of a drill's processes: real time moved by an offset, so that a daemon or a cron run
// acts as if at a chosen time (DOCKETD_DRILL_NOW, remind --now) while timeouts and latencies pass for real.
type drillClock struct{ offset time.Duration }

// asIf makes a clock that reads at now.
func asIf(at time.Time) drillClock { return drillClock{offset: time.Until(at)} }

func (c drillClock) now() time.Time { return time.Now().Add(c.offset) }

// dallas is the zone of the drill office and its clients.
func dallas(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
