//go:build !unix

package reminder

import "os"

// ownerGone cannot tell a stopped process here: leases wait for their expiry.
func ownerGone(string) bool { return false }

// ownerPlace is the host name: nothing here reads another place's process ids.
func ownerPlace() string {
	host, _ := os.Hostname()
	return host
}
