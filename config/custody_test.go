package config

import (
	"errors"
	"strings"
	"testing"
)

func TestClientCustodyAndContact(t *testing.T) {
	src := `[organization]
name = "Office"
timezone = "America/Chicago"
language = "es"

[[clients]]
id = "c1"
name = "Castillo, Rosa Elena"
detained = true
greeting_name = "Rosita"
city = "El Paso"
[clients.contact]
name = "Ana Castillo"
phone = "(915) 555-0111"

[[clients]]
id = "c2"
name = "Other"
[clients.contact]
name = "Nobody Reachable"

[[clients]]
id = "c3"
name = "Third"
[clients.contact]
phone = "12"
email = "not-an-address"
`
	_, err := Parse("c.toml", []byte(src), Options{Courts: testCourts})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want Errors", err)
	}
	want := []string{
		`c.toml:19:2: clients[1].contact: a contact with a name needs a phone or an email`,
		`c.toml:25:2: clients[2].contact.name: is required when a contact phone or email is given`,
		`c.toml:26:1: clients[2].contact.phone: expected a phone number`,
		`c.toml:27:1: clients[2].contact.email: expected an email address`,
	}
	got := strings.Split(errs.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), errs.Error())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}

	good := strings.SplitN(src, "[[clients]]\nid = \"c2\"", 2)[0]
	cfg, err := Parse("c.toml", []byte(good), Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Clients[0]
	if !c.Detained || c.GreetingName != "Rosita" || c.City != "El Paso" ||
		c.Contact != (Contact{Name: "Ana Castillo", Phone: "+19155550111", Language: "es"}) {
		t.Errorf("client: %+v", c)
	}
}

func TestADetainedClientNobodyCanBeRemindedForIsAWarning(t *testing.T) {
	src := `[organization]
name = "Office"

[[attorneys]]
id = "a1"
name = "Counsel"
email = "counsel@example.org"

[[attorneys]]
id = "a2"
name = "No Email"

[[clients]]
id = "alone"
name = "Client One"
detained = true
attorney = "a2"

[[clients]]
id = "counsel"
name = "Client Two"
detained = true
attorney = "a1"

[[clients]]
id = "contact"
name = "Client Three"
detained = true
[clients.contact]
name = "Ana"
phone = "+12145550111"
`
	cfg, err := Parse("w.toml", []byte(src), Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.Warnings {
		if strings.Contains(w.String(), ".detained:") {
			got = append(got, w.String())
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], `clients[0].detained: client "alone" is detained and has neither a contact`) {
		t.Errorf("warnings = %v, want one for client alone", got)
	}
}
