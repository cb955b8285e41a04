package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ten := []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	hundred := make([]uint32, 100)
	for i := range hundred {
		hundred[i] = uint32(i + 1)
	}
	tests := []struct {
		name   string
		sorted []uint32
		p      float64
		want   uint32
	}{
		{"empty", nil, 50, 0},
		{"one sample", []uint32{7}, 99, 7},
		{"median of ten", ten, 50, 5},
		{"p99 of ten is the largest", ten, 99, 10},
		{"p100", ten, 100, 10},
		{"tiny p is the smallest", ten, 0.1, 1},
		{"p50 of a hundred", hundred, 50, 50},
		{"p99 of a hundred", hundred, 99, 99},
		{"p99.5 of a hundred", hundred, 99.5, 100},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: percentile(%v) = %d, want %d", tt.name, tt.p, got, tt.want)
		}
	}
}

func TestSummarizeMergesReceivers(t *testing.T) {
	var a, b latencies
	for i := 1; i <= 50; i++ {
		a.add(time.Duration(2*i) * time.Microsecond)   // even microseconds
		b.add(time.Duration(2*i-1) * time.Microsecond) // odd ones
	}
	b.add(-time.Second) // clock oddities are clamped, not wrapped around
	s := summarize(a, b)
	if s.count != 101 || s.p50 != 50*time.Microsecond || s.p99 != 99*time.Microsecond || s.max != 100*time.Microsecond {
		t.Errorf("summarize = %+v, want 101 samples, p50 50µs, p99 99µs, max 100µs", s)
	}
}
