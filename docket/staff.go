package docket

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

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

// ErrPasswordHash is a [[staff]] password_hash that sign-in cannot read: neither argon2id in PHC string form with
// usable parameters nor bcrypt (most often the password itself, written in place of its hash).
var ErrPasswordHash = errors.New("not an argon2id or bcrypt hash")

// Argon2id is an argon2id password hash read from its PHC string form ("$argon2id$v=19$m=65536,t=3,p=4$salt$key"):
// memory in KiB, passes, lanes, salt and key.
type Argon2id struct {
	Memory, Time uint32
	Threads      uint8
	Salt, Key    []byte
}

// bcryptHash is the shape of a bcrypt hash.
var bcryptHash = regexp.MustCompile(`^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$`)

// ParsePasswordHash reads a password_hash as sign-in does: bcrypt (true), or argon2id with its parameters. The
// config's check and the office's sign-in both read it here, so a hash the check accepts is one sign-in can use.
// Costs beyond what a sign-in can afford (more than 1 GiB, or no pass) are refused.
func ParsePasswordHash(hash string) (bcrypt bool, a Argon2id, err error) {
	if bcryptHash.MatchString(hash) {
		return true, Argon2id{}, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return false, a, ErrPasswordHash
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &a.Memory, &a.Time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", a.Memory, a.Time, threads) != parts[3] ||
		a.Time == 0 || threads == 0 || threads > 255 || a.Memory < 8*threads || a.Memory > 1<<20 {
		return false, Argon2id{}, ErrPasswordHash
	}
	a.Threads = uint8(threads)
	a.Salt, err = base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(a.Salt) == 0 {
		return false, Argon2id{}, ErrPasswordHash
	}
	a.Key, err = base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(a.Key) == 0 || len(a.Key) > 1024 {
		return false, Argon2id{}, ErrPasswordHash
	}
	return false, a, nil
}
