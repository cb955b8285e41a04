package headless

import (
	"os"
	"testing"
)

// Require returns the path of the browser for a test that needs one. On a
// machine without a browser the test is skipped, with the command that
// installs one. Under CI=true it fails instead: there the browser test is
// part of what must pass, and a silent skip would hide that it never ran.
func Require(t testing.TB) string {
	t.Helper()
	path, err := Find()
	if err == nil {
		return path
	}
	msg := "this test needs headless Chromium and none is installed; on Debian or Ubuntu: " + InstallHint
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, so the browser test may not be skipped: %s (%v)", msg, err)
	}
	t.Skip(msg)
	return ""
}
