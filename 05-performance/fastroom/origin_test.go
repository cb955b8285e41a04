package fastroom

import (
	"net/http"
	"strings"
	"testing"
)

// Programs (no Origin header) and pages from the server's own origin get in;
// a page from another site is refused with 403 unless it is on the list.
func TestOrigin(t *testing.T) {
	const friend = "https://friend.example"
	tr := newTestRoom(t, friend)
	self := "http://" + strings.TrimPrefix(tr.url, "ws://")

	tests := []struct {
		origin string // "" sends no Origin header
		ok     bool
	}{
		{"", true},
		{self, true},
		{strings.ToUpper(self), true}, // hosts are case-insensitive
		{friend, true},
		{"https://evil.example", false},
		{strings.Replace(self, "127.0.0.1", "127.0.0.2", 1), false}, // same port, another host
		{"http://127.0.0.1:1", false},                               // same host, another port
		{"null", false},                                             // what sandboxed pages and file:// pages send
	}
	for _, tt := range tests {
		header := http.Header{}
		if tt.origin != "" {
			header.Set("Origin", tt.origin)
		}
		conn, id, err := tr.dial(header)
		switch {
		case tt.ok && err != nil:
			t.Errorf("Origin %q: refused: %v", tt.origin, err)
		case tt.ok && id == 0:
			t.Errorf("Origin %q: connected, but the room did not take the client in", tt.origin)
		case !tt.ok && err == nil:
			t.Errorf("Origin %q: let in as client %d", tt.origin, id)
		case !tt.ok && !strings.Contains(err.Error(), "HTTP 403"):
			t.Errorf("Origin %q: refused with %v, want HTTP 403", tt.origin, err)
		}
		if conn != nil {
			conn.Close()
		}
	}
	tr.waitForLog("Refused a connection")
}
