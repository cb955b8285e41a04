// These tests run lesson 1's real programs, built from ./server and ./client,
// the way a reader runs them in two terminals.
package simple_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/progtest"
)

// defaultAddr is where the server listens without -addr; the golden
// transcript shows it, and the tests' free ports are rewritten to it.
const defaultAddr = "127.0.0.1:5405"

// waitLong bounds every wait: generous, since a loaded machine may be slow,
// but a hang still fails the test.
const waitLong = 15 * time.Second

type programs struct{ server, client string }

func build(t *testing.T) programs {
	t.Helper()
	return programs{server: progtest.Build(t, "./server"), client: progtest.Build(t, "./client")}
}

// startServer runs the server on a free port and returns it with its address.
func (p programs) startServer(t *testing.T) (*progtest.Proc, string) {
	t.Helper()
	srv := progtest.Start(t, p.server, "-addr", "127.0.0.1:0")
	return srv, srv.Addr()
}

// stop interrupts the server as Ctrl-C does and checks that it exits 0.
func stop(t *testing.T, srv *progtest.Proc) {
	t.Helper()
	srv.Signal(os.Interrupt)
	if code := srv.Wait(waitLong); code != 0 {
		t.Fatalf("server exited with %d after Ctrl-C, want 0", code)
	}
}

func TestTranscript(t *testing.T) {
	p := build(t)
	srv, addr := p.startServer(t)

	code, stdout, stderr := progtest.Run(t, waitLong, p.client, "-url", "ws://"+addr)
	if code != 0 {
		t.Fatalf("client exited with %d: %v", code, stderr)
	}
	progtest.Compare(t, "testdata/client.txt", stdout)

	srv.WaitFor("^Client disconnected$", waitLong)
	stop(t, srv)
	progtest.Compare(t, "testdata/server.txt", progtest.Replace(srv.Stdout(), addr, defaultAddr))
}

// TestServerSurvivesBadClients sends what a misbehaving client might: binary,
// a message over the size limit, and a connection dropped without a close
// frame. The real client must still be served afterwards.
func TestServerSurvivesBadClients(t *testing.T) {
	p := build(t)
	srv, addr := p.startServer(t)
	url := "ws://" + addr

	binary := progtest.Connect(t, url)
	if err := binary.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	srv.WaitFor(`^Ignored a binary message \(3 bytes\)$`, waitLong)

	huge := progtest.Connect(t, url)
	if err := huge.WriteMessage(websocket.TextMessage, make([]byte, 64*1024+1)); err != nil {
		t.Fatal(err)
	}
	_ = huge.SetReadDeadline(time.Now().Add(waitLong))
	if _, _, err := huge.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("oversized message: got %v, want close 1009", err)
	}
	srv.WaitFor(`^Client disconnected: message larger than 65536 bytes$`, waitLong)

	dropped := progtest.Connect(t, url)
	dropped.NetConn().Close() // no close frame: the server sees an abnormal closure
	srv.WaitFor(`^Client disconnected abruptly`, waitLong)

	if code, _, stderr := progtest.Run(t, waitLong, p.client, "-url", url); code != 0 {
		t.Fatalf("client exited with %d after the bad clients: %v", code, stderr)
	}
	srv.WaitFor(`^Server received: "Hello from 01-simple/client"$`, waitLong)
	stop(t, srv)
}

// TestCtrlCClosesConnections checks that a connected client is told the
// server is going away (1001) when the server is interrupted.
func TestCtrlCClosesConnections(t *testing.T) {
	p := build(t)
	srv, addr := p.startServer(t)
	conn := progtest.Connect(t, "ws://"+addr)
	srv.WaitFor("^New client connected$", waitLong)

	stop(t, srv)
	_ = conn.SetReadDeadline(time.Now().Add(waitLong))
	if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("got %v, want close 1001 (going away)", err)
	}
}

func TestPortInUse(t *testing.T) {
	p := build(t)
	_, addr := p.startServer(t)
	code, _, stderr := progtest.Run(t, waitLong, p.server, "-addr", addr)
	wantOneLineError(t, code, stderr, "cannot listen on "+addr)
}

func TestClientErrors(t *testing.T) {
	p := build(t)
	refusing := httptest.NewServer(http.NotFoundHandler())
	defer refusing.Close()

	tests := []struct {
		name, url, want string
	}{
		{"no server", "ws://" + progtest.FreeAddr(t), "cannot connect to"},
		{"bad URL", "http//nowhere", "malformed ws or wss URL"},
		{"handshake refused", "ws" + strings.TrimPrefix(refusing.URL, "http"), "refused the WebSocket handshake: 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := progtest.Run(t, waitLong, p.client, "-url", tt.url)
			wantOneLineError(t, code, stderr, tt.want)
		})
	}
}

// Both programs: -h prints the usage and exits 0; a bad flag is reported
// once, with the usage, and exits 2; so does an argument that is not a flag,
// in one line.
func TestCommandLine(t *testing.T) {
	p := build(t)
	for name, bin := range map[string]string{"server": p.server, "client": p.client} {
		t.Run(name, func(t *testing.T) {
			usage := "Usage of " + name + ":"
			code, _, stderr := progtest.Run(t, waitLong, bin, "-h")
			if code != 0 || !slices.Contains(stderr, usage) {
				t.Errorf("-h: exit code %d, stderr %q; want 0 and the usage", code, stderr)
			}

			code, _, stderr = progtest.Run(t, waitLong, bin, "-port", "5405")
			reported := 0
			for _, line := range stderr {
				reported += strings.Count(line, "-port")
			}
			if code != 2 || reported != 1 || !slices.Contains(stderr, usage) {
				t.Errorf("-port 5405: exit code %d, stderr %q; want 2, the bad flag named once, and the usage", code, stderr)
			}

			code, _, stderr = progtest.Run(t, waitLong, bin, "5405")
			want := []string{name + `: unexpected argument "5405" (-h lists the flags)`}
			if code != 2 || !slices.Equal(stderr, want) {
				t.Errorf("5405: exit code %d, stderr %q; want 2 and %q", code, stderr, want)
			}
		})
	}
}

func wantOneLineError(t *testing.T, code int, stderr []string, want string) {
	t.Helper()
	if code == 0 {
		t.Errorf("exit code 0, want non-zero")
	}
	if len(stderr) != 1 || !strings.Contains(stderr[0], want) {
		t.Errorf("stderr %q, want one line containing %q", stderr, want)
	}
}
