package docket

import (
	"errors"
	"testing"
)

// A password_hash is read one way by the config's check and by sign-in: a hash whose costs sign-in refuses (no pass,
// more than 1 GiB) is refused at check, not at every sign-in.
func TestParsePasswordHash(t *testing.T) {
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	for _, tt := range []struct {
		hash   string
		bcrypt bool
		ok     bool
	}{
		{"$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$" + key, false, true},
		{"$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", true, true},
		{"$argon2id$v=19$m=65536,t=0,p=4$" + salt + "$" + key, false, false},     // no pass
		{"$argon2id$v=19$m=4194304,t=3,p=4$" + salt + "$" + key, false, false},   // 4 GiB a sign-in
		{"$argon2id$v=19$m=65536,t=3,p=4,x=1$" + salt + "$" + key, false, false}, // parameters it does not know
		{"$argon2i$v=19$m=65536,t=3,p=4$" + salt + "$" + key, false, false},      // not argon2id
		{"$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$", false, false},           // cut short
		{"correct horse battery staple", false, false},                           // the password itself
	} {
		isBcrypt, a, err := ParsePasswordHash(tt.hash)
		if ok := err == nil; ok != tt.ok || isBcrypt != tt.bcrypt {
			t.Errorf("%q: bcrypt %v, err %v; want bcrypt %v, ok %v", tt.hash, isBcrypt, err, tt.bcrypt, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrPasswordHash) {
			t.Errorf("%q: error %v, want ErrPasswordHash", tt.hash, err)
		}
		if tt.ok && !tt.bcrypt && (a.Memory != 65536 || a.Time != 3 || a.Threads != 4 || len(a.Key) != 32) {
			t.Errorf("%q: read %+v", tt.hash, a)
		}
	}
}
