package activation

import (
	"sync"
	"time"
	_ "time/tzdata" // Europe/Paris must load even where the system has no zoneinfo
)

// parisZone is the time zone of the university: the one the guide's "valid the
// same day until 23:59" refers to, whatever the server's own zone.
var parisZone = sync.OnceValue(func() *time.Location { return mustLoadLocation("Europe/Paris") })

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Cannot happen: time/tzdata embeds the zone database.
		panic("activation: time zone " + name + ": " + err.Error())
	}
	return loc
}

// Zone returns the Europe/Paris location that every date rule of the
// activation (link expiry, dates printed on sheets and in emails) uses.
func Zone() *time.Location { return parisZone() }

// LinkExpiry returns the last instant at which a link issued at `issued` can
// still be followed: 23:59:59.999999 Europe/Paris on the day `issued`
// falls on in Europe/Paris, whatever the zone `issued` carries or the
// server runs in. Put another way, the link expires at the midnight (Paris)
// that follows the issue: a link is followed in time when now <= LinkExpiry(issued) (Token.ExpiredAt),
// which is now < that midnight. The day may last 23 or 25 hours on DST days:
// it is the calendar day that counts. The result is in Europe/Paris, so it
// prints as "23:59".
func LinkExpiry(issued time.Time) time.Time {
	y, m, d := issued.In(parisZone()).Date()
	// Midnight never falls in a DST gap or overlap in Europe/Paris (changes
	// happen at 02:00/03:00), so this instant is unambiguous.
	nextMidnight := time.Date(y, m, d+1, 0, 0, 0, 0, parisZone())
	// PostgreSQL keeps microseconds: 23:59:59.999999 is stored as it is,
	// where the last nanosecond would round up to the next midnight.
	return nextMidnight.Add(-time.Microsecond)
}

// LinkDayStart is the midnight (Europe/Paris) that began the day now falls
// on: links count against the daily cap from there.
func LinkDayStart(now time.Time) time.Time {
	y, m, d := now.In(parisZone()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, parisZone())
}
