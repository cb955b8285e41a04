package progtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// WaitLimit bounds every wait of the test helpers. It is generous because the
// tests run under -race on a small machine shared with other work; a healthy
// server answers in milliseconds, and only a broken one runs into it.
const WaitLimit = 20 * time.Second

// recorderInbox is how many received messages a Recorder keeps unread: more
// than any test sends, so a recorder never stops reading by accident.
const recorderInbox = 4096

// Recorder is the tests' WebSocket client: its reader goroutine decodes every
// message the server sends as JSON into an M and records it, in order. M is
// the lesson's message type; a message that is not JSON is recorded as the
// zero M and its text kept in Raw.
type Recorder[M comparable] struct {
	t     testing.TB
	Name  string // for failure messages
	Conn  *websocket.Conn
	inbox chan received[M] // closed when reading ends
	ended chan struct{}    // closed when reading has ended
	err   error            // why reading ended; set before ended is closed
}

type received[M any] struct {
	m   M
	raw string
}

// Dial connects to url with header (nil for a program's handshake, which
// sends no Origin) and starts recording. The connection is closed when the
// test ends. On a refused handshake the error carries the HTTP status.
func Dial[M comparable](t testing.TB, name, url string, header http.Header) (*Recorder[M], error) {
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, url, header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("%s: dial: %w (HTTP %d)", name, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("%s: dial: %w", name, err)
	}
	return Record[M](t, name, conn), nil
}

// Connect opens a bare connection to url, for a test that reads and writes
// it itself, or deliberately never reads (a Recorder reads everything, and
// so answers every ping). It fails the test if the handshake does, and the
// connection is closed when the test ends.
func Connect(t testing.TB, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// MustDial is Dial for a connection the test needs: it fails the test if the
// handshake does.
func MustDial[M comparable](t testing.TB, name, url string) *Recorder[M] {
	t.Helper()
	r, err := Dial[M](t, name, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Record starts recording what arrives on an open connection.
func Record[M comparable](t testing.TB, name string, conn *websocket.Conn) *Recorder[M] {
	r := &Recorder[M]{
		t:     t,
		Name:  name,
		Conn:  conn,
		inbox: make(chan received[M], recorderInbox),
		ended: make(chan struct{}),
	}
	go r.read()
	t.Cleanup(func() {
		r.Conn.Close() // a no-op if the test closed it already
		<-r.ended      // the reader ends once the connection is closed
	})
	return r
}

func (r *Recorder[M]) read() {
	defer close(r.ended)
	defer close(r.inbox)
	for {
		_, data, err := r.Conn.ReadMessage()
		if err != nil {
			r.err = err
			return
		}
		var got received[M]
		if json.Unmarshal(data, &got.m) != nil {
			got.raw = string(data)
		}
		r.inbox <- got
	}
}

// Next returns the next message received, waiting for it.
func (r *Recorder[M]) Next() M {
	r.t.Helper()
	select {
	case got, ok := <-r.inbox:
		if !ok {
			r.t.Fatalf("%s: connection ended (%v) while waiting for a message", r.Name, r.err)
		}
		if got.raw != "" {
			r.t.Fatalf("%s: received a message that is not JSON: %q", r.Name, got.raw)
		}
		return got.m
	case <-time.After(WaitLimit):
		r.t.Fatalf("%s: no message within %s", r.Name, WaitLimit)
	}
	var zero M
	return zero
}

// Expect checks that the next messages received are want, in order.
func (r *Recorder[M]) Expect(want ...M) {
	r.t.Helper()
	for _, w := range want {
		if got := r.Next(); got != w {
			r.t.Fatalf("%s received %+v, want %+v", r.Name, got, w)
		}
	}
}

// Until returns the messages received before want, and consumes want.
func (r *Recorder[M]) Until(want M) []M {
	r.t.Helper()
	var before []M
	for m := r.Next(); m != want; m = r.Next() {
		before = append(before, m)
	}
	return before
}

// Send writes v as one JSON text message. Like every write, it may be called
// from any goroutine, but by one at a time per recorder.
func (r *Recorder[M]) Send(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		r.t.Errorf("%s: encode: %v", r.Name, err)
		return
	}
	r.SendRaw(websocket.TextMessage, data)
}

// SendRaw writes one message of kind as is. It reports a failure with
// Errorf, which is safe off the test's goroutine.
func (r *Recorder[M]) SendRaw(kind int, data []byte) {
	if err := r.Conn.WriteMessage(kind, data); err != nil {
		r.t.Errorf("%s: send: %v", r.Name, err)
	}
}

// Close says goodbye with 1000 (normal closure) and checks that the server
// answers in kind.
func (r *Recorder[M]) Close() {
	r.t.Helper()
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := r.Conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(WaitLimit)); err != nil {
		r.t.Fatalf("%s: close: %v", r.Name, err)
	}
	if code := r.CloseCode(); code != websocket.CloseNormalClosure {
		r.t.Fatalf("%s: the server answered close with %d, want %d", r.Name, code, websocket.CloseNormalClosure)
	}
}

// Drop cuts the TCP connection without a goodbye, as a crashed client would.
func (r *Recorder[M]) Drop() { r.Conn.NetConn().Close() }

// CloseCode waits until the connection has ended and returns the close code
// the server sent, or -1 if it ended without one.
func (r *Recorder[M]) CloseCode() int {
	r.t.Helper()
	select {
	case <-r.ended:
	case <-time.After(WaitLimit):
		r.t.Fatalf("%s: connection still open after %s", r.Name, WaitLimit)
	}
	var closeErr *websocket.CloseError
	if errors.As(r.err, &closeErr) {
		return closeErr.Code
	}
	return -1
}
