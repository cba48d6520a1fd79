package activation

import (
	"context"
	"net/netip"
	"time"
)

// AuditRecord is one audit event as a DPO or a SIEM reads it (scolpass
// audit, serve --audit-log): never a secret, a token or a password.
type AuditRecord struct {
	ID       int64     `json:"id"`
	Time     time.Time `json:"time"`
	Event    string    `json:"event"`
	Login    string    `json:"login,omitempty"`
	Channel  string    `json:"channel"` // web, cli or assisted (AuditChannel)
	Operator string    `json:"operator"`
	Client   string    `json:"client,omitempty"` // the device's address, web events only
	Outcome  string    `json:"outcome"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	Clock    string    `json:"clock,omitempty"` // "SCOLPASS_NOW=…" when a rehearsal clock was used
}

// AuditChannel names the channel an event came through for its readers:
// "web" (the students' site), "assisted" (a helpdesk agent with the
// student) or "cli" (bulk commands and scripts). stored is the channel the
// event was written with (Actor.Channel).
func AuditChannel(stored string) string {
	switch stored {
	case "web":
		return "web"
	case "helpdesk":
		return "assisted"
	}
	return "cli"
}

// StoredChannels are the stored channels a reader's channel stands for.
func StoredChannels(channel string) []string {
	switch channel {
	case "web":
		return []string{"web"}
	case "assisted":
		return []string{"helpdesk"}
	case "cli":
		return []string{"bulk", "script"}
	}
	return nil
}

type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the address of the device a web
// request came from; the store records it with the audit events the
// request writes.
func WithClientAddr(ctx context.Context, addr netip.Addr) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddr is the device address ctx carries (WithClientAddr); ok is
// false when there is none (a command, not a web request).
func ClientAddr(ctx context.Context) (netip.Addr, bool) {
	a, ok := ctx.Value(clientAddrKey{}).(netip.Addr)
	return a, ok && a.IsValid()
}
