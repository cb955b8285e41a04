package fastroom

import (
	"encoding/json"
	"example.com/wstutorial/02-stateful/room"
	"fmt"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// Whatever a client sends, the room logs what was wrong and carries on: the
// sender stays connected and can still broadcast, and nobody else hears
// about the bad message.
func TestBadInputIsIgnored(t *testing.T) {
	tests := []struct {
		name string
		kind int // websocket.TextMessage or BinaryMessage
		data string
		log  string // part of the line the room logs
	}{
		{"invalid JSON", websocket.TextMessage, `{"type":"broadcast",`, "unexpected end of JSON input"},
		{"plain text", websocket.TextMessage, `Hello`, "invalid character 'H'"},
		{"not an object", websocket.TextMessage, `["broadcast","hi"]`, "cannot unmarshal array"},
		{"number payload", websocket.TextMessage, `{"type":"broadcast","payload":42}`, "cannot unmarshal number into Go struct field Message.payload"},
		{"object payload", websocket.TextMessage, `{"type":"broadcast","payload":{"text":"hi"}}`, "cannot unmarshal object into Go struct field Message.payload"},
		{"unknown type", websocket.TextMessage, `{"type":"shout","payload":"hi"}`, `unknown message type "shout"`},
		{"missing type", websocket.TextMessage, `{"payload":"hi"}`, `unknown message type ""`},
		{"number type", websocket.TextMessage, `{"type":1,"payload":"hi"}`, "cannot unmarshal number into Go struct field Message.type"},
		{"binary frame", websocket.BinaryMessage, `{"type":"broadcast","payload":"hi"}`, "sent a binary message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTestRoom(t)
			sender, other := tr.connect(t), tr.connect(t)
			sender.Expect(room.Connected(other.id))

			sender.SendRaw(tt.kind, []byte(tt.data))
			line := tr.waitForLog(fmt.Sprintf("Client %d sent", sender.id))
			if !strings.Contains(line, tt.log) || !strings.HasSuffix(line, "ignored") {
				t.Errorf("the room logged %q, want a line with %q that ends in ignored", line, tt.log)
			}

			// The next thing the other client hears is the sender's next
			// message, not the bad one.
			sender.send("still here")
			other.Expect(broadcastOf("still here"))
		})
	}
}

// A message may be as large as maxMessageSize and no larger. A client that
// sends a larger one is disconnected with 1009 (message too big); the others
// hear that it left and carry on.
func TestMessageSizeLimit(t *testing.T) {
	tr := newTestRoom(t)
	sender, other := tr.connect(t), tr.connect(t)
	sender.Expect(room.Connected(other.id))

	largest, data := broadcastOfSize(maxMessageSize)
	sender.SendRaw(websocket.TextMessage, data)
	other.Expect(largest)

	_, data = broadcastOfSize(maxMessageSize + 1)
	sender.SendRaw(websocket.TextMessage, data)
	if code := sender.CloseCode(); code != websocket.CloseMessageTooBig {
		t.Errorf("the sender of an oversized message got close code %d, want %d", code, websocket.CloseMessageTooBig)
	}
	other.Expect(room.Disconnected(sender.id))
	tr.waitForLog(fmt.Sprintf("Client %d disconnected (message over the size limit", sender.id))

	newcomer := tr.connect(t)
	other.Expect(room.Connected(newcomer.id))
	newcomer.send("the room is fine")
	other.Expect(broadcastOf("the room is fine"))
}

// broadcastOfSize returns a broadcast message that is exactly size bytes
// of JSON, and that JSON.
func broadcastOfSize(size int) (room.Message, []byte) {
	empty, _ := json.Marshal(broadcastOf(""))
	m := broadcastOf(strings.Repeat("x", size-len(empty)))
	data, _ := json.Marshal(m)
	return m, data
}
