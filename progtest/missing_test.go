package progtest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"example.com/wstutorial/progtest"
)

// TestMissing runs TestMissingChild in a child process: it must be skipped
// normally, and fail under CI=true, saying what is missing either way.
func TestMissing(t *testing.T) {
	if os.Getenv("PROGTEST_MISSING_CHILD") != "" {
		t.Skip("running as the child")
	}
	tests := []struct {
		ci       string
		wantFail bool
		want     string
	}{
		{"", false, "--- SKIP: TestMissingChild"},
		{"false", false, "--- SKIP: TestMissingChild"},
		{"true", true, "--- FAIL: TestMissingChild"},
	}
	for _, tt := range tests {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingChild$", "-test.v")
		cmd.Env = append(os.Environ(), "PROGTEST_MISSING_CHILD=1", "CI="+tt.ci)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tt.wantFail {
			t.Errorf("CI=%q: child failed = %v, want %v\n%s", tt.ci, failed, tt.wantFail, out)
		}
		if !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), "the frobnicator is not installed") {
			t.Errorf("CI=%q: child output lacks %q or what is missing:\n%s", tt.ci, tt.want, out)
		}
	}
}

// TestMissingChild only does something inside TestMissing.
func TestMissingChild(t *testing.T) {
	if os.Getenv("PROGTEST_MISSING_CHILD") == "" {
		t.Skip("only run by TestMissing")
	}
	progtest.Missing(t, "the frobnicator is not installed")
	t.Error("Missing returned")
}
