package drills

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// TestTenDayOutage plans reminders, stops the daemon for ten days, and restarts it, once at night (twenty seconds
// before the recipients' quiet hours end) and once in the morning. The rules that protect people must hold when a
// reminder is sent, not only when it was planned:
//
//   - nothing goes out in quiet hours (21:00–08:00 in Dallas): at night, the daemon waits for 08:00;
//   - nothing goes out later after it was due than catch_up (16h), counted at the moment of sending: a reminder
//     within catch_up at a night restart but past it by 08:00 is skipped;
//   - of the reminders for one hearing and recipient that fell due during the outage, at most the latest goes out;
//   - rows past catch_up end skipped, with the reason.
//
// Client 0's hearing has reminders due 8 days before the restart (past catch_up), the evening before at 18:00 and
// at 20:30 (both within catch_up: only the 20:30 one, the latest, may go out), and one due that afternoon (not
// yet). Client 1's has one due the day before at 15:59:48, within catch_up at 07:59:40 and past it at 08:00, and
// one due that afternoon.
func TestTenDayOutage(t *testing.T) {
	needDrills(t)
	drillsInParallel(t)
	zone := dallas(t)
	for _, tc := range []struct {
		name    string
		restart time.Time
	}{
		{"restart at night", time.Date(2027, 4, 14, 7, 59, 40, 0, zone)},
		{"restart in the morning", time.Date(2027, 4, 14, 9, 0, 0, 0, zone)},
	} {
		t.Run(tc.name, func(t *testing.T) { tenDayOutage(t, zone, tc.restart) })
	}
}

// outageRow is what must become of a row after the restart, by its offset.
type outageRow struct {
	client int
	state  docket.ReminderState // sent, skipped, or pending (not due yet); "" is any state but sent, with a reason
	why    string
}

