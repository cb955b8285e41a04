package progtest

import (
	"os"
	"testing"
)

// Missing ends a test that needs something this machine lacks (a browser,
// Node.js): what says what is missing and how to install it. The test is
// skipped, except under CI=true, where it fails: there every check must run,
// and a skip would hide one that never did.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, so this test may not be skipped: %s", what)
	}
	t.Skip(what)
}
