package office

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
)

// window is how far the hearings page looks: this week and next.
const window = 14 * 24 * time.Hour

// view is what every template is given.
type view struct {
	Lang, Org, Staff, Nav string
	T                     map[string]string
	CSRF                  string
	Problem, Notice       string
	Week                  *weekView
	Inbox                 *inboxView
	Holds                 []holdView
	Problems              *problemsView
}

func (s session) view(nav string) view {
	return view{Lang: s.staff.Language, Org: s.set.OrgName, Staff: s.staff.Name, Nav: nav, T: words(s.staff.Language),
		CSRF: s.csrf()}
}

func (h *Handler) render(w http.ResponseWriter, name string, v view) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, v); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// --- This week and next -------------------------------------------------------------------------------------------

type option struct {
	Value, Label string
	Selected     bool
}

type weekView struct {
	Title                string
	Prev, Next, This     string // query strings
	Attorney, Court      string
	Attorneys, Courts    []option
	Days                 []dayView
	NextLink, NextLabel  string // when the two weeks have no hearing: the week of the next one
	Households, Hearings int
}

type dayView struct {
	Label string
	Rows  []rowView
}

type rowView struct {
	Time, Court, Judge, Type, Medium, WebEx string
	Counsel                                 []string
	Clients                                 []clientView
}

type clientView struct {
	Name, ANumber, Phone, HomeTime string
	Detained, OptedOut, NoPhone    bool
	Reminders                      []reminderView
	Confirmed                      string
}

type reminderView struct {
	Label, State, Class, Detail string
}

// weekStart is the Monday 00:00 of t's week on the office's clock.
func weekStart(t time.Time, zone *time.Location) time.Time {
	t = t.In(zone)
	d := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-d, 0, 0, 0, 0, zone)
}

func zoneOf(set Settings) *time.Location {
	if set.Zone == nil {
		return time.UTC
	}
	return set.Zone
}

func (h *Handler) week(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	zone := zoneOf(s.set)
	q := r.URL.Query()
	from := weekStart(s.now, zone)
	if v := q.Get("week"); v != "" {
		if t, err := time.ParseInLocation(time.DateOnly, v, zone); err == nil {
			from = weekStart(t, zone)
		}
	}
	to := from.AddDate(0, 0, 14)
	attorney, court := q.Get("attorney"), strings.ToUpper(q.Get("court"))
	f := docket.HearingFilter{From: from, To: to, Status: []docket.HearingStatus{docket.StatusScheduled},
		Attorney: attorney, Court: court, Precedence: s.set.Precedence}
	hs, err := h.DB.Hearings(ctx, f)
	if err != nil {
		h.fail(w, err)
		return
	}
	wv, err := h.weekView(ctx, s, hs)
	if err != nil {
		h.fail(w, err)
		return
	}
	lang := s.staff.Language
	wv.Title = message.Moment{Start: from, Court: zone}.Weekday(lang) + " – " +
		message.Moment{Start: to.AddDate(0, 0, -1), Court: zone}.Weekday(lang)
	wv.Attorney, wv.Court = attorney, court
	filter := url.Values{}
	if attorney != "" {
		filter.Set("attorney", attorney)
	}
	if court != "" {
		filter.Set("court", court)
	}
	link := func(t time.Time) string {
		v := url.Values{}
		for k, vs := range filter {
			v[k] = vs
		}
		v.Set("week", t.Format(time.DateOnly))
		return "?" + v.Encode()
	}
	wv.Prev, wv.Next, wv.This = link(from.AddDate(0, 0, -7)), link(from.AddDate(0, 0, 7)), link(weekStart(s.now, zone))
	atts, err := h.DB.Attorneys(ctx)
	if err != nil {
		h.fail(w, err)
		return
	}
	for _, a := range atts {
		wv.Attorneys = append(wv.Attorneys, option{Value: a.ID, Label: a.Name, Selected: a.ID == attorney})
	}
	courts := map[string]string{}
	if court != "" {
		courts[court] = court
	}
	all := hs
	if attorney != "" || court != "" {
		// The court list offers every court of the two weeks, not only the one chosen.
		if all, err = h.DB.Hearings(ctx, docket.HearingFilter{From: from, To: to,
			Status: []docket.HearingStatus{docket.StatusScheduled}, Precedence: s.set.Precedence}); err != nil {
			h.fail(w, err)
			return
		}
	}
	for _, hh := range all {
		courts[hh.CourtCode] = hh.CourtName()
	}
	for code, name := range courts {
		wv.Courts = append(wv.Courts, option{Value: code, Label: name, Selected: code == court})
	}
	slices.SortFunc(wv.Courts, func(a, b option) int { return cmp.Compare(a.Label, b.Label) })
	if len(hs) == 0 {
		f.From, f.To, f.Limit = to, time.Time{}, 1
		if s.now.After(to) {
			f.From = s.now
		}
		next, err := h.DB.Hearings(ctx, f)
		if err != nil {
			h.fail(w, err)
			return
		}
		if len(next) > 0 {
			wv.NextLink = link(weekStart(next[0].Start, zone))
			wv.NextLabel = message.Moment{Start: next[0].Start, Court: next[0].Location()}.Date(lang)
		}
	}
	v := s.view("week")
	v.Week = &wv
	h.render(w, "week.html", v)
}

