package fastroom

// What the room's tests share: a room served over loopback, and its clients,
// which are progtest's recording client with the id the room gave them.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
)

const waitLimit = progtest.WaitLimit

// TestMain fails the package if any test leaves a goroutine running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func broadcastOf(payload string) room.Message {
	return room.Message{Type: room.TypeBroadcast, Payload: payload}
}

// testRoom is a Room behind a real HTTP server on a loopback port.
type testRoom struct {
	*Room
	url string // ws://127.0.0.1:port
	log *progtest.Log

	joinedMu sync.Mutex
	joined   map[string]chan int // by client address: the id the room gave it
}

// newTestRoom serves a new room until the test ends; then
// the room is closed and the server stopped.
func newTestRoom(t testing.TB, allowedOrigins ...string) *testRoom {
	return newTestRoomWith(t, allowedOrigins)
}

func newTestRoomWith(t testing.TB, allowedOrigins []string, opts ...Option) *testRoom {
	t.Helper()
	tr := &testRoom{log: progtest.NewLog(t), joined: make(map[string]chan int)}
	tr.Room = New(log.New(tr.log, "", 0), opts...)
	h := NewHandler(tr.Room, allowedOrigins...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req)
		// ServeHTTP returns once Join has: tell the dialer its id.
		tr.idFor(req.RemoteAddr) <- tr.lookup(req.RemoteAddr)
	}))
	tr.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		closeWithin(tr.Room, waitLimit)
		// Every byte queued was written or thrown away, and counted out.
		if n := tr.budget.Queued(); n != 0 {
			t.Errorf("the room's budget still counts %d bytes after Close", n)
		}
	})
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

// client returns the room's Client with id, or nil.
func (tr *testRoom) client(id int) *Client {
	tr.Room.mu.RLock()
	defer tr.Room.mu.RUnlock()
	return tr.clients[id]
}

// readsOnReadiness tells whether the room reads its connections with the
// poller; it knows once the first client has joined.
func (tr *testRoom) readsOnReadiness() bool {
	tr.Room.mu.RLock()
	defer tr.Room.mu.RUnlock()
	return tr.poller != nil
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

// testClient is a recording client that knows its id in the room.
type testClient struct {
	*progtest.Recorder[room.Message]
	id int
}

// send broadcasts payload the way the lesson's client does.
func (c testClient) send(payload string) { c.Send(broadcastOf(payload)) }

func record(t testing.TB, conn *websocket.Conn, id int) testClient {
	return testClient{progtest.Record[room.Message](t, fmt.Sprintf("client %d", id), conn), id}
}

// connect is dial for a client that reads everything the room sends.
func (tr *testRoom) connect(t testing.TB) testClient {
	t.Helper()
	conn, id, err := tr.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	return record(t, conn, id)
}

// connectMany connects n clients at the same time and returns them once the
// room has taken in all of them, in no particular order.
func (tr *testRoom) connectMany(t testing.TB, n int) []testClient {
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
	clients := make([]testClient, 0, n)
	var errs []error
	for range n {
		r := <-results // each dial gives up by itself within waitLimit
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		clients = append(clients, record(t, r.conn, r.id))
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

// logged returns the first line of the room's log that contains text.
func (tr *testRoom) logged(text string) (string, bool) {
	for _, line := range tr.log.Lines() {
		if strings.Contains(line, text) {
			return line, true
		}
	}
	return "", false
}

// waitForLog waits until the room logs a line containing text.
func (tr *testRoom) waitForLog(text string) string {
	return tr.log.WaitFor(regexp.QuoteMeta(text))
}
