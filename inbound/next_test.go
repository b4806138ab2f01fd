package inbound

import (
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// maxNextSegments is the FECHA / NEXT reply's budget: `docketd check` warns about any text longer than 3 segments
// (SPEC §5), and a Spanish reply is UCS-2 ("próxima") at 67 characters a segment.
const maxNextSegments = 3

// The people and numbers below are made up. The 2027 change to daylight time is on Sunday 14 March.
func TestNextReplyTellsTheClientsClock(t *testing.T) {
	central, mountain := mustZone(t, "America/Chicago"), mustZone(t, "America/Denver")
	dallas := docket.Court{Code: "DAL", Name: "Dallas", Address: "1100 Commerce Street, Suite 1060", City: "Dallas",
		State: "TX", Zone: "America/Chicago"}
	elPaso := docket.Court{Code: "ELP", Name: "El Paso", Address: "700 E. San Antonio Avenue, Suite 750",
		City: "El Paso", State: "TX", Zone: "America/Denver"}
	const phone = clientA
	rosa := docket.Client{ID: "rosa", Name: "Rosa Elena Castillo Ibarra", Phone: phone, Language: "es",
		Zone: "America/Denver", City: "El Paso"}
	laura := []docket.Attorney{{ID: "lm", Name: "Laura Medina", Phone: "(214) 555-0142"}}
	hearing := func(start time.Time, court docket.Court, m docket.Medium, clients ...docket.Client) docket.Hearing {
		return docket.Hearing{Start: start.UTC(), Zone: court.Zone, CourtCode: court.Code, Court: court, Medium: m,
			WebEx: "https://eoir.webex.com/meet/ij.dallas", Status: docket.StatusScheduled, Clients: clients,
			Attorneys: laura}
	}
	after := time.Date(2027, 3, 16, 9, 0, 0, 0, central)
	before := time.Date(2027, 3, 9, 9, 0, 0, 0, central)
	sameZone := docket.Client{ID: "ana", Name: "Ana Lucía Peña", Phone: phone, Language: "es", Zone: "America/Chicago"}
	noZone := docket.Client{ID: "ana", Name: "Ana Lucía Peña", Phone: phone, Language: "es"}
	mario := docket.Client{ID: "mario", Name: "Mario Ruiz Treviño", Phone: phone, Language: "es", Zone: "America/Denver",
		City: "El Paso", Detained: true}
	for _, tt := range []struct {
		name    string
		h       docket.Hearing
		office  *time.Location
		text    string // what the client texts
		noLinks bool   // with no WebEx link and no address
		want    string
	}{
		{"the El Paso client, a Dallas WebEx hearing after the change",
			hearing(after, dallas, docket.MediumInternet, rosa), central, "FECHA", false,
			"Su próxima audiencia es el martes 16 de marzo de 2027 a las 8 a. m., hora de El Paso (9 a. m. en Dallas). Por internet (WebEx): https://eoir.webex.com/meet/ij.dallas"},
		{"and before it", hearing(before, dallas, docket.MediumInternet, rosa), central, "FECHA", false,
			"Su próxima audiencia es el martes 9 de marzo de 2027 a las 8 a. m., hora de El Paso (9 a. m. en Dallas). Por internet (WebEx): https://eoir.webex.com/meet/ij.dallas"},
		{"in English", hearing(after, dallas, docket.MediumInternet, rosa), central, "NEXT", false,
			"Your next hearing is on Tuesday, March 16, 2027 at 8:00 AM El Paso time (9:00 AM in Dallas). Online (WebEx): https://eoir.webex.com/meet/ij.dallas"},
		{"by telephone, from home", hearing(after, dallas, docket.MediumTelephone, rosa), central, "FECHA", false,
			"Su próxima audiencia es el martes 16 de marzo de 2027 a las 8 a. m., hora de El Paso (9 a. m. en Dallas). Por teléfono."},
		{"in person in Dallas: court time, its place named", hearing(after, dallas, docket.MediumInPerson, rosa), central, "FECHA", false,
			"Su próxima audiencia es el martes 16 de marzo de 2027 a las 9 a. m., hora de Dallas: 1100 Commerce Street, Suite 1060, Dallas, TX."},
		{"a Spanish client in the court's zone", hearing(after, dallas, docket.MediumInternet, sameZone), mountain, "FECHA", false,
			"Su próxima audiencia es el martes 16 de marzo de 2027 a las 9 a. m.: Dallas. Por internet (WebEx): https://eoir.webex.com/meet/ij.dallas"},
		{"a client with no zone lives where the office is", hearing(after, dallas, docket.MediumInternet, noZone), mountain, "FECHA", false,
			"Su próxima audiencia es el martes 16 de marzo de 2027 a las 8 a. m., su hora (9 a. m. en Dallas). Por internet (WebEx): https://eoir.webex.com/meet/ij.dallas"},
		{"a client with no zone and no office zone: the court's clock", hearing(after, elPaso, docket.MediumInPerson, noZone), nil, "FECHA", false,
			"Su próxima audiencia es el martes 16 de marzo de 2027 a las 8 a. m.: El Paso, 700 E. San Antonio Avenue, Suite 750, El Paso, TX."},
		{"a detained client: the date and whom to ask", hearing(after, dallas, docket.MediumInternet, mario), central, "FECHA", true,
			"Su próxima audiencia es el martes 16 de marzo de 2027. Su representante, Laura Medina, (214) 555-0142, tiene los detalles."},
		{"a detained docket, in English", func() docket.Hearing {
			h := hearing(after, dallas, docket.MediumInPerson, sameZone)
			h.Detained = true
			return h
		}(), central, "DATE", true,
			"Your next hearing is on Tuesday, March 16, 2027. Your representative, Laura Medina, (214) 555-0142, has the details."},
		{"a detained client without counsel: the office", func() docket.Hearing {
			h := hearing(after, dallas, docket.MediumInPerson, mario)
			h.Attorneys = nil
			return h
		}(), central, "FECHA", true,
			"Su próxima audiencia es el martes 16 de marzo de 2027. Para los detalles, llame a Smith & Jones <Legal Aid> al (214) 555-0100."},
		{"a family phone: the first client with the number", hearing(after, dallas, docket.MediumInternet,
			docket.Client{ID: "x", Name: "Otro", Phone: "+12145550999", Zone: "America/New_York", City: "Miami"}, rosa,
			docket.Client{ID: "j", Name: "José Castillo Ibarra", Phone: phone, Zone: "America/Chicago", City: "Dallas"}), central, "FECHA", false,
			"Su próxima audiencia es el martes 16 de marzo de 2027 a las 8 a. m., hora de El Paso (9 a. m. en Dallas). Por internet (WebEx): https://eoir.webex.com/meet/ij.dallas"},
		{"a family with its father held: nobody is sent anywhere", hearing(after, dallas, docket.MediumInPerson, mario, rosa), central, "FECHA", true,
			"Su próxima audiencia es el martes 16 de marzo de 2027. Su representante, Laura Medina, (214) 555-0142, tiene los detalles."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := newHookEnv(t, nil)
			env.store.next[phone] = Next(tt.h, phone, tt.office)
			got := env.text(t, phone, tt.text)
			if got != tt.want {
				t.Errorf("reply = %q\nwant    %q", got, tt.want)
			}
			if strings.Contains(got, "CDT") || strings.Contains(got, "MDT") || strings.Contains(got, "CST") {
				t.Errorf("reply gives a zone abbreviation alone: %q", got)
			}
			if tt.noLinks && (strings.Contains(got, "webex") || strings.Contains(got, "Commerce") || strings.Contains(got, "Vaya")) {
				t.Errorf("a detained client is told where to go: %q", got)
			}
			if enc, n := docket.Segments(got); n > maxNextSegments {
				t.Errorf("reply is %d %s segments, want at most %d: %q", n, enc, maxNextSegments, got)
			}
		})
	}
}

