package fastroom

import (
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// A connection read on readiness (see poller_linux.go) has no goroutine of
// its own: the poller gives it a turn when it has sent something. What a
// reader goroutine did by blocking, the turn does with a timer instead:
//
//   - waiting for the client's rate: the turn ends, the client is not
//     watched meanwhile (its next messages wait in its connection, as
//     before), and a timer gives it its next turn when its time comes;
//   - noticing a peer that vanished: there is no read to time out, so the
//     ping timer checks when the client was last heard from;
//   - waiting for the answer to our close frame: a timer ends the
//     connection after closeGrace if the answer does not come.
//
// A turn never waits for the client: it reads what has arrived (readSome
// does not block), and gorilla reads only whole messages out of the inbox.

// errNothingYet is readSome's answer when nothing has arrived.
var errNothingYet = errors.New("nothing to read yet")

// readyState is what a connection read on readiness needs besides the
// Client. Only the turn at c, one at a time, touches inbox and paid.
type readyState struct {
	raw   syscall.RawConn // the connection's socket
	fd    int             // its descriptor, for epoll_ctl
	in    *inbox          // what was read and not yet acted on
	paid  bool            // the next message has waited for its turn already
	heard atomic.Int64    // when bytes last came, in Unix nanoseconds

	ponging atomic.Bool // a pong is being sent

	mu     sync.Mutex
	ended  bool        // finish has run: no more timers
	resume *time.Timer // hands the client back after its wait for the rate
	grace  *time.Timer // ends the connection if our close gets no answer
}

// readOnReadiness prepares c to be read by the poller, if its
// connection lets them read it without waiting (a TCP socket does).
func (c *Client) readOnReadiness() {
	if c.batch == nil {
		return
	}
	sc, ok := c.batch.Conn.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	c.ready = &readyState{raw: raw, in: &inbox{}}
	c.ready.heard.Store(time.Now().UnixNano())
	c.batch.in = c.ready.in
}

// turn is c's turn: it reads once what c sent, if it has
// nothing left from before, and acts on every whole message and control
// frame in order; then c is watched again. The turn ends early, without
// re-arming c, when c must wait for its rate or its connection ends. The
// writers its messages need are left to k's flush (see cork.go).
func (c *Client) turn(buf []byte, k *cork) {
	s := c.ready
	if len(s.in.events) == 0 {
		n, err := readSome(s.raw, buf)
		switch {
		case errors.Is(err, errNothingYet):
			c.rearm()
			return
		case err != nil:
			c.finish(err)
			return
		}
		s.heard.Store(time.Now().UnixNano())
		if err := s.in.add(buf[:n]); err != nil {
			c.refuse(err)
			return
		}
	}
	for len(s.in.events) > 0 {
		if s.in.events[0].opcode == 0 && !c.isStopped() && !c.turnCame() {
			return // the resume timer hands c back
		}
		if !c.act(s.in.next(), k) {
			return
		}
	}
	c.rearm()
}

// rearm lets the poller report c again, or ends c if it cannot.
func (c *Client) rearm() {
	if err := c.room.poller.rearm(c); err != nil {
		c.finish(err)
	}
}

// act acts on one event and reports whether the connection goes on.
func (c *Client) act(e event, k *cork) bool {
	switch e.opcode {
	case 0:
		kind, data, err := c.conn.ReadMessage() // all of it is in the inbox
		if err != nil {
			c.finish(err)
			return false
		}
		// A client on its way out is read only to hear its goodbye.
		if !c.isStopped() {
			c.handle(kind, data, k)
		}
	case websocket.PingMessage:
		c.pong(e.payload)
	case websocket.CloseMessage:
		c.answerClose(e.payload)
		return false
	}
	return true // a pong: hearing from the client is all it is for
}

// turnCame tells whether c's next message may be handled now. If not, it
// sets a timer to give c its next turn when it may: the poller never
// waits for one client's rate.
func (c *Client) turnCame() bool {
	s := c.ready
	if c.limiter == nil || s.paid {
		s.paid = false
		return true
	}
	delay := c.limiter.Reserve().Delay()
	if delay == 0 {
		return true
	}
	s.paid = true
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.resume = time.AfterFunc(delay, func() { c.room.poller.resume(c) })
	}
	return false
}

// pong answers a ping, from a goroutine of its own: a turn must not wait
// on a client that does not read. One pong at a time is enough (RFC 6455
// lets a pong answer only the latest ping).
func (c *Client) pong(payload []byte) {
	if !c.ready.ponging.CompareAndSwap(false, true) {
		return
	}
	c.room.running.Add(1)
	go func() {
		defer c.room.running.Done()
		_ = c.conn.WriteControl(websocket.PongMessage, payload, time.Now().Add(writeWait))
		c.ready.ponging.Store(false)
	}()
}

// answerClose answers the client's close frame with the same code, as
// gorilla does, and ends the connection.
func (c *Client) answerClose(payload []byte) {
	closeErr := &websocket.CloseError{Code: websocket.CloseNoStatusReceived}
	answer := []byte{}
	switch {
	case len(payload) == 1:
		c.refuse(errProtocol)
		return
	case len(payload) >= 2:
		closeErr.Code = int(binary.BigEndian.Uint16(payload))
		closeErr.Text = string(payload[2:])
		if !utf8.ValidString(closeErr.Text) {
			c.endWith(websocket.CloseInvalidFramePayloadData, "", closeErr)
			return
		}
		answer = websocket.FormatCloseMessage(closeErr.Code, "")
	}
	c.endWithFrame(answer, closeErr)
}

// refuse ends the connection for what the inbox refused: 1009 for a
// message too big, 1002 for a control frame against the rules.
func (c *Client) refuse(err error) {
	if errors.Is(err, errTooBig) {
		c.endWith(websocket.CloseMessageTooBig, "", websocket.ErrReadLimit)
		return
	}
	c.endWith(websocket.CloseProtocolError, err.Error(), err)
}

// endWith sends a close frame with code and text, then ends the connection
// for why.
func (c *Client) endWith(code int, text string, why error) {
	c.endWithFrame(websocket.FormatCloseMessage(code, text), why)
}

// endWithFrame sends a close frame with payload, from a goroutine of its
// own, then ends the connection for why.
func (c *Client) endWithFrame(payload []byte, why error) {
	c.room.running.Add(1)
	go func() {
		defer c.room.running.Done()
		_ = c.conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(closeGrace))
		c.finish(why)
	}()
}

// afterGoodbye gives a client read on readiness closeGrace to answer our
// close frame; without an answer the connection ends.
func (c *Client) afterGoodbye() {
	s := c.ready
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.grace = time.AfterFunc(closeGrace, func() { c.finish(os.ErrDeadlineExceeded) })
	}
}

// unheardFor tells whether the client has sent nothing, not even a pong,
// for longer than d.
func (s *readyState) unheardFor(d time.Duration) bool {
	return time.Since(time.Unix(0, s.heard.Load())) > d
}

// end stops the client's timers, for good.
func (s *readyState) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	for _, t := range []*time.Timer{s.resume, s.grace} {
		if t != nil {
			t.Stop()
		}
	}
}
