package web

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter is a token bucket (golang.org/x/time/rate) per client address.
// Buckets full again are forgotten, so memory follows the addresses seen in
// the last minutes.
type limiter struct {
	rate Rate
	mu   sync.Mutex
	b    map[netip.Addr]*rate.Limiter
	last time.Time // last sweep
}

func newLimiter(r Rate) *limiter { return &limiter{rate: r, b: map[netip.Addr]*rate.Limiter{}} }

// allow takes a token for addr; when none is left it returns how long until
// one is.
func (l *limiter) allow(addr netip.Addr, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.last) > time.Minute {
		l.sweep(now)
	}
	b := l.b[addr]
	if b == nil {
		b = rate.NewLimiter(rate.Limit(l.rate.PerMinute/60), l.rate.Burst)
		l.b[addr] = b
	}
	if b.AllowN(now, 1) {
		return 0, true
	}
	if l.rate.PerMinute <= 0 {
		return time.Hour, false
	}
	r := b.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now) // the refused request takes nothing
	return wait, false
}

func (l *limiter) sweep(now time.Time) {
	l.last = now
	for a, b := range l.b {
		if b.TokensAt(now) >= float64(l.rate.Burst) {
			delete(l.b, a)
		}
	}
}
