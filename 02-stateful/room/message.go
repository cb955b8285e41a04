package room

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The message types of the notebook's protocol.
const (
	TypeConnected    = "client:connected"    // server → clients: someone joined
	TypeBroadcast    = "broadcast"           // client → server → the other clients
	TypeDisconnected = "client:disconnected" // server → clients: someone left
)

// Message is what travels over the wire, as JSON: {"type": …, "payload": …}.
type Message struct {
	Type    string `json:"type"`
	Payload string `json:"payload"`
}

// Connected is the notice the others get when client id joins.
func Connected(id int) Message {
	return Message{Type: TypeConnected, Payload: fmt.Sprintf("Client %d connected", id)}
}

// Disconnected is the notice the others get when client id leaves.
func Disconnected(id int) Message {
	return Message{Type: TypeDisconnected, Payload: fmt.Sprintf("Client %d disconnected", id)}
}

// ParseBroadcast decodes a message a client sent. The only thing a client may
// send is {"type":"broadcast","payload":"<text>"} (a missing payload reads as
// ""); anything else is an error, which the server logs before carrying on.
// (The notebook's server calls JSON.parse unguarded and dies on the first bad
// message.)
func ParseBroadcast(data []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, err // says what is wrong: "invalid character…", "cannot unmarshal number…"
	}
	if m.Type != TypeBroadcast {
		return Message{}, fmt.Errorf("unknown message type %s", ForLog(m.Type))
	}
	return m, nil
}

// Encode turns m into the JSON that goes on the wire. It does not escape <, >
// and & as encoding/json's Marshal does for HTML pages: escaped, each of those
// characters takes six bytes, so a message full of them would grow sixfold on
// its way to every client. JSON read by a WebSocket client needs no escaping.
func Encode(m Message) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(m)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// logLimit is how much of a client's text a log line shows.
const logLimit = 64

// ForLog returns text as a quoted Go string, cut to its first logLimit
// bytes. Quoting turns newlines and terminal escape codes into visible \n
// and \x1b, so a client cannot write lines into the server's log that look
// like the server's own, nor fill the log with one long message.
func ForLog(text string) string {
	if len(text) <= logLimit {
		return strconv.Quote(text)
	}
	// ToValidUTF8 drops what is left of a character that the cut splits (and
	// any other byte that is not UTF-8).
	cut := strings.ToValidUTF8(text[:logLimit], "")
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(cut), len(text))
}
