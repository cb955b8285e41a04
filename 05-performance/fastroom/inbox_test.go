package fastroom

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gorilla/websocket"
)

// The inbox cuts what arrives at frame ends, however it is split: a message
// in two fragments with a ping between them, fed one byte at a time, gives
// the ping first, then the message once its last fragment is in, and
// gorilla's share is exactly the two data frames.
func TestInboxFindsFrameEnds(t *testing.T) {
	first := maskedFrame(websocket.TextMessage, false, []byte("Hel"))
	ping := maskedFrame(websocket.PingMessage, true, []byte("are you there"))
	last := maskedFrame(0, true, []byte("lo")) // a continuation
	stream := bytes.Join([][]byte{first, ping, last}, nil)

	var in inbox
	var seen []event
	for i := range stream {
		if err := in.add(stream[i : i+1]); err != nil {
			t.Fatalf("after %d bytes: %v", i+1, err)
		}
		for len(in.events) > 0 {
			seen = append(seen, in.next())
		}
		if i+1 < len(first)+len(ping) && len(seen) > 0 && seen[len(seen)-1].opcode == 0 {
			t.Fatalf("a message was reported after %d bytes, before its last fragment", i+1)
		}
	}
	if len(seen) != 2 || seen[0].opcode != websocket.PingMessage || string(seen[0].payload) != "are you there" || seen[1].opcode != 0 {
		t.Fatalf("events %+v, want the ping (unmasked), then one message", seen)
	}
	data, _ := io.ReadAll(&in)
	if want := append(append([]byte(nil), first...), last...); !bytes.Equal(data, want) {
		t.Errorf("gorilla's share is %q, want the two data frames %q", data, want)
	}
	if in.partial != nil || in.data != nil || in.events != nil {
		t.Errorf("the inbox holds %d, %d, %d items once everything is read, want nothing", len(in.partial), len(in.data), len(in.events))
	}
}

// What the inbox refuses, it refuses from the header: a message over the
// size limit before its payload is buffered, and control frames that break
// RFC 6455's rules.
func TestInboxRefuses(t *testing.T) {
	over := maskedFrame(websocket.TextMessage, true, make([]byte, maxMessageSize+1))
	tests := []struct {
		name  string
		bytes []byte
		want  error
	}{
		{"message too big", over[:14], errTooBig}, // the header only
		{"fragmented ping", maskedFrame(websocket.PingMessage, false, nil), errProtocol},
		{"long ping", maskedFrame(websocket.PingMessage, true, make([]byte, 126)), errProtocol},
		{"unmasked close", []byte{0x88, 0}, errProtocol},
		{"reserved opcode", maskedFrame(0xB, true, nil), errProtocol},
	}
	for _, tt := range tests {
		var in inbox
		if err := in.add(tt.bytes); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// maskedFrame builds a frame as a client sends it, masked with a key that
// changes the bytes.
func maskedFrame(opcode int, fin bool, payload []byte) []byte {
	b0 := byte(opcode)
	if fin {
		b0 |= 0x80
	}
	frame := clientFrame(payload) // the length bytes, masked, key 0
	frame[0] = b0
	key := [4]byte{1, 2, 3, 4}
	start := len(frame) - len(payload)
	copy(frame[start-4:], key[:])
	unmask(frame[start:], key) // masking and unmasking are the same XOR
	return frame
}
