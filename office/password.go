package office

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// argonParams are argon2id's cost parameters: memory in KiB, passes, lanes.
type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

// defaultArgon is RFC 9106's second recommended choice (64 MiB, 3 passes, 4 lanes): about a tenth of a second on a
// server, so a stolen config costs a guesser dearly, and a sign-in stays quick.
var defaultArgon = argonParams{memory: 64 * 1024, time: 3, threads: 4}

const (
	argonSaltLen = 16
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash of password in PHC string form
// ("$argon2id$v=19$m=65536,t=3,p=4$salt$hash"), as [[staff]] password_hash takes it.
func HashPassword(password string) (string, error) { return hashArgon2(password, defaultArgon) }

func hashArgon2(password string, p argonParams) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash is a password_hash that is neither argon2id in PHC form nor bcrypt (validation refuses those).
var errBadHash = errors.New("not an argon2id or bcrypt hash")

// CheckPassword reports whether password matches hash: argon2id in PHC form, or bcrypt.
func CheckPassword(hash, password string) (bool, error) {
	if strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$") || strings.HasPrefix(hash, "$2y$") {
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		return err == nil, err
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p argonParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		p.time == 0 || p.threads == 0 || p.memory < 8*uint32(p.threads) || p.memory > 1<<20 {
		return false, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 1024 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
