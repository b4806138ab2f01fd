package message

import (
	"testing"
	"time"
)

// The client in El Paso with a WebEx hearing at the Dallas court, and the cases around her.
func TestMomentTellsTheClientsClock(t *testing.T) {
	central, mountain, phoenix := mustZone("America/Chicago"), mustZone("America/Denver"), mustZone("America/Phoenix")
	nine := time.Date(2027, 3, 16, 9, 0, 0, 0, central) // after the March change: CDT and MDT
	winter := time.Date(2027, 1, 12, 9, 0, 0, 0, mountain)
	summer := time.Date(2027, 7, 13, 9, 0, 0, 0, mountain)
	for _, c := range []struct {
		name         string
		m            Moment
		lang, clock  string
		formal, date string
	}{
		{"remote across zones, es", Moment{Start: nine, Court: central, CourtPlace: "Dallas", Home: mountain, HomePlace: "El Paso", Remote: true},
			"es", "8 a. m., hora de El Paso (9 a. m. en Dallas)",
			"9 a. m. CDT, hora de Dallas (para el cliente, 8 a. m. MDT, hora de El Paso)", "martes 16 de marzo de 2027"},
		{"remote across zones, en", Moment{Start: nine, Court: central, CourtPlace: "Dallas", Home: mountain, HomePlace: "El Paso", Remote: true},
			"en", "8:00 AM El Paso time (9:00 AM in Dallas)",
			"9:00 AM CDT Dallas time (the client joins at 8:00 AM MDT, El Paso time)", "Tuesday, March 16, 2027"},
		{"remote, the client's city unknown", Moment{Start: nine, Court: central, CourtPlace: "Dallas", Home: mountain, Remote: true},
			"es", "8 a. m., su hora (9 a. m. en Dallas)",
			"9 a. m. CDT, hora de Dallas (para el cliente, 8 a. m. MDT, su hora)", "martes 16 de marzo de 2027"},
		{"in person across zones names the court's place", Moment{Start: nine, Court: central, CourtPlace: "Dallas", Home: mountain, HomePlace: "El Paso"},
			"es", "9 a. m., hora de Dallas", "9 a. m. CDT, hora de Dallas", "martes 16 de marzo de 2027"},
		{"remote in the same zone", Moment{Start: nine, Court: central, CourtPlace: "Dallas", Home: central, Remote: true},
			"en", "9:00 AM", "9:00 AM CDT Dallas time", "Tuesday, March 16, 2027"},
		{"Phoenix and Denver agree in winter", Moment{Start: winter, Court: mountain, CourtPlace: "El Paso", Home: phoenix, HomePlace: "Tucson", Remote: true},
			"en", "9:00 AM", "9:00 AM MST El Paso time", "Tuesday, January 12, 2027"},
		{"and differ in summer", Moment{Start: summer, Court: mountain, CourtPlace: "El Paso", Home: phoenix, HomePlace: "Tucson", Remote: true},
			"en", "8:00 AM Tucson time (9:00 AM in El Paso)",
			"9:00 AM MDT El Paso time (the client joins at 8:00 AM MST, Tucson time)", "Tuesday, July 13, 2027"},
		{"no home zone is the court's", Moment{Start: nine, Court: central, CourtPlace: "Dallas", Remote: true},
			"es", "9 a. m.", "9 a. m. CDT, hora de Dallas", "martes 16 de marzo de 2027"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.m.Clock(c.lang); got != c.clock {
				t.Errorf("Clock = %q, want %q", got, c.clock)
			}
			if got := c.m.Formal(c.lang); got != c.formal {
				t.Errorf("Formal = %q, want %q", got, c.formal)
			}
			if got := c.m.Date(c.lang); got != c.date {
				t.Errorf("Date = %q, want %q", got, c.date)
			}
		})
	}
}

// A remote hearing at 12:30:00 AM court time is on the evening before on the client's clock: the date follows the
// clock the client is told.
func TestMomentDateFollowsTheClock(t *testing.T) {
	eastern, pacific := mustZone("America/New_York"), mustZone("America/Los_Angeles")
	m := Moment{Start: time.Date(2027, 3, 16, 1, 0, 0, 0, eastern), Court: eastern, CourtPlace: "New York",
		Home: pacific, HomePlace: "Los Angeles", Remote: true}
	if got, want := m.Date("en"), "Monday, March 15, 2027"; got != want {
		t.Errorf("Date = %q, want %q", got, want)
	}
	if got, want := m.At("es"), "a las 10 p. m., hora de Los Angeles (1 a. m. en New York)"; got != want {
		t.Errorf("At = %q, want %q", got, want)
	}
	if got, want := (Moment{Start: time.Date(2027, 3, 16, 13, 5, 0, 0, eastern)}).At("es"), "a la 1:05 p. m."; got != want {
		t.Errorf("At = %q, want %q", got, want)
	}
	if got, want := (Moment{Start: time.Date(2027, 3, 16, 12, 0, 0, 0, eastern)}).Clock("es"), "12 p. m."; got != want {
		t.Errorf("Clock = %q, want %q", got, want)
	}
}

func TestMomentWhen(t *testing.T) {
	central := mustZone("America/Chicago")
	m := Moment{Start: time.Date(2027, 2, 9, 8, 30, 0, 0, central), Court: central}
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2027, 2, 8, 10, 0, 0, 0, central), "mañana"},
		{time.Date(2027, 2, 8, 23, 59, 0, 0, central), "mañana"},
		{time.Date(2027, 2, 9, 6, 0, 0, 0, central), "hoy"},
		{time.Date(2027, 2, 7, 10, 0, 0, 0, central), ""},
		{time.Date(2027, 2, 9, 3, 0, 0, 0, time.UTC), "mañana"}, // 21:00 on the 8th in Dallas
		{time.Time{}, ""},
	} {
		if got := m.When("es", c.now); got != c.want {
			t.Errorf("When(%s) = %q, want %q", c.now, got, c.want)
		}
	}
}

// A start whose day is known and whose time is not reads as such on every clock, in each language, never as the
// midnight it holds; its day reads as ever.
func TestMomentDateOnly(t *testing.T) {
	dallas, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	m := Moment{Start: time.Date(2028, 2, 8, 0, 0, 0, 0, dallas), Court: dallas, CourtPlace: "Dallas", DateOnly: true}
	for lang, want := range map[string][2]string{
		"en": {"Tuesday, February 8, 2028", "time not yet set by the court"},
		"es": {"martes 8 de febrero de 2028", "la corte aún no fijó la hora"},
	} {
		if got := m.Date(lang); got != want[0] {
			t.Errorf("%s: Date %q, want %q", lang, got, want[0])
		}
		for name, got := range map[string]string{"Clock": m.Clock(lang), "Named": m.Named(lang), "At": m.At(lang),
			"Formal": m.Formal(lang)} {
			if got != want[1] {
				t.Errorf("%s: %s %q, want %q", lang, name, got, want[1])
			}
		}
	}
}