func tenDayOutage(t *testing.T, zone *time.Location, restart time.Time) {
	ctx := context.Background()
	const catchUp = 16 * time.Hour
	day := time.Date(restart.Year(), restart.Month(), restart.Day(), 0, 0, 0, 0, zone)
	morning := day.Add(8 * time.Hour)
	sendFrom := restart // the first moment anything may go out
	if sendFrom.Before(morning) {
		sendFrom = morning
	}
	want := map[string]outageRow{
		"214h":     {0, docket.StateSkipped, "due 8 days before the restart, past catch-up"},
		"40h":      {0, "", "overdue, but not the latest overdue of its hearing"},
		"37h30m":   {0, docket.StateSent, "the latest overdue of its hearing, within catch-up"},
		"20h":      {0, docket.StatePending, "not due yet"},
		"43h0m12s": {1, docket.StateSkipped, "past catch-up by the first moment it may go out"},
		"21h":      {1, docket.StatePending, "not due yet"},
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "drill.db")
	clk := asIf(restart.AddDate(0, 0, -10))
	tw := newFakeTwilio(t, clk.now)
	tw.SetListAnswered(true)
	o := office{dbURL: "sqlite:" + dbPath, twilioURL: tw.URL, clients: 2, rate: 1000, timeout: "10s",
		quiet: "21:00-08:00", catchUp: catchUp.String(),
		starts:      []time.Time{day.AddDate(0, 0, 1).Add(10 * time.Hour), day.AddDate(0, 0, 1).Add(11 * time.Hour)},
		hearingType: func(i int) string { return []string{"master", "individual"}[i] },
		policies: `[[reminders.policy]]
name = "client-text"
to = "client"
channel = "sms"
types = ["master"]
before = ["214h", "40h", "37h30m", "20h"]

[[reminders.policy]]
name = "client-text-individual"
to = "client"
channel = "sms"
types = ["individual"]
before = ["43h0m12s", "21h"]
`}
	cfg := o.write(t, dir)
	logs := [2]string{filepath.Join(dir, "before.log"), filepath.Join(dir, "after.log")}
	keepOnFailure(t, dbPath, logs[0], logs[1], cfg)

	// Ten days before the restart the daemon plans every reminder (none is due yet), and then it is gone.
	p := startDaemonAt(t, cfg, logs[0], clk.now)
	db := openStore(t, o.dbURL)
	if !waitFor(30*time.Second, func() bool {
		s, err := outboxStates(ctx, db)
		return err == nil && s[string(docket.StatePending)] == len(want)
	}) {
		s, _ := outboxStates(ctx, db)
		t.Fatalf("reminders not planned within 30s: %v (log %s)", s, logs[0])
	}
	p.stop(t, 20*time.Second)
	if n := len(tw.Posts()); n != 0 {
		t.Fatalf("%d messages went out before the outage; none was due", n)
	}

	clk = asIf(restart)
	tw.SetClock(clk.now)
	p = startDaemonAt(t, cfg, logs[1], clk.now)
	overdue := func() (int, error) {
		rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
		n := 0
		for _, r := range rows {
			if !r.Due.After(restart) && (r.State == docket.StatePending || r.State == docket.StateSending) {
				n++
			}
		}
		return n, err
	}
	// Settled: the first moment anything may go out has passed by a few seconds, and no overdue row is left.
	settled := waitFor(time.Until(sendFrom.Add(-clk.offset))+30*time.Second, func() bool {
		n, err := overdue()
		return err == nil && n == 0 && clk.now().After(sendFrom.Add(5*time.Second))
	})
	p.stop(t, 20*time.Second)
	if !settled {
		n, _ := overdue()
		t.Errorf("%d overdue rows still pending or sending %v after the restart", n, clk.now().Sub(restart).Round(time.Second))
	}

	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	accepted := tw.Messages()
	rep := checkDelivery(ctx, t, db, accepted, docket.SMS)
	pr := promise{duplicates: rep.extra, losses: rep.missing}
	for _, s := range [][]string{rep.doubled, rep.unrecorded, rep.lost} {
		for _, e := range s {
			pr.example("%s", e)
		}
	}
	pr.timing(t, rows, accepted, zone, o.quiet, catchUp)
	early, wrong, overdueSent := 0, 0, map[uint]int{}
	for _, m := range accepted {
		if m.At.Before(sendFrom) {
			early++
		}
	}
	for _, r := range rows {
		w, ok := want[r.Offset]
		if !ok {
			t.Errorf("row %d: unexpected offset %q", r.ID, r.Offset)
			continue
		}
		if r.State == docket.StateSent && !r.Due.After(restart) {
			overdueSent[r.HearingID]++
		}
		bad := false
		switch w.state {
		case "":
			bad = r.State == docket.StateSent || r.State == docket.StatePending || r.State == docket.StateSending ||
				r.LastError == ""
		case docket.StateSkipped:
			bad = r.State != w.state || r.LastError == ""
		default:
			bad = r.State != w.state
		}
		if bad {
			wrong++
			t.Errorf("client %d, reminder %s before (%s): %s %q, want %s", w.client, r.Offset, w.why, r.State,
				r.LastError, map[docket.ReminderState]string{"": "not sent, with a reason"}[w.state]+string(w.state))
		}
		if w.state == docket.StateSent && r.State != docket.StateSent {
			pr.losses++
			pr.example("client %d, reminder %s: %s %q", w.client, r.Offset, r.State, r.LastError)
		}
		t.Logf("client %d, reminder %-8s due %s: %s %s", w.client, r.Offset, r.Due.In(zone).Format("Jan 2 15:04:05"),
			r.State, r.LastError)
	}
	beyondLatest := 0
	for _, n := range overdueSent {
		beyondLatest += max(n-1, 0)
	}
	t.Logf("restart %s local; provider: %d messages accepted, %d before %s; %d overdue sent beyond the latest of "+
		"their hearing; %d rows not as they should be", restart.Format("Jan 2 15:04:05"), len(accepted), early,
		sendFrom.Format("15:04:05"), beyondLatest, wrong)
	if early > 0 {
		t.Errorf("%d messages went out before %s", early, sendFrom.Format("15:04:05"))
	}
	if beyondLatest > 0 {
		t.Errorf("%d overdue reminders went out beside a later overdue one of the same hearing and recipient",
			beyondLatest)
	}
	pr.check(t, fmt.Sprintf("ten-day outage, %s", restart.Format("15:04:05")))
}
