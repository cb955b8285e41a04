package cluster

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Three instances take ids at the same time, each from several goroutines
// (a burst of clients connecting everywhere at once): no id is given twice,
// and each goroutine sees its ids increase.
func TestCounterIDsAreUniqueAcrossInstances(t *testing.T) {
	e := startNATS(t)
	const instances, callers, perCaller = 3, 8, 10

	var mu sync.Mutex
	owner := make(map[int]string) // id → who got it
	var wg sync.WaitGroup
	for i := range instances {
		c, err := NewCounter(dialTest(t, e.URL()))
		if err != nil {
			t.Fatal(err)
		}
		for j := range callers {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				who := fmt.Sprintf("instance %d caller %d", i, j)
				prev := 0
				for range perCaller {
					id, err := c.Next(ctx)
					if err != nil {
						t.Errorf("%s: %v", who, err)
						return
					}
					if id <= prev {
						t.Errorf("%s: got id %d after %d", who, id, prev)
					}
					prev = id
					mu.Lock()
					if other, taken := owner[id]; taken {
						t.Errorf("id %d given to both %s and %s", id, other, who)
					}
					owner[id] = who
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	const total = instances * callers * perCaller
	if len(owner) != total {
		t.Fatalf("%d distinct ids, want %d", len(owner), total)
	}
	for id := 1; id <= total; id++ {
		if _, ok := owner[id]; !ok {
			t.Errorf("id %d was skipped", id)
		}
	}
}

// A NATS server that comes back without its data has lost the counter.
// Restore, which instances call when they reconnect, puts it back above
// every id they know of.
func TestCounterRestoredAfterTheBrokerLostIt(t *testing.T) {
	first := startNATS(t)
	port := first.Port()
	nc := dialTest(t, first.URL())
	reconnected := make(chan struct{}, 1)
	nc.SetReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := NewCounter(nc)
	if err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 3; want++ {
		if id, err := c.Next(ctx); err != nil || id != want {
			t.Fatalf("Next = %d, %v; want %d", id, err, want)
		}
	}
	c.See(7) // another instance's client, heard of through an event

	first.Close() // and its data with it
	startNATSAt(t, port)
	select {
	case <-reconnected:
	case <-ctx.Done():
		t.Fatal("no reconnect")
	}
	last, err := c.Restore(ctx)
	if err != nil || last != 7 {
		t.Fatalf("Restore = %d, %v; want 7", last, err)
	}
	// Another instance, which knows of no ids, continues from there.
	other, err := NewCounter(dialTest(t, "nats://127.0.0.1:"+strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := other.Next(ctx); err != nil || id != 8 {
		t.Fatalf("Next after restore = %d, %v; want 8", id, err)
	}
}

// An instance that takes an id before anything restored the counter finds
// the bucket gone, creates it again, and still continues above what it knew.
func TestCounterRecreatesALostBucket(t *testing.T) {
	first := startNATS(t)
	port := first.Port()
	nc := dialTest(t, first.URL())
	reconnected := make(chan struct{}, 1)
	nc.SetReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := NewCounter(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Next(ctx); err != nil {
		t.Fatal(err)
	}
	first.Close()
	startNATSAt(t, port)
	select {
	case <-reconnected:
	case <-ctx.Done():
		t.Fatal("no reconnect")
	}
	if id, err := c.Next(ctx); err != nil || id != 2 {
		t.Fatalf("Next = %d, %v; want 2", id, err)
	}
}
