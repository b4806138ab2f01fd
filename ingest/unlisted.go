package ingest

import (
	"log/slog"

	"github.com/docketd/docketd/docket"
)

// unlisted passes on an answer that lists no hearing for its case (docket.SourceRecord.NoHearing: ACIS shows the
// case decided with nothing scheduled). The hearing the source had for it is taken as missing: it keeps its
// reminders for the grace period, in case the answer was a passing error, and is then cancelled, which tells the
// client and counsel to confirm with each other. The office is told on every run until then, with the A-number
// masked, so that counsel can confirm with the court or ACIS before the cancellation goes out.
func unlisted(sy docket.SyncPass, r docket.SourceRecord, spec SourceSpec, log *slog.Logger) {
	sy.Unlisted(r.Key)
	log.Warn("the source shows the case decided and lists no hearing for it: its hearing is taken as missing, and "+
		"cancelled after the grace period unless the source lists a hearing again; confirm the case with the court",
		"a_number", r.ANumber, "grace", spec.Grace)
}
