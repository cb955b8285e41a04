package room

import (
	"fmt"
	"strings"
	"testing"
	"time"

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
		{"forged notice", websocket.TextMessage, `{"type":"client:disconnected","payload":"Client 1 disconnected"}`, `unknown message type "client:disconnected"`},
		{"missing type", websocket.TextMessage, `{"payload":"hi"}`, `unknown message type ""`},
		{"number type", websocket.TextMessage, `{"type":1,"payload":"hi"}`, "cannot unmarshal number into Go struct field Message.type"},
		{"binary frame", websocket.BinaryMessage, `{"type":"broadcast","payload":"hi"}`, "sent a binary message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTestRoom(t)
			sender, other := tr.connect(t), tr.connect(t)
			sender.Expect(Connected(other.id))

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
	sender.Expect(Connected(other.id))

	largest, data := broadcastOfSize(maxMessageSize)
	sender.SendRaw(websocket.TextMessage, data)
	other.Expect(largest)

	_, data = broadcastOfSize(maxMessageSize + 1)
	sender.SendRaw(websocket.TextMessage, data)
	if code := sender.CloseCode(); code != websocket.CloseMessageTooBig {
		t.Errorf("the sender of an oversized message got close code %d, want %d", code, websocket.CloseMessageTooBig)
	}
	other.Expect(Disconnected(sender.id))
	tr.waitForLog(fmt.Sprintf(`Client %d disconnected: "websocket: read limit exceeded"`, sender.id))

	newcomer := tr.connect(t)
	other.Expect(Connected(newcomer.id))
	newcomer.send("the room is fine")
	other.Expect(broadcastOf("the room is fine"))
}

// A text frame must hold UTF-8 (RFC 6455). One that does not gets its sender
// disconnected with 1007, and is passed on to no one. Neither is anything
// the sender had sent after it: once the room has removed a client, its read
// pump broadcasts nothing more.
func TestInvalidUTF8IsRefused(t *testing.T) {
	tr := newTestRoom(t)
	other := tr.connect(t)
	// The sender reads nothing until it has sent both messages, so it
	// cannot see the room's close frame in between and stop sending: the
	// second message reaches a read pump whose client has been removed.
	conn, id, err := tr.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	other.Expect(Connected(id))
	for _, data := range []string{`{"type":"broadcast","payload":"bad ` + "\xff\xfe" + `"}`, `{"type":"broadcast","payload":"sent after"}`} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	tr.waitForLog(fmt.Sprintf("Client %d sent text that is not UTF-8", id))

	sender := record(t, conn, id)
	if code := sender.CloseCode(); code != websocket.CloseInvalidFramePayloadData {
		t.Errorf("the sender of invalid UTF-8 got close code %d, want %d", code, websocket.CloseInvalidFramePayloadData)
	}
	other.Expect(Disconnected(id)) // and nothing before it
	other.Expect(tr.deliverMarker())
}

// The room passes a message on as the sender wrote it: <, > and & are not
// escaped as \u003c, \u003e and \u0026, which would make each of them six
// bytes on the wire to every client.
func TestNoHTMLEscaping(t *testing.T) {
	tr := newTestRoom(t)
	sender := tr.connect(t)
	conn, _, err := tr.dial(nil) // read raw, to see the bytes on the wire
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	sender.send("<b>&</b>")
	_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
	_, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"broadcast","payload":"<b>&</b>"}`; string(data) != want {
		t.Errorf("received %s, want %s", data, want)
	}
}

// What a client writes reaches the log quoted and on one line, so it cannot
// forge lines that look like the server's own or send escape codes to the
// terminal; and cut short, so one long message cannot fill the log.
func TestPayloadsAreLoggedQuoted(t *testing.T) {
	tr := newTestRoom(t)
	sender := tr.connect(t)

	forged := "x\nClient 1 disconnected\n\x1b[2JShutting down"
	sender.send(forged)
	line := tr.waitForLog(fmt.Sprintf("Client %d broadcast:", sender.id))
	if want := fmt.Sprintf(`Client %d broadcast: "x\nClient 1 disconnected\n\x1b[2JShutting down"`, sender.id); line != want {
		t.Errorf("logged %q, want %q", line, want)
	}

	long := strings.Repeat("y", 10_000)
	sender.send(long)
	line = tr.waitForLog(fmt.Sprintf("Client %d broadcast: \"yyy", sender.id))
	if want := "… (10000 bytes)"; !strings.HasSuffix(line, want) || len(line) > 200 {
		t.Errorf("logged %d bytes: %.100q…; want a short line ending in %q", len(line), line, want)
	}
}
