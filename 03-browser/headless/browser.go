// Package headless drives the lesson-3 page in headless Chromium, for the
// browser tests and for the drive program. It finds an installed browser,
// starts it with flags that keep it quiet and self-contained, and knows the
// few things about the page that a script needs: the status pill, the log of
// messages, and the message box.
package headless

import (
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// installHint is the command that installs a suitable browser on Debian and
// Ubuntu, for messages that say one is missing.
const installHint = "apt-get install -y chromium"

// ErrNoBrowser means no Chromium or Chrome is installed.
var ErrNoBrowser = errors.New("no Chromium or Chrome found")

// candidates are the browsers Find looks for, on the PATH or at these paths.
var candidates = []string{
	"chromium",
	"chromium-browser",
	"google-chrome",
	"google-chrome-stable",
	"chrome",
	"headless-shell",
	"/Applications/Chromium.app/Contents/MacOS/Chromium",
	"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
}

// Find returns the path of an installed Chromium or Chrome.
func Find() (string, error) {
	for _, name := range candidates {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("%w (install one, e.g. %s)", ErrNoBrowser, installHint)
}

// Browser is one running headless Chromium.
type Browser struct {
	ctx    context.Context // the browser's first tab; its end stops the browser
	cancel context.CancelFunc
}

// Start starts the browser at execPath. Close it when done.
//
// A browser that fails to start is tried once more: on a machine under
// heavy load Chromium's launcher now and then dies before it is up, which
// says nothing about the page under test.
func Start(execPath string) (*Browser, error) {
	b, err := start(execPath)
	if err != nil {
		b, err = start(execPath)
	}
	return b, err
}

func start(execPath string) (*Browser, error) {
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		// Chromium refuses to run sandboxed as root, which is how containers
		// and CI runners usually run.
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		// No network traffic of the browser's own: no QUIC probes, updates,
		// sync or background requests, only what the page asks for.
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Containers often have a tiny /dev/shm; Chromium crashes when it
		// fills up.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true), // cleaner screenshots
		// Keep desktop keyrings out of it when run on a developer's machine.
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		// No UserDataDir option: chromedp then gives each browser a fresh,
		// temporary --user-data-dir and deletes it afterwards, so no cookie,
		// cache or stored page survives from one run to the next.
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: ctx, cancel: func() { cancel(); cancelAlloc() }}
	// The first Do starts the browser process; it lives as long as ctx.
	if err := chromedp.Do(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("start %s: %w", execPath, err)
	}
	return b, nil
}

// Close stops the browser, closing all its pages, and waits until it has
// exited.
func (b *Browser) Close() {
	b.cancel()
}
