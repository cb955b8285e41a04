package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/progtest"
)

// runTimeout bounds one run of the client. With -step 50ms a run takes a
// fraction of a second; the rest is slack for a loaded machine and -race.
const runTimeout = 30 * time.Second

// defaultAddr is where the server listens without -addr, as the golden
// transcript shows; a test server's free port is rewritten to it.
const defaultAddr = "127.0.0.1:5406"

// The staged script, run against the real server, prints exactly the
// notebook's transcript, and the server prints its own golden transcript.
// Several runs, each against a fresh server, catch steps that are ordered by
// luck rather than by waiting for what they depend on.
func TestStagedScript(t *testing.T) {
	const runs = 5
	server := progtest.Build(t, "../server")
	client := progtest.Build(t, "../client")

	for run := 1; run <= runs && !t.Failed(); run++ {
		srv := progtest.Start(t, server, "-addr", "127.0.0.1:0")
		addr := srv.Addr()

		code, stdout, stderr := progtest.Run(t, runTimeout, client, "-url", "ws://"+addr, "-step", "50ms")
		if code != 0 || len(stderr) > 0 {
			t.Fatalf("run %d: client exited with %d, stderr:\n%s", run, code, strings.Join(stderr, "\n"))
		}
		progtest.Compare(t, "../testdata/client.txt", stdout)

		// The server logs the last goodbye after the client may have exited.
		srv.WaitFor("^Client 2 disconnected", runTimeout)
		srv.Signal(os.Interrupt)
		if code := srv.Wait(runTimeout); code != 0 {
			t.Fatalf("run %d: server exited with %d after Ctrl-C", run, code)
		}
		progtest.Compare(t, "../testdata/server.txt", progtest.Replace(srv.Stdout(), addr, defaultAddr))
	}
}

// When the script cannot run to the end, the client fails at once with one
// line on stderr that names the client that failed.
func TestClientErrors(t *testing.T) {
	client := progtest.Build(t, "../client")
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var upgrader websocket.Upgrader
		if conn, err := upgrader.Upgrade(w, req, nil); err == nil {
			bye := websocket.FormatCloseMessage(websocket.CloseGoingAway, "")
			_ = conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second))
			conn.Close()
		}
	}))
	defer hangUp.Close()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintln(w, "<!doctype html><title>lesson 3</title>")
	}))
	defer page.Close()
	pageURL := "ws" + strings.TrimPrefix(page.URL, "http")

	tests := []struct {
		name string
		url  string
		want string // a regular expression for the one line on stderr
	}{
		{"no server", "ws://" + progtest.FreeAddr(t), `^client: Client 1: cannot connect to ws://\S+: .*connection refused$`},
		{"not a WebSocket URL", "http://localhost:5406", `^client: Client 1: cannot connect to http://localhost:5406: .*malformed ws or wss URL$`},
		{"not a URL", "::", `^client: Client 1: cannot connect to ::: `},
		{"a web page", pageURL, `^client: Client 1: cannot connect to ` + regexp.QuoteMeta(pageURL) + `: websocket: bad handshake \(HTTP 200 OK\): that is a web page; lesson 3 serves its WebSocket at /ws$`},
		{"server shuts down", "ws" + strings.TrimPrefix(hangUp.URL, "http"), `^client: Client [12]: the server shut down \(websocket: close 1001 \(going away\)\)$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A few seconds at most: Run fails the test past that.
			code, stdout, stderr := progtest.Run(t, 5*time.Second, client, "-url", tt.url, "-step", "10ms")
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if len(stderr) != 1 || !regexp.MustCompile(tt.want).MatchString(stderr[0]) {
				t.Errorf("stderr:\n%s\nwant one line matching %s", strings.Join(stderr, "\n"), tt.want)
			}
			if want := []string{"Starting up"}; !slices.Equal(stdout, want) {
				t.Errorf("stdout: %q, want %q", stdout, want)
			}
		})
	}
}

// When client 2 fails, client 1 still says goodbye properly (1000) instead
// of dropping its connection.
func TestFailingClientClosesTheOther(t *testing.T) {
	client := progtest.Build(t, "../client")
	goodbye := make(chan error, 1)
	var joined atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if joined.Add(1) > 1 {
			http.Error(w, "room full", http.StatusServiceUnavailable) // client 2
			return
		}
		var upgrader websocket.Upgrader
		conn, err := upgrader.Upgrade(w, req, nil)
		if err != nil {
			goodbye <- err
			return
		}
		defer conn.Close()
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				goodbye <- err
				return
			}
		}
	}))
	defer srv.Close()

	code, _, stderr := progtest.Run(t, 5*time.Second, client, "-url", "ws"+strings.TrimPrefix(srv.URL, "http"), "-step", "10ms")
	want := regexp.MustCompile(`^client: Client 2: cannot connect to \S+: websocket: bad handshake \(HTTP 503 Service Unavailable\)$`)
	if code != 1 || len(stderr) != 1 || !want.MatchString(stderr[0]) {
		t.Errorf("exit code %d, stderr %q; want 1 and one line matching %s", code, stderr, want)
	}
	select {
	case err := <-goodbye:
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Errorf("client 1's connection ended with %v, want close 1000", err)
		}
	case <-time.After(progtest.WaitLimit):
		t.Fatal("client 1's connection is still open after the client exited")
	}
}

// -h prints the usage and exits 0; a bad flag is reported once, with the
// usage, and exits 2; so does an argument that is not a flag, in one line.
func TestCommandLine(t *testing.T) {
	client := progtest.Build(t, "../client")
	code, _, stderr := progtest.Run(t, runTimeout, client, "-h")
	if code != 0 || !slices.Contains(stderr, "Usage of client:") {
		t.Errorf("-h: exit code %d, stderr %q; want 0 and the usage", code, stderr)
	}

	code, _, stderr = progtest.Run(t, runTimeout, client, "-sleep", "1s")
	reported := 0
	for _, line := range stderr {
		reported += strings.Count(line, "-sleep")
	}
	if code != 2 || reported != 1 || !slices.Contains(stderr, "Usage of client:") {
		t.Errorf("-sleep 1s: exit code %d, stderr %q; want 2, the bad flag named once, and the usage", code, stderr)
	}

	code, _, stderr = progtest.Run(t, runTimeout, client, "ws://localhost:5406")
	want := []string{`client: unexpected argument "ws://localhost:5406" (-h lists the flags)`}
	if code != 2 || !slices.Equal(stderr, want) {
		t.Errorf("stray argument: exit code %d, stderr %q; want 2 and %q", code, stderr, want)
	}
}
