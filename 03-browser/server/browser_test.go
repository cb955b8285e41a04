package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/03-browser/headless"
	"example.com/wstutorial/progtest"
)

// serverTimeout bounds waiting for the server's log lines and its exit.
const serverTimeout = 20 * time.Second

// TestTwoPagesInABrowser is the lesson as a reader tries it: the page open
// in two tabs of a real browser, talking through the room. Then one tab is
// closed, and the server restarts under the other.
func TestTwoPagesInABrowser(t *testing.T) {
	browserPath := requireBrowser(t)
	bin := progtest.Build(t, "../server")
	srv := progtest.Start(t, bin, "-addr", "127.0.0.1:0")
	addr := srv.Addr()
	url := "http://" + addr + "/"

	b, err := headless.Start(browserPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)

	// Page 1 joins first, so it is client 1; page 2 is client 2.
	one := openTab(t, b, "page 1", url)
	one.waitStatus("open", "Connected")
	srv.WaitFor(`^Client 1 connected$`, serverTimeout)
	two := openTab(t, b, "page 2", url)
	two.waitStatus("open", "Connected")
	one.waitEntry("client:connected", "Client 2 connected")

	// Page 2 says Hello (pressing Enter); page 1 hears it.
	two.send("Hello")
	two.waitEntry("mine", "Hello")
	one.waitEntry("broadcast", "Hello")
	srv.WaitFor(`^Client 2 broadcast: "?Hello"?$`, serverTimeout) // the room's log quotes what a client sent

	// Page 1 answers (clicking Send); page 2 hears it.
	const reply = "Hi! Both tabs are in the same room."
	one.sendWithButton(reply)
	two.waitEntry("broadcast", reply)
	one.waitEntry("mine", reply)

	// A Go program joins the same room, says something and leaves: the
	// browser and the Go client speak the same protocol.
	gopher := progtest.MustDial[room.Message](t, "Go client", "ws://"+addr+"/ws")
	one.waitEntry("client:connected", "Client 3 connected")
	two.waitEntry("client:connected", "Client 3 connected")
	const fromGo = "Hello from a Go program, too."
	gopher.Send(room.Message{Type: room.TypeBroadcast, Payload: fromGo})
	one.waitEntry("broadcast", fromGo)
	two.waitEntry("broadcast", fromGo)
	gopher.Close() // a proper goodbye (1000), answered in kind
	one.waitEntry("client:disconnected", "Client 3 disconnected")
	two.waitEntry("client:disconnected", "Client 3 disconnected")
	saveScreenshot(t, b, "03-browser-two-pages.png", one, two)

	// Text from other people is shown as text, never run as HTML.
	const markup = `<img src=x onerror="document.title='hacked'"><b>not bold</b>`
	two.send(markup)
	one.waitEntry("broadcast", markup)

	// Closing page 1 is a disconnect the room tells page 2 about.
	one.Close()
	two.waitEntry("client:disconnected", "Client 1 disconnected")

	// The server stops (Ctrl-C): page 2 notices and counts down to its
	// next attempt, again and again while the server is away.
	srv.Signal(os.Interrupt)
	if code := srv.Wait(serverTimeout); code != 0 {
		t.Fatalf("server exited with %d after Ctrl-C, want 0", code)
	}
	two.waitEntry("notice", "Connection lost (server shutting down, code 1001)")
	two.waitStatus("waiting", "Reconnecting in")

	// A new server on the same address: page 2 comes back by itself.
	srv = progtest.Start(t, bin, "-addr", addr)
	srv.Addr()
	two.waitEntry("notice", "Reconnected to the room.")
	two.waitStatus("open", "Connected")
	srv.WaitFor(`^Client 1 connected$`, serverTimeout)
	saveScreenshot(t, b, "03-browser-reconnected.png", two)
}

// requireBrowser returns the path of the browser the test needs; without one
// the test is skipped (and fails under CI=true), saying how to install one.
func requireBrowser(t *testing.T) string {
	t.Helper()
	path, err := headless.Find()
	if err != nil {
		progtest.Missing(t, "this test needs headless Chromium: "+err.Error())
	}
	return path
}

// tab is a page in the browser test: every wait fails the test, naming the
// page, when it does not happen in time.
type tab struct {
	*headless.Page
	t    *testing.T
	name string
}

func openTab(t *testing.T, b *headless.Browser, name, url string) tab {
	t.Helper()
	p, err := b.Open(url)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(p.Close)
	return tab{Page: p, t: t, name: name}
}

func (tb tab) check(err error) {
	tb.t.Helper()
	if err != nil {
		tb.t.Fatalf("%s: %v", tb.name, err)
	}
}

func (tb tab) waitStatus(state, text string) { tb.t.Helper(); tb.check(tb.WaitStatus(state, text)) }

// waitEntry waits until the page's log shows an entry of type typ whose text
// contains text: each time the log grows, it looks at the entries again.
func (tb tab) waitEntry(typ, text string) {
	tb.t.Helper()
	for n := 1; ; {
		all, err := tb.WaitEntries(n)
		tb.check(err)
		for _, e := range all {
			if e.Type == typ && strings.Contains(e.Text, text) {
				return
			}
		}
		n = len(all) + 1
	}
}

func (tb tab) send(text string) { tb.t.Helper(); tb.check(tb.Send(text)) }

// sendWithButton types text into the message box and clicks Send.
func (tb tab) sendWithButton(text string) {
	tb.t.Helper()
	tb.check(tb.Do(chromedp.SendKeys(chromedp.ID("message"), text), chromedp.Click(chromedp.ID("send"))))
}

// screenshot returns a PNG of what the tab shows.
func (tb tab) screenshot() []byte {
	tb.t.Helper()
	shot, err := headless.Run(tb.Page, chromedp.CaptureScreenshot())
	tb.check(err)
	return shot
}
