package main

import (
	"os"
	"path/filepath"
	"testing"

	"example.com/wstutorial/03-browser/headless"
)

// artifactsDir is where the browser test saves its screenshots:
// $ARTIFACTS_DIR if set (CI keeps that directory), else a temporary
// directory that is removed after the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// saveScreenshot writes the pages' screenshots, side by side, to name in the
// artifacts directory.
func saveScreenshot(t *testing.T, b *headless.Browser, name string, pages ...tab) {
	t.Helper()
	shots := make([][]byte, len(pages))
	for i, p := range pages {
		shots[i] = p.screenshot()
	}
	picture, err := b.SideBySide(shots...)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifactsDir(t), name)
	if err := os.WriteFile(path, picture, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
