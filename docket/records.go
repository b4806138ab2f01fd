package docket

import "time"

// HearingChange records one field of a hearing that changed, and where the change came from.
type HearingChange struct {
	ID        uint
	HearingID uint
	Source    string
	Field     string
	From      string
	To        string
	At        time.Time
}

// FeedToken grants read access to one calendar feed. Only the SHA-256 of the secret is kept.
type FeedToken struct {
	ID         uint
	Hash       []byte
	Scope      string // attorney:<id> | client:<id> | court:<code> | org
	Label      string
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// SyncRun records one pass over one source: when, what it changed, and why it failed if it did.
type SyncRun struct {
	ID        uint
	Source    string
	StartedAt time.Time
	EndedAt   time.Time
	Created   int
	Changed   int
	Cancelled int
	Unchanged int
	Rejected  int
	Error     string
}
