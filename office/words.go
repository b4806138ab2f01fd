package office

import (
	"fmt"
	"html/template"

	"github.com/docketd/docketd/docket"
)

// displayName is a name as the store shows it: "Rosa Elena Castillo" for "Castillo, Rosa Elena".
func displayName(raw string) string {
	d, _ := docket.PersonName(raw)
	return d
}

// tf fills a phrase's %s and %d.
func tf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

var funcs = template.FuncMap{"tf": tf}

// words returns the page's phrases in lang (en or es; anything else gets English).
func words(lang string) map[string]string {
	if lang == "es" {
		return es
	}
	return en
}

var en = map[string]string{
	"title":           "Office",
	"nav.week":        "This week and next",
	"nav.inbox":       "Inbox",
	"nav.holds":       "Held syncs",
	"nav.problems":    "Problems",
	"signout":         "Sign out",
	"signin":          "Sign in",
	"signin.intro":    "Staff sign in with the email and password of their [[staff]] entry.",
	"signin.email":    "Email",
	"signin.password": "Password",
	"signin.wrong":    "Wrong email or password.",
	"signin.locked":   "Too many failed sign-ins: this account is locked for 15 minutes.",
	"refused":         "This form was refused: it did not carry the page's token. Reload the page and try again.",
	"signed":          "Signed in as",

	"week.filter":     "Show",
	"week.attorney":   "Attorney",
	"week.court":      "Court",
	"week.all":        "all",
	"week.prev":       "← earlier week",
	"week.next":       "later week →",
	"week.this":       "this week",
	"week.none":       "No hearing in these two weeks.",
	"week.nexthear":   "The next hearing is on",
	"week.show":       "show that week",
	"week.count":      "Hearings: %d, in rows (one per household): %d",
	"week.clients":    "Clients",
	"week.counsel":    "Counsel",
	"week.judge":      "Judge",
	"week.reminders":  "Reminders",
	"week.noreminder": "no reminder planned",
	"week.confirmed":  "confirmed",
	"week.notconf":    "not confirmed",
	"week.theirtime":  "their clock",
	"week.detained":   "detained: their contact is reminded",
	"week.nophone":    "no phone that receives texts",
	"week.optedout":   "opted out of texts",
	"time.unknown":    "time not known yet",

	"medium.in_person": "in person",
	"medium.video":     "by video",
	"medium.telephone": "by telephone",
	"medium.internet":  "online (WebEx)",
	"medium.":          "",

	"kind.reminder":    "reminder",
	"kind.rescheduled": "moved notice",
	"kind.cancelled":   "cancelled notice",
	"channel.sms":      "text",
	"channel.email":    "email",
	"channel.whatsapp": "WhatsApp",
	"channel.voice":    "call",
	"contact":          "contact",

	"state.planned":   "planned",
	"state.sending":   "sending",
	"state.sent":      "sent",
	"state.delivered": "delivered",
	"state.failed":    "failed",
	"state.skipped":   "skipped",

	"inbox.intro":        "Clients' texts that need a person, urgent ones first.",
	"inbox.all":          "show handled ones too",
	"inbox.open":         "show only those waiting",
	"inbox.empty":        "No message waits for staff.",
	"inbox.from":         "From",
	"inbox.unknown":      "a number no client has",
	"inbox.urgent":       "URGENT",
	"inbox.handled":      "Handled",
	"inbox.mark":         "Mark handled",
	"inbox.forwarded":    "forwarded by email",
	"inbox.notforwarded": "not forwarded yet",
	"inbox.done":         "Marked handled.",

	"reason.cannot attend":   "cannot attend",
	"reason.detained":        "detained",
	"reason.moved":           "moved",
	"reason.lost the notice": "lost the notice",

	"holds.intro":     "A sync that would move or cancel more than its source may change at once is held until someone looks. Apply it when the change is real (a judge's calendar reset); otherwise fix the source.",
	"holds.none":      "No sync is held.",
	"holds.summary":   "%d slot changes (%d hearings) of %d upcoming slots: more than the %s it may change at once.",
	"holds.since":     "Held since",
	"holds.cancelled": "cancelled (no longer listed)",
	"holds.noclient":  "no client on file",
	"holds.more":      "…and %d more changes not listed here.",
	"holds.apply":     "Apply these changes",
	"holds.applied":   "Applied the held changes of %s.",
	"holds.failed":    "The sync did not go through:",

	"problems.sources":  "Sources failing longer than their tolerance",
	"problems.failed":   "Failed sends (upcoming hearings)",
	"problems.phones":   "Phones that cannot receive texts",
	"problems.none":     "None.",
	"problems.nophone":  "no phone that receives texts on file",
	"problems.code":     "the carrier refused the number (%s)",
	"problems.hearing":  "Hearing",
	"problems.who":      "Recipient",
	"problems.error":    "Error",
	"problems.when":     "When",
	"problems.allclear": "",
}

