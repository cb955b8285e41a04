package site_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browserWait bounds each step in the browser: generous, for a loaded
// two-core machine.
const browserWait = 30 * time.Second

// browsers are the names Chromium goes by, on Linux and macOS.
var browsers = []string{
	"chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
	"/Applications/Chromium.app/Contents/MacOS/Chromium",
	"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
}

// requireBrowser returns the path of Chromium or Chrome, or skips the test
// where there is none, except under CI=true, where it must run (as lesson 3's
// browser tests).
func requireBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range browsers {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "this test needs headless Chromium and none is installed; on Debian or Ubuntu: apt-get install -y chromium"
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, so the browser test may not be skipped: %s", msg)
	}
	t.Skip(msg)
	return ""
}

// startBrowser starts headless Chromium that trusts the test server's
// certificate (and no other untrusted one), and returns its first tab.
func startBrowser(t *testing.T, ts *testServer) context.Context {
	t.Helper()
	execPath := requireBrowser(t)
	spki := sha256.Sum256(ts.http.Certificate().RawSubjectPublicKeyInfo)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // Chromium refuses to run sandboxed as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		// Trust the test certificate, pinned by its public key: the page
		// then counts as a secure one, where Secure cookies are kept.
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, for as long as ctx lives
		t.Fatalf("start %s: %v", execPath, err)
	}
	return ctx
}

// do runs steps in the tab with a deadline.
func do(t *testing.T, tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitFor waits until the JavaScript expression js is true in the tab,
// checking whenever the page changes.
func waitFor(t *testing.T, tab context.Context, what, js string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserWait+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.PollFunction[bool]("() => "+js,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(browserWait)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// A reader signs in on the page, gets a session cookie that scripts cannot
// read, and talks over wss:// with a program in the room.
func TestBrowserSignsInAndChats(t *testing.T) {
	ts := startTLS(t, testLimits)
	tab := startBrowser(t, ts)

	// The room sends a reader without a session to the sign-in page.
	do(t, tab, "open the room",
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("name")),
	)
	do(t, tab, "sign in",
		chromedp.SendKeys(chromedp.ID("name"), "Ada"),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("message")),
	)
	waitFor(t, tab, "the page to connect", `document.getElementById("status").dataset.state === "open"`)
	ts.Log.WaitFor(`^Ada connected from 127\.0\.0\.1$`)

	// The session is in a cookie that the page's scripts cannot see.
	if cookie, err := chromedp.Run(tab, chromedp.Evaluate[string]("document.cookie")); err != nil || cookie != "" {
		t.Errorf("document.cookie = %q, %v; want the session hidden from scripts", cookie, err)
	}
	cookies, err := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies.Cookies) != 1 {
		t.Fatalf("the browser keeps %d cookies, want the session alone", len(cookies.Cookies))
	}
	if c := cookies.Cookies[0]; c.Name != "__Host-session" || !c.HTTPOnly || !c.Secure || c.SameSite != network.CookieSameSiteLax {
		t.Errorf("session cookie %s: HttpOnly %v, Secure %v, SameSite %q; want all three, Lax", c.Name, c.HTTPOnly, c.Secure, c.SameSite)
	}

	bob := ts.join(t, "bob")
	waitFor(t, tab, "bob's arrival", `[...document.querySelectorAll("#log li")].some(li => li.textContent === "bob connected")`)
	do(t, tab, "send a message", chromedp.SendKeys(chromedp.ID("message"), "Hello from the page"+kb.Enter))
	bob.Expect(broadcast("Hello from the page"))
	bob.Send(broadcast("Hi Ada"))
	waitFor(t, tab, "bob's message", `[...document.querySelectorAll("#log li")].some(li => li.textContent === "Hi Ada")`)
}
