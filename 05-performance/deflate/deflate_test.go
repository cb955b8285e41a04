package deflate

import (
	"bytes"
	"testing"
)

// rsv1 is the bit in a frame's first byte that marks a compressed message
// (RFC 7692, 6).
const rsv1 = 0x40

// send has the server write m and the client read it, and returns the
// bytes that went on the wire.
func send(t *testing.T, p *pair, m message) []byte {
	t.Helper()
	var wire bytes.Buffer
	p.clientSocket.reads = &wire
	defer func() { p.clientSocket.reads = nil }()
	if err := p.server.WriteMessage(m.kind, m.data); err != nil {
		t.Fatalf("write: %v", err)
	}
	kind, got, err := p.client.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if kind != m.kind || !bytes.Equal(got, m.data) {
		t.Fatalf("the client read a different message (type %d, %d bytes) from the one sent (type %d, %d bytes)",
			kind, len(got), m.kind, len(m.data))
	}
	return wire.Bytes()
}

func TestCompressedWhenBothOffer(t *testing.T) {
	for _, m := range messages(t) {
		t.Run(m.name, func(t *testing.T) {
			p := newPair(t, options{serverOffers: true, clientOffers: true})
			wire := send(t, p, m)
			if wire[0]&rsv1 == 0 {
				t.Fatalf("first byte %#x: RSV1 clear, the message went out uncompressed", wire[0])
			}
			t.Logf("%d bytes of message, %d on the wire", len(m.data), len(wire))
			switch m.name {
			case "chat-4k": // JSON text: deflate more than halves it
				if len(wire) > len(m.data)/2 {
					t.Errorf("%d bytes on the wire for %d of chat JSON: want at most half", len(wire), len(m.data))
				}
			case "hello", "random-4k": // nothing to gain: compressed is no smaller than plain
				if plain := len(m.data) + headerSize(len(m.data)); len(wire) < plain {
					t.Errorf("%d bytes on the wire, fewer than the %d of the plain frame", len(wire), plain)
				}
			}
		})
	}
}

func TestPlainUnlessBothOffer(t *testing.T) {
	m := messageNamed(t, "chat-4k") // which would compress well
	for _, opts := range []options{{serverOffers: true}, {clientOffers: true}} {
		p := newPair(t, opts)
		wire := send(t, p, m)
		if wire[0]&rsv1 != 0 {
			t.Errorf("%+v: RSV1 set, but compression was not agreed", opts)
		}
		if want := len(m.data) + headerSize(len(m.data)); len(wire) != want {
			t.Errorf("%+v: %d bytes on the wire, want %d (one plain frame)", opts, len(wire), want)
		}
	}
}

// TestServerReadsCompressed checks the other direction: what a client
// compresses, the server reads back intact.
func TestServerReadsCompressed(t *testing.T) {
	p := newPair(t, options{serverOffers: true, clientOffers: true})
	for _, m := range messages(t) {
		if err := p.client.WriteMessage(m.kind, m.data); err != nil {
			t.Fatalf("write: %v", err)
		}
		kind, got, err := p.server.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if kind != m.kind || !bytes.Equal(got, m.data) {
			t.Fatalf("%s: the server read %d bytes, not the %d sent", m.name, len(got), len(m.data))
		}
	}
}

// headerSize is the size of the header of an unmasked frame (what a server
// sends) carrying n bytes.
func headerSize(n int) int {
	switch {
	case n < 126:
		return 2
	case n <= 0xFFFF:
		return 4
	default:
		return 10
	}
}
