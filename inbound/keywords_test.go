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
		{"STOP", false, Inbound{KeywordOptOut, "STOP", "en"}},
		{"  stop. ", false, Inbound{KeywordOptOut, "STOP", "en"}},
		{"Stop!", false, Inbound{KeywordOptOut, "STOP", "en"}},
		{"stopall", false, Inbound{KeywordOptOut, "STOPALL", "en"}},
		{"Unsubscribe", false, Inbound{KeywordOptOut, "UNSUBSCRIBE", "en"}},
		{"cancel", false, Inbound{KeywordOptOut, "CANCEL", "en"}},
		{"END", false, Inbound{KeywordOptOut, "END", "en"}},
		{"quit", false, Inbound{KeywordOptOut, "QUIT", "en"}},
		{"revoke", false, Inbound{KeywordOptOut, "REVOKE", "en"}},
		{"optout", false, Inbound{KeywordOptOut, "OPTOUT", "en"}},
		{"¡Alto!", false, Inbound{KeywordOptOut, "ALTO", "es"}},
		{"parar", false, Inbound{KeywordOptOut, "PARAR", "es"}},
		{"Cancelar", false, Inbound{KeywordOptOut, "CANCELAR", "es"}},
		{"BAJA", false, Inbound{KeywordOptOut, "BAJA", "es"}},
		{"start", true, Inbound{KeywordOptIn, "START", "en"}},
		{"UNSTOP", true, Inbound{KeywordOptIn, "UNSTOP", "en"}},
		{"Comenzar", true, Inbound{KeywordOptIn, "COMENZAR", "es"}},
		{"help", false, Inbound{KeywordHelp, "HELP", "en"}},
		{"Info", false, Inbound{KeywordHelp, "INFO", ""}},
		{"¿Ayuda?", false, Inbound{KeywordHelp, "AYUDA", "es"}},
		{"fecha", false, Inbound{KeywordNext, "FECHA", "es"}},
		{"Próxima", false, Inbound{KeywordNext, "PROXIMA", "es"}},
		{"PROXIMA", false, Inbound{KeywordNext, "PROXIMA", "es"}},
		{"date?", false, Inbound{KeywordNext, "DATE", "en"}},
		{"Next", false, Inbound{KeywordNext, "NEXT", "en"}},
		{"Sí", false, Inbound{KeywordConfirm, "SI", "es"}},
		{"SÍ", false, Inbound{KeywordConfirm, "SI", "es"}}, // as the texts now write it
		{"si 👍", false, Inbound{KeywordConfirm, "SI", "es"}},
		{"SI", true, Inbound{KeywordConfirm, "SI", "es"}},
		{"1", false, Inbound{KeywordConfirm, "1", ""}},
		{"Yes", false, Inbound{KeywordConfirm, "YES", "en"}},
		{"YES!", true, Inbound{KeywordOptIn, "YES", "en"}},
		{"s\u0301i", false, Inbound{KeywordConfirm, "SI", "es"}}, // decomposed accent
		{"please stop texting me", false, Inbound{Keyword: KeywordOther}},
		{"stop stop", false, Inbound{Keyword: KeywordOther}},
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
// around it, and that a keyword with another word beside it is not a keyword.
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
			if other := ClassifyInbound(body+" please", false); other.Keyword != KeywordOther {
				t.Errorf("ClassifyInbound(%q) = %+v, want other", body+" please", other)
			}
		}
	})
}
