package main

import (
	"fmt"
	"strings"
	"testing"

	"example.com/wstutorial/03-browser/headless"
	"example.com/wstutorial/07-rooms/rooms"
	"example.com/wstutorial/progtest"
	"github.com/chromedp/chromedp"
)

// The page, in a real headless Chromium, joins the room in its address,
// hears that room only, and when its connection is closed under it,
// reconnects with since and shows every message once, in order.
func TestPageResumesInItsRoom(t *testing.T) {
	execPath, err := headless.Find()
	if err != nil {
		progtest.Missing(t, err.Error())
	}
	bin := progtest.Build(t, "example.com/wstutorial/07-rooms/server")
	_, addr := start(t, bin, "-embed", "127.0.0.1:0", "-state", t.TempDir())
	browser, err := headless.Start(execPath)
	if err != nil {
		t.Fatal(err)
	}
	defer browser.Close()
	page, err := browser.Open("http://" + addr + "/#kitchen")
	if err != nil {
		t.Fatal(err)
	}
	defer page.Close()
	waitEntry(t, page, "in room kitchen.") // the page is a member

	cook := member(t, addr, "cook", "kitchen")
	stranger := member(t, addr, "stranger", "lobby")
	stranger.Send(map[string]string{"type": "broadcast", "payload": "not for the kitchen"})
	cook.Send(map[string]string{"type": "broadcast", "payload": "one"})
	waitEntry(t, page, "one")

	// Close the page's connection under it, as a dropped network would, and
	// speak while it is away: it comes back and gets what it missed.
	if _, err := headless.Run(page, chromedp.Evaluate[bool](`socket.close(4000, "test"), true`)); err != nil {
		t.Fatal(err)
	}
	cook.Send(map[string]string{"type": "broadcast", "payload": "two"})
	waitEntry(t, page, "Reconnected to room kitchen.")
	cook.Send(map[string]string{"type": "broadcast", "payload": "three"})
	entries := waitEntry(t, page, "three")

	var heard []string
	for _, e := range entries {
		if e.Type == "broadcast" {
			heard = append(heard, e.Text)
		}
	}
	if fmt.Sprint(heard) != "[one two three]" {
		t.Fatalf("the page showed the broadcasts %q, want one, two, three, once each", heard)
	}
}

// member joins room as a Go client and waits until it is a member.
func member(t *testing.T, addr, name, room string) *progtest.Recorder[rooms.Event] {
	t.Helper()
	r := progtest.MustDial[rooms.Event](t, name, "ws://"+addr+"/rooms/"+room)
	for r.Next().Type != rooms.TypeJoined {
	}
	return r
}

// waitEntry waits until the page's log has an entry whose text contains
// text, and returns the whole log.
func waitEntry(t *testing.T, page *headless.Page, text string) []headless.Entry {
	t.Helper()
	for n := 1; ; n++ {
		entries, err := page.WaitEntries(n)
		if err != nil {
			t.Fatalf("%v (waiting for %q)", err, text)
		}
		for _, e := range entries {
			if strings.Contains(e.Text, text) {
				return entries
			}
		}
		n = len(entries)
	}
}
