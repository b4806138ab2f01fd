package feed

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/maphash"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/deadline"
	"github.com/docketd/docketd/docket"
)

// goldenCalendars are the calendars of the golden files, by file name.
func goldenCalendars(t *testing.T) map[string]Calendar {
	cals := map[string]Calendar{"feed-empty.ics": {Name: "Nada todavía"}}
	for _, d := range []Detail{DetailFull, DetailInitials, DetailBusy} {
		cals["feed-"+string(d)+".ics"] = testCalendar(t, d)
	}
	cals["feed-deadlines.ics"] = Calendar{Name: "Audiencias – Lucía Fernández", Hearings: deadlineHearings(t)}
	_, _, family, hs := peopleHearings(t)
	client := []Hearing{hs["online"], hs["online, before"], hs["in person"], hs["telephone"]}
	for i := range client {
		client[i].Reader = &family[0]
	}
	cals["feed-client-remote.ics"] = Calendar{Name: "Hearings – Rosa Elena Castillo Ibarra", Hearings: client}
	cals["feed-counsel-custody.ics"] = Calendar{Name: "Hearings – Laura Medina", Hearings: []Hearing{hs["online"],
		hs["detained online"], hs["family online"], hs["family, one held"], hs["phoenix, after"]}}
	return cals
}

// Every golden feed assembled from pieces is the golden file, byte for byte: cold, and again from a warm cache
// that other feeds filled.
func TestPiecesGolden(t *testing.T) {
	pc := newPieceCache(0)
	cals := goldenCalendars(t)
	files, err := filepath.Glob("testdata/feed-*.ics")
	if err != nil || len(files) != len(cals) {
		t.Fatalf("%d golden feeds (%v), %d calendars to assemble: a golden feed is missing here", len(files), err, len(cals))
	}
	for round := range 2 {
		for name, cal := range cals {
			want, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := pc.render(name, cal)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.bytes(), want) {
				t.Errorf("round %d: %s assembled from pieces differs from the golden file:\n%s", round, name, got.bytes())
			}
			if fresh := render(t, cal); !bytes.Equal(fresh, want) {
				t.Errorf("Render of %s differs from the golden file", name)
			}
		}
	}
}

// randomFeed is a feed of n hearings made from the fixtures, each with its own identity and day.
func randomFeed(t testing.TB, rng *rand.Rand, n int) []Hearing {
	base := testHearings(t)
	_, _, _, people := peopleHearings(t)
	for _, h := range people {
		base = append(base, h)
	}
	hs := make([]Hearing, n)
	for i := range hs {
		h := base[rng.IntN(len(base))]
		h.ID = "r" + strconv.Itoa(i)
		h.Start = h.Start.AddDate(0, 0, rng.IntN(400))
		h.Clients = append([]Client(nil), h.Clients...)
		h.Reminders = append([]Reminder(nil), h.Reminders...)
		hs[i] = h
	}
	return hs
}

// mutate makes one random change of the kinds the store makes: a move, a status, a client's name or language,
// custody, a reminder's state, deadlines, a hearing added or gone, an update with nothing changed but the version.
func mutate(t testing.TB, rng *rand.Rand, hs []Hearing, next *int) []Hearing {
	if len(hs) == 0 || rng.IntN(10) == 0 {
		h := randomFeed(t, rng, 1)[0]
		*next++
		h.ID = "n" + strconv.Itoa(*next)
		return append(hs, h)
	}
	i := rng.IntN(len(hs))
	h := &hs[i]
	switch rng.IntN(11) {
	case 0:
		h.Start = h.Start.Add(time.Duration(rng.IntN(48)-24) * time.Hour)
		h.Sequence++
	case 1:
		h.Status = []docket.HearingStatus{docket.StatusScheduled, docket.StatusCancelled, docket.StatusCompleted}[rng.IntN(3)]
	case 2:
		if len(h.Clients) > 0 {
			h.Clients = append([]Client(nil), h.Clients...)
			h.Clients[0].Name += " Jr."
		}
	case 3:
		if len(h.Clients) > 0 {
			h.Clients = append([]Client(nil), h.Clients...)
			h.Clients[0].Language = []string{"Spanish", "Kʼicheʼ", "Mam", ""}[rng.IntN(4)]
			h.Clients[0].Detained = !h.Clients[0].Detained
		}
	case 4:
		h.Reminders = append(append([]Reminder(nil), h.Reminders...),
			Reminder{Channel: "sms", To: "client", Due: h.Start.Add(-24 * time.Hour), State: "pending"})
	case 5:
		if len(h.Reminders) > 0 {
			h.Reminders = append([]Reminder(nil), h.Reminders...)
			h.Reminders[0].State = "failed (30003)"
		}
	case 6:
		if h.Deadlines == nil {
			h.Deadlines = deadline.For(deadline.Hearing{Day: h.Start, Type: string(h.Type), Remote: h.Medium.Online()})
		} else {
			h.Deadlines = nil
		}
	case 7:
		return append(hs[:i:i], hs[i+1:]...)
	case 8:
		h.Updated = h.Updated.Add(time.Minute)
	case 9:
		h.TimeUnknown = !h.TimeUnknown
	case 10:
		h.Judge = "Hon. " + strconv.Itoa(rng.IntN(1000))
	}
	return hs
}

