package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
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
// line on stderr.
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

	tests := []struct {
		name string
		url  string
		want string // a regular expression for the one line on stderr
	}{
		{"no server", "ws://" + progtest.FreeAddr(t), `^client: cannot connect to ws://\S+: .*connection refused$`},
		{"not a WebSocket URL", "http://localhost:5406", `^client: cannot connect to http://localhost:5406: .*malformed ws or wss URL$`},
		{"not a URL", "::", `^client: cannot connect to ::: `},
		{"server hangs up", "ws" + strings.TrimPrefix(hangUp.URL, "http"), `^client: [Cc]lient [12]\b`},
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
