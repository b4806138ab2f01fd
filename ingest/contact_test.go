package ingest

import (
	"testing"

	"github.com/docketd/docketd/docket"
)

func TestContactNameInDisplayOrderAndCustody(t *testing.T) {
	c := contact(docket.SourceRecord{ClientName: "CASTILLO, ROSA ELENA", ClientDetained: true})
	if c == nil || c.Name != "Rosa Elena Castillo" || !c.Detained {
		t.Errorf("contact = %+v, want Rosa Elena Castillo, detained", c)
	}
	if c := contact(docket.SourceRecord{ClientName: " , "}); c != nil {
		t.Errorf("a name of commas only: contact = %+v, want none", c)
	}
}
