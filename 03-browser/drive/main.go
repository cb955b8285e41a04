// Command drive shows the lesson-3 page at work with nobody at the keyboard.
// It opens the page in headless Chromium, lets a Go client join the same
// room, and prints what the page shows while the two talk: the browser and
// the Go program speak the same protocol to the same server.
//
// Run it against a server that has just started and that nobody else is
// using, so the page is client 1 and the Go client is client 2:
//
//	go run ./03-browser/server &
//	go run ./03-browser/drive -url http://localhost:5407
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/03-browser/headless"
)

// reachTimeout bounds the first request to the server, which tells a server
// that is not running from a page that does not work.
const reachTimeout = 5 * time.Second

// deliveryTimeout is how long the Go client waits for a message the page has
// sent; generous, for a loaded machine.
const deliveryTimeout = 20 * time.Second

// pageMarks are what drive needs on the page, the message box and the log:
// a page without them is not the lesson-3 page.
var pageMarks = []string{`id="message"`, `id="log"`}

// errUsage means the command line was wrong; the flag package has said
// why, with the usage.
var errUsage = errors.New("usage")

func main() {
	switch err := run(os.Args[1:], os.Stdout, os.Stderr); {
	case err == nil:
	case errors.Is(err, flag.ErrHelp): // -h: the usage was asked for, and printed
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "drive:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("drive", flag.ContinueOnError)
	flags.SetOutput(stderr)
	pageURL := flags.String("url", "http://localhost:5407", "`URL` of the lesson-3 page")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed the error and the usage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "drive: unexpected argument %q; the page's address is given with -url\n", flags.Arg(0))
		flags.Usage()
		return errUsage
	}
	wsURL, err := socketURL(*pageURL)
	if err != nil {
		return err
	}
	if err := checkPage(*pageURL); err != nil {
		return err
	}
	browserPath, err := headless.Find()
	if err != nil {
		return err
	}
	out := log.New(stdout, "", 0)

	out.Print("Opening the page in headless Chromium")
	b, err := headless.Start(browserPath)
	if err != nil {
		return err
	}
	defer b.Close()
	p, err := b.Open(*pageURL)
	if err != nil {
		return err
	}
	page := &pageLog{page: p, out: out}
	if err := page.waitConnected(); err != nil {
		return err
	}
	if err := page.showNext(); err != nil { // "Connected to the room."
		return err
	}

	out.Print("Go client joins the room")
	gopher, err := dialRoom(wsURL) // the page prints; the Go client only waits
	if err != nil {
		return err
	}
	if err := page.showNext(); err != nil { // the Go client has connected
		return err
	}

	const fromPage = "Hello from the browser"
	out.Printf("Page sends %q", fromPage)
	if err := p.Send(fromPage); err != nil {
		return err
	}
	if err := page.showNext(); err != nil { // its own message
		return err
	}
	m, err := gopher.await(room.TypeBroadcast, deliveryTimeout)
	if err != nil {
		return fmt.Errorf("the Go client: %w", err)
	}
	out.Printf("Go client received %s message: %s", m.Type, m.Payload)

	const fromGo = "Hello from Go"
	out.Printf("Go client sends %q", fromGo)
	if err := gopher.send(fromGo); err != nil {
		return fmt.Errorf("the Go client: send: %w", err)
	}
	if err := page.showNext(); err != nil {
		return err
	}

	out.Print("Go client leaves the room")
	if err := gopher.close(); err != nil {
		return fmt.Errorf("the Go client: %w", err)
	}
	return page.showNext() // the Go client has disconnected
}

// socketURL turns the page's address into the room's: the same host, with
// ws: for http: (wss: for https:) and the path /ws.
func socketURL(pageURL string) (string, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return "", fmt.Errorf("bad -url: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("bad -url %q: want an http:// or https:// address", pageURL)
	}
	u.Path = "/ws"
	return u.String(), nil
}

// checkPage fetches the page before a browser starts, so that a server that
// is not running, or one that is not lesson 3's, gets a clear message rather
// than a browser timeout.
func checkPage(pageURL string) error {
	client := http.Client{Timeout: reachTimeout}
	resp, err := client.Get(pageURL)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return fmt.Errorf("cannot reach the server at %s (is it running?): %w", pageURL, err)
	}
	defer resp.Body.Close()
	notLesson3 := "it is not the lesson-3 server (start one with go run ./03-browser/server)"
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", pageURL, resp.Status, notLesson3)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading %s: %w", pageURL, err)
	}
	for _, mark := range pageMarks {
		if !strings.Contains(string(body), mark) {
			return fmt.Errorf("%s serves a page without the room's message box and log: %s", pageURL, notLesson3)
		}
	}
	return nil
}

// pageLog prints the page's log entries one by one, as they appear.
type pageLog struct {
	page  *headless.Page
	out   *log.Logger
	shown int // entries printed so far
}

func (l *pageLog) waitConnected() error {
	if err := l.page.WaitStatus("open", ""); err != nil {
		return fmt.Errorf("the page did not connect: %w", err)
	}
	s, err := l.page.Status()
	if err != nil {
		return err
	}
	l.out.Printf("Page status: %s", s.Text)
	return nil
}

// showNext waits for the next entry in the page's log and prints it.
func (l *pageLog) showNext() error {
	all, err := l.page.WaitEntries(l.shown + 1)
	if err != nil {
		return err
	}
	e := all[l.shown]
	l.shown++
	switch e.Type {
	case "notice":
		l.out.Printf("Page notes: %s", e.Text)
	case "mine":
		l.out.Printf("Page shows its own message: %s", e.Text)
	default:
		l.out.Printf("Page received %s message: %s", e.Type, strings.TrimSpace(e.Text))
	}
	return nil
}
