package headless

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png" // DecodeConfig reads the screenshots' sizes
	"strings"

	"github.com/chromedp/chromedp"
)

// SideBySide puts PNG screenshots next to each other on a plain background,
// like windows on a desk, and returns the picture as a PNG. The browser draws
// and encodes it: Go's image/png would take many seconds for a picture this
// size under the race detector.
func (b *Browser) SideBySide(shots ...[]byte) ([]byte, error) {
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

	tab, closeTab := chromedp.NewContext(b.ctx)
	defer closeTab()
	if err := chromedp.Do(tab); err != nil {
		return nil, fmt.Errorf("open a tab: %w", err)
	}
	ctx, cancel := context.WithTimeout(tab, WaitTimeout)
	defer cancel()
	err = chromedp.Do(ctx,
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
	return chromedp.Run(ctx, chromedp.CaptureScreenshot())
}
