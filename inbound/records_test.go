package inbound

import (
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

const sam = "+19155550102"

func TestNextHearingConversion(t *testing.T) {
	denver, _ := time.LoadLocation("America/Denver")
	start := time.Date(2027, 4, 11, 9, 0, 0, 0, denver)
	court := docket.Court{Code: "ELP", Name: "El Paso", Address: "700 E. San Antonio Avenue, Suite 750", City: "El Paso",
		State: "TX", Zone: "America/Denver"}
	clients := []docket.Client{{ID: "a", Phone: "+19155550100", Language: "en"}, {ID: "b", Phone: sam, Language: "es"}}
	tests := []struct {
		name string
		h    docket.Hearing
		want NextHearing
	}{
		{"in person at the court's address, WebEx link ignored",
			docket.Hearing{Start: start.UTC(), Zone: "America/Denver", CourtCode: "ELP", Medium: "in_person",
				WebEx: "https://eoir.webex.com/meet/ij"},
			NextHearing{Court: "El Paso", CourtPlace: "El Paso", Address: "700 E. San Antonio Avenue, Suite 750, El Paso, TX", Language: "es"}},
		{"online: link and no address",
			docket.Hearing{Start: start.UTC(), Zone: "America/Denver", CourtCode: "ELP", Medium: "internet",
				WebEx: "https://eoir.webex.com/meet/ij"},
			NextHearing{Court: "El Paso", CourtPlace: "El Paso", VideoURL: "https://eoir.webex.com/meet/ij", Language: "es", Remote: true}},
		{"ACIS address lines",
			docket.Hearing{Start: start.UTC(), Zone: "America/Denver", CourtCode: "ELP", Medium: "video",
				Address: "8915 Montana Ave.|Suite 100|El Paso, TX 79925"},
			NextHearing{Court: "El Paso", CourtPlace: "El Paso", Address: "8915 Montana Ave., Suite 100, El Paso, TX 79925", Language: "es"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.h
			h.Court, h.Clients = court, clients
			got := Next(h, sam, nil)
			if gotLocal, want := got.Start.Format("2006-01-02 15:04 MST"), "2027-04-11 09:00 MDT"; gotLocal != want {
				t.Errorf("start: got %s, want %s", gotLocal, want)
			}
			got.Start = time.Time{}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
