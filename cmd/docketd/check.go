package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
	"github.com/docketd/docketd/store"
)

func cmdCheck(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("check", "[--print]", false, false)
	print := f.Bool("print", false, "print the effective config, with defaults filled in and secrets hidden")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	if *print {
		out, err := toml.Marshal(redacted(cfg))
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(out)
		return err
	}
	tpl, err := message.LoadTemplates(cfg.Reminders.TemplatesDir)
	if err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("%s: reminders.templates_dir: %w", f.config, err)}
	}
	var langs []string
	for _, c := range cfg.Clients {
		langs = append(langs, c.Language)
	}
	for _, a := range cfg.Attorneys {
		langs = append(langs, a.Language)
	}
	for _, p := range cfg.Warnings {
		fmt.Fprintln(e.stdout, "warning:", p)
	}
	for _, p := range message.CheckTemplates(tpl, langs...) {
		fmt.Fprintln(e.stdout, "warning:", p)
	}
	printSMSSizes(e.stdout, tpl, langs)
	failed := checkSources(ctx, e.stdout, cfg)
	fmt.Fprintf(e.stdout, "%s is valid: %d attorneys, %d clients, %d hearings, %d sources, %d reminder policies\n",
		f.config, len(cfg.Attorneys), len(cfg.Clients), len(cfg.Hearings), len(cfg.Sources), len(cfg.Reminders.Policies))
	if n := underStateLaw(cfg); n > 0 {
		fmt.Fprintf(e.stdout, "people whose texts follow a stricter state law (Florida, Oklahoma: 8:00-20:00 of their "+
			"time, at most 3 about one hearing in 24 hours): %d\n", n)
	}
	if msg := morningAtRate(cfg); msg != "" {
		fmt.Fprintln(e.stdout, "warning:", msg)
	}
	if len(failed) > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("a sync of %s would fail: see above, fix the file or the "+
			"source's path, columns or separator, and run check again", strings.Join(failed, ", "))}
	}
	return nil
}

// slowMorning is how long a morning's texts may take before check warns: a reminder later than this is late by
// more than the dispatcher's floor for catch_up.
const slowMorning = 15 * time.Minute

// morningAtRate says how long a morning that texts every client with a phone would take at [sms] rate, when that is
// longer than slowMorning: every client text of a day in a zone is due at the same time (the policy's at), and the
// rate is the whole office's, however many replicas send. "" when it is not that long.
func morningAtRate(cfg *config.Config) string {
	n := 0
	for _, c := range cfg.Clients {
		if c.Phone != "" {
			n++
		}
	}
	if n == 0 || cfg.SMS.Rate <= 0 {
		return ""
	}
	took := time.Duration(float64(n) / cfg.SMS.Rate * float64(time.Second)).Round(time.Second)
	if took <= slowMorning {
		return ""
	}
	return fmt.Sprintf("sms.rate: %d clients with a phone at rate = %v (messages a second for the whole office, every "+
		"replica together; unset means %v) take %s to text one morning, so the last reminder leaves that late; ask "+
		"the carrier for a 10DLC tier with more throughput and set rate to it", n, cfg.SMS.Rate, config.DefaultSMSRate,
		clockDuration(took))
}

// clockDuration writes d as "2 h 47 min", or "16 min 40 s" under an hour.
func clockDuration(d time.Duration) string {
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d min %d s", m, s)
}

// underStateLaw counts the config's clients and counsel whose texts a stricter state law on their hours governs: by a
// client's state key, else the phone's area code.
func underStateLaw(cfg *config.Config) int {
	n := 0
	for _, c := range cfg.Clients {
		if _, ok := docket.HoursLawOf(docket.LawState(c.State, c.Phone)); ok && c.Phone != "" {
			n++
		}
	}
	for _, a := range cfg.Attorneys {
		if _, ok := docket.HoursLawOf(docket.PhoneState(a.Phone)); ok {
			n++
		}
	}
	return n
}

// redacted returns a copy of cfg with every secret replaced.
func redacted(cfg *config.Config) *config.Config {
	c := *cfg
	hide := func(s *string) {
		if *s != "" {
			*s = "(hidden)"
		}
	}
	hide(&c.SMS.Twilio.AuthToken)
	hide(&c.Email.SMTP.Password)
	c.Database.URL = store.RedactURL(c.Database.URL)
	c.Sources = append([]config.Source(nil), cfg.Sources...)
	for i := range c.Sources {
		hide(&c.Sources[i].APIKey)
	}
	// A password hash is worth guessing against offline: it stays in the file.
	c.Staff = append([]config.Staff(nil), cfg.Staff...)
	for i := range c.Staff {
		hide(&c.Staff[i].PasswordHash)
	}
	return &c
}

// printSMSSizes says what each text costs in the languages the office uses, measured on realistic samples (accented
// names, which force UCS-2): the common reminder, and the longest sample of every text.
func printSMSSizes(w io.Writer, tpl *message.Templates, langs []string) {
	seen := map[string]bool{}
	for _, lang := range append([]string{message.FallbackLanguage}, langs...) {
		lang = message.BaseLanguage(lang)
		if lang == "" || seen[lang] || len(tpl.Missing(lang)) > 0 && slices.Contains(tpl.Missing(lang), "reminder.sms") {
			continue
		}
		seen[lang] = true
		for _, sz := range message.SMSSizes(tpl, lang) {
			common := ""
			if sz.Common > 0 {
				common = fmt.Sprintf("%d segment(s) for one client in person (%d characters); ", sz.Common, sz.CommonCharacters)
			}
			fmt.Fprintf(w, "texts: %s/%s: %slongest sample %d segment(s) in %s (%d characters)\n",
				lang, sz.Template, common, sz.Worst, sz.Encoding, sz.Characters)
		}
	}
}