// The longest FECHA answer the court table can give: a remote hearing across zones on the longest weekday and month,
// the table's longest court city, a long client city and a long WebEx room, still within the budget.
func TestNextReplyLongestFitsItsBudget(t *testing.T) {
	mountain := mustZone(t, "America/Denver")
	h := docket.Hearing{Start: time.Date(2027, 9, 15, 12, 30, 0, 0, mountain).UTC(), Zone: "America/Denver",
		CourtCode: "SLC", Court: docket.Court{Code: "SLC", Name: "Salt Lake City", City: "West Valley City", Zone: "America/Denver"},
		Medium: docket.MediumInternet, WebEx: "https://eoir.webex.com/meet/IJ.Hernandez",
		Clients: []docket.Client{{ID: "c", Phone: clientA, Language: "es", Zone: "America/Los_Angeles", City: "San Bernardino"}}}
	env := newHookEnv(t, nil)
	env.store.next[clientA] = Next(h, clientA, nil)
	got := env.text(t, clientA, "FECHA")
	if !strings.Contains(got, "11:30 a. m., hora de San Bernardino (12:30 p. m. en West Valley City)") {
		t.Errorf("reply = %q", got)
	}
	if enc, n := docket.Segments(got); n > maxNextSegments {
		t.Errorf("reply is %d %s segments (%d characters), want at most %d: %q", n, enc, len([]rune(got)), maxNextSegments, got)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
