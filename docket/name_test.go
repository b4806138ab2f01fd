package docket

import "testing"

func TestPersonNameIsInTheOrderPeopleWriteIt(t *testing.T) {
	for _, tc := range []struct{ raw, display, greeting string }{
		{"Cuarto, Cliente", "Cliente Cuarto", "Cliente"},
		{"CASTILLO, ROSA ELENA", "Rosa Elena Castillo", "Rosa"},
		{"CASTILLO VEGA, JOSE", "Jose Castillo Vega", "Jose"},
		{"Castillo Vega, José", "José Castillo Vega", "José"},
		{"Rosa Elena Castillo", "Rosa Elena Castillo", "Rosa"},
		{"de la Cruz, María", "María de la Cruz", "María"},
		{"DE LA CRUZ, MARIA", "Maria de la Cruz", "Maria"},
		{"Ramírez,", "Ramírez", "Ramírez"},
		{"Ramírez,, Ana", "Ana Ramírez", "Ana"},
		{"  Ramírez ,   Ana   Lucía ", "Ana Lucía Ramírez", "Ana"},
		{"MOHAMED", "Mohamed", "Mohamed"},
		{"Nguyen", "Nguyen", "Nguyen"},
		{"O'BRIEN, SEAN", "Sean O'Brien", "Sean"},
		{"GARCIA-LOPEZ, JUAN CARLOS", "Juan Carlos Garcia-Lopez", "Juan"},
		{"JEAN-BAPTISTE, MARIE", "Marie Jean-Baptiste", "Marie"},
		{"Smith, John, Jr.", "John Smith Jr.", "John"},
		{"SMITH, JOHN, III", "John Smith III", "John"},
		{"dos Santos, João", "João dos Santos", "João"},
		{"DOS SANTOS, JOAO", "Joao dos Santos", "Joao"},
		{"McDonald, Ian", "Ian McDonald", "Ian"},
		{"TESFAYE, ABEBE GIRMA", "Abebe Girma Tesfaye", "Abebe"},
		{"Pérez y Gómez, Luis", "Luis Pérez y Gómez", "Luis"},
		{"ÑUÑEZ, ÁNGEL", "Ángel Ñuñez", "Ángel"},
		{"", "", ""},
		{" , ", "", ""},
	} {
		display, greeting := PersonName(tc.raw)
		if display != tc.display || greeting != tc.greeting {
			t.Errorf("PersonName(%q) = %q, %q; want %q, %q", tc.raw, display, greeting, tc.display, tc.greeting)
		}
		if again, _ := PersonName(display); again != display {
			t.Errorf("PersonName(%q) = %q: a display name must come back unchanged", display, again)
		}
	}
}
