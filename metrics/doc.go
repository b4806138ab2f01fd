// Package metrics is what the daemon's /metrics exposes: counters the daemon increments as it sends reminders and
// answers HTTP requests, and the store's state (upcoming hearings, outbox rows, opt-outs, sync runs, leadership)
// read at each scrape through the narrow Store it declares.
package metrics
