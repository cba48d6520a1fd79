package web

import (
	"net/netip"
	"sync"
	"time"
)

// limiter is a token bucket per client address. Buckets full again are
// forgotten, so memory follows the addresses seen in the last minutes.
type limiter struct {
	rate Rate
	mu   sync.Mutex
	b    map[netip.Addr]*bucket
	last time.Time // last sweep
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(r Rate) *limiter { return &limiter{rate: r, b: map[netip.Addr]*bucket{}} }

// allow takes a token for addr; when none is left it returns how long until
// one is.
func (l *limiter) allow(addr netip.Addr, now time.Time) (time.Duration, bool) {
	perSec := l.rate.PerMinute / 60
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.last) > time.Minute {
		l.sweep(now, perSec)
	}
	b := l.b[addr]
	if b == nil {
		b = &bucket{tokens: float64(l.rate.Burst), at: now}
		l.b[addr] = b
	}
	b.tokens = min(float64(l.rate.Burst), b.tokens+now.Sub(b.at).Seconds()*perSec)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	if perSec <= 0 {
		return time.Hour, false
	}
	return time.Duration((1 - b.tokens) / perSec * float64(time.Second)), false
}

func (l *limiter) sweep(now time.Time, perSec float64) {
	l.last = now
	for a, b := range l.b {
		if b.tokens+now.Sub(b.at).Seconds()*perSec >= float64(l.rate.Burst) {
			delete(l.b, a)
		}
	}
}
