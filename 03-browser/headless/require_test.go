package headless

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// hideBrowsers makes Find come up empty, unless a browser is installed at
// one of the absolute paths it tries (macOS), in which case the test is
// skipped.
func hideBrowsers(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if path, err := Find(); err == nil {
		t.Skipf("a browser is installed at %s, which cannot be hidden", path)
	}
}

func TestFindWithoutBrowser(t *testing.T) {
	hideBrowsers(t)
	_, err := Find()
	if !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), InstallHint) {
		t.Errorf("Find() error = %v, want ErrNoBrowser naming %q", err, InstallHint)
	}
}

// TestRequireWithoutBrowser runs TestRequireChild in a child process with no
// browser on the PATH: it must skip normally and fail under CI=true.
func TestRequireWithoutBrowser(t *testing.T) {
	if os.Getenv("HEADLESS_REQUIRE_CHILD") != "" {
		t.Skip("running as the child")
	}
	hideBrowsers(t)
	tests := []struct {
		ci       string
		wantFail bool
		want     string
	}{
		{"", false, "--- SKIP: TestRequireChild"},
		{"false", false, "--- SKIP: TestRequireChild"},
		{"true", true, "--- FAIL: TestRequireChild"},
	}
	for _, tt := range tests {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRequireChild$", "-test.v")
		cmd.Env = append(os.Environ(), "HEADLESS_REQUIRE_CHILD=1", "CI="+tt.ci)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tt.wantFail {
			t.Errorf("CI=%q: child failed = %v, want %v\n%s", tt.ci, failed, tt.wantFail, out)
		}
		if !strings.Contains(string(out), tt.want) || !strings.Contains(string(out), InstallHint) {
			t.Errorf("CI=%q: child output lacks %q or the install command:\n%s", tt.ci, tt.want, out)
		}
	}
}

// TestRequireChild only does something inside TestRequireWithoutBrowser.
func TestRequireChild(t *testing.T) {
	if os.Getenv("HEADLESS_REQUIRE_CHILD") == "" {
		t.Skip("only run by TestRequireWithoutBrowser")
	}
	Require(t)
	t.Error("Require returned without a browser")
}
