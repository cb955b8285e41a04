package fastroom

// Helpers shared by the room's tests: a room served over loopback, test
// clients that record everything they receive, and a log that tests can wait
// on. Every wait has a deadline; none of them sleeps.

import (
	"context"
	"encoding/json"
	"errors"
	"example.com/wstutorial/02-stateful/room"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

// waitLimit bounds every wait in these tests. It is generous because the
// tests run under -race on a small machine shared with other work; a healthy
// room answers in milliseconds, and only a broken one runs into it.
const waitLimit = 20 * time.Second

// inboxSize is how many received messages a test client keeps unread. It is
// larger than any test sends, so a test client never stops reading and is
// never dropped as too slow by accident.
const inboxSize = 4096

// TestMain fails the package if any test leaves a goroutine running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func broadcastOf(payload string) room.Message {
	return room.Message{Type: room.TypeBroadcast, Payload: payload}
}

// testRoom is a Room behind a real HTTP server on a loopback port.
type testRoom struct {
	*Room
	url string // ws://127.0.0.1:port
	log *logSink

	joinedMu sync.Mutex
	joined   map[string]chan int // by client address: the id the room gave it
}

// newTestRoom serves a new room until the test ends; then the room is closed
// and the server stopped.
func newTestRoom(t testing.TB, allowedOrigins ...string) *testRoom {
	t.Helper()
	tr := &testRoom{log: newLogSink(t), joined: make(map[string]chan int)}
	tr.Room = New(log.New(tr.log, "", 0))
	h := NewHandler(tr.Room, allowedOrigins...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req)
		// ServeHTTP returns once Join has: tell the dialer its id.
		tr.idFor(req.RemoteAddr) <- tr.lookup(req.RemoteAddr)
	}))
	tr.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	t.Cleanup(srv.Close)
	t.Cleanup(func() { closeWithin(tr.Room, waitLimit) })
	return tr
}

// closeWithin closes r, cutting the connections still open after limit.
func closeWithin(r *Room, limit time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	r.Close(ctx)
}

// idFor returns the channel on which the handler reports the id of the
// client at addr.
func (tr *testRoom) idFor(addr string) chan int {
	tr.joinedMu.Lock()
	defer tr.joinedMu.Unlock()
	ch, ok := tr.joined[addr]
	if !ok {
		ch = make(chan int, 1)
		tr.joined[addr] = ch
	}
	return ch
}

// lookup returns the id of the client connected from addr, or 0 if the room
// did not take it in.
func (tr *testRoom) lookup(addr string) int {
	tr.Room.mu.RLock()
	defer tr.Room.mu.RUnlock()
	for id, c := range tr.clients {
		if c.conn.RemoteAddr().String() == addr {
			return id
		}
	}
	return 0
}

// dial opens a WebSocket to the room and waits until the room has let it in
// (or refused it, id 0). The caller reads from conn, or deliberately not.
func (tr *testRoom) dial(header http.Header) (conn *websocket.Conn, id int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, tr.url, header)
	if err != nil {
		if resp != nil {
			return nil, 0, fmt.Errorf("dial: %w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, 0, fmt.Errorf("dial: %w", err)
	}
	select {
	case id = <-tr.idFor(conn.LocalAddr().String()):
		return conn, id, nil
	case <-ctx.Done():
		conn.Close()
		return nil, 0, fmt.Errorf("connected, but the room's handler did not finish within %s", waitLimit)
	}
}

// connect is dial for a client that reads everything the room sends.
func (tr *testRoom) connect(t testing.TB) *testClient {
	t.Helper()
	conn, id, err := tr.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	return startReading(t, conn, id)
}

// connectMany connects n clients at the same time and returns them once the
// room has taken in all of them, in no particular order.
func (tr *testRoom) connectMany(t testing.TB, n int) []*testClient {
	t.Helper()
	type result struct {
		conn *websocket.Conn
		id   int
		err  error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			conn, id, err := tr.dial(nil)
			results <- result{conn, id, err}
		}()
	}
	clients := make([]*testClient, 0, n)
	var errs []error
	for range n {
		r := <-results // each dial gives up by itself within waitLimit
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		clients = append(clients, startReading(t, r.conn, r.id))
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("%d of %d clients could not connect: %v", len(errs), n, err)
	}
	return clients
}

// deliverMarker sends a message from nobody (id 0) to every client. A client's
// messages arrive in order, so once it has the marker it has everything the
// room queued for it before.
func (tr *testRoom) deliverMarker() room.Message {
	m := room.Message{Type: "test:marker", Payload: "end of test traffic"}
	tr.Deliver(0, m)
	return m
}

// testClient is a connection whose reader goroutine records every message
// the room sends it.
type testClient struct {
	t     testing.TB
	id    int // the id the room gave it
	conn  *websocket.Conn
	inbox chan room.Message // received messages, in order; closed when reading ends
	ended chan struct{}     // closed when reading has ended
	err   error             // why reading ended; set before ended is closed
}

