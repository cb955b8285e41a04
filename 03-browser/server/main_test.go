package main

import (
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/progtest"
)

// TestCommandLine: -h is not an error, and a mistake on the command line is
// reported once, with the usage, and exit status 2. A taken port is a
// failure a reader can cause: one line, exit 1.
func TestCommandLine(t *testing.T) {
	bin := progtest.Build(t, "../server")
	taken := progtest.Start(t, bin, "-addr", "127.0.0.1:0")
	takenAddr := taken.Addr()

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // what the first line of stderr starts with
	}{
		{"help", []string{"-h"}, 0, "Usage of server:"},
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{"stray argument", []string{"5407"}, 2, `server: unexpected argument "5407"`},
		{"port taken", []string{"-addr", takenAddr}, 1, "server: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := progtest.Run(t, 30*time.Second, bin, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if len(stderr) == 0 || !strings.HasPrefix(stderr[0], tt.stderr) {
				t.Fatalf("stderr = %q, want it to start with %q", stderr, tt.stderr)
			}
			if n := strings.Count(strings.Join(stderr, "\n"), stderr[0]); n != 1 {
				t.Errorf("the first line is said %d times:\n%s", n, strings.Join(stderr, "\n"))
			}
			if tt.code == 1 && len(stderr) != 1 {
				t.Errorf("a failure should be one line, got:\n%s", strings.Join(stderr, "\n"))
			}
		})
	}
}
