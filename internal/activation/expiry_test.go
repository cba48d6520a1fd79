package activation

import (
	"testing"
	"time"
)

// withLocal runs f with the process time zone set to name, so that a result
// depending on the server's zone shows up.
func withLocal(t *testing.T, name string, f func()) {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	saved := time.Local
	time.Local = loc
	defer func() { time.Local = saved }()
	f()
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLinkExpiry(t *testing.T) {
	tests := []struct {
		name   string
		issued string // any zone
		expiry string // the instant, in Paris
	}{
		{"ordinary day", "2026-09-14T10:00:00+02:00", "2026-09-14T23:59:59.999999+02:00"},
		{"issued just after midnight", "2026-09-14T00:30:00+02:00", "2026-09-14T23:59:59.999999+02:00"},
		{"issued at midnight", "2026-09-14T00:00:00+02:00", "2026-09-14T23:59:59.999999+02:00"},
		{"issued one second before midnight", "2026-09-14T23:59:59+02:00", "2026-09-14T23:59:59.999999+02:00"},
		{"issued in UTC, already next day in Paris", "2026-09-14T22:30:00Z", "2026-09-15T23:59:59.999999+02:00"},
		{"issued in New York, late evening", "2026-09-14T20:00:00-04:00", "2026-09-15T23:59:59.999999+02:00"},
		{"winter", "2026-01-10T08:00:00+01:00", "2026-01-10T23:59:59.999999+01:00"},
		{"spring forward 2026 (23h day)", "2026-03-29T00:30:00+01:00", "2026-03-29T23:59:59.999999+02:00"},
		{"spring forward 2026, after the change", "2026-03-29T03:30:00+02:00", "2026-03-29T23:59:59.999999+02:00"},
		{"fall back 2026 (25h day)", "2026-10-25T00:30:00+02:00", "2026-10-25T23:59:59.999999+01:00"},
		{"fall back 2026, second 02:30", "2026-10-25T02:30:00+01:00", "2026-10-25T23:59:59.999999+01:00"},
		{"spring forward 2027", "2027-03-28T01:00:00+01:00", "2027-03-28T23:59:59.999999+02:00"},
		{"fall back 2027", "2027-10-31T01:00:00+02:00", "2027-10-31T23:59:59.999999+01:00"},
		{"new year's eve", "2026-12-31T12:00:00+01:00", "2026-12-31T23:59:59.999999+01:00"},
	}
	for _, zone := range []string{"UTC", "America/New_York", "Pacific/Kiritimati", "Europe/Paris"} {
		withLocal(t, zone, func() {
			for _, tt := range tests {
				issued, want := mustTime(t, tt.issued), mustTime(t, tt.expiry)
				got := LinkExpiry(issued)
				if !got.Equal(want) {
					t.Errorf("TZ=%s %s: LinkExpiry(%s) = %s, want %s", zone, tt.name, tt.issued, got, want)
				}
				if got.Location() != Zone() {
					t.Errorf("TZ=%s %s: expiry is in %s, want Europe/Paris", zone, tt.name, got.Location())
				}
				if got.Format("15:04") != "23:59" {
					t.Errorf("TZ=%s %s: expiry prints as %s", zone, tt.name, got.Format("15:04"))
				}
			}
		})
	}
}

// TestTokenExpiredAt checks the link rule: a link is followed in time up to
// 23:59:59.999999 Paris on the day it was sent.
func TestTokenExpiredAt(t *testing.T) {
	tests := []struct {
		name        string
		issued, now string
		want        bool
	}{
		{"same second", "2026-09-14T10:00:00+02:00", "2026-09-14T10:00:00+02:00", true},
		{"ordinary day, 23:59:59", "2026-09-14T10:00:00+02:00", "2026-09-14T23:59:59+02:00", true},
		{"ordinary day, last microsecond", "2026-09-14T10:00:00+02:00", "2026-09-14T23:59:59.999999+02:00", true},
		{"ordinary day, past the last microsecond", "2026-09-14T10:00:00+02:00", "2026-09-14T23:59:59.9999995+02:00", false},
		{"ordinary day, midnight", "2026-09-14T10:00:00+02:00", "2026-09-15T00:00:00+02:00", false},
		{"ordinary day, next morning", "2026-09-14T10:00:00+02:00", "2026-09-15T08:00:00+02:00", false},
		{"issued 00:30, valid 23:59:59", "2026-09-14T00:30:00+02:00", "2026-09-14T23:59:59+02:00", true},
		{"issued 00:30, invalid at midnight", "2026-09-14T00:30:00+02:00", "2026-09-15T00:00:00+02:00", false},
		{"issued 23:59, valid 23:59:59", "2026-09-14T23:59:00+02:00", "2026-09-14T23:59:59+02:00", true},
		{"issued 23:59, invalid one minute later", "2026-09-14T23:59:00+02:00", "2026-09-15T00:00:00+02:00", false},
		{"now in UTC, 21:59:59Z is 23:59:59 Paris", "2026-09-14T10:00:00+02:00", "2026-09-14T21:59:59Z", true},
		{"now in UTC, 22:00Z is midnight Paris", "2026-09-14T10:00:00+02:00", "2026-09-14T22:00:00Z", false},
		{"spring 2026, 23:59:59", "2026-03-29T00:30:00+01:00", "2026-03-29T23:59:59+02:00", true},
		{"spring 2026, midnight", "2026-03-29T00:30:00+01:00", "2026-03-30T00:00:00+02:00", false},
		{"spring 2026, 22 h after issue is 23:30 (23h day)", "2026-03-29T00:30:00+01:00", "2026-03-29T21:30:00Z", true},
		{"spring 2026, 23 h after issue is next day", "2026-03-29T00:30:00+01:00", "2026-03-29T22:30:00Z", false},
		{"fall 2026, 23:59:59", "2026-10-25T00:30:00+02:00", "2026-10-25T23:59:59+01:00", true},
		{"fall 2026, 24 h after issue is still the same day (25h day)", "2026-10-25T00:30:00+02:00", "2026-10-25T22:30:00Z", true},
		{"fall 2026, midnight", "2026-10-25T00:30:00+02:00", "2026-10-26T00:00:00+01:00", false},
		{"spring 2027, 23:59:59", "2027-03-28T09:00:00+02:00", "2027-03-28T23:59:59+02:00", true},
		{"spring 2027, midnight", "2027-03-28T09:00:00+02:00", "2027-03-29T00:00:00+02:00", false},
		{"fall 2027, 23:59:59", "2027-10-31T09:00:00+01:00", "2027-10-31T23:59:59+01:00", true},
		{"fall 2027, midnight", "2027-10-31T09:00:00+01:00", "2027-11-01T00:00:00+01:00", false},
		{"now before issue", "2026-09-14T10:00:00+02:00", "2026-09-14T09:00:00+02:00", true},
	}
	for _, zone := range []string{"America/New_York", "Asia/Tokyo", "UTC"} {
		withLocal(t, zone, func() {
			for _, tt := range tests {
				// Parse in the local zone too, as a careless caller would.
				issued, now := mustTime(t, tt.issued).Local(), mustTime(t, tt.now).Local()
				tok := &Token{IssuedAt: issued, ExpiresAt: LinkExpiry(issued)}
				if got := !tok.ExpiredAt(now); got != tt.want {
					t.Errorf("TZ=%s %s: link sent %s followed %s: in time = %v, want %v", zone, tt.name, tt.issued, tt.now, got, tt.want)
				}
			}
		})
	}
}
