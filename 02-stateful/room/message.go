package room

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
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
// send is {"type":"broadcast","payload":"<text>"}; anything else is an error
// that says what was wrong, so the server can log it and carry on. (The
// notebook's server calls JSON.parse unguarded and dies on the first bad one.)
func ParseBroadcast(data []byte) (Message, error) {
	var in struct {
		Type    string  `json:"type"`
		Payload *string `json:"payload"` // a pointer, to tell "missing" from ""
	}
	if err := json.Unmarshal(data, &in); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			if typeErr.Field == "" { // the whole message is wrong: [...], "...", 42
				return Message{}, fmt.Errorf("the message is a JSON %s, not an object", typeErr.Value)
			}
			return Message{}, fmt.Errorf("field %q must be a string", typeErr.Field)
		}
		return Message{}, fmt.Errorf("invalid JSON: %w", err)
	}
	switch {
	case in.Type != TypeBroadcast:
		return Message{}, fmt.Errorf("unknown message type %q", in.Type)
	case in.Payload == nil:
		return Message{}, errors.New("missing payload")
	}
	return Message{Type: in.Type, Payload: *in.Payload}, nil
}

// Encode turns m into the JSON that goes on the wire. It does not escape <, >
// and & as encoding/json's Marshal does for HTML pages: escaped, each of those
// characters takes six bytes, so a message full of them would grow sixfold on
// its way to every client. JSON read by a WebSocket client needs no escaping.
func Encode(m Message) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
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
	cut := logLimit
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut-- // do not split a character
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(text[:cut]), len(text))
}
