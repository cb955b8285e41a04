package deflate

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// rusageThread asks getrusage for the calling thread's time (RUSAGE_THREAD,
// Linux only); the syscall package has no name for it.
const rusageThread = 1

// serverCPU measures the CPU time of the calling goroutine alone: it pins
// the goroutine to its thread, so the thread's time is the goroutine's, and
// the client's work in other goroutines does not count. It returns a
// function that reports the time spent since, and unpins.
//
// The time includes the system calls: on loopback, the kernel does the TCP
// work of both ends inside the writer's write.
func serverCPU(tb testing.TB) (stop func() time.Duration) {
	runtime.LockOSThread()
	start := threadTime(tb)
	return func() time.Duration {
		defer runtime.UnlockOSThread()
		return threadTime(tb) - start
	}
}

func threadTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
