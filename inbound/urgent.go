package inbound

import "strings"

// Urgency is why a reply needs a person today: the client cannot attend, was detained, moved, or lost the paper.
type Urgency string

// The kinds of urgent replies.
const (
	UrgentCannotAttend Urgency = "cannot attend"
	UrgentDetained     Urgency = "detained"
	UrgentMoved        Urgency = "moved"
	UrgentLostNotice   Urgency = "lost the notice"
)

// urgentPhrase is a run of words that makes a reply urgent, anywhere in it, unless the word right after it is one
// of unless ("no llego" is "I won't make it", but "no llegó la carta" is "the letter did not come").
type urgentPhrase struct {
	pattern string
	why     Urgency
	unless  string // words separated by "|"
}

// Word lists shared by the urgent phrases, as phrase describes; typos people make are listed beside the spelling.
const (
	esGo       = "ir|hir|asistir|llegar|yegar|venir|presentarme|presentarnos|estar|acudir|ir_a_la_corte"
	esCan      = "puedo|podemos|podre|podremos|podria|podriamos|puede|pueden|podra|podran|pude|pudimos"
	esWillBe   = "voy|vamos|boy|va|van|iba"
	esSick     = "enfermo|enferma|enfermos|enfermas|emfermo|emferma|hospitalizado|hospitalizada|en_el_hospital|internado|internada"
	esBeing    = "estoy|esta|estamos|estan|ando|anda|sigo|sigue|se_puso|me_puse|se_enfermo|me_enferme"
	esDetained = "detenido|detenida|detenidos|detenidas|arrestado|arrestada|preso|presa|encarcelado|encarcelada"
	esOf       = "me|lo|la|los|las|nos|le|les"
	esTook     = "agarro|agarraron|llevo|llevaron|detuvo|arresto|recogio|levanto|levantaron"
	esMigra    = "migra|la_migra|ice|el_ice|migracion|inmigracion|la_policia|policia"
	esPaper    = "papel|papeles|carta|cartas|cita|notificacion|aviso|documento|documentos|notice|citatorio"
	esDetP     = "el|la|los|las|mi|mis|su|sus"
	esPlace    = "casa|direccion|domicilio|ciudad|estado|apartamento|depa|departamento|traila"
	enPaper    = "notice|notices|paper|papers|letter|letters|hearing_notice|documents|appointment_letter"
)

