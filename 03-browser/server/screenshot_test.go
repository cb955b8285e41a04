package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png" // DecodeConfig reads the screenshots' sizes
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

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
	picture, err := sideBySide(b, shots...)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifactsDir(t), name)
	if err := os.WriteFile(path, picture, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// sideBySide puts PNG screenshots next to each other on a plain background,
// like windows on a desk, and returns the picture as a PNG. The browser draws
// and encodes it: Go's image/png would take many seconds for a picture this
// size under the race detector.
func sideBySide(b *headless.Browser, shots ...[]byte) ([]byte, error) {
	const gap = 48 // pixels around and between the screenshots
	var html strings.Builder
	fmt.Fprintf(&html, `<body style="margin:0;padding:%dpx;display:flex;gap:%dpx;align-items:flex-start;background:#c9d1db">`, gap, gap)
	html.WriteString(`<style>img { border-radius: 12px; box-shadow: 0 6px 24px rgb(0 0 0 / 0.18); }</style>`)
	width, height := gap, 0
	for i, shot := range shots {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(shot))
		if err != nil {
			return nil, fmt.Errorf("screenshot %d: %w", i+1, err)
		}
		width += cfg.Width + gap
		height = max(height, cfg.Height)
		fmt.Fprintf(&html, `<img width="%d" height="%d" src="data:image/png;base64,%s">`,
			cfg.Width, cfg.Height, base64.StdEncoding.EncodeToString(shot))
	}
	height += 2 * gap
	quoted, err := json.Marshal(html.String())
	if err != nil {
		return nil, err
	}

	desk, err := b.Tab()
	if err != nil {
		return nil, err
	}
	defer desk.Close()
	err = desk.Do(
		chromedp.EmulateViewport(int64(width), int64(height)),
		chromedp.Navigate("about:blank"),
		chromedp.Evaluate[chromedp.Void](`(async () => {
			document.body.outerHTML = `+string(quoted)+`;
			await Promise.all(Array.from(document.images, img => img.decode()));
		})()`, chromedp.EvalAwaitPromise),
	)
	if err != nil {
		return nil, fmt.Errorf("lay out the screenshots: %w", err)
	}
	return headless.Run(desk, chromedp.CaptureScreenshot())
}