// weekView groups hs by day and household: the hearings of one court and start whose clients share a phone (a
// family in consolidated proceedings) are one row, as they get one message.
func (h *Handler) weekView(ctx context.Context, s session, hs []docket.Hearing) (weekView, error) {
	lang := s.staff.Language
	t := words(lang)
	ids := make([]uint, len(hs))
	var phones []string
	for i, hh := range hs {
		ids[i] = hh.ID
		for _, c := range hh.Clients {
			if c.Phone != "" {
				phones = append(phones, c.Phone)
			}
		}
	}
	rems, err := h.DB.ClientReminders(ctx, ids)
	if err != nil {
		return weekView{}, err
	}
	optedOut, err := h.DB.OptedOutAmong(ctx, docket.SMS, phones)
	if err != nil {
		return weekView{}, err
	}
	type key struct {
		hearing uint
		client  string
	}
	byClient := map[key][]docket.Reminder{}
	for _, r := range rems {
		k := key{r.HearingID, r.RecipientID}
		byClient[k] = append(byClient[k], r)
	}
	var wv weekView
	rowAt := map[string]int{} // household key -> index in the day's rows
	dayAt := map[string]int{}
	for _, hh := range hs {
		court := message.Moment{Start: hh.Start, Court: hh.Location(), CourtPlace: hh.Court.City}
		dayKey := hh.Local().Format(time.DateOnly)
		di, ok := dayAt[dayKey]
		if !ok {
			di = len(wv.Days)
			dayAt[dayKey] = di
			wv.Days = append(wv.Days, dayView{Label: court.Date(lang)})
		}
		var hp []string
		for _, c := range hh.Clients {
			hp = append(hp, cmp.Or(c.Phone, "client:"+c.ID))
		}
		slices.Sort(hp)
		hk := hh.CourtCode + "|" + hh.Start.UTC().Format(time.RFC3339) + "|" + strings.Join(hp, ",")
		if len(hp) == 0 {
			hk += "|" + strconv.FormatUint(uint64(hh.ID), 10)
		}
		ri, ok := rowAt[hk]
		if !ok {
			ri = len(wv.Days[di].Rows)
			rowAt[hk] = ri
			row := rowView{Time: court.Formal(lang), Court: hh.CourtName(), Judge: hh.Judge,
				Type: message.TypeName(lang, string(hh.Type)), Medium: t["medium."+string(hh.Medium)], WebEx: hh.WebEx}
			if hh.TimeUnknown {
				row.Time = t["time.unknown"]
			}
			wv.Days[di].Rows = append(wv.Days[di].Rows, row)
			wv.Households++
		}
		row := &wv.Days[di].Rows[ri]
		wv.Hearings++
		for _, a := range hh.Attorneys {
			if !slices.Contains(row.Counsel, a.Name) {
				row.Counsel = append(row.Counsel, a.Name)
			}
		}
		for _, c := range hh.Clients {
			cv := clientView{Name: c.Name, ANumber: c.ANumber.String(), Phone: c.Phone,
				Detained: hh.InCustody(c), OptedOut: c.Phone != "" && optedOut[c.Phone]}
			cv.NoPhone = c.Phone == "" && !cv.Detained
			home := c.Location(zoneOf(s.set))
			m := message.Moment{Start: hh.Start, Court: hh.Location(), Home: home, Remote: hh.Medium.Remote()}
			if m.Apart() && !hh.TimeUnknown {
				ht := m.HomeTime()
				abbr, _ := ht.Zone()
				cv.HomeTime = message.Moment{Start: hh.Start, Court: home}.Clock(lang) + " " + abbr
				if c.City != "" {
					cv.HomeTime += ", " + c.City
				}
			}
			for _, r := range byClient[key{hh.ID, c.ID}] {
				if r.State == docket.StateCancelled {
					continue // planned for a time the hearing no longer has
				}
				if r.ConfirmedAt != nil {
					cv.Confirmed = message.Moment{Start: *r.ConfirmedAt, Court: zoneOf(s.set)}.Weekday(lang)
				}
				cv.Reminders = append(cv.Reminders, reminderOf(t, r))
			}
			row.Clients = append(row.Clients, cv)
		}
	}
	return wv, nil
}