var es = map[string]string{
	"title":           "Oficina",
	"nav.week":        "Esta semana y la próxima",
	"nav.inbox":       "Mensajes",
	"nav.holds":       "Sincronizaciones retenidas",
	"nav.problems":    "Problemas",
	"signout":         "Cerrar sesión",
	"signin":          "Entrar",
	"signin.intro":    "El personal entra con el correo y la contraseña de su entrada [[staff]].",
	"signin.email":    "Correo",
	"signin.password": "Contraseña",
	"signin.wrong":    "Correo o contraseña incorrectos.",
	"signin.locked":   "Demasiados intentos fallidos: esta cuenta queda bloqueada 15 minutos.",
	"refused":         "Se rechazó este formulario: no llevaba la clave de la página. Vuelva a cargar la página e inténtelo de nuevo.",
	"signed":          "Sesión de",

	"week.filter":     "Mostrar",
	"week.attorney":   "Abogado/a",
	"week.court":      "Corte",
	"week.all":        "todos",
	"week.prev":       "← semana anterior",
	"week.next":       "semana siguiente →",
	"week.this":       "esta semana",
	"week.none":       "No hay audiencias en estas dos semanas.",
	"week.nexthear":   "La próxima audiencia es el",
	"week.show":       "ver esa semana",
	"week.count":      "Audiencias: %d, en filas (una por familia): %d",
	"week.clients":    "Clientes",
	"week.counsel":    "Abogado/a",
	"week.judge":      "Juez/a",
	"week.reminders":  "Recordatorios",
	"week.noreminder": "ningún recordatorio programado",
	"week.confirmed":  "confirmó",
	"week.notconf":    "no ha confirmado",
	"week.theirtime":  "su hora",
	"week.detained":   "detenido/a: se avisa a su contacto",
	"week.nophone":    "sin teléfono que reciba mensajes",
	"week.optedout":   "dio de baja los mensajes",
	"time.unknown":    "hora aún desconocida",

	"medium.in_person": "en persona",
	"medium.video":     "por video",
	"medium.telephone": "por teléfono",
	"medium.internet":  "en línea (WebEx)",
	"medium.":          "",

	"kind.reminder":    "recordatorio",
	"kind.rescheduled": "aviso de cambio",
	"kind.cancelled":   "aviso de cancelación",
	"channel.sms":      "mensaje",
	"channel.email":    "correo",
	"channel.whatsapp": "WhatsApp",
	"channel.voice":    "llamada",
	"contact":          "contacto",

	"state.planned":   "programado",
	"state.sending":   "enviándose",
	"state.sent":      "enviado",
	"state.delivered": "entregado",
	"state.failed":    "falló",
	"state.skipped":   "omitido",

	"inbox.intro":        "Mensajes de clientes que necesitan a una persona; los urgentes primero.",
	"inbox.all":          "ver también los atendidos",
	"inbox.open":         "ver solo los pendientes",
	"inbox.empty":        "Ningún mensaje espera al personal.",
	"inbox.from":         "De",
	"inbox.unknown":      "un número que no es de ningún cliente",
	"inbox.urgent":       "URGENTE",
	"inbox.handled":      "Atendido",
	"inbox.mark":         "Marcar atendido",
	"inbox.forwarded":    "reenviado por correo",
	"inbox.notforwarded": "aún no reenviado",
	"inbox.done":         "Marcado como atendido.",

	"reason.cannot attend":   "no puede asistir",
	"reason.detained":        "detenido/a",
	"reason.moved":           "se mudó",
	"reason.lost the notice": "perdió la notificación",

	"holds.intro":     "Una sincronización que movería o cancelaría más de lo que su fuente puede cambiar de una vez queda retenida hasta que alguien la revise. Aplíquela si el cambio es real (se reprogramó el calendario de un juez); si no, corrija la fuente.",
	"holds.none":      "Ninguna sincronización está retenida.",
	"holds.summary":   "%d cambios de horario (%d audiencias) de %d horarios próximos: más del %s que puede cambiar de una vez.",
	"holds.since":     "Retenida desde",
	"holds.cancelled": "cancelada (ya no aparece)",
	"holds.noclient":  "ningún cliente registrado",
	"holds.more":      "…y %d cambios más que no se muestran.",
	"holds.apply":     "Aplicar estos cambios",
	"holds.applied":   "Se aplicaron los cambios retenidos de %s.",
	"holds.failed":    "La sincronización no se completó:",

	"problems.sources":  "Fuentes que fallan desde hace más de su tolerancia",
	"problems.failed":   "Envíos fallidos (audiencias próximas)",
	"problems.phones":   "Teléfonos que no pueden recibir mensajes",
	"problems.none":     "Ninguno.",
	"problems.nophone":  "sin teléfono registrado que reciba mensajes",
	"problems.code":     "la compañía rechazó el número (%s)",
	"problems.hearing":  "Audiencia",
	"problems.who":      "Destinatario",
	"problems.error":    "Error",
	"problems.when":     "Cuándo",
	"problems.allclear": "",
}
