package docket

import "unicode/utf16"

// The two encodings an SMS can travel in.
const (
	GSM7 = "GSM-7"
	UCS2 = "UCS-2"
)

// Capacities per GSM 03.40: a single message holds 140 octets; a concatenated one spends 6 of them on the user
// data header that numbers the parts.
const (
	gsmSingle  = 160 // septets
	gsmPart    = 153 // septets
	ucs2Single = 70  // UTF-16 code units
	ucs2Part   = 67  // UTF-16 code units
)

// gsmBasic is the GSM 03.38 default alphabet in code order (0x1B, the escape, is left out).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension holds the characters reached through the escape code, so each costs two septets.
const gsmExtension = "\f^{}\\[~]|€"

var gsmCost = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// Segments reports how text would travel as an SMS: GSM7 when every character is in the GSM 03.38 alphabet or its
// extension table, else UCS2; and how many segments it takes, which is what carriers bill. Like the handsets and
// Twilio, it never splits an escape sequence or a surrogate pair across two segments, so a long text can take one
// segment more than plain division suggests. The empty text takes no segment.
func Segments(text string) (encoding string, count int) {
	if text == "" {
		return GSM7, 0
	}
	costs := make([]int, 0, len(text))
	gsm := true
	for _, r := range text {
		c, ok := gsmCost[r]
		if !ok {
			gsm = false
			break
		}
		costs = append(costs, c)
	}
	if gsm {
		return GSM7, pack(costs, gsmSingle, gsmPart)
	}
	costs = costs[:0]
	for _, r := range text {
		costs = append(costs, utf16.RuneLen(r))
	}
	return UCS2, pack(costs, ucs2Single, ucs2Part)
}

// FirstNonGSM returns the first character of text outside the GSM 03.38 alphabet, and false when there is none;
// it tells a template author which letter turned a message into UCS-2.
func FirstNonGSM(text string) (rune, bool) {
	for _, r := range text {
		if _, ok := gsmCost[r]; !ok {
			return r, true
		}
	}
	return 0, false
}

// pack counts segments for characters of the given costs, never splitting one character.
func pack(costs []int, single, part int) int {
	total := 0
	for _, c := range costs {
		total += c
	}
	if total <= single {
		return 1
	}
	n, used := 1, 0
	for _, c := range costs {
		if used+c > part {
			n++
			used = 0
		}
		used += c
	}
	return n
}