// Random changes to feeds of several audiences: each assembled feed is, byte for byte, what Render writes from
// nothing, and the cache keeps no event that no feed shows.
func TestPiecesRandomChangesMatchRender(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 5000))
	pc := newPieceCache(0)
	counsel := randomFeed(t, rng, 60)
	next := 0
	for step := range 300 {
		counsel = mutate(t, rng, counsel, &next)
		// The same hearings for other audiences: the office's at initials, a client's with the client as reader.
		client := make([]Hearing, 0, len(counsel))
		for _, h := range counsel[:len(counsel)/3] {
			if len(h.Clients) > 0 {
				h.Reader = &h.Clients[0]
				h.Deadlines = nil
			}
			client = append(client, h)
		}
		feeds := []struct {
			key string
			cal Calendar
		}{
			{"attorney:1", Calendar{Name: "Hearings – Lucía", Hearings: counsel}},
			{"org\x00initials", Calendar{Name: "Office", Options: Options{Detail: DetailInitials}, Hearings: counsel}},
			{"client:1", Calendar{Name: "Mine", Hearings: client,
				Options: Options{Durations: map[docket.HearingType]time.Duration{docket.TypeMaster: time.Duration(1+step%3) * time.Hour}}}},
		}
		live := 0
		for _, f := range feeds {
			got, err := pc.render(f.key, f.cal)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := renderTree(&want, f.cal); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.bytes(), want.Bytes()) {
				t.Fatalf("step %d, feed %s: assembled feed differs from a fresh rendering\n got:\n%s\nwant:\n%s", step, f.key, got.bytes(), want.Bytes())
			}
			live += len(f.cal.Hearings)
		}
		if n, _ := pc.len(); n > live {
			t.Fatalf("step %d: %d events kept, more than the %d the feeds show", step, n, live)
		}
	}
	// A feed left empty lets go of every event it held.
	for _, key := range []string{"attorney:1", "org\x00initials", "client:1"} {
		if _, err := pc.render(key, Calendar{Name: "empty"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, b := pc.len(); n != 0 || b != 0 {
		t.Errorf("%d events (%d bytes) kept after every feed emptied, want none", n, b)
	}
}

// The digest is the same for the same bytes, and differs when a byte does.
func TestPiecesDigestFollowsTheBytes(t *testing.T) {
	cal := testCalendar(t, DetailFull)
	a, err := newPieceCache(0).render("k", cal)
	if err != nil {
		t.Fatal(err)
	}
	pc := newPieceCache(0)
	b, _ := pc.render("k", cal)
	if a.digest != b.digest {
		t.Errorf("two caches give the same bytes different digests")
	}
	cal.Hearings[2].Judge += "."
	c, _ := pc.render("k", cal)
	if bytes.Equal(c.bytes(), b.bytes()) || c.digest == b.digest {
		t.Errorf("a changed judge: bytes changed %v, digest changed %v; want both", !bytes.Equal(c.bytes(), b.bytes()), c.digest != b.digest)
	}
}

// Only the changed event is encoded again: the others are the very bytes kept before.
func TestPiecesReencodeOnlyTheChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	hs := randomFeed(t, rng, 50)
	pc := newPieceCache(0)
	if _, err := pc.render("k", Calendar{Hearings: hs}); err != nil {
		t.Fatal(err)
	}
	before := map[pieceKey]*piece{}
	pc.mu.Lock()
	for k, p := range pc.events {
		before[k] = p
	}
	pc.mu.Unlock()
	hs[7].Clients = append([]Client(nil), hs[7].Clients...)
	hs[7].Clients = append(hs[7].Clients, Client{Name: "Nuevo Cliente"})
	if _, err := pc.render("k", Calendar{Hearings: hs}); err != nil {
		t.Fatal(err)
	}
	kept, fresh := 0, 0
	pc.mu.Lock()
	for k, p := range pc.events {
		if before[k] == p {
			kept++
		} else {
			fresh++
		}
	}
	pc.mu.Unlock()
	if kept != 49 || fresh != 1 {
		t.Errorf("after one change: %d events kept, %d encoded again; want 49 and 1", kept, fresh)
	}
}

// Over the bound, the feed rendered longest ago lets go of its events; the one rendering keeps its own.
func TestPiecesBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	probe := newPieceCache(0)
	a := randomFeed(t, rng, 40)
	if _, err := probe.render("a", Calendar{Hearings: a}); err != nil {
		t.Fatal(err)
	}
	_, oneFeed := probe.len()
	pc := newPieceCache(oneFeed * 3 / 2) // room for one feed of this size, not two
	for i, key := range []string{"a", "b", "c"} {
		hs := randomFeed(t, rng, 40)
		for j := range hs {
			hs[j].ID = key + strconv.Itoa(j)
		}
		got, err := pc.render(key, Calendar{Hearings: hs})
		if err != nil {
			t.Fatal(err)
		}
		if want := render(t, Calendar{Hearings: hs}); !bytes.Equal(got.bytes(), want) {
			t.Fatalf("feed %s differs from a fresh rendering", key)
		}
		if _, b := pc.len(); b > pc.maxBytes && i > 0 {
			t.Errorf("after feed %s: %d bytes kept, bound %d", key, b, pc.maxBytes)
		}
	}
	pc.mu.Lock()
	_, hasA := pc.feeds["a"]
	_, hasC := pc.feeds["c"]
	pc.mu.Unlock()
	if hasA || !hasC {
		t.Errorf("feed a kept %v, feed c kept %v: want the oldest let go and the newest kept", hasA, hasC)
	}
}

