package main

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
)

// newTestServer serves routes on a free port for the length of the test.
func newTestServer(t *testing.T, allowedOrigins ...string) *httptest.Server {
	t.Helper()
	r := room.New(log.New(io.Discard, "", 0))
	srv := httptest.NewServer(routes(r, allowedOrigins))
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Close(ctx)
	})
	return srv
}

// handshake attempts a WebSocket handshake with the given Origin header (none
// if origin is empty) and returns the HTTP status the server answered with.
func handshake(t *testing.T, wsURL, origin string) int {
	t.Helper()
	header := http.Header{}
	if origin != "" {
		header.Set("Origin", origin)
	}
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, resp, err := dialer.Dial(wsURL, header)
	if conn != nil {
		conn.Close()
	}
	if resp == nil {
		t.Fatalf("handshake with Origin %q: no HTTP response: %v", origin, err)
	}
	if err != nil && !errors.Is(err, websocket.ErrBadHandshake) {
		t.Fatalf("handshake with Origin %q: %v", origin, err)
	}
	return resp.StatusCode
}

func TestOriginCheck(t *testing.T) {
	srv := newTestServer(t)
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"

	tests := []struct {
		name   string
		origin string
		want   int
	}{
		// The page this server serves: its handshake carries the server's own origin.
		{"same origin", srv.URL, http.StatusSwitchingProtocols},
		// A page on another site must not use a visitor's browser to get in.
		{"foreign origin", "https://evil.example", http.StatusForbidden},
		{"same host, other port", "http://127.0.0.1:1", http.StatusForbidden},
		// Programs (the Go and Node clients) send no Origin.
		{"no origin", "", http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := handshake(t, wsURL, tt.origin); got != tt.want {
				t.Errorf("Origin %q: got HTTP %d, want %d", tt.origin, got, tt.want)
			}
		})
	}
}

// TestOriginsFlag runs the real program: -origins lets one more origin in,
// and only that one.
func TestOriginsFlag(t *testing.T) {
	bin := progtest.Build(t, "../server")
	const trusted = "http://localhost:3000"
	srv := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-origins", "https://other.example, "+trusted)
	wsURL := "ws://" + srv.Addr() + "/ws"

	if got := handshake(t, wsURL, trusted); got != http.StatusSwitchingProtocols {
		t.Errorf("allowed Origin %s: got HTTP %d, want 101", trusted, got)
	}
	srv.WaitFor(`^Client 1 connected$`, 10*time.Second)
	if got := handshake(t, wsURL, "http://localhost:3001"); got != http.StatusForbidden {
		t.Errorf("Origin not in the list: got HTTP %d, want 403", got)
	}
	srv.WaitFor(`^Refused a connection from .*origin`, 10*time.Second)
}
