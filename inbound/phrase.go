package inbound

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// words folds a text the way people type it into plain lower-case words: full-width and other compatibility forms
// become their ordinary letters (NFKC: "ＳＴＯＰ" is "stop"), accents and the tilde go ("Envíen", "señor" are
// "envien", "senor"), apostrophes join ("don't", "can’t" are "dont", "cant"), and everything else that is not a
// letter or a digit (punctuation, emoji, symbols) separates words.
func words(s string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(norm.NFKC.String(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == '\'' || r == '’' || r == '‘' || r == '´' || r == '`':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// A phrase is a pattern of words: slots separated by spaces, each slot one or more alternatives separated by "|",
// an alternative of several words joined by "_" ("do_not"), and a slot in brackets optional ("[me|us]"). So
// "stop texting|messaging [me|us]" matches "stop texting", "stop messaging me" and "stop texting us".
type phrase [][]alternative

// alternative is one way to fill a slot; an empty one (from brackets) lets the slot be skipped.
type alternative []string

// compilePhrase reads a pattern written as phrase describes. It panics on a malformed one: the patterns are
// constants in this package, and a test compiles them all.
func compilePhrase(pattern string) phrase {
	var p phrase
	for _, slot := range strings.Fields(pattern) {
		optional := strings.HasPrefix(slot, "[") && strings.HasSuffix(slot, "]")
		if optional {
			slot = slot[1 : len(slot)-1]
		}
		var alts []alternative
		for _, a := range strings.Split(slot, "|") {
			if a == "" || strings.ContainsAny(a, "[]") {
				panic("inbound: malformed phrase " + pattern)
			}
			alts = append(alts, strings.Split(a, "_"))
		}
		if optional {
			alts = append(alts, alternative{})
		}
		p = append(p, alts)
	}
	if len(p) == 0 {
		panic("inbound: empty phrase")
	}
	return p
}

// ends calls found with every index just past a match of p that starts at words[start], until found returns true;
// it reports whether one did.
func (p phrase) ends(ws []string, start int, found func(end int) bool) bool {
	var walk func(slot, i int) bool
	walk = func(slot, i int) bool {
		if slot == len(p) {
			return found(i)
		}
		for _, alt := range p[slot] {
			if i+len(alt) > len(ws) {
				continue
			}
			ok := true
			for k, w := range alt {
				if ws[i+k] != w {
					ok = false
					break
				}
			}
			if ok && walk(slot+1, i+len(alt)) {
				return true
			}
		}
		return false
	}
	return walk(0, start)
}

// whole reports whether p matches all of ws.
func (p phrase) whole(ws []string) bool {
	return p.ends(ws, 0, func(end int) bool { return end == len(ws) })
}