// Concurrent renderings of feeds sharing hearings, changing under them, each give Render's bytes (run with -race).
func TestPiecesConcurrent(t *testing.T) {
	pc := newPieceCache(0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			hs := randomFeed(t, rng, 30)
			next := 0
			for step := range 30 {
				hs = mutate(t, rng, hs, &next)
				cal := Calendar{Name: "c", Hearings: hs}
				got, err := pc.render(fmt.Sprint("feed", g%2), cal)
				if err != nil {
					t.Error(err)
					return
				}
				var want bytes.Buffer
				if err := renderTree(&want, cal); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(got.bytes(), want.Bytes()) {
					t.Errorf("goroutine %d step %d: assembled feed differs from a fresh rendering", g, step)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A hearing that cannot be rendered fails the feed, as Render fails it, and leaves nothing half-kept.
func TestPiecesErrors(t *testing.T) {
	for name, edit := range map[string]func(h *Hearing){
		"local zone": func(h *Hearing) { h.Start = h.Start.In(time.Local) },
		"fixed zone": func(h *Hearing) { h.Start = h.Start.In(time.FixedZone("CST", -6*3600)) },
		"no id":      func(h *Hearing) { h.ID = "" },
		"no start":   func(h *Hearing) { h.Start = time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			pc := newPieceCache(0)
			hs := testHearings(t)
			edit(&hs[1])
			if _, err := pc.render("k", Calendar{Hearings: hs}); err == nil {
				t.Errorf("the feed rendered, want an error")
			}
			if n, _ := pc.len(); n != 0 {
				t.Errorf("%d events kept from a failed rendering", n)
			}
		})
	}
}

// Every field of Hearing, down to its clients, reminders, reader and deadlines, changes the piece key: a field
// added to Hearing that the fingerprint does not read would serve a stale event, and fails here.
func TestFingerprintCoversEveryField(t *testing.T) {
	_, _, family, _ := peopleHearings(t)
	full := testHearings(t)[0]
	full.TimeUnknown, full.Duration = false, 90*time.Minute
	full.Clients = append([]Client(nil), family[:1]...)
	full.Clients[0].Home, full.Clients[0].City, full.Clients[0].Contact = mustLoc(t, "America/Denver"), "El Paso", "Rosa"
	full.Reader = &Client{Name: "R", ANumber: "1", Phone: "2", Language: "es", Home: mustLoc(t, "America/Denver"),
		City: "c", Detained: false, Contact: "x"}
	full.Court.Place = "Dallas"
	full.Deadlines = deadline.For(deadline.Hearing{Day: full.Start, Type: string(full.Type)})[:1]
	full.Deadlines[0].Moved, full.Deadlines[0].Uncertain, full.Deadlines[0].Counted = "Saturday", "maybe", full.Start

	seed := maphash.MakeSeed()
	key := func(h *Hearing, opts Options) pieceKey {
		var fp fingerprint
		return fp.key(seed, h, opts)
	}
	base := key(&full, Options{})
	n := 0
	var walk func(path string, v reflect.Value, h *Hearing)
	walk = func(path string, v reflect.Value, h *Hearing) {
		if v.Type() == reflect.TypeFor[time.Time]() {
			old := v.Interface().(time.Time)
			v.Set(reflect.ValueOf(old.Add(time.Second)))
			check(t, path, key(h, Options{}) != base)
			v.Set(reflect.ValueOf(old.In(mustLoc(t, "Asia/Tokyo"))))
			check(t, path+" (zone)", key(h, Options{}) != base)
			v.Set(reflect.ValueOf(old))
			n++
			return
		}
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i), h)
			}
		case reflect.Slice:
			if v.Len() == 0 {
				t.Fatalf("%s is empty in the fixture: fill it so its fields are checked", path)
			}
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i), h)
			}
		case reflect.Pointer:
			if v.Type() == reflect.TypeFor[*time.Location]() {
				old := v.Interface()
				v.Set(reflect.ValueOf(mustLoc(t, "Asia/Tokyo")))
				check(t, path, key(h, Options{}) != base)
				v.Set(reflect.Zero(v.Type()))
				check(t, path+" (nil)", key(h, Options{}) != base)
				v.Set(reflect.ValueOf(old))
				n++
				return
			}
			if v.IsNil() {
				t.Fatalf("%s is nil in the fixture: set it so its fields are checked", path)
			}
			walk(path, v.Elem(), h)
		case reflect.String:
			old := v.String()
			v.SetString(old + "x")
			check(t, path, key(h, Options{}) != base)
			v.SetString(old)
			n++
		case reflect.Int, reflect.Int64:
			old := v.Int()
			v.SetInt(old + 1)
			check(t, path, key(h, Options{}) != base)
			v.SetInt(old)
			n++
		case reflect.Bool:
			v.SetBool(!v.Bool())
			check(t, path, key(h, Options{}) != base)
			v.SetBool(!v.Bool())
			n++
		default:
			t.Fatalf("%s: the fingerprint test does not know %s; teach it and the fingerprint", path, v.Kind())
		}
	}
	h := full
	walk("Hearing", reflect.ValueOf(&h).Elem(), &h)
	if key(&h, Options{}) != base {
		t.Fatalf("the walk did not restore the hearing")
	}
	if n < 50 {
		t.Errorf("only %d fields checked", n)
	}
	// The feed's choices: detail level and the duration of the hearing's type.
	check(t, "Detail", key(&h, Options{Detail: DetailInitials}) != base)
	check(t, "Detail default", key(&h, Options{Detail: DetailFull}) == base)
	noDur := h
	noDur.Duration = 0
	check(t, "Durations", key(&noDur, Options{}) != key(&noDur, Options{Durations: map[docket.HearingType]time.Duration{h.Type: time.Minute}}))
}

