// Package message turns a notice about a hearing into the words a person reads: one template per kind × channel ×
// language (English and Spanish built in, more from a templates folder), in the recipient's language, with the date,
// time, court and what to do. It checks the templates (every kind and channel, texts within a few SMS segments) for
// `docketd check`.
package message