// urgentPhrases are the urgent phrases, in order: when a reply says more than one thing, the first reason found in
// this order wins (a detention before an absence, an absence before a move). A change here needs a case in
// TestClassifyMessages: each phrase is checked to be needed by one.
var urgentPhrases = []urgentPhrase{
	// Detained: "me detuvieron", "detuvieron a mi esposo", "está detenido", "ICE lo agarró", "la migra se lo llevó",
	// "he was arrested", "detained".
	{pattern: "detuvieron|arrestaron|deportaron|encerraron|agarraron_a_mi|agarraron_a_su", why: UrgentDetained},
	{pattern: esBeing + "|quedo|quedaron " + esDetained, why: UrgentDetained},
	{pattern: esMigra + " [se] " + esOf + " " + esTook, why: UrgentDetained},
	{pattern: "[se] " + esOf + " " + esTook + " " + esMigra, why: UrgentDetained},
	{pattern: "detained|arrested|was_deported|were_deported|got_deported|in_custody|in_ice_custody|in_jail|picked_up_by_ice", why: UrgentDetained},

	// Cannot attend: "no puedo ir", "no voy a poder ir", "no podré ir", "no llego", "estoy enfermo",
	// "mi hija está enferma", "I can't make it", "I won't be able to come", "I'm sick".
	{pattern: "no " + esCan + " [ir_a] " + esGo, why: UrgentCannotAttend},
	{pattern: "no " + esWillBe + " a [poder|alcanzar_a] " + esGo, why: UrgentCannotAttend},
	{pattern: "no llego|llegamos|llegare|llegaremos|alcanzo_a_llegar|alcanzamos_a_llegar", why: UrgentCannotAttend,
		unless: "el|la|los|las|mi|mis|su|sus|ningun|ninguna|nada|nunca|ese|esa|eso|este|esta|nadie"},
	{pattern: esBeing + " " + esSick, why: UrgentCannotAttend},
	{pattern: "cant|cannot|can_not|wont_be_able_to|will_not_be_able_to|unable_to|not_able_to|wont|couldnt make_it|come|go|attend|be_there|appear", why: UrgentCannotAttend},
	{pattern: "im|i_am|am|is|are|were|got|been|feel|feeling sick|in_the_hospital|hospitalized", why: UrgentCannotAttend},

	// Moved: "me cambié de casa", "me mudé", "nos mudamos a Houston", "cambié de dirección", "ya no vivo ahí",
	// "I moved", "new address".
	{pattern: "mude|mudamos|mudaron|mudo|cambiamos|cambie|cambio|cambiaron de " + esPlace, why: UrgentMoved},
	{pattern: "me|nos|se mude|mudamos|mudo|mudaron", why: UrgentMoved},
	{pattern: "nueva|otra direccion|casa|domicilio", why: UrgentMoved},
	{pattern: "ya no vivo|vivimos|vive|viven ahi|alli|alla|en|aqui", why: UrgentMoved},
	{pattern: "i|we moved|have_moved|relocated", why: UrgentMoved},
	{pattern: "new|changed|change_of [my|our] address", why: UrgentMoved},

	// Lost the paper: "perdí el papel", "perdí la cita", "no tengo la carta", "no me llegó la carta", "I lost the notice".
	{pattern: "perdi|perdimos|pierdo|perdio|perdieron|se_me_perdio|se_me_perdieron|se_nos_perdio " + esDetP + " " + esPaper, why: UrgentLostNotice},
	{pattern: "no tengo|tenemos " + esDetP + " " + esPaper, why: UrgentLostNotice},
	{pattern: "no [me|nos] llego|llegaron " + esDetP + "|ningun|ninguna " + esPaper, why: UrgentLostNotice},
	{pattern: "lost|misplaced|dont_have|do_not_have|never_got|never_received the|my|our " + enPaper, why: UrgentLostNotice},
}

type compiledUrgent struct {
	p      phrase
	why    Urgency
	unless map[string]bool
}

var compiledUrgentPhrases = compileUrgent(urgentPhrases)

func compileUrgent(ps []urgentPhrase) []compiledUrgent {
	out := make([]compiledUrgent, len(ps))
	for i, p := range ps {
		out[i] = compiledUrgent{p: compilePhrase(p.pattern), why: p.why}
		if p.unless != "" {
			out[i].unless = map[string]bool{}
			for _, w := range strings.Split(p.unless, "|") {
				out[i].unless[w] = true
			}
		}
	}
	return out
}

// Urgent reports whether a reply says the client cannot attend, was detained, moved, or lost the paper, and which.
// A reply is urgent when one of the phrases in urgentPhrases appears in it as whole words, after case, accents,
// punctuation and emoji are folded away ("No puedo hir!!" says "no puedo hir").
func Urgent(body string) (Urgency, bool) {
	if i := matchUrgent(compiledUrgentPhrases, body); i >= 0 {
		return compiledUrgentPhrases[i].why, true
	}
	return "", false
}

// matchUrgent returns the index in table of the first phrase found in body, or -1.
func matchUrgent(table []compiledUrgent, body string) int {
	ws := words(body)
	for i, u := range table {
		for start := range ws {
			if u.p.ends(ws, start, func(end int) bool { return !u.blockedAt(ws, end) }) {
				return i
			}
		}
	}
	return -1
}

// blockedAt reports whether the words from ws[end] start one of u's unless phrases.
func (u compiledUrgent) blockedAt(ws []string, end int) bool {
	for w := range u.unless {
		parts := strings.Split(w, "_")
		if end+len(parts) <= len(ws) && equalWords(ws[end:end+len(parts)], parts) {
			return true
		}
	}
	return false
}
