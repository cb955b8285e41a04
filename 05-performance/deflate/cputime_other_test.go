//go:build !linux

package deflate

import (
	"testing"
	"time"
)

// serverCPU needs Linux's per-thread CPU time; elsewhere the benchmarks
// report no CPU figure.
func serverCPU(tb testing.TB) (stop func() time.Duration) {
	return func() time.Duration { return 0 }
}
