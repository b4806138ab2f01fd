package docket

import "time"

// StaffSession is a staff member signed in to the office's page. The store keeps the SHA-256 of its token, never
// the token, so a copy of the database signs nobody in.
type StaffSession struct {
	Email            string
	Created, Expires time.Time
}

// StaffLogin is what the store knows of an account's failed sign-ins: how many since the first of the current run,
// and until when the account is locked (zero: not locked).
type StaffLogin struct {
	Failures    int
	FirstFailed time.Time
	LockedUntil time.Time
}

// Locked reports whether the account refuses every sign-in at now, the right password included.
func (l StaffLogin) Locked(now time.Time) bool { return now.Before(l.LockedUntil) }
