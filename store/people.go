package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/docketd/docketd/docket"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ReplacePeople makes the attorneys and clients in the store those of the config: new ones are added, changed ones
// updated, and ones no longer listed marked inactive (kept, because outbox rows and history refer to them).
func (db *DB) ReplacePeople(ctx context.Context, atts []docket.Attorney, cls []docket.Client) error {
	attorneys, clients := each(atts, attorneyRowOf), each(cls, clientRowOf)
	return db.tx(ctx, func(tx *gorm.DB) error {
		attIDs := make([]string, 0, len(attorneys))
		for i := range attorneys {
			attorneys[i].Active = true
			attIDs = append(attIDs, attorneys[i].ID)
		}
		if len(attorneys) > 0 {
			if err := tx.Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "id"}},
				DoUpdates: clause.AssignmentColumns([]string{"name", "email", "phone", "language", "zone",
					"organization", "active", "updated_at"}),
			}).CreateInBatches(&attorneys, 500).Error; err != nil {
				return fmt.Errorf("save attorneys: %w", err)
			}
		}
		if err := deactivate(tx, &attorneyRow{}, attIDs); err != nil {
			return err
		}
		cliIDs := make([]string, 0, len(clients))
		for i := range clients {
			clients[i].Active = true
			clients[i].Origin = "config"
			cliIDs = append(cliIDs, clients[i].ID)
			if clients[i].ANumber != "" {
				if _, err := ensureCase(tx, string(clients[i].ANumber), "", ""); err != nil {
					return err
				}
			}
		}
		if len(clients) > 0 {
			if err := tx.Omit(clause.Associations).Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "id"}},
				DoUpdates: clause.AssignmentColumns([]string{"name", "a_number", "nationality", "phone", "email",
					"language", "zone", "attorney_id", "active", "origin", "updated_at",
					"detained", "greeting_name", "city", "contact_name", "contact_phone", "contact_email", "contact_language", "state", "channels"}),
			}).CreateInBatches(&clients, 500).Error; err != nil {
				return fmt.Errorf("save clients: %w", err)
			}
		}
		return deactivate(tx.Where("origin = ?", "config"), &clientRow{}, cliIDs)
	})
}

func deactivate(tx *gorm.DB, model any, keep []string) error {
	q := tx.Model(model).Where("active = ?", true)
	if len(keep) > 0 {
		q = q.Where("id NOT IN ?", keep)
	}
	if err := q.Update("active", false).Error; err != nil {
		return fmt.Errorf("deactivate: %w", err)
	}
	return nil
}

// ensureCase returns the id of the case with this A-number or EOIR case id, creating it if needed.
func ensureCase(tx *gorm.DB, aNumber, eoirCaseID, court string) (uint, error) {
	var c caseRow
	q := tx.Model(&caseRow{})
	switch {
	case aNumber != "":
		q = q.Where("a_number = ?", aNumber)
	case eoirCaseID != "":
		q = q.Where("eoir_case_id = ?", eoirCaseID)
	default:
		return 0, fmt.Errorf("a hearing needs an A-number or an EOIR case id")
	}
	err := q.Take(&c).Error
	if err == nil {
		if court != "" && c.CourtCode != court {
			if err := tx.Model(&c).Update("court_code", court).Error; err != nil {
				return 0, err
			}
		}
		return c.ID, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, err
	}
	c = caseRow{CourtCode: court}
	if aNumber != "" {
		c.ANumber = &aNumber
	}
	if eoirCaseID != "" {
		c.EOIRCaseID = &eoirCaseID
	}
	if err := tx.Create(&c).Error; err != nil {
		return 0, fmt.Errorf("create case: %w", err)
	}
	return c.ID, nil
}

// Clients returns the active clients.
func (db *DB) Clients(ctx context.Context) ([]docket.Client, error) {
	var cs []clientRow
	err := db.gorm.WithContext(ctx).Where("active = ?", true).Order("id").Find(&cs).Error
	return each(cs, clientOf), err
}

// Attorneys returns the active attorneys.
func (db *DB) Attorneys(ctx context.Context) ([]docket.Attorney, error) {
	var as []attorneyRow
	err := db.gorm.WithContext(ctx).Where("active = ?", true).Order("id").Find(&as).Error
	return each(as, attorneyOf), err
}
