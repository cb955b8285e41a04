package deflate

import (
	"bytes"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// message is one of the messages measured.
type message struct {
	name string
	kind int // websocket.TextMessage or websocket.BinaryMessage
	data []byte
}

// messages returns the three messages every figure is measured with.
func messages(tb testing.TB) []message {
	hello := broadcast(tb, "Hello")
	line := broadcast(tb, "Probably the deploy. The old pods got SIGTERM and closed with 1001, the clients should have reconnected.")
	chat, err := os.ReadFile("testdata/chat.json")
	if err != nil {
		tb.Fatal(err)
	}
	return []message{
		// The notebook's broadcast, as the room sends it: 38 bytes.
		{name: "hello", kind: websocket.TextMessage, data: hello},
		// A typical line of chat in the same envelope: 137 bytes.
		{name: "line", kind: websocket.TextMessage, data: line},
		// Twenty-seven chat lines with their sender, time and id, as a
		// history sent to a client that joins: 4.2 KB of JSON.
		{name: "chat-4k", kind: websocket.TextMessage, data: bytes.TrimSpace(chat)},
		// 4 KB of random bytes, as an image or anything already
		// compressed: nothing for deflate to find.
		{name: "random-4k", kind: websocket.BinaryMessage, data: randomBytes(4096)},
	}
}

// messageNamed returns the message called name.
func messageNamed(tb testing.TB, name string) message {
	for _, m := range messages(tb) {
		if m.name == name {
			return m
		}
	}
	tb.Fatalf("no message called %q", name)
	return message{}
}

// randomBytes returns n bytes from a fixed seed, the same in every run.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{}).Read(b)
	return b
}

// broadcast returns text in the room's broadcast envelope, as the room
// sends it: {"type":"broadcast","payload":"…"}.
func broadcast(tb testing.TB, text string) []byte {
	data, err := room.Encode(room.Message{Type: room.TypeBroadcast, Payload: text})
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
