//go:build unix

package reminder

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ownerGone reports whether a lease's owner was a dispatcher of a process on this host that no longer runs: its
// leases need not wait for their expiry. An owner of another host, or one whose process cannot be told apart from a
// running one, is not gone.
func ownerGone(owner string) bool {
	if _, live := liveOwners.Load(owner); live {
		return false
	}
	parts := strings.Split(owner, ":")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[1])
	if parts[0] != host || err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		// This process's id, but not one of its dispatchers: an earlier process that had the same id.
		return true
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
