package cli

import (
	"errors"
	"os"
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

// TestConffileListsEverySetting: the package's /etc/scolpass/scolpass.env
// names every setting of --help, commented out, and holds no secret.
func TestConffileListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../scripts/deb/scolpass.env")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	names := []string{"DATABASE_URL", "SCOLPASS_LOG_FORMAT", "SCOLPASS_TRUSTED_PROXY"}
	for _, c := range append(configEnv[:len(configEnv):len(configEnv)], ldapEnv...) {
		names = append(names, c.Name)
	}
	for _, s := range secretSpecs {
		names = append(names, s.Name, s.FileVar)
	}
	for _, n := range names {
		if !strings.Contains(conf, n) {
			t.Errorf("scripts/deb/scolpass.env does not mention %s", n)
		}
	}
	for i, l := range strings.Split(conf, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			t.Errorf("line %d is not commented out: %q (every setting keeps its default until the administrator sets it)", i+1, l)
		}
		if strings.Contains(l, "PASSWORD=") || strings.Contains(l, "_KEY=") || strings.Contains(l, ":pass") {
			t.Errorf("line %d holds a secret: %q", i+1, l)
		}
	}
}
