package main

import (
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/progtest"
)

// A client that never answers pings is disconnected once pongWait has
// passed; one that answers them stays, however long it is silent itself.
// The test shortens the keepalive's timings so that this takes a moment.
func TestKeepalive(t *testing.T) {
	defaultWait, defaultPeriod := pongWait, pingPeriod
	pongWait, pingPeriod = 500*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { pongWait, pingPeriod = defaultWait, defaultPeriod })
	logs, url := startServer(t)

	// gorilla answers a ping only while the connection is being read, so a
	// connection nobody reads never answers.
	progtest.Connect(t, url) // the silent client
	logs.WaitFor(`^Client disconnected: no answer to our pings for 500ms$`)

	// A client that reads answers every ping. It hears several, spanning
	// more than pongWait, and is still connected: it can still send.
	live := progtest.Connect(t, url)
	pings := make(chan struct{}, 100)
	live.SetPingHandler(func(data string) error {
		pings <- struct{}{}
		return live.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := live.ReadMessage(); err != nil {
				return
			}
		}
	}()
	for range 2 * pongWait / pingPeriod {
		select {
		case <-pings:
		case <-time.After(progtest.WaitLimit):
			t.Fatal("the server stopped pinging")
		}
	}
	if err := live.WriteMessage(websocket.TextMessage, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	logs.WaitFor(`^Server received: "still here"$`)
	if n := strings.Count(strings.Join(logs.Lines(), "\n"), "Client disconnected"); n != 1 {
		t.Errorf("%d clients disconnected, want 1 (the silent one)", n)
	}
}

// What a client sends is logged quoted on one line, so it cannot forge log
// lines, and cut short.
func TestReceivedTextIsQuoted(t *testing.T) {
	logs, url := startServer(t)
	conn := progtest.Connect(t, url)

	for _, text := range []string{"x\nClient disconnected\n\x1b[2J", strings.Repeat("y", 1000)} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	logs.WaitFor(`^Server received: "x\\nClient disconnected\\n\\x1b\[2J"$`)
	logs.WaitFor(`^Server received: "y{200}"$`)
}

// A close frame's reason is the client's text too: it is logged quoted.
func TestCloseReasonIsQuoted(t *testing.T) {
	logs, url := startServer(t)
	conn := progtest.Connect(t, url)

	reason := websocket.FormatCloseMessage(4000, "x\nShutting down\x1b[2J")
	if err := conn.WriteControl(websocket.CloseMessage, reason, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	logs.WaitFor(`^Client disconnected with close code 4000: "x\\nShutting down\\x1b\[2J"$`)
}

// startServer serves a server that logs to the returned log until the test
// ends, and returns its ws:// URL.
func startServer(t *testing.T) (*progtest.Log, string) {
	logs := progtest.NewLog(t)
	srv := httptest.NewServer(newServer(log.New(logs, "", 0)))
	t.Cleanup(srv.Close)
	return logs, "ws" + strings.TrimPrefix(srv.URL, "http")
}