func check(t *testing.T, what string, ok bool) {
	t.Helper()
	if !ok {
		t.Errorf("%s: the piece key does not follow it", what)
	}
}

// A large feed is written as many blocks; after a change only the blocks of the changed events are joined and
// compressed again, and the gzip encoding decodes to the feed's bytes every time.
func TestPiecesAChangeJoinsAndCompressesOneBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 18))
	hs := randomFeed(t, rng, 1500)
	pc := newPieceCache(0)
	prev, err := pc.render("org", Calendar{Name: "Office", Hearings: hs})
	if err != nil {
		t.Fatal(err)
	}
	if len(prev.blocks) < 20 {
		t.Fatalf("%d blocks for %d bytes, want at least 20", len(prev.blocks), prev.size)
	}
	gunzip(t, prev)
	before := map[*piece]bool{}
	for _, p := range pc.feeds["org"].events {
		before[p] = true
	}
	next := 0
	for step := range 40 {
		hs = mutate(t, rng, hs, &next)
		got, err := pc.render("org", Calendar{Name: "Office", Hearings: hs})
		if err != nil {
			t.Fatal(err)
		}
		if want := render(t, Calendar{Name: "Office", Hearings: hs}); !bytes.Equal(got.bytes(), want) {
			t.Fatalf("step %d: the blocks differ from a fresh rendering", step)
		}
		old := map[*block]bool{}
		for _, b := range prev.blocks {
			old[b] = true
		}
		// The events this step changed, added or removed: each may join its own block and its neighbour again.
		pc.mu.Lock()
		now := map[*piece]bool{}
		for _, p := range pc.feeds["org"].events {
			now[p] = true
		}
		pc.mu.Unlock()
		changed := 0
		for p := range now {
			if !before[p] {
				changed++
			}
		}
		for p := range before {
			if !now[p] {
				changed++
			}
		}
		before = now
		limit := 2*changed + 1 // a moved event leaves one block and joins another
		joined, compressed := 0, 0
		for _, b := range got.blocks {
			if !old[b] {
				joined++
			}
			if b.deflated == nil {
				compressed++
			}
		}
		if joined > limit || compressed > limit || changed > 0 && joined == 0 {
			t.Errorf("step %d: %d events changed, %d of %d blocks joined again and %d compressed again, want 1 to %d",
				step, changed, joined, len(got.blocks), compressed, limit)
		}
		gunzip(t, got)
		prev = got
	}
}

