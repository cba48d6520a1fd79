package activation

import (
	"testing"
	"time"
)

// TestParisTime: the same instant reads the same whatever zone it carries,
// and winter and summer time are both Paris's.
func TestParisTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz data")
	}
	cases := []struct {
		at                 time.Time
		date, minute, secs string
	}{
		{time.Date(2026, 1, 15, 22, 30, 5, 0, time.UTC), "15/01/2026", "15/01/2026 23:30", "15/01/2026 23:30:05"},
		{time.Date(2026, 7, 15, 22, 30, 5, 0, time.UTC), "16/07/2026", "16/07/2026 00:30", "16/07/2026 00:30:05"},
		{time.Date(2026, 3, 29, 0, 59, 0, 0, ny), "29/03/2026", "29/03/2026 06:59", "29/03/2026 06:59:00"},
	}
	for _, c := range cases {
		if got := ParisDate(c.at); got != c.date {
			t.Errorf("ParisDate(%v) = %q, want %q", c.at, got, c.date)
		}
		if got := ParisTime(c.at); got != c.minute {
			t.Errorf("ParisTime(%v) = %q, want %q", c.at, got, c.minute)
		}
		if got := ParisSeconds(c.at); got != c.secs {
			t.Errorf("ParisSeconds(%v) = %q, want %q", c.at, got, c.secs)
		}
	}
}
