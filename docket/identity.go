package docket

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Identity names a hearing outside the database: calendar UIDs and email Message-IDs derive from it. It is a hash of
// the source and the source's own key, so a database rebuilt from the same sources (or moved to another server or
// public URL) gives every hearing the identity it had, while row ids, which a rebuild hands out anew, play no part.
// It is hashed because a source key may carry personal data (the config's keys are A-numbers).
func Identity(source, key string) string {
	sum := sha256.Sum256([]byte("docketd-hearing\x00" + source + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// Identity is the hearing's identity outside the database (see Identity).
func (h Hearing) Identity() string { return Identity(h.Source, h.SourceKey) }

// MessageKey names one message about h outside the database: a hash of the hearing's identity and what the row is
// for (kind, sequence, recipient, channel, policy and offset), which together are unique per outbox row, as the
// row's own planning key is. A retry of the row gives the same key, so its email keeps its Message-ID; a rebuilt
// database that plans the same reminder again gives it the same key too. It is hashed because a recipient's id may
// be a name, and senders log the key.
func MessageKey(h Hearing, r Reminder) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{"docketd-message", h.Identity(), string(r.Kind),
		strconv.Itoa(r.Sequence), r.Recipient, r.RecipientID, string(r.Channel), r.Policy, r.Offset}, "\x00")))
	return "msg-" + hex.EncodeToString(sum[:16])
}

// DedupeKey is the planning key of outbox row r about the hearing whose identity is identity (Identity, or
// Hearing.Identity): planning a row whose key is already stored creates nothing. A reminder's key names the hearing,
// its sequence, the recipient, the channel, the policy and the offset; a change notice's (kind rescheduled or
// cancelled) names its kind, the hearing, its sequence, the recipient and the channel.
//
// The key names the hearing by its identity, not by its row id, because row ids do not survive a rebuilt database
// (copied tables hand them out anew, and were seen swapped in pairs): with row ids, every pending reminder would be
// planned a second time after a rebuild, and where two hearings swapped ids each one's key would be the other's old
// one, so neither would be planned. It reads only fields the row stores, so a stored row's key can be made again
// from the row and its hearing (the store's migration 0010 does so).
func DedupeKey(identity string, r Reminder) string {
	if r.Kind == KindReminder {
		return fmt.Sprintf("reminder/%s/%d/%s/%s/%s/%s/%s", identity, r.Sequence, r.Recipient, r.RecipientID, r.Channel,
			r.Policy, r.Offset)
	}
	return fmt.Sprintf("%s/%s/%d/%s/%s/%s", r.Kind, identity, r.Sequence, r.Recipient, r.RecipientID, r.Channel)
}