// gunzip checks that the gzip encoding of r decodes to its bytes.
func gunzip(t *testing.T, r renderedFeed) {
	t.Helper()
	parts, n := gzipParts(r.blocks)
	var gz []byte
	for _, p := range parts {
		gz = append(gz, p...)
	}
	if len(gz) != n {
		t.Fatalf("gzip length %d, said %d", len(gz), n)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, r.bytes()) {
		t.Fatalf("gzip decodes to %d bytes (%v), want the feed's %d", len(plain), err, r.size)
	}
	if n*3 > r.size {
		t.Errorf("gzip %d bytes for %d: compressing block by block lost too much", n, r.size)
	}
}

// Hearings in start order, as the store reads them, with several at one start in no order of identity: the pieces
// are in Render's order all the same.
func TestPiecesOrderHearingsOfOneStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	hs := randomFeed(t, rng, 200)
	for i := range hs {
		hs[i].Start = hs[i%7].Start // seven starts, many hearings at each
	}
	slices.SortStableFunc(hs, func(a, b Hearing) int { return a.Start.Compare(b.Start) })
	got, err := newPieceCache(0).render("k", Calendar{Hearings: hs})
	if err != nil {
		t.Fatal(err)
	}
	if want := render(t, Calendar{Hearings: hs}); !bytes.Equal(got.bytes(), want) {
		t.Errorf("pieces of hearings sharing starts differ from Render")
	}
}

// bytes joins the feed's blocks, as the handler writes them.
func (r renderedFeed) bytes() []byte {
	out := make([]byte, 0, r.size)
	for _, b := range r.blocks {
		out = append(out, b.text...)
	}
	return out
}
