package activation

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is a retention length in calendar terms: months are months (12
// months from 31 March is 31 March of the next year), days are days. The
// zero Period keeps nothing back.
type Period struct {
	Months int
	Days   int
}

// Before returns the instant a Period before now, counted in Paris on the
// calendar: data older than that is past its retention.
func (p Period) Before(now time.Time) time.Time {
	t := now.In(Zone())
	return t.AddDate(0, -p.Months, -p.Days)
}

// String is the Period as ParsePeriod reads it ("12mo", "30d").
func (p Period) String() string {
	switch {
	case p.Months != 0 && p.Days != 0:
		return fmt.Sprintf("%dmo%dd", p.Months, p.Days)
	case p.Months != 0:
		return fmt.Sprintf("%dmo", p.Months)
	}
	return fmt.Sprintf("%dd", p.Days)
}

// ParsePeriod reads a retention length: a whole number followed by y
// (years), mo (months), w (weeks) or d (days), e.g. "12mo", "1y", "30d",
// "2w"; parts may follow one another ("1y6mo"). "m" alone is refused: it
// reads as minutes to some and months to others.
func ParsePeriod(s string) (Period, error) {
	var p Period
	rest := strings.ToLower(strings.TrimSpace(s))
	if rest == "" {
		return p, fmt.Errorf("empty length: write e.g. 12mo, 30d or 1y")
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return Period{}, fmt.Errorf("%q is not a length such as 12mo, 30d or 1y", s)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 100000 {
			return Period{}, fmt.Errorf("%q: number too large", s)
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && rest[j] >= 'a' && rest[j] <= 'z' {
			j++
		}
		switch unit := rest[:j]; unit {
		case "y":
			p.Months += 12 * n
		case "mo":
			p.Months += n
		case "w":
			p.Days += 7 * n
		case "d":
			p.Days += n
		case "m":
			return Period{}, fmt.Errorf("%q: write months as mo (12mo) or days as d (30d)", s)
		default:
			return Period{}, fmt.Errorf("%q: unit %q is none of y, mo, w, d (e.g. 12mo, 30d)", s, unit)
		}
		rest = rest[j:]
	}
	if p.Months == 0 && p.Days == 0 {
		return Period{}, fmt.Errorf("%q keeps nothing: a retention length must be at least one day", s)
	}
	return p, nil
}

// Retention says how long scolpass keeps each kind of data (README
// "Personal data"). Active accounts are never removed by age.
type Retention struct {
	// Audit: audit events older than this are deleted.
	Audit Period
	// Mail: the body of an email delivered (or given up) longer ago than
	// this is cleared; who it went to, when and its kind stay.
	Mail Period
	// Finished: directory jobs done, web sessions ended or idle, emailed
	// links used, revoked or expired longer ago than this are deleted.
	Finished Period
	// Unseen: a student whose account was never activated and who has been
	// absent from every import for this long is deleted, with everything
	// attached to them.
	Unseen Period
}

// DefaultRetention is the product's default: audit 12 months (the CNIL's
// logging recommendation allows 6 to 12), delivered email bodies 30 days,
// finished jobs, sessions and links 7 days, never-activated students
// absent from the imports 13 months (one academic year and its
// re-enrolment period).
var DefaultRetention = Retention{
	Audit:    Period{Months: 12},
	Mail:     Period{Days: 30},
	Finished: Period{Days: 7},
	Unseen:   Period{Months: 13},
}

// PurgeCutoffs are the instants before which each kind of data goes.
type PurgeCutoffs struct {
	Audit, Mail, Finished, Unseen time.Time
}

// Cutoffs returns, for a purge at now, the instant before which each kind
// of data is past its retention.
func (r Retention) Cutoffs(now time.Time) PurgeCutoffs {
	return PurgeCutoffs{
		Audit:    r.Audit.Before(now),
		Mail:     r.Mail.Before(now),
		Finished: r.Finished.Before(now),
		Unseen:   r.Unseen.Before(now),
	}
}

// Purge kinds: what a purge removes, in the order it reports them.
const (
	PurgeStudents = "students" // never-activated students absent from the imports, with their data
	PurgeAudit    = "audit_events"
	PurgeMail     = "mail_bodies"
	PurgeLinks    = "links"
	PurgeSessions = "sessions"
	PurgeJobs     = "directory_jobs"
)

// PurgeKinds lists the kinds in report order.
var PurgeKinds = []string{PurgeStudents, PurgeAudit, PurgeMail, PurgeLinks, PurgeSessions, PurgeJobs}

// PurgeCounts is how many items of each kind a purge removed (or, dry,
// would remove).
type PurgeCounts map[string]int64

// Detail is the counts as one line, in report order: the detail of the
// purge's audit event ("students=0 audit_events=12 …").
func (c PurgeCounts) Detail() string {
	parts := make([]string, 0, len(PurgeKinds))
	for _, k := range PurgeKinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, c[k]))
	}
	return strings.Join(parts, " ")
}

// PurgeAction is the action of the audit event each real purge writes.
const PurgeAction = "purge"
