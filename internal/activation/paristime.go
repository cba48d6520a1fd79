package activation

import "time"

// The forms in which dates and times are shown to people (the office, the
// helpdesk, the student): day first, as in France, in Europe/Paris time
// whatever the server's zone.
const (
	parisDate    = "02/01/2006"
	parisMinute  = "02/01/2006 15:04"
	parisSeconds = "02/01/2006 15:04:05"
)

// ParisTime shows t as "dd/mm/yyyy hh:mm", Europe/Paris time (a link's
// expiry, a state's date, an event in a list).
func ParisTime(t time.Time) string { return t.In(Zone()).Format(parisMinute) }

// ParisDate shows t's Europe/Paris calendar day as "dd/mm/yyyy" (a
// provisional password's expiry, a date on a sheet).
func ParisDate(t time.Time) string { return t.In(Zone()).Format(parisDate) }

// ParisSeconds shows t as "dd/mm/yyyy hh:mm:ss", Europe/Paris time (the
// audit history, where events a second apart must read apart).
func ParisSeconds(t time.Time) string { return t.In(Zone()).Format(parisSeconds) }
