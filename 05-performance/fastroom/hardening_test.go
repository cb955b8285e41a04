package fastroom

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/05-performance/budget"
	"example.com/wstutorial/progtest"
)

// The tests of what a hostile client might try, beyond sending too much
// (ratelimit_test.go), too big (badinput_test.go) or never reading
// (slow_test.go).

// A client's rate limit holds to its last message, even while it is being
// dropped: what it had sent, waiting in its connection, is not let through
// all at once.
func TestRateLimitHoldsWhileDropped(t *testing.T) {
	const perSecond, burst, sent = 10, 20, 200
	tr := newTestRoomWith(t, nil, SendRate(perSecond))
	flooder, other := tr.connect(t), tr.connect(t)
	flooder.Expect(room.Connected(other.id))

	for i := range sent { // small: all of them fit in the connection's buffers
		flooder.send(strconv.Itoa(i))
	}
	for i := range burst {
		other.Expect(broadcastOf(strconv.Itoa(i)))
	}
	tr.client(flooder.id).stop(CloseTooSlow, "too slow")
	passed := other.Until(room.Disconnected(flooder.id))
	// At the rate, one message more may pass in the moment it takes to
	// stop the client, a few on a slow machine; never the rest.
	if len(passed) > 3 {
		t.Errorf("%d messages were passed on after the burst while the client was being dropped, want at most 3", len(passed))
	}
}

// However many clients send, the bytes queued for the writers stay within
// the room's budget: a reader waits for the writers before it passes on more.
func TestRoomBudgetHoldsReadersBack(t *testing.T) {
	const limit = 1000
	r := New(log.New(io.Discard, "", 0), SendRate(0))
	r.budget = budget.New(limit)
	for id := 1; id <= 3; id++ {
		c := newClient(r, id, nil) // no connection, and no writer:
		c.out.writing = true       // the test plays the writers
		r.clients[id] = c
	}
	sender := r.clients[1]
	m := broadcastOf(strings.Repeat("x", 100))

	passed := make(chan int)
	go func() { // the sender's reader, given as many messages as it can take
		n := 0
		for n < 20 && r.broadcast(sender, m, nil) {
			n++
		}
		passed <- n
	}()
	data, _ := room.Encode(m)
	full := int64(limit / (2 * len(data)) * 2 * len(data)) // whole broadcasts to the two others
	progtest.WaitUntil(t, "the budget used", func() bool { return r.budget.Queued() >= full })
	sender.stopOnce.Do(func() { sender.stopping.Store(true); close(sender.stopped) }) // ends the reader's wait
	n := <-passed
	if queued := r.budget.Queued(); n == 20 || queued > limit {
		t.Fatalf("the reader passed on %d broadcasts, %d bytes queued, with a budget of %d", n, queued, limit)
	}

	// Once written, the bytes leave the budget.
	for _, c := range r.clients {
		r.budget.Release(int64(sizeOf(c.out.take(nil))))
	}
	if queued := r.budget.Queued(); queued != 0 {
		t.Errorf("%d bytes still counted after the writers took everything", queued)
	}
}

// Beyond -max-conns the handshake is refused at once with 503 and a reason;
// a place that frees up is taken again. Refusals are logged at a bounded
// rate, with a count of those not logged.
func TestFullRoomRefuses(t *testing.T) {
	const refused = 10
	tr := newTestRoomWith(t, nil, MaxConns(2))
	first, second := tr.connect(t), tr.connect(t)
	first.Expect(room.Connected(second.id))

	for range refused {
		_, resp, err := websocket.DefaultDialer.Dial(tr.url, nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("a third client: %v, want HTTP 503", err)
		}
		body, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(body), "server full") {
			t.Fatalf("the 503 says %q, want it to say the server is full", body)
		}
	}

	second.Close()
	first.Expect(room.Disconnected(second.id))
	third := tr.connect(t)
	first.Expect(room.Connected(third.id))

	closeWithin(tr.Room, waitLimit)
	if total := countLogged(t, tr, "is full", "refused connections"); total != refused {
		t.Errorf("the log accounts for %d refusals, want %d", total, refused)
	}
}

// A client that sends bad messages as fast as it can does not flood the
// log: they are logged at a bounded rate, with a count of those left out.
func TestBadInputIsLoggedAtABoundedRate(t *testing.T) {
	const bad = 50
	tr := newTestRoomWith(t, nil, SendRate(0))
	sender, other := tr.connect(t), tr.connect(t)
	sender.Expect(room.Connected(other.id))
	for range bad {
		sender.SendRaw(websocket.TextMessage, []byte("not JSON"))
	}
	sender.send("done")
	other.Expect(broadcastOf("done"))

	closeWithin(tr.Room, waitLimit)
	if total := countLogged(t, tr, "sent a bad message", "bad messages"); total != bad {
		t.Errorf("the log accounts for %d bad messages, want %d", total, bad)
	}
}

