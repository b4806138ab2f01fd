package docket

import (
	"crypto/sha256"
	"encoding/hex"
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
