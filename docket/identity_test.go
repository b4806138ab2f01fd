package docket

import (
	"strings"
	"testing"
)

func TestIdentityIsTheSourcesAndHidesTheKey(t *testing.T) {
	a := Hearing{ID: 3, Source: "office-export", SourceKey: "EV-10231"}
	b := Hearing{ID: 9, Source: "office-export", SourceKey: "EV-10231"} // the same hearing in a rebuilt database
	if a.Identity() != b.Identity() {
		t.Errorf("row ids changed the identity: %s, %s", a.Identity(), b.Identity())
	}
	for _, other := range []Hearing{{Source: "config", SourceKey: "EV-10231"}, {Source: "office-export", SourceKey: "EV-10232"},
		{Source: "office-expor", SourceKey: "tEV-10231"}} {
		if other.Identity() == a.Identity() {
			t.Errorf("%s/%s has the identity of %s/%s", other.Source, other.SourceKey, a.Source, a.SourceKey)
		}
	}
	if c := (Hearing{Source: "config", SourceKey: "201555101#1"}); len(c.Identity()) != 32 ||
		strings.Contains(c.Identity(), "201555101") {
		t.Errorf("identity %q: want 32 hex digits that do not show the A-number", c.Identity())
	}
}

func TestMessageKeyIsOnePerRowAndTheSameOnARetry(t *testing.T) {
	h := Hearing{ID: 3, Source: "office-export", SourceKey: "EV-10231"}
	row := Reminder{ID: 41, Kind: KindReminder, Sequence: 0, Recipient: ToClient, RecipientID: "rosa", Channel: Email,
		Policy: "client-email", Offset: "1d"}
	retry := row
	retry.ID, retry.Attempts = 77, 2 // the same reminder, retried or planned again in a rebuilt database
	if MessageKey(h, row) != MessageKey(h, retry) {
		t.Errorf("a retry changed the key: %s, %s", MessageKey(h, row), MessageKey(h, retry))
	}
	seen := map[string]string{MessageKey(h, row): "the reminder"}
	for what, r := range map[string]Reminder{
		"another offset":    {Kind: KindReminder, Recipient: ToClient, RecipientID: "rosa", Channel: Email, Policy: "client-email", Offset: "7d"},
		"another recipient": {Kind: KindReminder, Recipient: ToClient, RecipientID: "jorge", Channel: Email, Policy: "client-email", Offset: "1d"},
		"counsel":           {Kind: KindReminder, Recipient: ToAttorney, RecipientID: "rosa", Channel: Email, Policy: "client-email", Offset: "1d"},
		"the notice":        {Kind: KindRescheduled, Sequence: 1, Recipient: ToClient, RecipientID: "rosa", Channel: Email},
		"the next sequence": {Kind: KindReminder, Sequence: 1, Recipient: ToClient, RecipientID: "rosa", Channel: Email, Policy: "client-email", Offset: "1d"},
	} {
		k := MessageKey(h, r)
		if prev, ok := seen[k]; ok {
			t.Errorf("%s has the key of %s: %s", what, prev, k)
		}
		seen[k] = what
	}
	if MessageKey(Hearing{Source: "office-export", SourceKey: "EV-10232"}, row) == MessageKey(h, row) {
		t.Error("two hearings gave one key")
	}
}

func TestMessageKeyShowsNoRecipient(t *testing.T) {
	k := MessageKey(Hearing{Source: "config", SourceKey: "201555101#1"},
		Reminder{Kind: KindReminder, Recipient: ToClient, RecipientID: "rosa-mendoza", Channel: SMS})
	if strings.Contains(k, "rosa") || strings.Contains(k, "201555101") || len(k) != len("msg-")+32 {
		t.Errorf("key %q: want msg- and 32 hex digits, naming no one", k)
	}
}

func TestDedupeKeyNamesTheHearingsIdentityNotItsRowID(t *testing.T) {
	a := Hearing{ID: 3, Source: "office-export", SourceKey: "EV-10231"}
	b := Hearing{ID: 9, Source: "office-export", SourceKey: "EV-10232"}
	row := Reminder{HearingID: 3, Kind: KindReminder, Recipient: ToClient, RecipientID: "rosa", Channel: SMS,
		Policy: "client-text", Offset: "7d"}
	if got, want := DedupeKey(a.Identity(), row), "reminder/"+a.Identity()+"/0/client/rosa/sms/client-text/7d"; got != want {
		t.Errorf("reminder key: got %s, want %s", got, want)
	}
	notice := Reminder{HearingID: 3, Kind: KindRescheduled, Sequence: 2, Recipient: ToContact, RecipientID: "sam",
		Channel: Email}
	if got, want := DedupeKey(a.Identity(), notice), "rescheduled/"+a.Identity()+"/2/contact/sam/email"; got != want {
		t.Errorf("notice key: got %s, want %s", got, want)
	}
	rebuilt := row
	rebuilt.ID, rebuilt.HearingID = 70, 9 // the same reminder in a rebuilt database, where the hearing is row 9
	if DedupeKey(a.Identity(), rebuilt) != DedupeKey(a.Identity(), row) {
		t.Error("row ids changed the key")
	}
	if DedupeKey(b.Identity(), row) == DedupeKey(a.Identity(), row) {
		t.Error("two hearings gave one key")
	}
}
