package reminder

import (
	"strings"

	"github.com/docketd/docketd/docket"
)

// fallbackMark ends the group key of a reminder the ladder moved to a client's next channel, which tells it from
// one planned on the client's first channel.
const fallbackMark = "/fallback"

// movedChannel reports whether row, a client's reminder planned by a policy for texts on the client's first
// channel, is no longer on it: the client's order of channels changed since it was planned. A reminder the ladder
// moved to a later channel stays.
func movedChannel(row docket.Reminder, c docket.Client, rules Rules) bool {
	if row.Kind != docket.KindReminder || strings.HasSuffix(row.GroupKey, fallbackMark) {
		return false
	}
	for _, p := range rules.Policies {
		if p.Name == row.Policy {
			return p.To == "client" && p.Channel == docket.SMS && row.Channel != c.ChannelOrder()[0]
		}
	}
	return false
}
