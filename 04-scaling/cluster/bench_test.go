package cluster

import (
	"context"
	"sync/atomic"
	"testing"
)

// BenchmarkCounterNext measures how fast the cluster can hand out ids: every
// join anywhere in the cluster goes through this one key.
//
//	go test -run NONE -bench CounterNext ./04-scaling/cluster
func BenchmarkCounterNext(b *testing.B) {
	e, err := StartEmbedded("127.0.0.1", 0, "", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	b.Run("one instance", func(b *testing.B) { benchmarkNext(b, e, 1) })
	b.Run("three instances", func(b *testing.B) { benchmarkNext(b, e, 3) })
}

func benchmarkNext(b *testing.B, e *Embedded, instances int) {
	counters := make([]*Counter, instances)
	for i := range counters {
		nc, err := connect(e.URL(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer nc.Close()
		if counters[i], err = NewCounter(nc); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := counters[0].Restore(context.Background(), true); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		c := counters[int(next.Add(1))%instances] // goroutines spread over the instances
		for pb.Next() {
			if _, err := c.Next(context.Background()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
