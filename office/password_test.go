package office

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestCheckPasswordTakesArgon2idAndBcrypt(t *testing.T) {
	argon, err := hashArgon2("correct horse", argonParams{memory: 1024, time: 1, threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(argon, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not in PHC form", argon)
	}
	b, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, hash := range []string{argon, string(b)} {
		for _, c := range []struct {
			password string
			want     bool
		}{{"correct horse", true}, {"correct horse ", false}, {"", false}} {
			got, err := CheckPassword(hash, c.password)
			if err != nil || got != c.want {
				t.Errorf("CheckPassword(%.12s…, %q) = %v, %v; want %v", hash, c.password, got, err, c.want)
			}
		}
	}
	for _, bad := range []string{"correct horse", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=1024,t=0,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaA"} {
		if ok, err := CheckPassword(bad, "correct horse"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestHashPasswordUsesTheDefaultCost(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Errorf("hash %q, want RFC 9106's parameters", h)
	}
	if ok, err := CheckPassword(h, "correct horse"); !ok || err != nil {
		t.Errorf("the hash does not check: %v %v", ok, err)
	}
}
