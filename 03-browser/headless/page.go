package headless

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// WaitTimeout bounds every wait for the page. It is generous: on a loaded
// two-core CI machine a browser can take seconds to do what usually takes
// milliseconds, and a wait that is too short only makes a test flaky.
const WaitTimeout = 30 * time.Second

// The window size of every page: phone-sized, so the screenshots show the
// small-screen layout, and two of them side by side fit on one screen. The
// pixel ratio of 2 makes the screenshots as sharp as a phone's screen.
const (
	viewportWidth  = 400
	viewportHeight = 680
	pixelRatio     = 2
)

// Page is one browser tab showing the lesson's page.
type Page struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// Entry is one line of the page's message log.
type Entry struct {
	// Type is the message type from the server (client:connected,
	// broadcast, client:disconnected), "mine" for a message this page sent,
	// or "notice" for something the page says itself.
	Type string `json:"type"`
	Text string `json:"text"`
}

// Status is what the page's status pill shows.
type Status struct {
	State string `json:"state"` // connecting, open or waiting
	Text  string `json:"text"`  // e.g. "Reconnecting in 2s…"
}

// Tab opens a new, blank tab, in a window of its own.
func (b *Browser) Tab() (*Page, error) {
	ctx, cancel := chromedp.NewContext(b.ctx)
	p := &Page{ctx: ctx, cancel: cancel}
	// The first Do creates the tab and ties it to ctx, so it runs without a
	// deadline; the steps after it have one.
	if err := chromedp.Do(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("open a tab: %w", err)
	}
	return p, nil
}

// Open opens url in a new tab and waits until the page has loaded.
func (b *Browser) Open(url string) (*Page, error) {
	p, err := b.Tab()
	if err != nil {
		return nil, err
	}
	err = p.Do(
		chromedp.EmulateViewport(viewportWidth, viewportHeight, chromedp.EmulateScale(pixelRatio)),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.ID("message")),
	)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	return p, nil
}

// Close closes the tab. Chromium then closes the page's WebSocket, as it
// would if a reader closed the tab.
func (p *Page) Close() {
	p.cancel()
}

// Do runs chromedp steps in the tab, with the usual deadline.
func (p *Page) Do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, WaitTimeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Run runs one chromedp action that returns a result (a screenshot, a
// value computed by JavaScript) in the tab, with the usual deadline.
func Run[T any](p *Page, action chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, WaitTimeout)
	defer cancel()
	return chromedp.Run(ctx, action)
}

// Send types text into the message box and presses Enter, as a reader would.
func (p *Page) Send(text string) error {
	if err := p.Do(chromedp.SendKeys(chromedp.ID("message"), text+kb.Enter)); err != nil {
		return fmt.Errorf("send %q: %w", text, err)
	}
	return nil
}

// The page's state, read by small JavaScript functions. They only read the
// DOM, which is what a reader sees: the status pill and the log.
const (
	entriesJS = `() => Array.from(document.querySelectorAll('#log > li'),
		li => ({type: li.dataset.type, text: li.querySelector('.text').textContent}))`
	statusJS = `() => ({state: document.getElementById('status').dataset.state,
		text: document.getElementById('status').textContent})`
)

// WaitEntries waits until the log has at least n entries and returns them
// all.
func (p *Page) WaitEntries(n int) ([]Entry, error) {
	all, err := poll[[]Entry](p, `(n = 0) => { const all = (`+entriesJS+`)(); return all.length >= n && all; }`, n)
	if err != nil {
		return nil, fmt.Errorf("waiting for %d log entries: %w", n, err)
	}
	return all, nil
}

// WaitStatus waits until the status pill is in state and its text contains
// text.
func (p *Page) WaitStatus(state, text string) error {
	_, err := poll[Status](p, `(state, text = '') => { const s = (`+statusJS+`)(); return s.state === state && s.text.includes(text) && s; }`, state, text)
	if err != nil {
		return fmt.Errorf("waiting for status %s with %q: %w", state, text, err)
	}
	return nil
}

// Status returns what the status pill shows now.
func (p *Page) Status() (Status, error) {
	return Run(p, chromedp.Evaluate[Status]("("+statusJS+")()"))
}

// poll calls the JavaScript function fn with args whenever the page's DOM
// changes, until it returns a truthy value, and decodes that value. Watching
// for changes instead of sleeping returns as soon as the page has updated.
// An argument that is a zero value ("" or 0) arrives in fn as undefined,
// which is why the functions above give their parameters defaults.
func poll[T any](p *Page, fn string, args ...any) (T, error) {
	ctx, cancel := context.WithTimeout(p.ctx, WaitTimeout+5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.PollFunction[T](fn,
		chromedp.WithPollingMutation(),
		chromedp.WithPollingArgs(args...),
		chromedp.WithPollingTimeout(WaitTimeout),
	))
}
