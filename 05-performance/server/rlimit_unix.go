//go:build unix

package main

import "syscall"

// filesKept is how many open files the server keeps for itself (its
// listener, standard streams, the runtime's own) below the limit.
const filesKept = 64

// fileLimit raises the soft limit on open files to the hard limit, as the Go
// runtime already does at start, and returns it.
func fileLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
			_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
		}
	}
	return lim.Cur, true
}
