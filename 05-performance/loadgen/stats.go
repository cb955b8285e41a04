package main

import (
	"math"
	"slices"
	"time"
)

// latencies collects one sample per delivery, in whole microseconds: loopback
// latencies are tens of microseconds at least, and 32 bits hold over an hour.
// Each receiver fills its own, so recording needs no lock; merge joins them
// at the end.
type latencies []uint32

func (l *latencies) add(d time.Duration) {
	us := d / time.Microsecond
	switch {
	case us < 0:
		us = 0
	case us > math.MaxUint32:
		us = math.MaxUint32
	}
	*l = append(*l, uint32(us))
}

// summary is what the report shows of a set of samples.
type summary struct {
	count    int
	p50, p99 time.Duration
	max      time.Duration
}

// summarize sorts all samples and reads off the percentiles.
func summarize(parts ...latencies) summary {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	all := make([]uint32, 0, n)
	for _, p := range parts {
		all = append(all, p...)
	}
	slices.Sort(all)
	us := func(v uint32) time.Duration { return time.Duration(v) * time.Microsecond }
	s := summary{count: n}
	if n > 0 {
		s.p50 = us(percentile(all, 50))
		s.p99 = us(percentile(all, 99))
		s.max = us(all[n-1])
	}
	return s
}

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted samples by
// the nearest-rank method: the smallest sample that at least p percent of
// the samples do not exceed. Unlike interpolating methods, the answer is
// always a latency that was actually measured.
func percentile(sorted []uint32, p float64) uint32 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}
