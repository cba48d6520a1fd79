package cli

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestInterruptContext: once something waits on it, an interrupt cancels
// the context (as signal.NotifyContext does); after stop, Done still works.
func TestInterruptContext(t *testing.T) {
	ctx, stop := newInterruptContext(context.Background())
	if ctx.Err() != nil {
		t.Fatal("cancelled before any interrupt")
	}
	done := ctx.Done()
	derived, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("an interrupt did not cancel the context")
	}
	<-derived.Done()
	if ctx.Err() != context.Canceled {
		t.Errorf("Err = %v after an interrupt", ctx.Err())
	}
	stop()

	ctx2, stop2 := newInterruptContext(context.Background())
	stop2()
	if ctx2.Done() != nil || ctx2.Err() != nil {
		t.Error("a stopped, never watched context is the background context")
	}
}
