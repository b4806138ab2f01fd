// Package drills holds docketd's fault drills (SPEC §9): tests that kill the daemon mid-dispatch, make the SMS and
// email providers fail, feed the sync broken sources and lock the database, and then check that no hearing was lost
// and no reminder was lost or doubled. They take minutes, so they run only when DOCKETD_DRILLS=1
// (.ci/drills.sh sets it); a plain `go test ./...` skips them.
package drills
