package inbound

import (
	"slices"
	"testing"
)

// Classes of an inbound text, as TestClassifyMessages names them.
const (
	classStaff  = "staff"         // a plain reply for staff to read
	classOwnEN  = "own words, en" // an opt-out in the client's own words, answered in English
	classOwnES  = "own words, es" // the same, answered in Spanish
	classDet    = "urgent: " + string(UrgentDetained)
	classAbsent = "urgent: " + string(UrgentCannotAttend)
	classMoved  = "urgent: " + string(UrgentMoved)
	classLost   = "urgent: " + string(UrgentLostNotice)
)

// classifyMessage names the class of body as the webhook and the inbox treat it: a keyword alone, an opt-out in
// the client's own words, or a reply for staff, urgent or not.
func classifyMessage(body string) string {
	in := ClassifyInbound(body, false)
	switch {
	case in.OwnWords:
		return "own words, " + in.Language
	case in.Keyword != KeywordOther:
		return "keyword " + in.Word
	}
	if why, ok := Urgent(body); ok {
		return "urgent: " + string(why)
	}
	return classStaff
}

// classifyCases are texts as clients write them, with typos, capitals, missing accents and emoji, and the class
// each must get.
var classifyCases = []struct {
	body string
	want string
}{
	// Keywords alone, with the decoration people add.
	{"STOP", "keyword STOP"},
	{"Stop!!", "keyword STOP"},
	{"STOP.", "keyword STOP"},
	{"stop 🛑", "keyword STOP"},
	{"¡Alto!", "keyword ALTO"},
	{"Sí", "keyword SI"},
	{"AYUDA", "keyword AYUDA"},
	{"fecha?", "keyword FECHA"},

	// Opt-outs in the client's own words, English.
	{"please stop texting me", classOwnEN},
	{"Stop texting me", classOwnEN},
	{"don't text me anymore", classOwnEN},
	{"Don’t text me anymore!!", classOwnEN},
	{"opt out", classOwnEN},
	{"opt-out", classOwnEN},
	{"stop all", classOwnEN},
	{"unsubscribe me", classOwnEN},
	{"ＳＴＯＰ", classOwnEN}, // full-width letters: not a keyword to Twilio
	{"STOP please", classOwnEN},
	{"STOP STOP STOP", classOwnEN},
	{"stop sending me messages", classOwnEN},
	{"stop all texts 🙏", classOwnEN},
	{"no more texts please", classOwnEN},
	{"I don't want these messages anymore", classOwnEN},
	{"remove me from the list", classOwnEN},

	// Opt-outs in the client's own words, Spanish.
	{"no me manden más mensajes", classOwnES},
	{"No me envíen más mensajes", classOwnES},
	{"NO ME MANDEN MAS MENSAJES!!!", classOwnES},
	{"no me escriban mas", classOwnES},
	{"Hola, ya no me manden mensajes a este numero, gracias", classOwnES},
	{"ya no quiero mensajes", classOwnES},
	{"ya no kiero mensajes", classOwnES},
	{"ya no quiero recibir mensajes", classOwnES},
	{"no quiero más textos", classOwnES},
	{"ALTO por favor", classOwnES},
	{"alto porfa", classOwnES},
	{"quítenme de la lista", classOwnES},
	{"quiten mi numero de la lista", classOwnES},
	{"porfavor dejen de mandar mensajes", classOwnES},
	{"dejen de enviarme mensajes", classOwnES},
	{"Ya basta de mensajes 😡", classOwnES},
	{"paren los mensajes gracias", classOwnES},
	{"no mas mensajes", classOwnES},
	{"denme de baja por favor", classOwnES},
	{"cancelen los mensajes", classOwnES},

	// Urgent: the client cannot attend.
	{"no puedo ir", classAbsent},
	{"no puedo hir", classAbsent},
	{"No voy a poder ir 😔", classAbsent},
	{"no vamos a poder ir", classAbsent},
	{"no podré ir el lunes", classAbsent},
	{"no llego, estoy en el trabajo", classAbsent},
	{"estoy enferma", classAbsent},
	{"Mi hija está enferma, no podemos ir", classAbsent},
	{"I can't make it", classAbsent},
	{"I won't be able to come", classAbsent},
	{"I'm sick", classAbsent},

	// Urgent: detained.
	{"Me detuvieron", classDet},
	{"detuvieron a mi esposo", classDet},
	{"mi esposo está detenido", classDet},
	{"ICE lo agarró ayer", classDet},
	{"la migra se lo llevó", classDet},
	{"se lo llevo la migra anoche", classDet},
	{"he was arrested", classDet},
	{"My son is DETAINED", classDet},
	{"me detuvieron y no voy a poder ir", classDet}, // a detention before an absence

	// Urgent: moved.
	{"me cambié de casa", classMoved},
	{"me mudé", classMoved},
	{"nos mudamos a Houston", classMoved},
	{"cambié de dirección", classMoved},
	{"mi nueva direccion es 400 Main St", classMoved},
	{"ya no vivo ahí", classMoved}, // not an opt-out ("ya no"…)
	{"I moved", classMoved},
	{"new address: 12 Elm St", classMoved},

	// Urgent: lost the paper.
	{"perdí el papel", classLost},
	{"perdi la cita", classLost},
	{"se me perdió el papel de la corte", classLost},
	{"no tengo la carta", classLost},
	{"no me llegó la carta", classLost},
	{"no llegó la carta", classLost}, // not "no llego" (I will not make it)
	{"I lost the notice", classLost},

	// Plain replies for staff: near an opt-out or an urgent phrase, and neither.
	{"para cuándo es mi audiencia", classStaff}, // "para" is not PARAR
	{"¿cuándo me toca?", classStaff},
	{"stop by the office?", classStaff},
	{"can I stop by tomorrow", classStaff},
	{"the bus stops at Elm and 3rd, is the court near?", classStaff},
	{"no me llegó el mensaje", classStaff},
	{"no entiendo el mensaje", classStaff},
	{"¿paro el trámite?", classStaff},
	{"no quiero que me deporten", classStaff},
	{"I don't want to be deported", classStaff},
	{"ya no quiero mensajes en inglés", classStaff},                          // wants Spanish, not silence
	{"stop sending me texts in English, I want Spanish", classStaff},         // the same
	{"no me manden mensajes a este número, mándenlos a mi hija", classStaff}, // a new number
	{"cancel please", classStaff},                                            // the hearing? staff ask
	{"more texts please", classStaff},
	{"me cambié de número", classStaff},
	{"¿dónde es la corte?", classStaff},
	{"gracias", classStaff},
	{"ok", classStaff},
	{"¿a qué hora es?", classStaff},
	{"sí voy a ir", classStaff},
	{"Yes I am, I'll be there", classStaff},
	{"no tengo abogado, ¿me pueden ayudar?", classStaff},
	{"Hola buenos días, quería saber si ya no tengo que ir a la corte porque me dijeron que mi caso se cerró y no quiero más problemas, gracias", classStaff},
}

