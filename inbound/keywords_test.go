package inbound

import (
	"strings"
	"testing"
)

func TestClassifyInbound(t *testing.T) {
	tests := []struct {
		body     string
		optedOut bool
		want     Inbound
	}{
		{"STOP", false, Inbound{Keyword: KeywordOptOut, Word: "STOP", Language: "en"}},
		{"  stop. ", false, Inbound{Keyword: KeywordOptOut, Word: "STOP", Language: "en"}},
		{"Stop!", false, Inbound{Keyword: KeywordOptOut, Word: "STOP", Language: "en"}},
		{"stopall", false, Inbound{Keyword: KeywordOptOut, Word: "STOPALL", Language: "en"}},
		{"Unsubscribe", false, Inbound{Keyword: KeywordOptOut, Word: "UNSUBSCRIBE", Language: "en"}},
		{"cancel", false, Inbound{Keyword: KeywordOptOut, Word: "CANCEL", Language: "en"}},
		{"END", false, Inbound{Keyword: KeywordOptOut, Word: "END", Language: "en"}},
		{"quit", false, Inbound{Keyword: KeywordOptOut, Word: "QUIT", Language: "en"}},
		{"revoke", false, Inbound{Keyword: KeywordOptOut, Word: "REVOKE", Language: "en"}},
		{"optout", false, Inbound{Keyword: KeywordOptOut, Word: "OPTOUT", Language: "en"}},
		{"¡Alto!", false, Inbound{Keyword: KeywordOptOut, Word: "ALTO", Language: "es"}},
		{"parar", false, Inbound{Keyword: KeywordOptOut, Word: "PARAR", Language: "es"}},
		{"Cancelar", false, Inbound{Keyword: KeywordOptOut, Word: "CANCELAR", Language: "es"}},
		{"BAJA", false, Inbound{Keyword: KeywordOptOut, Word: "BAJA", Language: "es"}},
		{"start", true, Inbound{Keyword: KeywordOptIn, Word: "START", Language: "en"}},
		{"UNSTOP", true, Inbound{Keyword: KeywordOptIn, Word: "UNSTOP", Language: "en"}},
		{"Comenzar", true, Inbound{Keyword: KeywordOptIn, Word: "COMENZAR", Language: "es"}},
		{"help", false, Inbound{Keyword: KeywordHelp, Word: "HELP", Language: "en"}},
		{"Info", false, Inbound{Keyword: KeywordHelp, Word: "INFO", Language: ""}},
		{"¿Ayuda?", false, Inbound{Keyword: KeywordHelp, Word: "AYUDA", Language: "es"}},
		{"fecha", false, Inbound{Keyword: KeywordNext, Word: "FECHA", Language: "es"}},
		{"Próxima", false, Inbound{Keyword: KeywordNext, Word: "PROXIMA", Language: "es"}},
		{"PROXIMA", false, Inbound{Keyword: KeywordNext, Word: "PROXIMA", Language: "es"}},
		{"date?", false, Inbound{Keyword: KeywordNext, Word: "DATE", Language: "en"}},
		{"Next", false, Inbound{Keyword: KeywordNext, Word: "NEXT", Language: "en"}},
		{"Sí", false, Inbound{Keyword: KeywordConfirm, Word: "SI", Language: "es"}},
		{"SÍ", false, Inbound{Keyword: KeywordConfirm, Word: "SI", Language: "es"}}, // as the texts now write it
		{"si 👍", false, Inbound{Keyword: KeywordConfirm, Word: "SI", Language: "es"}},
		{"SI", true, Inbound{Keyword: KeywordConfirm, Word: "SI", Language: "es"}},
		{"1", false, Inbound{Keyword: KeywordConfirm, Word: "1", Language: ""}},
		{"Yes", false, Inbound{Keyword: KeywordConfirm, Word: "YES", Language: "en"}},
		{"YES!", true, Inbound{Keyword: KeywordOptIn, Word: "YES", Language: "en"}},
		{"s\u0301i", false, Inbound{Keyword: KeywordConfirm, Word: "SI", Language: "es"}}, // decomposed accent
		{"please stop texting me", false, Inbound{Keyword: KeywordOptOut, Word: "STOP", Language: "en", OwnWords: true}},
		{"stop stop", false, Inbound{Keyword: KeywordOptOut, Word: "STOP", Language: "en", OwnWords: true}},
		{"ALTO por favor", true, Inbound{Keyword: KeywordOptOut, Word: "ALTO", Language: "es", OwnWords: true}},
		{"ＳＴＯＰ", false, Inbound{Keyword: KeywordOptOut, Word: "STOP", Language: "en", OwnWords: true}},
		{"stopp", false, Inbound{Keyword: KeywordOther}},
		{"11", false, Inbound{Keyword: KeywordOther}},
		{"", false, Inbound{Keyword: KeywordOther}},
		{"!!!", false, Inbound{Keyword: KeywordOther}},
		{"¿Cuándo es mi audiencia?", false, Inbound{Keyword: KeywordOther}},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			if got := ClassifyInbound(tt.body, tt.optedOut); got != tt.want {
				t.Errorf("ClassifyInbound(%q, %v) = %+v, want %+v", tt.body, tt.optedOut, got, tt.want)
			}
		})
	}
}

func TestKeywordString(t *testing.T) {
	tests := []struct {
		k    Keyword
		want string
	}{
		{KeywordOther, "other"}, {KeywordOptOut, "opt_out"}, {KeywordOptIn, "opt_in"},
		{KeywordHelp, "help"}, {KeywordNext, "next"}, {KeywordConfirm, "confirm"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("Keyword(%d).String() = %q, want %q", tt.k, got, tt.want)
		}
	}
}

// FuzzClassifyInbound checks that classification never panics, that a keyword survives the decoration people add
// around it, and that a keyword with another word beside it is not a keyword alone (it may be an opt-out in the
// client's own words, "STOP please").
func FuzzClassifyInbound(f *testing.F) {
	for _, s := range []string{"STOP", "alto", "Sí", "próxima", "1", "hola", "", "\xff\xfe", "¡¿..!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got := ClassifyInbound(body, false)
		if got.Keyword == KeywordOther {
			if got.Word != "" {
				t.Errorf("ClassifyInbound(%q) = %+v: a word without a keyword", body, got)
			}
			return
		}
		if again := ClassifyInbound(" ¡"+body+"! ", false); again != got {
			t.Errorf("decorated %q = %+v, want %+v", body, again, got)
		}
		if strings.TrimSpace(body) != "" {
			if other := ClassifyInbound(body+" please", false); other.Keyword != KeywordOther && !other.OwnWords {
				t.Errorf("ClassifyInbound(%q) = %+v, want other or own words", body+" please", other)
			}
		}
	})
}
