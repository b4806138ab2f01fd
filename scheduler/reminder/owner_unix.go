//go:build unix

package reminder

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// ownerGone reports whether a lease's owner was a dispatcher of a process in this process's place (ownerPlace)
// that no longer runs: its leases need not wait for their expiry. An owner of another place, or one whose process
// cannot be told apart from a running one, is not gone.
func ownerGone(owner string) bool {
	if _, live := liveOwners.Load(owner); live {
		return false
	}
	parts := strings.Split(owner, ":")
	if len(parts) != 3 {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if parts[0] != ownerPlace() || err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		// This process's id, but not one of its dispatchers: an earlier process that had the same id.
		return true
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// ownerPlace names where a process id means one process: the host name, and on Linux this boot of the machine and
// the process-id namespace, hashed short. Two replicas in containers that share the host's name (host networking)
// each have their own process 1, and two machines cloned with one name each their own process ids: in one place
// they would read each other's live leases as those of stopped processes and send their texts again. Elsewhere the
// host name alone.
var ownerPlace = sync.OnceValue(func() string {
	host, _ := os.Hostname()
	return placeOf(host, readTrim("/proc/sys/kernel/random/boot_id"), readLink("/proc/self/ns/pid"))
})

// placeOf is ownerPlace of a host name, a boot id and a process-id namespace ("" where unknown). The host name is
// cut to 40 bytes, so an owner fits its column (100).
func placeOf(host, boot, pidNS string) string {
	host = strings.ReplaceAll(host, ":", "-")
	if len(host) > 40 {
		host = host[:40]
	}
	if boot == "" && pidNS == "" {
		return host
	}
	sum := sha256.Sum256([]byte(boot + "\x00" + pidNS))
	return host + "/" + hex.EncodeToString(sum[:4])
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func readLink(path string) string {
	s, err := os.Readlink(path)
	if err != nil {
		return ""
	}
	return s
}
