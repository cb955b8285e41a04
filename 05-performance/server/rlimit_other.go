//go:build !unix

package main

const filesKept = 0

// fileLimit knows of no limit on open files outside Unix.
func fileLimit() (uint64, bool) { return 0, false }