// reminderOf is one reminder as the page shows it: what it is (7d, a change notice) and where it stands.
func reminderOf(t map[string]string, r docket.Reminder) reminderView {
	label := r.Offset
	if r.Kind != docket.KindReminder || label == "" {
		label = t["kind."+string(r.Kind)]
	}
	if r.Recipient == docket.ToContact {
		label += " (" + t["contact"] + ")"
	}
	state := string(r.State)
	if r.State == docket.StatePending {
		state = "planned"
	}
	v := reminderView{Label: label + " " + t["channel."+string(r.Channel)], State: t["state."+state], Class: state}
	switch r.State {
	case docket.StateFailed:
		v.Detail = strings.TrimSpace(r.ErrorCode + " " + docket.MaskText(r.LastError))
	case docket.StateSkipped:
		v.Detail = docket.MaskText(r.LastError)
	}
	return v
}

// --- Inbox --------------------------------------------------------------------------------------------------------

type inboxView struct {
	All      bool
	Messages []inboxItem
}

type inboxItem struct {
	ID                         uint
	Received, From, Body       string
	Clients                    []string
	Urgent                     bool
	Reason, Forwarded, Handled string
}

func (h *Handler) inbox(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	all := r.URL.Query().Get("all") == "1"
	ms, err := h.DB.InboxMessages(ctx, docket.InboxFilter{All: all, Limit: 500})
	if err != nil {
		h.fail(w, err)
		return
	}
	clients, err := h.DB.Clients(ctx)
	if err != nil {
		h.fail(w, err)
		return
	}
	names := map[string]string{}
	for _, c := range clients {
		names[c.ID] = c.Name
	}
	// Urgent ones that wait for someone first, then the newest.
	slices.SortStableFunc(ms, func(a, b docket.InboxMessage) int {
		ua, ub := a.Urgent && a.HandledAt == nil, b.Urgent && b.HandledAt == nil
		if ua != ub {
			if ua {
				return -1
			}
			return 1
		}
		return b.ReceivedAt.Compare(a.ReceivedAt)
	})
	t := words(s.staff.Language)
	zone := zoneOf(s.set)
	iv := inboxView{All: all}
	for _, m := range ms {
		it := inboxItem{ID: m.ID, Received: stamp(s.staff.Language, m.ReceivedAt, zone), From: m.From, Body: m.Body,
			Urgent: m.Urgent, Reason: cmp.Or(t["reason."+m.Reason], m.Reason)}
		for _, id := range m.ClientIDs {
			it.Clients = append(it.Clients, cmp.Or(names[id], id))
		}
		switch {
		case m.ForwardedAt != nil:
			it.Forwarded = t["inbox.forwarded"]
		case m.ForwardError != "":
			it.Forwarded = t["inbox.notforwarded"] + " (" + strconv.Itoa(m.Attempts) + ")"
		}
		if m.HandledAt != nil {
			it.Handled = stamp(s.staff.Language, *m.HandledAt, zone) + " · " + m.HandledBy
		}
		iv.Messages = append(iv.Messages, it)
	}
	v := s.view("inbox")
	v.Inbox = &iv
	if n := r.URL.Query().Get("done"); n != "" {
		v.Notice = t["inbox.done"]
	}
	h.render(w, "inbox.html", v)
}

// stamp is a moment on the office's clock: "Tuesday, February 9 3:04 PM".
func stamp(lang string, at time.Time, zone *time.Location) string {
	m := message.Moment{Start: at, Court: zone}
	abbr, _ := at.In(zone).Zone()
	return m.Weekday(lang) + ", " + m.Clock(lang) + " " + abbr
}

func (h *Handler) handled(w http.ResponseWriter, r *http.Request, s session) {
	var ids []uint
	for _, v := range r.PostForm["id"] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			http.Error(w, "not a message id", http.StatusBadRequest)
			return
		}
		ids = append(ids, uint(n))
	}
	if len(ids) == 0 {
		http.Error(w, "no message named", http.StatusBadRequest)
		return
	}
	if err := h.Handled(r.Context(), ids, s.staff.Name); err != nil {
		h.log().Warn("office: inbox not marked handled", "component", "office", who(s.staff.Email), "ids", ids,
			"err", err)
		http.Error(w, "The messages were not marked handled (one is unknown); nothing changed.", http.StatusNotFound)
		return
	}
	h.log().Info("office: inbox marked handled", "component", "office", who(s.staff.Email), "ids", ids)
	http.Redirect(w, r, Prefix+"inbox?done="+strconv.Itoa(len(ids)), http.StatusSeeOther)
}

