package cli

import (
	"context"
	"os"
	"os/signal"
	"sync"
)

// interruptContext is cancelled by an interrupt (Ctrl-C), like
// signal.NotifyContext, but asks the runtime for the signal only when
// something first waits on it (Done, or a context derived from it): a
// command that never does, such as `scolpass version` or `--help`, does not
// start the runtime's signal-forwarding thread, which was about a tenth of
// its start-up (README, "Performance"); an interrupt then simply ends it,
// as it ends any program.
type interruptContext struct {
	context.Context // the parent: Deadline and Value
	mu              sync.Mutex
	watched         context.Context // nil until Done is first called
	stop            context.CancelFunc
	stopped         bool
}

// newInterruptContext returns the context and the function that releases
// the signal, as signal.NotifyContext does.
func newInterruptContext(parent context.Context) (*interruptContext, func()) {
	c := &interruptContext{Context: parent}
	return c, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stopped = true
		if c.stop != nil {
			c.stop()
		}
	}
}

// Done installs the interrupt handler on first use.
func (c *interruptContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watched == nil && !c.stopped {
		c.watched, c.stop = signal.NotifyContext(c.Context, os.Interrupt)
	}
	if c.watched == nil {
		return c.Context.Done()
	}
	return c.watched.Done()
}

// Err is context.Canceled once an interrupt came while something waited.
func (c *interruptContext) Err() error {
	c.mu.Lock()
	w := c.watched
	c.mu.Unlock()
	if w != nil {
		return w.Err()
	}
	return c.Context.Err()
}
