//go:build unix

package reminder

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Two replicas in containers that share the host's name, each its own process 1, or two machines cloned with one
// name: neither takes the other's live leases for those of a stopped process. Only an owner of this very place
// whose process no longer runs is gone.
func TestOwnersOfAnotherPlaceWithTheSameHostNameAreNotGone(t *testing.T) {
	host, _ := os.Hostname()
	pid := os.Getpid()
	if strings.Contains(host, ":") || ownerPlace() == host {
		t.Skip("no boot id or process-id namespace to tell places apart here")
	}
	stopped := exec.Command("true")
	if err := stopped.Run(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		owner string
		gone  bool
	}{
		{"another container's process of this id, the host's name", fmt.Sprintf("%s:%d:0a1b2c3d4e5f", host, pid), false},
		{"another namespace's process, the host's name", fmt.Sprintf("%s:%d:0a1b2c3d4e5f",
			placeOf(host, readTrim("/proc/sys/kernel/random/boot_id"), "pid:[1]"), pid), false},
		{"another machine of this name", fmt.Sprintf("%s:%d:0a1b2c3d4e5f",
			placeOf(host, "another-boot", readLink("/proc/self/ns/pid")), stopped.Process.Pid), false},
		{"an earlier process of this id here", fmt.Sprintf("%s:%d:0a1b2c3d4e5f", ownerPlace(), pid), true},
		{"a stopped process here", fmt.Sprintf("%s:%d:0a1b2c3d4e5f", ownerPlace(), stopped.Process.Pid), true},
		{"a running process here", fmt.Sprintf("%s:%d:0a1b2c3d4e5f", ownerPlace(), os.Getppid()), false},
	} {
		if got := ownerGone(tt.owner); got != tt.gone {
			t.Errorf("%s (%s): gone %v, want %v", tt.name, tt.owner, got, tt.gone)
		}
	}
	if o := newOwner(); len(o) > 100 || !strings.HasPrefix(o, ownerPlace()+":") {
		t.Errorf("new owner %q: want this place's, at most 100 bytes", o)
	}
}

func TestPlaceOfTellsBootsAndNamespacesApart(t *testing.T) {
	long := strings.Repeat("h", 70)
	a := placeOf(long, "boot-1", "pid:[4026531836]")
	for _, other := range []string{placeOf(long, "boot-2", "pid:[4026531836]"), placeOf(long, "boot-1", "pid:[4026532201]")} {
		if other == a {
			t.Errorf("two places named alike: %q", a)
		}
	}
	if a != placeOf(long, "boot-1", "pid:[4026531836]") || len(a) != 40+1+8 {
		t.Errorf("place %q: want the same each time, the host name cut to 40", a)
	}
	if got := placeOf("web:1", "", ""); got != "web-1" {
		t.Errorf("place of a host alone: %q, want the name with no colon", got)
	}
}
