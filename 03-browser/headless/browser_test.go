package headless

import (
	"errors"
	"strings"
	"testing"
)

// Without a browser, Find says so and how to install one.
func TestFindWithoutBrowser(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	path, err := Find()
	if err == nil {
		t.Skipf("a browser is installed at %s, which cannot be hidden", path)
	}
	if !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), installHint) {
		t.Errorf("Find() error = %v, want ErrNoBrowser naming %q", err, installHint)
	}
}