// countLogged counts what the log says of one kind of line: the lines that
// contain text, the "and N more like it" they carry, and the final "N more
// kind, not logged". It fails the test if the lines were not rate limited.
func countLogged(t *testing.T, tr *testRoom, text, kind string) int {
	t.Helper()
	more := regexp.MustCompile(`\(and (\d+) more like it, not logged\)$`)
	final := regexp.MustCompile(`^(\d+) more ` + kind + `, not logged$`)
	lines, total := 0, 0
	for _, line := range tr.log.Lines() {
		if m := final.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			total += n
		}
		if !strings.Contains(line, text) {
			continue
		}
		lines++
		total++
		if m := more.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			total += n
		}
	}
	// A line a second: a slow machine may take a few seconds.
	if lines > 3 {
		t.Errorf("%d lines with %q were logged, want at most 3", lines, text)
	}
	return total
}

// Text that is not UTF-8 breaks the protocol (RFC 6455): the sender is
// disconnected with 1007, and the others hear that it left.
func TestInvalidUTF8GetsClose1007(t *testing.T) {
	tr := newTestRoom(t)
	sender, other := tr.connect(t), tr.connect(t)
	sender.Expect(room.Connected(other.id))

	sender.SendRaw(websocket.TextMessage, []byte(`{"type":"broadcast","payload":"`+"\xff\xfe"+`"}`))
	if code := sender.CloseCode(); code != websocket.CloseInvalidFramePayloadData {
		t.Errorf("the sender of invalid UTF-8 got close code %d, want %d", code, websocket.CloseInvalidFramePayloadData)
	}
	other.Expect(room.Disconnected(sender.id))
	tr.waitForLog(fmt.Sprintf("Client %d sent text that is not UTF-8", sender.id))
}

// A client's text is quoted and cut in the log: it cannot write lines that
// look like the server's own, nor fill the log with one long message.
func TestLoggedPayloadIsQuotedAndCut(t *testing.T) {
	tr := newTestRoom(t)
	sender, other := tr.connect(t), tr.connect(t)
	sender.Expect(room.Connected(other.id))

	forged := "x\nShutting down\x1b[2J" + strings.Repeat("y", 10_000)
	sender.send(forged)
	other.Expect(broadcastOf(forged))
	line := tr.waitForLog(fmt.Sprintf("Client %d broadcast: ", sender.id))
	if !strings.Contains(line, `"x\nShutting down\x1b[2J`) || len(line) > 200 {
		t.Errorf("the room logged %q, want the payload quoted and cut", line)
	}
	for _, l := range tr.log.Lines() {
		if l == "Shutting down" {
			t.Errorf("a client wrote a line of its own into the log")
		}
	}
}

// Once the room has said goodbye, the client has closeGrace to answer. A
// client that never answers but sends pongs (a peer may send them unasked)
// cannot put that off and keep its seat: on either reading path.
func TestPongsDoNotPutOffTheGoodbye(t *testing.T) {
	tr := newTestRoom(t)
	conn := progtest.Connect(t, tr.url) // never read
	id := <-tr.idFor(conn.LocalAddr().String())
	if err := conn.WriteMessage(websocket.TextMessage, []byte{0xff}); err != nil {
		t.Fatal(err) // not UTF-8: the room says goodbye with 1007
	}
	tr.waitForLog(fmt.Sprintf("Client %d sent text that is not UTF-8", id))

	progtest.SendPongs(t, conn, closeGrace/10)
	tr.waitForLog(fmt.Sprintf("Client %d disconnected (no answer to ping, or no reply to our close)", id))
}

// A close frame's reason is the client's text too: it is logged quoted.
func TestCloseReasonIsQuoted(t *testing.T) {
	tr := newTestRoom(t)
	conn := progtest.Connect(t, tr.url)
	id := <-tr.idFor(conn.LocalAddr().String())
	reason := websocket.FormatCloseMessage(4000, "x\nShutting down")
	if err := conn.WriteControl(websocket.CloseMessage, reason, time.Now().Add(waitLimit)); err != nil {
		t.Fatal(err)
	}
	tr.waitForLog(fmt.Sprintf(`Client %d disconnected (close code 4000 "x\nShutting down")`, id))
}
