package store

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

//go:embed eoir_courts.csv
var courtsCSV []byte

var (
	embeddedOnce   sync.Once
	embeddedCourts []docket.Court
	embeddedErr    error
)

// EmbeddedCourts returns EOIR's court table as built into the binary: a copy of its own for each caller, so that no
// caller can change the table for every other.
func EmbeddedCourts() ([]docket.Court, error) {
	embeddedOnce.Do(func() {
		r := csv.NewReader(bytes.NewReader(courtsCSV))
		r.Comment = '#'
		rows, err := r.ReadAll()
		if err != nil {
			embeddedErr = fmt.Errorf("embedded court table: %w", err)
			return
		}
		for _, row := range rows[1:] { // header: code,name,address,city,state,iana_tz,status,note
			if err := checkCourtZone(row[0], row[5]); err != nil {
				embeddedErr = fmt.Errorf("embedded court table: %w", err)
				return
			}
			embeddedCourts = append(embeddedCourts, docket.Court{Code: row[0], Name: row[1], Address: row[2], City: row[3],
				State: row[4], Zone: row[5], Status: row[6]})
		}
	})
	return slices.Clone(embeddedCourts), embeddedErr
}

// CourtCodes returns the codes of the embedded court table with their IANA time zones, for config validation.
func CourtCodes() map[string]string {
	courts, _ := EmbeddedCourts()
	codes := make(map[string]string, len(courts))
	for _, c := range courts {
		codes[c.Code] = c.Zone
	}
	return codes
}

func seedCourts(g *gorm.DB) error {
	embedded, err := EmbeddedCourts()
	if err != nil {
		return err
	}
	// Rows of this call's own: gorm writes what the database returns back into the rows it creates (on PostgreSQL,
	// RETURNING), and replicas in one process seed at the same time.
	courts := make([]courtRow, len(embedded))
	for i, c := range embedded {
		courts[i] = courtRow(c)
	}
	// The embedded table wins for the fields it knows; a phone added by config is left alone.
	err = g.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "code"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "address", "city", "state", "zone", "status"}),
	}).CreateInBatches(courts, 100).Error
	if err != nil {
		return fmt.Errorf("seed courts: %w", err)
	}
	return nil
}

// ApplyCourts adds the courts a config defines and overrides the fields it sets on known courts. Re-applying the
// embedded table first means a field removed from the config returns to EOIR's value.
func (db *DB) ApplyCourts(ctx context.Context, overrides []docket.Court) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		if err := seedCourts(tx); err != nil {
			return err
		}
		if err := tx.Model(&courtRow{}).Where("1 = 1").Update("phone", "").Error; err != nil {
			return err
		}
		if err := tx.Where("status = ?", "config").Delete(&courtRow{}).Error; err != nil {
			return err
		}
		for _, dc := range overrides {
			o := courtRow(dc)
			var c courtRow
			err := tx.First(&c, "code = ?", o.Code).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				o.Status = "config"
				if err := tx.Create(&o).Error; err != nil {
					return fmt.Errorf("add court %s: %w", o.Code, err)
				}
				continue
			case err != nil:
				return err
			}
			for dst, src := range map[*string]string{&c.Name: o.Name, &c.Address: o.Address, &c.City: o.City,
				&c.State: o.State, &c.Zone: o.Zone, &c.Phone: o.Phone} {
				if src != "" {
					*dst = src
				}
			}
			if err := tx.Save(&c).Error; err != nil {
				return fmt.Errorf("override court %s: %w", o.Code, err)
			}
		}
		return nil
	})
}

// Courts returns every court, by code.
func (db *DB) Courts(ctx context.Context) ([]docket.Court, error) {
	var rows []courtRow
	if err := db.gorm.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, err
	}
	return each(rows, courtOf), nil
}

// Court returns one court.
func (db *DB) Court(ctx context.Context, code string) (docket.Court, error) {
	var c courtRow
	err := db.gorm.WithContext(ctx).First(&c, "code = ?", code).Error
	return courtOf(c), notFound(err)
}

// CourtZones resolves time zones by hearing-location code first and court code second.
type CourtZones struct {
	zones     map[string]*time.Location // by court code
	locations map[string]*time.Location // by hearing-location code, from the embedded table
}

// Zones loads every court's zone for fast lookups during a sync.
func (db *DB) Zones(ctx context.Context) (*CourtZones, error) {
	courts, err := db.Courts(ctx)
	if err != nil {
		return nil, err
	}
	z := &CourtZones{zones: map[string]*time.Location{}}
	for _, c := range courts {
		// Every court has a zone: a court without one would put its hearings in UTC or drop them.
		if err := checkCourtZone(c.Code, c.Zone); err != nil {
			return nil, err
		}
		loc, err := docket.LoadZone(c.Zone)
		if err != nil {
			return nil, fmt.Errorf("court %s: %w", c.Code, err)
		}
		z.zones[c.Code] = loc
	}
	if z.locations, err = hearingLocationZones(); err != nil {
		return nil, err
	}
	return z, nil
}

// Zone returns the zone of a hearing at location, falling back to court: a location code that is also a court code
// takes that court's zone (which the config may override), then the hearing-location table decides, then the court
// (the base city).
func (z *CourtZones) Zone(location, court string) (*time.Location, error) {
	if loc, ok := z.zones[location]; ok && location != "" {
		return loc, nil
	}
	if loc, ok := z.locations[location]; ok && location != "" {
		return loc, nil
	}
	if loc, ok := z.zones[court]; ok {
		return loc, nil
	}
	return nil, fmt.Errorf("unknown court %q (location %q): add it under [[courts]] with its timezone", court, location)
}

// Codes returns the known codes, sorted.
func (z *CourtZones) Codes() []string {
	codes := make([]string, 0, len(z.zones))
	for c := range z.zones {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}