func TestClassifyMessages(t *testing.T) {
	for _, c := range classifyCases {
		if got := classifyMessage(c.body); got != c.want {
			t.Errorf("%q: got %s, want %s", c.body, got, c.want)
		}
	}
}

// TestEveryOptOutPhraseIsNeeded removes each opt-out phrase in turn and checks that a case of
// TestClassifyMessages then fails: no phrase is there without a message that needs it.
func TestEveryOptOutPhraseIsNeeded(t *testing.T) {
	for i, p := range optOutPhrases {
		without := compileOwnWords(slices.Delete(slices.Clone(optOutPhrases), i, i+1))
		needed := false
		for _, c := range classifyCases {
			if c.want != classOwnEN && c.want != classOwnES {
				continue
			}
			j := matchOwnWords(without, c.body)
			if j < 0 || "own words, "+without[j].lang != c.want {
				needed = true
				break
			}
		}
		if !needed {
			t.Errorf("opt-out phrase %q: no case needs it", p.pattern)
		}
	}
}

// TestEveryUrgentPhraseIsNeeded does the same for the urgent phrases.
func TestEveryUrgentPhraseIsNeeded(t *testing.T) {
	for i, p := range urgentPhrases {
		without := compileUrgent(slices.Delete(slices.Clone(urgentPhrases), i, i+1))
		needed := false
		for _, c := range classifyCases {
			if c.want != classDet && c.want != classAbsent && c.want != classMoved && c.want != classLost {
				continue
			}
			j := matchUrgent(without, c.body)
			if j < 0 || "urgent: "+string(without[j].why) != c.want {
				needed = true
				break
			}
		}
		if !needed {
			t.Errorf("urgent phrase %q: no case needs it", p.pattern)
		}
	}
}

func TestClassifyCasesCoverEveryClass(t *testing.T) {
	count := map[string]int{}
	for _, c := range classifyCases {
		count[c.want]++
	}
	for _, class := range []string{classStaff, classOwnEN, classOwnES, classDet, classAbsent, classMoved, classLost} {
		if count[class] < 4 {
			t.Errorf("%d cases of %s, want at least 4", count[class], class)
		}
	}
	if len(classifyCases) < 40 {
		t.Errorf("%d cases, want at least 40", len(classifyCases))
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"ＳＴＯＰ", []string{"stop"}},
		{"Don’t text me!!", []string{"dont", "text", "me"}},
		{"No me envíen más", []string{"no", "me", "envien", "mas"}},
		{"opt-out🛑", []string{"opt", "out"}},
		{"se\u0301n\u0303or", []string{"senor"}},
		{"  ", nil},
	}
	for _, tt := range tests {
		if got := words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompilePhrasePanics(t *testing.T) {
	for _, bad := range []string{"", "stop||texting", "[stop", "stop [a[b]]"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("compilePhrase(%q) did not panic", bad)
				}
			}()
			compilePhrase(bad)
		}()
	}
}
