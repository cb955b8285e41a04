package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/02-stateful/serve"
	"example.com/wstutorial/progtest"
)

// waitLong bounds every wait: generous, since a loaded machine may be slow,
// but a hang still fails the test.
const waitLong = 15 * time.Second

// TestServer runs the real server program, built once for all its subtests.
func TestServer(t *testing.T) {
	bin := progtest.Build(t, "../server")
	t.Run("Interrupt", func(t *testing.T) { testInterrupt(t, bin) })
	t.Run("InterruptWithHalfSentRequest", func(t *testing.T) { testInterruptWithHalfSentRequest(t, bin) })
	t.Run("OriginsFlag", func(t *testing.T) { testOriginsFlag(t, bin) })
	t.Run("AddressInUse", func(t *testing.T) { testAddressInUse(t, bin) })
	t.Run("CommandLine", func(t *testing.T) { testCommandLine(t, bin) })
}

// On Ctrl-C the server says goodbye to every client with 1001 (going away)
// and exits 0, even if a client never answers.
func testInterrupt(t *testing.T, bin string) {
	srv := progtest.Start(t, bin, "-addr", "127.0.0.1:0")
	url := "ws://" + srv.Addr()
	clients := []*progtest.Recorder[room.Message]{
		progtest.MustDial[room.Message](t, "client 1", url),
		progtest.MustDial[room.Message](t, "client 2", url),
	}
	progtest.Connect(t, url) // silent: never reads, so never answers the close frame
	srv.WaitFor("^Client 3 connected$", waitLong)

	start := time.Now()
	srv.Signal(os.Interrupt)
	for _, c := range clients {
		if code := c.CloseCode(); code != websocket.CloseGoingAway {
			t.Errorf("%s got close code %d, want %d", c.Name, code, websocket.CloseGoingAway)
		}
	}
	if code := srv.Wait(waitLong); code != 0 {
		t.Errorf("exit code %d after Ctrl-C, want 0", code)
	}
	t.Logf("the server exited %s after Ctrl-C", time.Since(start).Round(time.Millisecond))
	if !slices.Contains(srv.Stdout(), "Shutting down") {
		t.Errorf("the server did not say it was shutting down")
	}
}

// An HTTP request that never finishes (a client that sent half its headers)
// would hold up http.Server.Shutdown for its whole grace period. The
// WebSocket clients must still get their 1001 with time to answer it, and
// the server must exit with 0 as soon as they have, before the grace is over.
func testInterruptWithHalfSentRequest(t *testing.T, bin string) {
	const clients = 100
	srv := progtest.Start(t, bin, "-addr", "127.0.0.1:0")
	addr := srv.Addr()
	// The half-sent request connects first: the server accepts connections
	// in order, so it is being served by the time the clients are in.
	half, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	if _, err := half.Write([]byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\n")); err != nil {
		t.Fatal(err)
	}
	var all []*progtest.Recorder[room.Message]
	for i := range clients {
		all = append(all, progtest.MustDial[room.Message](t, fmt.Sprint("client ", i+1), "ws://"+addr))
	}
	srv.WaitFor(fmt.Sprintf("^Client %d connected$", clients), waitLong)

	start := time.Now()
	srv.Signal(os.Interrupt)
	for _, c := range all {
		if code := c.CloseCode(); code != websocket.CloseGoingAway {
			t.Errorf("%s got close code %d, want %d", c.Name, code, websocket.CloseGoingAway)
		}
	}
	if code := srv.Wait(5 * time.Second); code != 0 {
		t.Errorf("exit code %d after Ctrl-C, want 0", code)
	}
	if took := time.Since(start); took >= serve.ShutdownGrace {
		t.Errorf("the server exited %s after Ctrl-C: it waited for the half-sent request", took.Round(time.Millisecond))
	}
	// Each client answered the goodbye before its connection was closed.
	for _, line := range srv.Stdout() {
		if strings.HasPrefix(line, "Client ") && strings.Contains(line, " disconnected: ") {
			t.Errorf("the server logged %q, want every client to leave with a goodbye", line)
		}
	}
}

// -origins lets pages from the listed sites in, besides the server's own;
// others are refused with 403, and the refusal is logged.
func testOriginsFlag(t *testing.T, bin string) {
	srv := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-origins", "https://friend.example, https://other.example")
	addr := srv.Addr()
	for _, origin := range []string{"https://friend.example", "https://other.example", "http://" + addr} {
		if _, err := progtest.Dial[room.Message](t, origin, "ws://"+addr, http.Header{"Origin": {origin}}); err != nil {
			t.Errorf("Origin %s: %v", origin, err)
		}
	}
	_, err := progtest.Dial[room.Message](t, "evil", "ws://"+addr, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Errorf("Origin https://evil.example: %v, want HTTP 403", err)
	}
	srv.WaitFor("^Refused a connection", waitLong)
}

// A port already taken is reported in one line on stderr, with exit code 1.
func testAddressInUse(t *testing.T, bin string) {
	first := progtest.Start(t, bin, "-addr", "127.0.0.1:0")
	addr := first.Addr()

	code, _, stderr := progtest.Run(t, waitLong, bin, "-addr", addr)
	want := regexp.MustCompile(`^server: cannot listen on ` + regexp.QuoteMeta(addr) + `: .*address already in use$`)
	if code != 1 || len(stderr) != 1 || !want.MatchString(stderr[0]) {
		t.Errorf("exit code %d, stderr %q; want 1 and one line matching %s", code, stderr, want)
	}
}

// -h prints the usage and exits 0; a bad flag is reported once, with the
// usage, and exits 2; so does an argument that is not a flag, in one line.
func testCommandLine(t *testing.T, bin string) {
	code, _, stderr := progtest.Run(t, waitLong, bin, "-h")
	if code != 0 || !slices.Contains(stderr, "Usage of server:") {
		t.Errorf("-h: exit code %d, stderr %q; want 0 and the usage", code, stderr)
	}

	code, _, stderr = progtest.Run(t, waitLong, bin, "-port", "5406")
	reported := 0
	for _, line := range stderr {
		reported += strings.Count(line, "-port")
	}
	if code != 2 || reported != 1 || !slices.Contains(stderr, "Usage of server:") {
		t.Errorf("-port 5406: exit code %d, stderr %q; want 2, the bad flag named once, and the usage", code, stderr)
	}

	code, _, stderr = progtest.Run(t, waitLong, bin, "5406")
	want := []string{`server: unexpected argument "5406" (-h lists the flags)`}
	if code != 2 || !slices.Equal(stderr, want) {
		t.Errorf("5406: exit code %d, stderr %q; want 2 and %q", code, stderr, want)
	}
}
