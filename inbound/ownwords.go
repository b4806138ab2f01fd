package inbound

// Opt-outs in the client's own words. Since April 2025 the FCC lets a consumer revoke consent by any reasonable
// means, in any language, so "please stop texting me" or "ya no quiero mensajes" must stop the reminders as STOP
// and ALTO do. The rule, so that staff can explain it to a client:
//
//  1. The message is folded into plain words (see words): case, accents, punctuation, emoji and full-width letters
//     do not count.
//  2. Greetings and politeness ("please", "por favor", "porfa", "gracias", "hola"…; fillers below) are dropped, and
//     a word said twice in a row counts once ("stop stop").
//  3. What is left, at most maxOwnWords words, must be one of the opt-out phrases below from its first word to its
//     last: a keyword (STOP, ALTO…), or a verb of stopping or sending with messages or texts ("stop texting me",
//     "no me manden más mensajes", "dejen de mandar mensajes"), or "opt out", "unsubscribe", "quítenme de la lista".
//
// So a message that only contains "stop" or "mensajes" among other words ("can I stop by tomorrow", "no me llegó el
// mensaje", "stop sending me texts in English") is not an opt-out: it goes to staff, who read every such reply.
// Wrongly stopping a client's reminders can cost them their case (a hearing missed is a removal order), so a
// phrase is listed only when it means nothing but "stop sending me messages".

import "strings"

// maxOwnWords bounds an opt-out in the client's own words, counted after fillers are dropped. A request to stop is
// short; a longer message says something more, which staff should read.
const maxOwnWords = 12

// Word lists shared by the phrases. Each is a slot, as phrase describes; typos people make are listed beside the
// spelling ("mensages", "kiero").
const (
	enTexts = "texts|text|txts|txt|messages|message|msgs|msg|sms|text_messages|reminders|notifications"
	enDet   = "[the|these|those|this|your|any|all|all_the|all_these|all_your|all_of_these|more|any_more]"
	enTail  = "[to_this_number|here|from_you] [anymore|any_more|again|ever_again|now|no_more]"
	enMe    = "[me|us|this_number|my_number]"

	esMsgs = "mensajes|mensaje|mensages|msj|msjs|mjs|textos|texto|sms|recordatorios|notificaciones|avisos"
	esDet  = "[los|las|estos|estas|esos|sus|tantos|mas]"
	esTail = "[a_este_numero|a_este_telefono|aqui|a_mi_celular|a_mi_telefono] [ya|mas|nunca_mas|ya_mas]"
	esMe   = "[me|nos]"
	// esSend is a command or wish to send or write, as clients write it to the office (ustedes or usted).
	esSend = "manden|mande|mandes|envien|envie|envies|embien|escriban|escriba|escribas|textien|texteen|textee"
	// esSendInf is the same verb after "dejen de" (stop …ing), with or without "me" joined to it.
	esSendInf = "mandar|mandarme|mandarnos|enviar|enviarme|enviarnos|escribir|escribirme|escribirnos|textear|textearme"
	esWant    = "quiero|queremos|kiero|qiero|quero|kieren|quieren"
)

// ownWordsPhrase is one way of saying "stop sending me messages", and the language it is in (the confirmation
// is sent in it).
type ownWordsPhrase struct {
	pattern string
	lang    string
}

