package budget_test

import (
	"testing"
	"time"

	"example.com/wstutorial/05-performance/budget"
)

// taken starts Take(n) in a goroutine and returns where its answer arrives.
func taken(b *budget.Budget, n int64, stop <-chan struct{}) <-chan bool {
	ok := make(chan bool, 1)
	go func() { ok <- b.Take(n, stop) }()
	return ok
}

// answer waits for Take's answer, failing the test after a deadline.
func answer(t *testing.T, ok <-chan bool) bool {
	t.Helper()
	select {
	case v := <-ok:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("Take still waits")
		return false
	}
}

// stillWaiting fails the test if Take has answered. A short look is enough:
// a Take that wrongly returned would have done so at once.
func stillWaiting(t *testing.T, ok <-chan bool) {
	t.Helper()
	select {
	case v := <-ok:
		t.Fatalf("Take returned %v, want it to wait", v)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestTakeWithinTheLimitDoesNotWait(t *testing.T) {
	b := budget.New(100)
	for range 4 {
		if !b.Take(25, nil) {
			t.Fatal("Take refused bytes that fit")
		}
	}
	if got := b.Queued(); got != 100 {
		t.Errorf("Queued() = %d, want 100", got)
	}
}

func TestReleaseWakesAWaitingReader(t *testing.T) {
	b := budget.New(100)
	b.Take(80, nil)
	ok := taken(b, 30, nil)
	stillWaiting(t, ok)

	b.Release(20) // 60 + 30 fits
	if !answer(t, ok) {
		t.Fatal("Take returned false after the bytes were released")
	}
	if got := b.Queued(); got != 90 {
		t.Errorf("Queued() = %d, want 90", got)
	}
}

func TestAReleaseTooSmallKeepsTheReaderWaiting(t *testing.T) {
	b := budget.New(100)
	b.Take(80, nil)
	ok := taken(b, 30, nil)
	b.Release(5) // 75 + 30 does not fit yet
	stillWaiting(t, ok)
	b.Release(5)
	answer(t, ok)
}

func TestStopEndsTheWait(t *testing.T) {
	b := budget.New(100)
	b.Take(100, nil)
	stop := make(chan struct{})
	ok := taken(b, 1, stop)
	stillWaiting(t, ok)

	close(stop)
	if answer(t, ok) {
		t.Fatal("Take returned true after stop was closed")
	}
	if got := b.Queued(); got != 100 {
		t.Errorf("Queued() = %d, want 100: a stopped Take must count nothing", got)
	}
}

func TestOversizeGoesAlone(t *testing.T) {
	b := budget.New(100)
	if !answer(t, taken(b, 500, nil)) {
		t.Fatal("an empty budget refused a message larger than the limit")
	}
	ok := taken(b, 1, nil) // the next one waits until the large one is gone
	stillWaiting(t, ok)
	b.Release(500)
	answer(t, ok)
}

func TestAddDoesNotWait(t *testing.T) {
	b := budget.New(100)
	b.Take(100, nil)
	b.Add(50) // a notice goes out whatever the flood
	if got := b.Queued(); got != 150 {
		t.Errorf("Queued() = %d, want 150", got)
	}
}

// TryTake takes what fits, as Take does, and answers at once when it does not.
func TestTryTakeNeverWaits(t *testing.T) {
	b := budget.New(100)
	if !b.TryTake(80) {
		t.Fatal("TryTake refused bytes that fit")
	}
	if b.TryTake(30) {
		t.Fatal("TryTake took bytes over the limit")
	}
	if got := b.Queued(); got != 80 {
		t.Errorf("Queued() = %d, want 80: a refused TryTake counts nothing", got)
	}
}
