package inbound

import "testing"

func TestUrgent(t *testing.T) {
	for _, c := range []struct {
		body string
		want Urgency
		ok   bool
	}{
		{"no vamos a poder ir, mi hija está enferma", UrgentCannotAttend, true},
		{"Me detuvieron ayer", UrgentDetained, true},
		{"me cambié de casa", UrgentMoved, true},
		{"I can’t make it on Tuesday", UrgentCannotAttend, true},
		{"¿dónde es la corte?", "", false},
		{"gracias", "", false},
	} {
		got, ok := Urgent(c.body)
		if got != c.want || ok != c.ok {
			t.Errorf("Urgent(%q) = %q, %v; want %q, %v", c.body, got, ok, c.want, c.ok)
		}
	}
}
