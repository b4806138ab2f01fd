package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
)

// slowReader stands for a lookup service polled politely: while it reads, the daemon must keep writing (a webhook
// recording an opt-out, the dispatcher recording a send).
type slowReader struct {
	during func() error
	err    error
}

func (r *slowReader) Read(ctx context.Context, emit func(docket.SourceRecord) error, _ func(docket.RecordError)) error {
	r.err = r.during()
	chicago, _ := time.LoadLocation("America/Chicago")
	return emit(docket.SourceRecord{Key: "201555101", ANumber: "201555101", Court: "DAL",
		Start: time.Date(2028, 2, 8, 8, 30, 0, 0, chicago), Type: docket.TypeMaster})
}

func TestBufferedSourceDoesNotHoldTheStoreWhileReading(t *testing.T) {
	db := syncTestDB(t)
	ctx := context.Background()
	r := &slowReader{during: func() error {
		return db.OptOut(ctx, "sms", "+12145550142", "ALTO", syncT0)
	}}
	s := &ingest.Syncer{DB: db, Now: func() time.Time { return syncT0 }}
	rep, err := s.Run(ctx, ingest.SourceSpec{Name: "acis", Reader: r, Buffered: true}, false, nil)
	if err != nil || rep.Created != 1 {
		t.Fatalf("sync: %+v, %v", rep, err)
	}
	if r.err != nil {
		t.Errorf("a write while the source was being read: %v", r.err)
	}
}
