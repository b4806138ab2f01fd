// Package docket is docketd's vocabulary: the hearing, the court, the client and counsel, the A-number, hearing
// types and media, reminders and their states, and the rules on them (a hearing's address, whether it is joined
// online, its local time, the fallback for a zone that does not load, how personal data is masked). Every other
// package speaks these types and calls these rules instead of writing its own; this package imports nothing of
// docketd's and only the standard library.
package docket

import "errors"

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("not found")
