//go:build !unix

package main

// raiseFileLimit has nothing to do where there is no RLIMIT_NOFILE.
func raiseFileLimit(uint64) error { return nil }