func startReading(t testing.TB, conn *websocket.Conn, id int) *testClient {
	c := &testClient{
		t:     t,
		id:    id,
		conn:  conn,
		inbox: make(chan room.Message, inboxSize),
		ended: make(chan struct{}),
	}
	go c.read()
	t.Cleanup(func() {
		c.conn.Close() // a no-op if the test closed it already
		<-c.ended      // the reader ends once the connection is closed
	})
	return c
}

func (c *testClient) read() {
	defer close(c.ended)
	defer close(c.inbox)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		var m room.Message
		if err := json.Unmarshal(data, &m); err != nil {
			m = room.Message{Type: "test:not-json", Payload: string(data)}
		}
		c.inbox <- m
	}
}

// next returns the next message the client received, waiting for it.
func (c *testClient) next() room.Message {
	c.t.Helper()
	select {
	case m, ok := <-c.inbox:
		if !ok {
			c.t.Fatalf("client %d: connection ended (%v) while waiting for a message", c.id, c.err)
		}
		return m
	case <-time.After(waitLimit):
		c.t.Fatalf("client %d: no message within %s", c.id, waitLimit)
	}
	return room.Message{}
}

// expect checks that the next messages the client receives are want, in order.
func (c *testClient) expect(want ...Message) {
	c.t.Helper()
	for _, w := range want {
		if got := c.next(); got != w {
			c.t.Fatalf("client %d received %+v, want %+v", c.id, got, w)
		}
	}
}

// until returns the messages the client receives before want, and consumes
// want.
func (c *testClient) until(want room.Message) []room.Message {
	c.t.Helper()
	var before []room.Message
	for m := c.next(); m != want; m = c.next() {
		before = append(before, m)
	}
	return before
}

// sendRaw writes one frame as is. It may be called from any goroutine, but
// only one at a time per client.
func (c *testClient) sendRaw(kind int, data []byte) {
	if err := c.conn.WriteMessage(kind, data); err != nil {
		c.t.Errorf("client %d: send: %v", c.id, err) // Errorf: safe off the test goroutine
	}
}

// send broadcasts payload the way the lesson's client does.
func (c *testClient) send(payload string) {
	data, _ := json.Marshal(broadcastOf(payload))
	c.sendRaw(websocket.TextMessage, data)
}

// close says goodbye with 1000 (normal closure) and waits for the room's
// answer.
func (c *testClient) close() {
	c.t.Helper()
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(waitLimit)); err != nil {
		c.t.Fatalf("client %d: close: %v", c.id, err)
	}
	if code := c.closeCode(); code != websocket.CloseNormalClosure {
		c.t.Fatalf("client %d: the room answered close with %d, want %d", c.id, code, websocket.CloseNormalClosure)
	}
}

// drop cuts the TCP connection without a goodbye, like a crashed client.
func (c *testClient) drop() { c.conn.NetConn().Close() }

// closeCode waits until the connection has ended and returns the close code
// the room sent, or -1 if the connection ended without one.
func (c *testClient) closeCode() int {
	c.t.Helper()
	select {
	case <-c.ended:
	case <-time.After(waitLimit):
		c.t.Fatalf("client %d: connection still open after %s", c.id, waitLimit)
	}
	var closeErr *websocket.CloseError
	if errors.As(c.err, &closeErr) {
		return closeErr.Code
	}
	return -1
}

// maxLogLine is as much of a log line as the tests keep.
const maxLogLine = 200

// logSink collects the room's log lines and lets a test wait for one.
type logSink struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced when a line arrives
}

// newLogSink returns a sink whose lines are shown if the test fails.
func newLogSink(t testing.TB) *logSink {
	s := &logSink{changed: make(chan struct{})}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("room log:\n%s", strings.Join(s.snapshot(), "\n"))
		}
	})
	return s
}

// Write receives one log line per call, as log.Logger writes them. It keeps
// the start of a long line only: broadcasts of large payloads would otherwise
// make the log huge and slow to search.
func (s *logSink) Write(p []byte) (int, error) {
	line := strings.TrimSuffix(string(p), "\n")
	if len(line) > maxLogLine {
		line = line[:maxLogLine] + "…"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, line)
	close(s.changed)
	s.changed = make(chan struct{})
	return len(p), nil
}

func (s *logSink) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

// find returns the first line containing text, if there is one yet.
func (s *logSink) find(text string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range s.lines {
		if strings.Contains(line, text) {
			return line, true
		}
	}
	return "", false
}

// waitFor waits until the room logs a line containing text and returns it.
func (s *logSink) waitFor(t testing.TB, text string) string {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if line, ok := s.find(text); ok {
			return line
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("the room logged no line containing %q within %s", text, waitLimit)
		}
	}
}
