// Package deadline computes the filing deadlines the Immigration Court Practice Manual sets around a hearing: the
// rules, versioned by the dates they governed, with their citations; the counting of Practice Manual ch. 3.1(c)
// (calendar days, the hearing day is day 0, a deadline on a weekend or federal holiday moves to the next business
// day); and the federal holidays of 5 U.S.C. 6103, computed with their observed days. It uses the standard library
// only, so any room may use it.
//
// A computed deadline is the default the Practice Manual sets; an immigration judge may set others, and a judge's
// scheduling order (Hearing.Ordered) replaces the default filing deadline.
package deadline
