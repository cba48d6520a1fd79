package activation

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Period
	}{
		{"12mo", Period{Months: 12}},
		{"1y", Period{Months: 12}},
		{"1y6mo", Period{Months: 18}},
		{"30d", Period{Days: 30}},
		{"2w", Period{Days: 14}},
		{" 13MO ", Period{Months: 13}},
		{"1mo15d", Period{Months: 1, Days: 15}},
	} {
		got, err := ParsePeriod(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if again, err := ParsePeriod(got.String()); err != nil || again != got {
			t.Errorf("ParsePeriod(%q.String() = %q) = %+v, %v", c.in, got.String(), again, err)
		}
	}
	for _, c := range []struct{ in, why string }{
		{"", "empty"},
		{"12", `unit ""`},
		{"12m", "write months as mo"},
		{"12h", `unit "h"`},
		{"mo", "not a length"},
		{"0d", "keeps nothing"},
		{"-3d", "not a length"},
		{"99999999999999999999d", "too large"},
	} {
		_, err := ParsePeriod(c.in)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("ParsePeriod(%q): %v, want an error saying %q", c.in, err, c.why)
		}
	}
}

// Retention is counted on the Paris calendar: 12 months before a summer
// day at 10:00 Paris is the same day a year before at 10:00 Paris, across
// the DST change, whatever zone the clock is given in.
func TestCutoffs(t *testing.T) {
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC) // 10:00 Paris (CEST)
	c := DefaultRetention.Cutoffs(now)
	for _, x := range []struct {
		name      string
		got, want time.Time
	}{
		{"audit", c.Audit, time.Date(2025, 9, 1, 10, 0, 0, 0, Zone())},
		{"mail", c.Mail, time.Date(2026, 8, 2, 10, 0, 0, 0, Zone())},
		{"finished", c.Finished, time.Date(2026, 8, 25, 10, 0, 0, 0, Zone())},
		{"unseen", c.Unseen, time.Date(2025, 8, 1, 10, 0, 0, 0, Zone())},
	} {
		if !x.got.Equal(x.want) {
			t.Errorf("%s cutoff = %s, want %s", x.name, x.got, x.want)
		}
	}
	// 30 days back across the end of DST (25 October 2026): 10:00 Paris
	// stays 10:00 Paris, 25 hours in one of the days.
	winter := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC) // 10:00 Paris (CET)
	if got, want := DefaultRetention.Cutoffs(winter).Mail, time.Date(2026, 10, 11, 10, 0, 0, 0, Zone()); !got.Equal(want) {
		t.Errorf("mail cutoff across DST = %s, want %s", got, want)
	}
}

func TestPurgeCountsDetail(t *testing.T) {
	c := PurgeCounts{PurgeAudit: 12, PurgeStudents: 1}
	if got := c.Detail(); got != "students=1 audit_events=12 mail_bodies=0 links=0 sessions=0 directory_jobs=0" {
		t.Errorf("Detail() = %q", got)
	}
}

func TestAuditChannel(t *testing.T) {
	for stored, want := range map[string]string{"web": "web", "helpdesk": "assisted", "script": "cli", "bulk": "cli"} {
		if got := AuditChannel(stored); got != want {
			t.Errorf("AuditChannel(%q) = %q, want %q", stored, got, want)
		}
		found := false
		for _, s := range StoredChannels(want) {
			found = found || s == stored
		}
		if !found {
			t.Errorf("StoredChannels(%q) = %v lacks %q", want, StoredChannels(want), stored)
		}
	}
	if StoredChannels("mail") != nil {
		t.Error("an unknown channel stands for stored channels")
	}
}

func TestClientAddr(t *testing.T) {
	if _, ok := ClientAddr(context.Background()); ok {
		t.Error("a command's context carries a client address")
	}
	a := netip.MustParseAddr("192.0.2.7")
	if got, ok := ClientAddr(WithClientAddr(context.Background(), a)); !ok || got != a {
		t.Errorf("ClientAddr = %v, %v", got, ok)
	}
	if _, ok := ClientAddr(WithClientAddr(context.Background(), netip.Addr{})); ok {
		t.Error("an invalid address counts as one")
	}
}
