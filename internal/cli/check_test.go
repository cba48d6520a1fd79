package cli

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCheckTimeZone: check fails when the zone database does not know
// Europe/Paris, or knows it without its summer time.
func TestCheckTimeZone(t *testing.T) {
	for _, tc := range []struct {
		name string
		load func(string) (*time.Location, error)
		want string
	}{
		{"real", time.LoadLocation, "ok"},
		{"unknown", func(string) (*time.Location, error) { return nil, errors.New("unknown time zone Europe/Paris") }, "fail"},
		{"no summer time", func(string) (*time.Location, error) { return time.FixedZone("CET", 3600), nil }, "fail"},
		{"UTC", func(string) (*time.Location, error) { return time.UTC, nil }, "fail"},
	} {
		r := checkTimeZone(tc.load)
		if r.Status != tc.want || (r.Status == "fail" && !strings.Contains(r.Fix, "tzdata")) {
			t.Errorf("%s: %+v, want %s", tc.name, r, tc.want)
		}
	}
}
