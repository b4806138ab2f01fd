package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/docket"
)

func cmdHearings(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("hearings", "[--days N] [--court CODE] [--all] [--format table|json] [--now T]", true, true)
	days := f.Int("days", 0, "only hearings in the next `N` days (0: every upcoming hearing)")
	court := f.String("court", "", "only hearings at this court or hearing-location `code`")
	all := f.Bool("all", false, "include cancelled and completed hearings")
	if err := f.parse(args); err != nil {
		return err
	}
	if *days < 0 {
		return usageErrorf("hearings: --days must be 0 or more")
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	now := f.clock(e)()
	if err := assembly.CheckStore(cfg); err != nil { // a listing never creates the database it lists
		return err
	}
	db, err := assembly.OpenStore(ctx, cfg, f.clock(e))
	if err != nil {
		return err
	}
	defer db.Close()
	filter := docket.HearingFilter{From: now, Court: strings.ToUpper(*court), Precedence: assembly.Precedence(cfg)}
	if *days > 0 {
		filter.To = now.Add(time.Duration(*days) * 24 * time.Hour)
	}
	if !*all {
		filter.Status = []docket.HearingStatus{docket.StatusScheduled}
	}
	hs, err := db.Hearings(ctx, filter)
	if err != nil {
		return err
	}
	if f.format == "json" {
		return writeJSON(e.stdout, hearingsJSON(hs))
	}
	return hearingsTable(e.stdout, hs)
}

type hearingJSON struct {
	ID         uint                 `json:"id"`
	Start      string               `json:"start"`
	Zone       string               `json:"zone"`
	ZoneAbbr   string               `json:"zone_abbr"`
	Court      string               `json:"court"`
	CourtName  string               `json:"court_name"`
	Location   string               `json:"location,omitempty"`
	Address    string               `json:"address"`
	Type       docket.HearingType   `json:"type"`
	TypeCode   string               `json:"type_code,omitempty"`
	Medium     docket.Medium        `json:"medium"`
	MediumCode string               `json:"medium_code,omitempty"`
	Judge      string               `json:"judge,omitempty"`
	WebEx      string               `json:"webex,omitempty"`
	Status     docket.HearingStatus `json:"status"`
	Sequence   int                  `json:"sequence"`
	ANumber    docket.ANumber       `json:"a_number,omitempty"`
	Clients    []string             `json:"clients"`
	Attorneys  []string             `json:"attorneys"`
	Source     string               `json:"source"`
	ChangedAt  string               `json:"changed_at"`
}

func hearingsJSON(hs []docket.Hearing) []hearingJSON {
	out := make([]hearingJSON, 0, len(hs))
	for _, h := range hs {
		local := h.Local()
		abbr, _ := local.Zone()
		j := hearingJSON{ID: h.ID, Start: local.Format(time.RFC3339), Zone: h.Zone, ZoneAbbr: abbr, Court: h.CourtCode,
			CourtName: h.Court.Name, Location: h.LocationCode, Address: h.Place(), Type: h.Type,
			TypeCode: h.TypeCode, Medium: h.Medium, MediumCode: h.MediumCode, Judge: h.Judge, WebEx: h.WebEx,
			Status: h.Status, Sequence: h.Sequence, ANumber: h.ANumber, Clients: []string{}, Attorneys: []string{},
			Source: h.Source, ChangedAt: h.ChangedAt.UTC().Format(time.RFC3339)}
		for _, c := range h.Clients {
			j.Clients = append(j.Clients, c.Name)
		}
		for _, a := range h.Attorneys {
			j.Attorneys = append(j.Attorneys, a.Name)
		}
		out = append(out, j)
	}
	return out
}

func hearingsTable(w io.Writer, hs []docket.Hearing) error {
	if len(hs) == 0 {
		_, err := fmt.Fprintln(w, "No upcoming hearings.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tTIME (COURT)\tCOURT\tTYPE\tMEDIUM\tA-NUMBER\tCLIENTS\tCOUNSEL\tSTATUS")
	for _, h := range hs {
		local := h.Local()
		var names, counsel []string
		for _, c := range h.Clients {
			names = append(names, c.Name)
		}
		for _, a := range h.Attorneys {
			counsel = append(counsel, a.Name)
		}
		status := string(h.Status)
		if h.Sequence > 0 {
			status += fmt.Sprintf(" (changed %d×)", h.Sequence)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", local.Format("Mon Jan 2 2006"),
			local.Format("3:04 PM MST"), h.CourtCode+" "+h.Court.Name, h.Type, strings.ReplaceAll(string(h.Medium), "_", " "),
			dash(h.ANumber.String()), dash(strings.Join(names, ", ")), dash(strings.Join(counsel, ", ")), status)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeJSON writes v as indented JSON (an array of objects with snake_case keys, times in RFC 3339).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
