package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/docketd/docketd/docket"
)

// The staging file keeps each record in a compact binary form: a pass reads its staged records twice (the plan,
// then the writes), and decoding them from JSON was a tenth of a first import's CPU. The file lives for one pass
// only, so the form needs no version. TestStageCodecKeepsEveryField fails when a field of docket.HearingRecord or
// docket.ContactDetails is not carried.

// Flags of a staged record.
const (
	stagedTimeUnknown = 1 << iota
	stagedDetained
	stagedContact
	stagedContactDetained
)

// appendRecord appends r's staged form to b.
func appendRecord(b []byte, r *docket.HearingRecord) ([]byte, error) {
	for _, s := range [...]string{r.Key, string(r.ANumber), r.EOIRCaseID, r.Zone, r.CourtCode, r.LocationCode,
		string(r.Type), r.TypeCode, string(r.Medium), r.MediumCode, r.Judge, r.WebEx, r.Address, r.FilingDeadline,
		string(r.Status)} {
		b = appendString(b, s)
	}
	start, err := r.Start.MarshalBinary() // the instant and its offset, as JSON kept them
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", r.Key, err)
	}
	b = appendString(b, string(start))
	var flags byte
	if r.TimeUnknown {
		flags |= stagedTimeUnknown
	}
	if r.Detained {
		flags |= stagedDetained
	}
	c := r.Contact
	if c != nil {
		flags |= stagedContact
		if c.Detained {
			flags |= stagedContactDetained
		}
	}
	b = append(b, flags)
	if c != nil {
		for _, s := range [...]string{c.Name, c.Phone, c.Email, c.Language, c.Attorney, c.State} {
			b = appendString(b, s)
		}
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// errStagedForm is the error of a staged record that does not decode: the staging file was damaged.
var errStagedForm = errors.New("staged record is damaged")

// stagedReader reads the fields of one staged record in turn; the first failure sticks.
type stagedReader struct {
	b   []byte
	err error
}

func (rd *stagedReader) string() string {
	n, k := binary.Uvarint(rd.b)
	if k <= 0 || uint64(len(rd.b)-k) < n {
		rd.err, rd.b = errStagedForm, nil
		return ""
	}
	s := string(rd.b[k : k+int(n)])
	rd.b = rd.b[k+int(n):]
	return s
}

func (rd *stagedReader) flags() byte {
	if len(rd.b) == 0 {
		rd.err = errStagedForm
		return 0
	}
	c := rd.b[0]
	rd.b = rd.b[1:]
	return c
}

// decodeRecord reads a record appendRecord wrote.
func decodeRecord(b []byte, r *docket.HearingRecord) error {
	rd := &stagedReader{b: b}
	*r = docket.HearingRecord{Key: rd.string(), ANumber: docket.ANumber(rd.string()), EOIRCaseID: rd.string(),
		Zone: rd.string(), CourtCode: rd.string(), LocationCode: rd.string(), Type: docket.HearingType(rd.string()),
		TypeCode: rd.string(), Medium: docket.Medium(rd.string()), MediumCode: rd.string(), Judge: rd.string(),
		WebEx: rd.string(), Address: rd.string(), FilingDeadline: rd.string(),
		Status: docket.HearingStatus(rd.string())}
	start := rd.string()
	flags := rd.flags()
	r.TimeUnknown = flags&stagedTimeUnknown != 0
	r.Detained = flags&stagedDetained != 0
	if flags&stagedContact != 0 {
		r.Contact = &docket.ContactDetails{Name: rd.string(), Phone: rd.string(), Email: rd.string(),
			Language: rd.string(), Attorney: rd.string(), State: rd.string(),
			Detained: flags&stagedContactDetained != 0}
	}
	if rd.err == nil && len(rd.b) != 0 {
		rd.err = errStagedForm
	}
	if rd.err != nil {
		return rd.err
	}
	if err := r.Start.UnmarshalBinary([]byte(start)); err != nil {
		return fmt.Errorf("%w: %w", errStagedForm, err)
	}
	return nil
}
