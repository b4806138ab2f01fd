package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/docketd/docketd/docket"
)

// ConfigSource is the source name of the config file's own [[hearings]].
const ConfigSource = "config"

// ConfigHearing is one validated [[hearings]] entry of the config file, as the command that loaded the file hands it
// over (ingest does not read the config).
type ConfigHearing struct {
	// ID is the entry's optional stable id. Without one, the hearing is known by its A-number and its place among
	// that A-number's entries ("201555123#2"), so editing its start moves it rather than replacing it.
	ID      string
	ANumber docket.ANumber
	// Court and Location are EOIR codes; the location decides the zone first, the court second.
	Court, Location string
	// Start is the wall-clock time at the court; its own zone is ignored.
	Start        time.Time
	Type         docket.HearingType
	Medium       docket.Medium
	Judge, WebEx string
	// FilingDeadline is the judge's filing deadline ("2027-01-15"), or "".
	FilingDeadline string
}

// ConfigHearings is a Reader over the config file's hearings. Each record's Line is its entry's place in the
// file counting from 1 (hearings[0] is 1), so a rejected entry can be found.
type ConfigHearings struct {
	Hearings []ConfigHearing
	// Zoner is the court table with the config's own [[courts]] applied.
	Zoner Zoner
}

var _ Reader = (*ConfigHearings)(nil)

// Read emits every entry in file order; an entry whose court has no zone is rejected alone.
func (c *ConfigHearings) Read(ctx context.Context, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error {
	if len(c.Hearings) > 0 && c.Zoner == nil {
		return errors.New("no court table")
	}
	ordinal := map[docket.ANumber]int{}
	for i, h := range c.Hearings {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := h.ID
		if key == "" {
			// Counted before any check, so a rejected entry does not shift the identity of the ones after it.
			ordinal[h.ANumber]++
			key = string(h.ANumber) + "#" + strconv.Itoa(ordinal[h.ANumber])
		}
		loc, err := c.Zoner.Zone(h.Location, h.Court)
		if err == nil && loc == nil {
			err = fmt.Errorf("no time zone for court %q", h.Court)
		}
		if err != nil {
			if reject != nil {
				reject(docket.RecordError{File: ConfigSource, Line: i + 1, Key: key, ANumber: h.ANumber,
					Reason: err.Error()})
			}
			continue
		}
		s := h.Start
		err = emit(docket.SourceRecord{Key: key, ANumber: h.ANumber, Court: h.Court, Location: h.Location,
			Start: time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), s.Minute(), 0, 0, loc), Type: h.Type,
			Medium: h.Medium, Judge: h.Judge, WebEx: h.WebEx, FilingDeadline: h.FilingDeadline, Line: i + 1})
		if err != nil {
			return err
		}
	}
	return nil
}

// RunConfig applies the config file's hearings as the source "config", with the rules of hand-entered hearings:
// the file lists every hearing it means (complete), one removed from it is cancelled on the same apply (no grace
// period), and nothing is refused (no max_change, no empty-source rule: an office that deletes its last
// [[hearings]] entry means it). Everything else is Run's: record checks, the run record, masking, logging (at info
// only when something changed).
//
// The caller holds DB.Serialized, under which it has applied the config's courts (whose zones r's Zoner gives) and
// people first; RunConfig does not take that lock again, which on PostgreSQL would wait for itself.
func (s *Syncer) RunConfig(ctx context.Context, r *ConfigHearings) (SyncReport, error) {
	spec := SourceSpec{Name: ConfigSource, Complete: true, Reader: r}
	return s.run(ctx, spec, runMode{force: true, held: true, done: "config hearings applied", quiet: true})
}
