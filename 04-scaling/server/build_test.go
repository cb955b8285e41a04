package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"example.com/wstutorial/progtest"
)

// The programs are built once for all the tests of this package: linking a
// binary built with -race takes a second or two, and nearly every test runs
// one.
var (
	binMu  sync.Mutex
	binDir string                // made by TestMain, removed after the tests
	bins   = map[string]string{} // package → binary
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wstutorial-04-scaling-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build returns the binary of pkg, building it the first time.
func build(t *testing.T, pkg string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if bin, ok := bins[pkg]; ok {
		return bin
	}
	// progtest builds into the test's own directory, which goes with the
	// test: keep the binary in ours.
	bin := filepath.Join(binDir, filepath.Base(pkg))
	if err := os.Rename(progtest.Build(t, pkg), bin); err != nil {
		t.Fatal(err)
	}
	bins[pkg] = bin
	return bin
}
