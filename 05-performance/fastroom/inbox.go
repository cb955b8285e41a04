package fastroom

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/gorilla/websocket"
)

// A reader shared by many connections (see poller_linux.go) must never wait
// for one of them, and gorilla's read does wait: it blocks until the whole
// frame it is reading has arrived. A peer that sends half a frame, on
// purpose or because the network split it, would hold the shared reader,
// and every other client with it.
//
// So the room reads what has arrived itself, without waiting, and keeps it
// in the client's inbox. The inbox finds where frames end (RFC 6455, 5.2):
// whole data frames go to gorilla, which reads them from the inbox instead
// of the socket (batchConn.Read), and is asked for a message only once all
// of it is there; so it never has to wait. The bytes of a frame still
// arriving stay in the inbox until the rest comes.
//
// Control frames (ping, pong, close) are kept out of gorilla's way: gorilla
// answers them inside its read, which would then go on to wait for the
// next frame. The room answers them itself (see readiness.go).

const (
	// readChunk is the most read from a connection at a time. A client
	// with more to send waits for its next turn (see readiness.go).
	readChunk = 16 * 1024

	// inboxLimit is the most an inbox holds: a message at the size limit,
	// room for the headers of its frames, and what one read may add. A
	// client that sends more before its message ends gets close code
	// 1009, as for a message too big.
	inboxLimit = maxMessageSize + readChunk + 4096
)

// errTooBig says a client's message, or its frames, went over the limits.
var errTooBig = errors.New("message over the size limit")

// errProtocol says a client's control frame broke RFC 6455's rules.
var errProtocol = errors.New("control frame against the protocol")

// event is what the inbox found, in the order it arrived: a whole data
// message for gorilla to read (opcode 0), or a control frame.
type event struct {
	opcode  int    // 0, or websocket.CloseMessage, PingMessage, PongMessage
	payload []byte // a control frame's payload, unmasked
}

// inbox holds what a client sent that the room has not acted on yet. An idle
// client's inbox holds nothing: every slice is nil.
type inbox struct {
	partial []byte  // the start of a frame still arriving
	data    []byte  // whole data frames, for gorilla to read
	pending int64   // payload bytes in data of the message still arriving
	events  []event // what to act on, oldest first
}

// add appends bytes read from the connection, and records the frames they
// complete.
func (in *inbox) add(p []byte) error {
	buf := append(in.partial, p...)
	for {
		h, ok := parseHeader(buf)
		if !ok {
			break // the header is not all there yet
		}
		if h.opcode >= websocket.CloseMessage {
			if !h.fin || h.payload > 125 || !h.masked || h.rsv || h.opcode > websocket.PongMessage {
				return errProtocol
			}
		} else if in.pending+h.payload > maxMessageSize {
			return errTooBig // refused from its header: never buffered
		}
		end := int64(h.size) + h.payload
		if int64(len(buf)) < end {
			break // the payload is not all there yet
		}
		frame := buf[:end]
		buf = buf[end:]
		if h.opcode >= websocket.CloseMessage {
			payload := append([]byte(nil), frame[h.size:]...)
			unmask(payload, h.mask)
			in.events = append(in.events, event{opcode: h.opcode, payload: payload})
			continue
		}
		// Data frames, and frames with an opcode RFC 6455 does not
		// define, go to gorilla, which refuses the bad ones itself.
		in.data = append(in.data, frame...)
		in.pending += h.payload
		if h.fin {
			in.events = append(in.events, event{})
			in.pending = 0
		}
	}
	if len(buf)+len(in.data) > inboxLimit {
		return errTooBig
	}
	// Keep the rest in a slice of its own: the buffer read into is reused.
	in.partial = append([]byte(nil), buf...)
	if len(in.partial) == 0 {
		in.partial = nil
	}
	return nil
}

// next removes and returns the oldest event.
func (in *inbox) next() event {
	e := in.events[0]
	in.events = in.events[1:]
	if len(in.events) == 0 {
		in.events = nil
	}
	return e
}

// Read gives gorilla the whole data frames the inbox holds. gorilla asks
// for more only while reading a message the inbox has all of, so an empty
// inbox here means a mistake, which ends the connection rather than waits.
func (in *inbox) Read(p []byte) (int, error) {
	if len(in.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, in.data)
	in.data = in.data[n:]
	if len(in.data) == 0 {
		in.data = nil // an idle client keeps no buffer
	}
	return n, nil
}

// header is a frame's header (RFC 6455, 5.2).
type header struct {
	fin, rsv, masked bool
	opcode           int
	size             int   // bytes in the header
	payload          int64 // bytes after it
	mask             [4]byte
}

// parseHeader reads the frame header at the start of b; ok is false if b
// does not hold all of it yet.
func parseHeader(b []byte) (h header, ok bool) {
	if len(b) < 2 {
		return h, false
	}
	h.fin = b[0]&0x80 != 0
	h.rsv = b[0]&0x70 != 0
	h.opcode = int(b[0] & 0x0f)
	h.masked = b[1]&0x80 != 0
	h.size = 2
	switch n := b[1] & 0x7f; n {
	case 126:
		if len(b) < 4 {
			return h, false
		}
		h.payload, h.size = int64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return h, false
		}
		h.payload, h.size = int64(binary.BigEndian.Uint64(b[2:])&(1<<63-1)), 10
	default:
		h.payload = int64(n)
	}
	if h.masked {
		if len(b) < h.size+4 {
			return h, false
		}
		copy(h.mask[:], b[h.size:])
		h.size += 4
	}
	return h, true
}

// unmask undoes a client's masking of a payload (RFC 6455, 5.3).
func unmask(p []byte, mask [4]byte) {
	for i := range p {
		p[i] ^= mask[i%4]
	}
}
