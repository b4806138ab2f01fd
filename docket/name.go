package docket

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// PersonName reads a person's name as a source or the config writes it and returns it in the order people write it
// (display) with the name to greet them by (greeting). Dockets write "Last, First": EOIR "CASTILLO, ROSA ELENA", an
// office export "Cuarto, Cliente"; those become "Rosa Elena Castillo" and "Cliente Cuarto", greeted "Rosa" and
// "Cliente". A name in capitals only is given capitals the way names are written ("de la Cruz", "O'Brien",
// "Garcia-Lopez"); accents the source dropped ("JOSE") cannot be recovered and stay dropped. A name with lower-case
// letters keeps its case as given. Spaces are collapsed, empty parts between commas dropped; a trailing suffix
// ("Jr.", "III") stays at the end. A name already in display order comes back unchanged.
func PersonName(raw string) (display, greeting string) {
	var parts []string
	for _, p := range strings.Split(raw, ",") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "", ""
	}
	suffix := ""
	if len(parts) > 2 && isNameSuffix(parts[len(parts)-1]) {
		suffix, parts = parts[len(parts)-1], parts[:len(parts)-1]
	}
	if len(parts) > 1 && isNameSuffix(parts[len(parts)-1]) {
		// "Castillo Jr., Rosa" is rare; "Rosa Castillo, Jr." is the usual place of a suffix.
		suffix, parts = parts[len(parts)-1], parts[:len(parts)-1]
	}
	words := parts
	if len(parts) > 1 {
		words = append(append([]string{}, parts[1:]...), parts[0])
	}
	if suffix != "" {
		words = append(words, suffix)
	}
	display = strings.Join(words, " ")
	if allCaps(display) {
		display = titleName(display)
	}
	greeting, _, _ = strings.Cut(display, " ")
	return display, greeting
}

// nameParticles are the words inside family names that are written in lower case ("María de la Cruz").
var nameParticles = map[string]bool{"de": true, "del": true, "la": true, "las": true, "los": true, "y": true,
	"da": true, "das": true, "do": true, "dos": true, "di": true, "du": true, "van": true, "von": true, "der": true,
	"den": true, "e": true}

func isNameSuffix(s string) bool {
	switch strings.ToLower(strings.TrimSuffix(s, ".")) {
	case "jr", "sr", "ii", "iii", "iv":
		return true
	}
	return false
}

// allCaps reports whether s has letters and none of them is lower case.
func allCaps(s string) bool {
	letters := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		letters = letters || unicode.IsLetter(r)
	}
	return letters
}

// titleName writes a name in capitals the way names are written: each word capitalised, particles inside the name
// in lower case, and each part after a hyphen or apostrophe capitalised ("Garcia-Lopez", "O'Brien").
func titleName(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		switch {
		case i > 0 && i < len(words)-1 && nameParticles[w]:
			continue
		case i > 0 && (w == "ii" || w == "iii" || w == "iv"):
			words[i] = strings.ToUpper(w) // a numeral: "III"
			continue
		}
		words[i] = capitalise(w)
	}
	return strings.Join(words, " ")
}

// capitalise puts the first letter of w and of every part after a hyphen or apostrophe in upper case.
func capitalise(w string) string {
	var b strings.Builder
	up := true
	for len(w) > 0 {
		r, n := utf8.DecodeRuneInString(w)
		w = w[n:]
		if up && unicode.IsLetter(r) {
			r, up = unicode.ToUpper(r), false
		}
		if r == '-' || r == '\'' || r == '’' {
			up = true
		}
		b.WriteRune(r)
	}
	return b.String()
}
