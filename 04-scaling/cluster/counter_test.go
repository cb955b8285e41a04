package cluster

import (
	"context"
	"errors"
	"fmt"
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

	createCounter(t, e.URL())

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

// A broker without a counter (new, or restarted without its data) gets one
// only from Restore with create, which instances call once they have heard
// from every other instance. Next alone never creates one: it would start
// again from 1 while clients with ids from before are still connected.
func TestCounterNextNeverCreatesTheCounter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	broker := startForgetfulBroker(t)
	c := broker.counter()
	if id, err := c.Next(ctx); !errors.Is(err, ErrNoCounter) {
		t.Fatalf("Next on a new broker = %d, %v; want ErrNoCounter", id, err)
	}
	if _, err := c.Restore(ctx, false); !errors.Is(err, ErrNoCounter) {
		t.Fatalf("Restore without create on a new broker: %v; want ErrNoCounter", err)
	}
	if last, err := c.Restore(ctx, true); err != nil || last != 0 {
		t.Fatalf("Restore with create = %d, %v; want 0", last, err)
	}
	if id, err := c.Next(ctx); err != nil || id != 1 {
		t.Fatalf("Next = %d, %v; want 1", id, err)
	}

	broker.restartEmpty(ctx)
	for range 2 { // the first may fail on the old bucket's handle
		if id, err := c.Next(ctx); err == nil {
			t.Fatalf("Next after the broker lost the counter = %d; want an error", id)
		}
	}
	if _, err := c.Restore(ctx, false); !errors.Is(err, ErrNoCounter) {
		t.Fatalf("Restore without create after Next: %v; want ErrNoCounter", err)
	}
}

// Restore puts the counter back above every id the instance knows of, so
// that another instance, which knows of none, continues from there.
func TestCounterRestoredAfterTheBrokerLostIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	broker := startForgetfulBroker(t)
	c := broker.counter()
	if _, err := c.Restore(ctx, true); err != nil {
		t.Fatal(err)
	}
	for want := 1; want <= 3; want++ {
		if id, err := c.Next(ctx); err != nil || id != want {
			t.Fatalf("Next = %d, %v; want %d", id, err, want)
		}
	}
	c.See(7) // another instance's client, heard of through an event

	broker.restartEmpty(ctx)
	last, err := c.Restore(ctx, true)
	if err != nil || last != 7 {
		t.Fatalf("Restore = %d, %v; want 7", last, err)
	}
	other, err := NewCounter(dialTest(t, broker.url))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := other.Next(ctx); err != nil || id != 8 {
		t.Fatalf("Next after restore = %d, %v; want 8", id, err)
	}
	// An existing counter below what an instance knows is raised, without
	// create: that is what every instance does when it connects.
	c.See(20)
	if last, err := c.Restore(ctx, false); err != nil || last != 20 {
		t.Fatalf("Restore = %d, %v; want 20", last, err)
	}
}

// createCounter creates the counter on the broker at url, as the first
// instance would.
func createCounter(t *testing.T, url string) {
	t.Helper()
	c, err := NewCounter(dialTest(t, url))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Restore(ctx, true); err != nil {
		t.Fatal(err)
	}
}

// forgetfulBroker is a NATS server that a test restarts on the same port
// without its data, with one connection to it that reconnects.
type forgetfulBroker struct {
	t           *testing.T
	server      *Embedded
	url         string
	nc          *nats.Conn
	reconnected chan struct{}
}

func startForgetfulBroker(t *testing.T) *forgetfulBroker {
	t.Helper()
	b := &forgetfulBroker{t: t, server: startNATS(t), reconnected: make(chan struct{}, 1)}
	b.url = b.server.URL()
	b.nc = dialTest(t, b.url)
	b.nc.SetReconnectHandler(func(*nats.Conn) { b.reconnected <- struct{}{} })
	return b
}

// counter returns a Counter on the broker's connection.
func (b *forgetfulBroker) counter() *Counter {
	b.t.Helper()
	c, err := NewCounter(b.nc)
	if err != nil {
		b.t.Fatal(err)
	}
	return c
}

// restartEmpty stops the server, and its data with it, starts a new one on
// the same port and waits until the connection is back.
func (b *forgetfulBroker) restartEmpty(ctx context.Context) {
	b.t.Helper()
	port := b.server.Port()
	b.server.Close()
	b.server = startNATSAt(b.t, port)
	select {
	case <-b.reconnected:
	case <-ctx.Done():
		b.t.Fatal("no reconnect")
	}
}
