package store

import (
	"strings"

	"github.com/docketd/docketd/docket"
)

// The store's rows are gorm models and stay inside this package; what it returns and takes is the vocabulary's
// types. Rows whose fields are the domain type's exactly convert directly (a field added to one and not the other
// stops the build here, which is the point); the others are copied below.

// each converts every row.
func each[R, D any](rows []R, f func(R) D) []D {
	out := make([]D, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}

func courtOf(r courtRow) docket.Court             { return docket.Court(r) }
func attorneyOf(r attorneyRow) docket.Attorney    { return docket.Attorney(r) }
func reminderOf(r outboxRow) docket.Reminder      { return docket.Reminder(r) }
func changeOf(r changeRow) docket.HearingChange   { return docket.HearingChange(r) }
func feedTokenOf(r feedTokenRow) docket.FeedToken { return docket.FeedToken(r) }
func syncRunOf(r syncRunRow) docket.SyncRun       { return docket.SyncRun(r) }
func outboxRowOf(r docket.Reminder) outboxRow     { return outboxRow(r) }
func attorneyRowOf(a docket.Attorney) attorneyRow { return attorneyRow(a) }

func clientOf(r clientRow) docket.Client {
	return docket.Client{ID: r.ID, Name: r.Name, ANumber: r.ANumber, Nationality: r.Nationality, Phone: r.Phone,
		Email: r.Email, Language: r.Language, Zone: r.Zone, AttorneyID: r.AttorneyID, Active: r.Active,
		Origin: r.Origin, UpdatedAt: r.UpdatedAt, State: r.State,
		Detained: r.Detained, GreetingName: r.GreetingName, City: r.City,
		Contact:  docket.Proxy{Name: r.ContactName, Phone: r.ContactPhone, Email: r.ContactEmail, Language: r.ContactLanguage},
		Channels: channelsOf(r.Channels)}
}

func clientRowOf(c docket.Client) clientRow {
	return clientRow{ID: c.ID, Name: c.Name, ANumber: c.ANumber, Nationality: c.Nationality, Phone: c.Phone,
		Email: c.Email, Language: c.Language, Zone: c.Zone, AttorneyID: c.AttorneyID, Active: c.Active,
		Origin: c.Origin, UpdatedAt: c.UpdatedAt, State: c.State,
		Detained: c.Detained, GreetingName: c.GreetingName, City: c.City,
		ContactName: c.Contact.Name, ContactPhone: c.Contact.Phone, ContactEmail: c.Contact.Email,
		ContactLanguage: c.Contact.Language, Channels: channelsText(c.Channels)}
}

// channelsOf reads a client's stored channel order.
func channelsOf(s string) []docket.Channel {
	if s == "" {
		return nil
	}
	var out []docket.Channel
	for c := range strings.SplitSeq(s, ",") {
		out = append(out, docket.Channel(c))
	}
	return out
}

// channelsText writes a client's channel order for the store.
func channelsText(cs []docket.Channel) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return strings.Join(out, ",")
}

// hearingOf is the hearing without its people and court, which views attaches.
func hearingOf(h hearingRow) docket.Hearing {
	d := docket.Hearing{ID: h.ID, CaseID: h.CaseID, Source: h.Source, SourceKey: h.SourceKey, Start: h.Start,
		FirstStart: h.FirstStart, TimeUnknown: h.TimeUnknown, Zone: h.Zone, CourtCode: h.CourtCode,
		LocationCode: h.LocationCode, Type: h.Type, TypeCode: h.TypeCode,
		Medium: h.Medium, MediumCode: h.MediumCode, Judge: h.Judge, WebEx: h.WebEx, Address: h.Address,
		Status: h.Status, Sequence: h.Sequence, FirstSeen: h.FirstSeen, LastSeen: h.LastSeen,
		MissingSince: h.MissingSince, ChangedAt: h.ChangedAt, UpdatedAt: h.UpdatedAt, Detained: h.Detained,
		FilingDeadline: h.FilingDeadline}
	if h.Case != nil && h.Case.ANumber != nil {
		d.ANumber = docket.ANumber(*h.Case.ANumber)
	}
	return d
}
