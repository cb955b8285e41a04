package main

import (
	"errors"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/progtest"
)

// waitLong bounds every wait: generous, since a loaded machine may be slow,
// but a hang still fails the test.
const waitLong = 15 * time.Second

// TestServer runs the real server program, built once for all its subtests.
func TestServer(t *testing.T) {
	bin := progtest.Build(t, "../server")
	t.Run("Interrupt", func(t *testing.T) { testInterrupt(t, bin) })
	t.Run("OriginsFlag", func(t *testing.T) { testOriginsFlag(t, bin) })
	t.Run("AddressInUse", func(t *testing.T) { testAddressInUse(t, bin) })
	t.Run("NegativeRate", func(t *testing.T) { testNegativeRate(t, bin) })
	t.Run("Help", func(t *testing.T) { testHelp(t, bin) })
	t.Run("BadFlag", func(t *testing.T) { testBadFlag(t, bin) })
	t.Run("MaxConns", func(t *testing.T) { testMaxConns(t, bin) })
}

// On Ctrl-C the server says goodbye to every client with 1001 (going away)
// and exits 0, even if a client never answers.
func testInterrupt(t *testing.T, bin string) {
	srv := progtest.Start(t, bin, "-addr", "127.0.0.1:0")
	url := "ws://" + srv.Addr()
	clients := []*websocket.Conn{dial(t, url, nil), dial(t, url, nil)}
	dial(t, url, nil) // never reads, so never answers the close frame
	srv.WaitFor("^Client 3 connected$", waitLong)

	start := time.Now()
	srv.Signal(os.Interrupt)
	for i, conn := range clients {
		if code := closeCode(t, conn); code != websocket.CloseGoingAway {
			t.Errorf("client %d got close code %d, want %d", i+1, code, websocket.CloseGoingAway)
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

// -origins lets pages from the listed sites in, besides the server's own;
// others are refused with 403, and the refusal is logged.
func testOriginsFlag(t *testing.T, bin string) {
	srv := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-origins", "https://friend.example, https://other.example")
	addr := srv.Addr()
	for _, origin := range []string{"https://friend.example", "https://other.example", "http://" + addr} {
		dial(t, "ws://"+addr, http.Header{"Origin": {origin}}).Close()
	}

	_, resp, err := websocket.DefaultDialer.Dial("ws://"+addr, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
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

// A negative -rate is refused in one line on stderr, with exit code 1.
func testNegativeRate(t *testing.T, bin string) {
	code, _, stderr := progtest.Run(t, waitLong, bin, "-addr", "127.0.0.1:0", "-rate", "-5")
	want := "server: -rate must be 0 (no limit) or more, not -5"
	if code != 1 || len(stderr) != 1 || stderr[0] != want {
		t.Errorf("exit code %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

// dial connects to the server, failing the test if it cannot.
func dial(t *testing.T, url string, header http.Header) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		t.Fatalf("dial %s with %v: %v", url, header, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// closeCode reads until the connection ends and returns the close code the
// server sent, or -1 if it ended without one.
func closeCode(t *testing.T, conn *websocket.Conn) int {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(waitLong))
	for {
		_, _, err := conn.ReadMessage()
		var closeErr *websocket.CloseError
		switch {
		case errors.As(err, &closeErr):
			return closeErr.Code
		case err != nil:
			t.Logf("connection ended without a close frame: %v", err)
			return -1
		}
	}
}

// -h prints the flags and exits 0: asking for help is not an error.
func testHelp(t *testing.T, bin string) {
	code, _, stderr := progtest.Run(t, waitLong, bin, "-h")
	if code != 0 || !slices.ContainsFunc(stderr, func(l string) bool { return strings.Contains(l, "-max-conns") }) {
		t.Errorf("exit code %d, stderr %q; want 0 and the flags", code, stderr)
	}
}

// Beyond -max-conns a client is refused with 503, and the refusal is logged.
func testMaxConns(t *testing.T, bin string) {
	srv := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-max-conns", "1")
	url := "ws://" + srv.Addr()
	dial(t, url, nil)
	_, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a second client with -max-conns 1: %v, want HTTP 503", err)
	}
	srv.WaitFor("^Refused a connection .*the server is full", waitLong)
}

// A flag the server does not know is reported once, with exit code 2, as
// the flag package does for every Go command.
func testBadFlag(t *testing.T, bin string) {
	code, _, stderr := progtest.Run(t, waitLong, bin, "-no-such-flag")
	mentions := 0
	for _, line := range stderr {
		if strings.Contains(line, "no-such-flag") {
			mentions++
		}
	}
	if code != 2 || mentions != 1 {
		t.Errorf("exit code %d, stderr %q; want 2 and the flag named once", code, stderr)
	}
}
