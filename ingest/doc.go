// Package ingest brings hearings into the store: it runs a source (a docket export, EOIR's dump, ACIS answers, an
// office calendar, or the config file's own [[hearings]]) into a store pass (planned whole, then written in short
// pieces), with the rules that keep a glitch from cancelling anyone's hearing (a complete source's grace period, the
// mass-change guard, an empty file never wiping a calendar), and records every run.
package ingest
