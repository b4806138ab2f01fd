package inbound

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Urgency is why a reply needs a person today: the client cannot attend, was detained, moved, or lost the paper.
type Urgency string

// The kinds of urgent replies.
const (
	UrgentCannotAttend Urgency = "cannot attend"
	UrgentDetained     Urgency = "detained"
	UrgentMoved        Urgency = "moved"
	UrgentLostNotice   Urgency = "lost the notice"
)

// urgentPhrases are words that make a reply urgent, in English and Spanish, without accents and in lower case (the
// body is folded the same way before it is compared).
var urgentPhrases = []struct {
	phrase string
	why    Urgency
}{
	{"no puedo ir", UrgentCannotAttend}, {"no voy a poder ir", UrgentCannotAttend},
	{"no vamos a poder ir", UrgentCannotAttend}, {"no podemos ir", UrgentCannotAttend},
	{"can't make it", UrgentCannotAttend}, {"cannot attend", UrgentCannotAttend}, {"can't go", UrgentCannotAttend},
	{"me detuvieron", UrgentDetained}, {"lo detuvieron", UrgentDetained}, {"la detuvieron", UrgentDetained},
	{"detained", UrgentDetained}, {"arrested", UrgentDetained},
	{"me cambie de casa", UrgentMoved}, {"me mude", UrgentMoved}, {"i moved", UrgentMoved},
	{"perdi el papel", UrgentLostNotice}, {"lost the paper", UrgentLostNotice},
}

// Urgent reports whether a reply says the client cannot attend, was detained, moved, or lost the paper, and which.
func Urgent(body string) (Urgency, bool) {
	folded := fold(body)
	for _, p := range urgentPhrases {
		if strings.Contains(folded, p.phrase) {
			return p.why, true
		}
	}
	return "", false
}

// fold lower-cases s, drops its accents and turns typographic apostrophes into plain ones, so that "No puedo
// ir", "NO PUEDO IR" and "no puedó ir" compare alike.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case r >= 0x300 && r <= 0x36f: // combining accents
		case r == '’' || r == '‘':
			b.WriteByte('\'')
		default:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