// --- Held syncs ---------------------------------------------------------------------------------------------------

type holdView struct {
	Source, Since, Summary string
	Changes                []changeView
	More                   int
}

type changeView struct {
	From, To string
	Who      []string
}

func (h *Handler) holds(w http.ResponseWriter, r *http.Request, s session) {
	holds, err := h.DB.HeldSyncs(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	lang := s.staff.Language
	t := words(lang)
	v := s.view("holds")
	for _, hd := range holds {
		hv := holdView{Source: hd.Source, Since: stamp(lang, hd.Since, zoneOf(s.set)),
			Summary: tf(t["holds.summary"], hd.Changes, hd.Hearings, hd.Slots, strconv.FormatFloat(hd.Share*100, 'f', -1, 64)+"%"),
			More:    hd.Changes - len(hd.Detail)}
		for _, c := range hd.Detail {
			cv := changeView{From: slot(lang, c.From, c.Zone, c.Court, c.Judge), To: t["holds.cancelled"]}
			if !c.To.IsZero() {
				court, judge := "", ""
				if c.ToCourt != c.Court {
					court = c.ToCourt
				}
				if c.ToJudge != c.Judge {
					judge = c.ToJudge
				}
				cv.To = slot(lang, c.To, cmp.Or(c.ToZone, c.Zone), court, judge)
			}
			for _, hh := range c.Hearings {
				id := hh.ANumber.String()
				if id == "" {
					id = "EOIR " + hh.EOIRCaseID
				}
				name := t["holds.noclient"]
				if len(hh.Clients) > 0 {
					name = strings.Join(hh.Clients, ", ")
				}
				cv.Who = append(cv.Who, name+" · "+id)
			}
			hv.Changes = append(hv.Changes, cv)
		}
		v.Holds = append(v.Holds, hv)
	}
	if src := r.URL.Query().Get("applied"); src != "" {
		v.Notice = tf(t["holds.applied"], src)
	}
	h.render(w, "holds.html", v)
}

// slot is a slot as staff read it: the day and time on the court's clock, the court and the judge.
func slot(lang string, start time.Time, zone, court, judge string) string {
	loc := docket.Zone(zone)
	m := message.Moment{Start: start, Court: loc}
	abbr, _ := start.In(loc).Zone()
	s := m.Weekday(lang) + " " + strconv.Itoa(start.In(loc).Year()) + ", " + m.Clock(lang) + " " + abbr
	if court != "" {
		s += ", " + court
	}
	if judge != "" {
		s += ", " + judge
	}
	return s
}

func (h *Handler) apply(w http.ResponseWriter, r *http.Request, s session) {
	src := r.PostFormValue("source")
	if src == "" {
		http.Error(w, "no source named", http.StatusBadRequest)
		return
	}
	h.log().Info("office: applying a held sync", "component", "office", who(s.staff.Email), "source", src)
	report, err := h.Apply(r.Context(), src)
	if errors.Is(err, errNoSuchSource) {
		http.Error(w, "The config has no such source.", http.StatusNotFound)
		return
	}
	if err != nil {
		h.log().Error("office: held sync not applied", "component", "office", who(s.staff.Email), "source", src,
			"report", report, "err", err)
		v := s.view("holds")
		v.Problem = report
		w.WriteHeader(http.StatusBadGateway)
		h.render(w, "message.html", v)
		return
	}
	h.log().Info("office: held sync applied", "component", "office", who(s.staff.Email), "source", src,
		"report", report)
	http.Redirect(w, r, Prefix+"holds?applied="+url.QueryEscape(src), http.StatusSeeOther)
}

// ErrNoSuchSource is what an Apply returns for a source the config does not name.
var ErrNoSuchSource = errNoSuchSource

// --- Problems -----------------------------------------------------------------------------------------------------

type problemsView struct {
	Sources []string
	Failed  []failedView
	Phones  []phoneView
}

type failedView struct {
	Hearing, Who, Channel, Address, Error, When string
}

type phoneView struct {
	Name, ANumber, Phone, Why, Hearing string
}

// unusableCodes are Twilio's codes for a number that cannot receive texts: invalid (21211), not a mobile number
// (21614), unknown destination (30005), a landline or unreachable carrier (30006).
var unusableCodes = map[string]bool{"21211": true, "21614": true, "30005": true, "30006": true}

func (h *Handler) problems(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	lang := s.staff.Language
	t := words(lang)
	pv := problemsView{}
	if h.Failing != nil {
		pv.Sources = h.Failing(ctx)
	}
	failed, err := h.DB.FailedSends(ctx, s.now, 200)
	if err != nil {
		h.fail(w, err)
		return
	}
	clients, err := h.DB.Clients(ctx)
	if err != nil {
		h.fail(w, err)
		return
	}
	atts, err := h.DB.Attorneys(ctx)
	if err != nil {
		h.fail(w, err)
		return
	}
	people := map[string]docket.Client{}
	for _, c := range clients {
		people[c.ID] = c
	}
	counsel := map[string]string{}
	for _, a := range atts {
		counsel[a.ID] = a.Name
	}
	// The failed sends' hearings, read together (one query, not one per hearing).
	var ids []uint
	for _, f := range failed {
		if !slices.Contains(ids, f.HearingID) {
			ids = append(ids, f.HearingID)
		}
	}
	hearings := map[uint]docket.Hearing{}
	if len(ids) > 0 {
		hs, err := h.DB.Hearings(ctx, docket.HearingFilter{IDs: ids})
		if err != nil {
			h.fail(w, err)
			return
		}
		for _, hh := range hs {
			hearings[hh.ID] = hh
		}
	}
	hearingText := func(id uint) string {
		hh, ok := hearings[id]
		if !ok {
			return "#" + strconv.FormatUint(uint64(id), 10)
		}
		m := message.Moment{Start: hh.Start, Court: hh.Location(), CourtPlace: hh.Court.City}
		return m.Weekday(lang) + ", " + m.Formal(lang) + " · " + hh.CourtName()
	}
	// A household's message is one send: its rows share the provider's id, and are one line naming everyone.
	type send struct {
		r     docket.Reminder
		names []string
	}
	var sends []*send
	byID := map[string]*send{}
	for _, f := range failed {
		name := f.RecipientID
		switch f.Recipient {
		case docket.ToAttorney:
			name = cmp.Or(counsel[f.RecipientID], name)
		default:
			if c, ok := people[f.RecipientID]; ok {
				name = c.Name
			}
			if f.Recipient == docket.ToContact {
				name += " (" + t["contact"] + ")"
			}
		}
		// One line per message: a household's text is one send of several rows (their GroupKey), whether or not the
		// provider took it and gave it an id.
		key := f.GroupKey
		if key == "" {
			key = "row:" + strconv.FormatUint(uint64(f.ID), 10)
		}
		if sd, ok := byID[key]; ok {
			sd.names = append(sd.names, name)
			continue
		}
		sd := &send{r: f, names: []string{name}}
		byID[key] = sd
		sends = append(sends, sd)
	}
	seenPhone := map[string]bool{}
	for _, sd := range sends {
		f := sd.r
		slices.Reverse(sd.names) // the household's rows come newest first
		who := strings.Join(sd.names, ", ")
		pv.Failed = append(pv.Failed, failedView{Hearing: hearingText(f.HearingID), Who: who,
			Channel: t["channel."+string(f.Channel)], Address: f.Address,
			Error: strings.TrimSpace(f.ErrorCode + " " + docket.MaskText(f.LastError)), When: stamp(lang, f.UpdatedAt, zoneOf(s.set))})
		if f.Channel == docket.SMS && unusableCodes[f.ErrorCode] && !seenPhone[f.Address] {
			seenPhone[f.Address] = true
			pv.Phones = append(pv.Phones, phoneView{Name: who, Phone: f.Address,
				Why: tf(t["problems.code"], f.ErrorCode), Hearing: hearingText(f.HearingID)})
		}
	}
	hs, err := h.DB.Hearings(ctx, docket.HearingFilter{From: s.now, To: s.now.Add(window),
		Status: []docket.HearingStatus{docket.StatusScheduled}, Precedence: s.set.Precedence})
	if err != nil {
		h.fail(w, err)
		return
	}
	seenClient := map[string]bool{}
	for _, hh := range hs {
		for _, c := range hh.Clients {
			if c.Phone != "" || hh.InCustody(c) || seenClient[c.ID] {
				continue
			}
			seenClient[c.ID] = true
			hearings[hh.ID] = hh
			pv.Phones = append(pv.Phones, phoneView{Name: c.Name, ANumber: c.ANumber.String(),
				Why: t["problems.nophone"], Hearing: hearingText(hh.ID)})
		}
	}
	v := s.view("problems")
	v.Problems = &pv
	h.render(w, "problems.html", v)
}
