package office

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/docketd/docketd/docket"
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

// CheckPassword reports whether password matches hash: argon2id in PHC form, or bcrypt (docket.ParsePasswordHash,
// which the config's check reads it with too).
func CheckPassword(hash, password string) (bool, error) {
	isBcrypt, a, err := docket.ParsePasswordHash(hash)
	if err != nil {
		return false, err
	}
	if isBcrypt {
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		return err == nil, err
	}
	got := argon2.IDKey([]byte(password), a.Salt, a.Time, a.Memory, a.Threads, uint32(len(a.Key)))
	return subtle.ConstantTimeCompare(got, a.Key) == 1, nil
}