// optOutPhrases are the opt-out phrases, matched against the whole message (after fillers are dropped). A change
// here needs a case in TestClassifyMessages: each phrase is checked to be needed by one.
var optOutPhrases = []ownWordsPhrase{
	// A keyword with politeness or decoration the keyword match does not allow: "STOP please", "stop stop",
	// "ＳＴＯＰ", "Unsubscribe me", "opt-out", "stop all". CANCEL, END and QUIT are left out: beside other words
	// they can mean a hearing or an appointment ("cancel please"), and staff read those.
	{"stop|stopall|unsubscribe|optout|opt_out|opt_me_out|opt_us_out [all] " + enMe + " [now]", "en"},
	// stop/quit + a verb of sending: "stop texting me", "stop sending me messages", "quit messaging us".
	{"stop|quit|cease|stopp texting|messaging|txting|sending|contacting|texing " + enMe + " " + enDet + " [" + enTexts + "] " + enTail, "en"},
	// stop + the messages: "stop all texts", "stop the reminders", "stop these messages".
	{"stop|stopall|quit|cancel|end " + enDet + " " + enTexts + " " + enTail, "en"},
	// don't + a verb of sending: "don't text me anymore", "do not send me messages", "never text me again".
	{"dont|do_not|never text|txt|message|send|contact " + enMe + " " + enDet + " [" + enTexts + "] " + enTail, "en"},
	// not wanting the messages: "no more texts", "I don't want these messages anymore", "we do not want to receive texts".
	{"no_more " + enTexts + " " + enTail, "en"},
	{"[i|we] dont|do_not want|need [to] [receive|get] " + enDet + " " + enTexts + " " + enTail, "en"},
	// off the list: "unsubscribe me from this list", "remove me from the list", "take me off your list".
	{"unsubscribe|remove|delete|take me|us|my_number|this_number off|from " + enDet + " list|texting_list|mailing_list|" + enTexts, "en"},

	// A keyword with politeness: "ALTO por favor", "alto porfa", "Baja, gracias", "basta ya". CANCELAR is left out
	// for the reason CANCEL is ("cancelar por favor" may mean the appointment).
	{"[ya] alto|baja|parar|basta [ya]", "es"},
	// don't send: "no me manden más mensajes", "no me envíen más mensajes", "ya no me escriban", "no más mensajes".
	{"[ya] no " + esMe + " " + esSend + " mas [" + esMsgs + "] " + esTail, "es"},
	{"[ya] no " + esMe + " " + esSend + " " + esDet + " " + esMsgs + " " + esTail, "es"},
	{"[ya] no mas " + esMsgs + " " + esTail, "es"},
	// stop sending: "dejen de mandar mensajes", "ya dejen de enviarme mensajes", "paren los mensajes", "basta de mensajes".
	{"[ya] dejen|deje|dejar|dejes|dejen_ya de " + esSendInf + " " + esMe + " " + esDet + " [" + esMsgs + "] " + esTail, "es"},
	{"[ya] paren|pare|parar|basta|alto|stop [de|a|con] " + esDet + " " + esMsgs + " " + esTail, "es"},
	// not wanting the messages: "ya no quiero mensajes", "ya no quiero recibir mensajes", "no quiero más textos".
	{"[ya] no " + esWant + " [recibir|resibir|mas] " + esDet + " " + esMsgs + " " + esTail, "es"},
	// off the list: "quítenme de la lista", "bórrenme de sus mensajes", "quiten mi número de la lista".
	{"quitenme|quiteme|quitarme|saquenme|saqueme|sacarme|sacame|borrenme|borreme|borrarme|eliminenme [de] [la|su|esta|sus] [lista|" + esMsgs + "]", "es"},
	{"quiten|quite|quitar|saquen|saque|sacar|borren|borre|borrar|eliminen|eliminar mi|este numero [de] [la|su|esta|sus] [lista|" + esMsgs + "]", "es"},
	// unsubscribing: "denme de baja", "quiero darme de baja", "cancelen los mensajes".
	{"[quiero|quisiera] [me] darme|denme|deme|dame|doy de baja [de] [la|su|esta|sus|los] [lista|" + esMsgs + "]", "es"},
	{"cancelar|cancelen|cancele [los|las|mis|sus|estos] " + esMsgs, "es"},
}

// fillers are greetings and politeness dropped before the phrases are matched.
var fillers = []string{
	"please", "pls", "plz", "plis", "pleas", "pleace", "thank_you", "thanks", "thx", "ty",
	"hi", "hello", "hey", "ok", "okay", "sir", "maam",
	"por_favor", "porfavor", "porfa", "porfis", "x_favor", "xfa", "xfavor", "favor", "muchas_gracias", "gracias",
	"hola", "buenos_dias", "buenas_tardes", "buenas_noches", "buenas", "oiga", "oigan", "senor", "senora", "senores",
}

var (
	compiledOptOut  = compileOwnWords(optOutPhrases)
	compiledFillers = compileFillers(fillers)
)

type compiledOwnWords struct {
	p    phrase
	lang string
}

func compileOwnWords(ps []ownWordsPhrase) []compiledOwnWords {
	out := make([]compiledOwnWords, len(ps))
	for i, p := range ps {
		out[i] = compiledOwnWords{compilePhrase(p.pattern), p.lang}
	}
	return out
}

func compileFillers(fs []string) [][]string {
	out := make([][]string, len(fs))
	for i, f := range fs {
		out[i] = strings.Split(f, "_")
	}
	return out
}

// OptOutInOwnWords reports whether body asks, in words other than a keyword alone, to get no more messages, and in
// which language ("en", "es"). See the rule at the top of this file.
func OptOutInOwnWords(body string) (lang string, ok bool) {
	i := matchOwnWords(compiledOptOut, body)
	if i < 0 {
		return "", false
	}
	return compiledOptOut[i].lang, true
}

// matchOwnWords returns the index in table of the first phrase that body is, or -1.
func matchOwnWords(table []compiledOwnWords, body string) int {
	ws := dropFillers(words(body))
	if len(ws) == 0 || len(ws) > maxOwnWords {
		return -1
	}
	for i, p := range table {
		if p.p.whole(ws) {
			return i
		}
	}
	return -1
}

// dropFillers removes greetings and politeness from ws, and a word repeated right after itself.
func dropFillers(ws []string) []string {
	var out []string
next:
	for i := 0; i < len(ws); {
		for _, f := range compiledFillers {
			if i+len(f) <= len(ws) && equalWords(ws[i:i+len(f)], f) {
				i += len(f)
				continue next
			}
		}
		if len(out) == 0 || out[len(out)-1] != ws[i] {
			out = append(out, ws[i])
		}
		i++
	}
	return out
}

func equalWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
