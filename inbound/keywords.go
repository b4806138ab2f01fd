package inbound

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Keyword is what an inbound text asks for.
type Keyword int

// The keywords of SPEC §5, plus the confirmation and next-hearing replies of issue 5.
const (
	KeywordOther   Keyword = iota // not a keyword: staff should read it
	KeywordOptOut                 // STOP, ALTO…: send nothing more to this number
	KeywordOptIn                  // START, COMENZAR…: undo an opt-out
	KeywordHelp                   // HELP, AYUDA: who is texting and how to reach them
	KeywordNext                   // FECHA, NEXT: when is my next hearing
	KeywordConfirm                // SI, YES, 1: I will be there
)

// String names the keyword for logs.
func (k Keyword) String() string {
	switch k {
	case KeywordOptOut:
		return "opt_out"
	case KeywordOptIn:
		return "opt_in"
	case KeywordHelp:
		return "help"
	case KeywordNext:
		return "next"
	case KeywordConfirm:
		return "confirm"
	}
	return "other"
}

// Inbound is an inbound text read as a keyword.
type Inbound struct {
	Keyword Keyword
	// Word is the keyword as matched, upper case without accents ("PROXIMA"); empty for KeywordOther.
	Word string
	// Language is the language the word implies ("en", "es"), or "" when it is the same in both (INFO, 1).
	Language string
	// OwnWords is set for an opt-out in the client's own words ("please stop texting me", "ALTO por favor"; see
	// OptOutInOwnWords) rather than a keyword alone. Word is then the keyword it stands for, STOP or ALTO. Such a
	// message is acted on as the keyword is, and also goes to staff, who should know how the client put it; Twilio
	// does not read it as a keyword, so it never answers it.
	OwnWords bool
}

type keywordEntry struct {
	kw   Keyword
	lang string
}

// keywordTable maps a normalised word to its meaning. YES is absent: it means two things (see ClassifyInbound).
var keywordTable = map[string]keywordEntry{
	"STOP":        {KeywordOptOut, "en"},
	"STOPALL":     {KeywordOptOut, "en"},
	"UNSUBSCRIBE": {KeywordOptOut, "en"},
	"CANCEL":      {KeywordOptOut, "en"},
	"END":         {KeywordOptOut, "en"},
	"QUIT":        {KeywordOptOut, "en"},
	"REVOKE":      {KeywordOptOut, "en"},
	"OPTOUT":      {KeywordOptOut, "en"},
	"ALTO":        {KeywordOptOut, "es"},
	"PARAR":       {KeywordOptOut, "es"},
	"CANCELAR":    {KeywordOptOut, "es"},
	"BAJA":        {KeywordOptOut, "es"},

	"START":    {KeywordOptIn, "en"},
	"UNSTOP":   {KeywordOptIn, "en"},
	"COMENZAR": {KeywordOptIn, "es"},

	"HELP":  {KeywordHelp, "en"},
	"INFO":  {KeywordHelp, ""},
	"AYUDA": {KeywordHelp, "es"},

	"FECHA":   {KeywordNext, "es"},
	"PROXIMA": {KeywordNext, "es"},
	"DATE":    {KeywordNext, "en"},
	"NEXT":    {KeywordNext, "en"},

	"SI": {KeywordConfirm, "es"},
	"1":  {KeywordConfirm, ""},
}

// ClassifyInbound reads an inbound SMS body. A keyword counts when it is alone in the message (as carriers and
// Twilio read keywords): case, accents, surrounding spaces and surrounding punctuation or emoji are ignored, so
// "¡Alto!", " stop. " and "Sí" match. A message that asks in other words to get no more texts ("please stop texting
// me", "no me manden más mensajes", "ＳＴＯＰ") is KeywordOptOut with OwnWords set; anything else is KeywordOther,
// for staff to read.
//
// YES is both Twilio's opt-in word and, per issue 5, a confirmation of a reminder. optedOut says whether the number
// is opted out now: if it is, YES opts back in (that is what Twilio itself does with YES, and someone who said STOP
// cannot be confirming a reminder we did not send); otherwise YES confirms.
func ClassifyInbound(body string, optedOut bool) Inbound {
	w := normalizeKeyword(body)
	if w == "YES" {
		if optedOut {
			return Inbound{Keyword: KeywordOptIn, Word: w, Language: "en"}
		}
		return Inbound{Keyword: KeywordConfirm, Word: w, Language: "en"}
	}
	if e, ok := keywordTable[w]; ok {
		return Inbound{Keyword: e.kw, Word: w, Language: e.lang}
	}
	if lang, ok := OptOutInOwnWords(body); ok {
		word := "STOP"
		if lang == "es" {
			word = "ALTO"
		}
		return Inbound{Keyword: KeywordOptOut, Word: word, Language: lang, OwnWords: true}
	}
	return Inbound{Keyword: KeywordOther}
}

// normalizeKeyword trims, strips leading and trailing punctuation, symbols and spaces, folds accents and upper-cases.
func normalizeKeyword(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) ||
			unicode.Is(unicode.Variation_Selector, r) || r == '\u200d' || r == '\ufeff'
	})
	if s == "" || len(s) > 32 {
		return ""
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
