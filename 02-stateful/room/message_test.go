package room

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestParseBroadcast(t *testing.T) {
	tests := []struct {
		in      string
		want    Message
		wantErr string // part of the error; "" when in is valid
	}{
		{`{"type":"broadcast","payload":"Hello"}`, broadcastOf("Hello"), ""},
		{`{"payload":"Hello","type":"broadcast"}`, broadcastOf("Hello"), ""},
		{`{"type":"broadcast","payload":""}`, broadcastOf(""), ""},
		{`{"type":"broadcast","payload":"h\u00e9 \"quoted\" 👋"}`, broadcastOf(`hé "quoted" 👋`), ""},
		{` {"type":"broadcast","payload":"spaces around"} `, broadcastOf("spaces around"), ""},
		{`{"type":"broadcast","payload":"x","extra":1}`, broadcastOf("x"), ""}, // unknown fields are ignored
		{`{"type":"broadcast"}`, broadcastOf(""), ""},                          // a missing payload reads as ""
		{`{"type":"broadcast","payload":null}`, broadcastOf(""), ""},           // so does null
		{`{"type":"broadcast","payload":42}`, Message{}, "cannot unmarshal number into Go struct field Message.payload of type string"},
		{`{"type":"broadcast","payload":["a"]}`, Message{}, "cannot unmarshal array into Go struct field Message.payload"},
		{`{"type":true,"payload":"x"}`, Message{}, "cannot unmarshal bool into Go struct field Message.type"},
		{`{"type":"client:connected","payload":"Client 9 connected"}`, Message{}, `unknown message type "client:connected"`},
		{`{"type":"Broadcast","payload":"x"}`, Message{}, `unknown message type "Broadcast"`},
		{`{"payload":"x"}`, Message{}, `unknown message type ""`},
		{`{}`, Message{}, `unknown message type ""`},
		{`{"type":"` + strings.Repeat("x", 1000) + `"}`, Message{}, `unknown message type "` + strings.Repeat("x", logLimit) + `"… (1000 bytes)`}, // cut, like every client text the log shows
		{`["broadcast","x"]`, Message{}, "cannot unmarshal array into Go value of type room.Message"},
		{`"broadcast"`, Message{}, "cannot unmarshal string into Go value of type room.Message"},
		{`42`, Message{}, "cannot unmarshal number into Go value of type room.Message"},
		{`null`, Message{}, `unknown message type ""`},
		{``, Message{}, "unexpected end of JSON input"},
		{`{"type":"broadcast","payload":"x"`, Message{}, "unexpected end of JSON input"},
		{`{"type":"broadcast","payload":"x"}{}`, Message{}, "invalid character '{' after top-level value"},
	}
	for _, tt := range tests {
		got, err := ParseBroadcast([]byte(tt.in))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseBroadcast(%s): %v", tt.in, err)
		case tt.wantErr == "" && got != tt.want:
			t.Errorf("ParseBroadcast(%s) = %+v, want %+v", tt.in, got, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseBroadcast(%s): error %v, want one containing %q", tt.in, err, tt.wantErr)
		}
	}
}

// The notices the room sends are exactly the notebook's JSON.
func TestNoticesOnTheWire(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Connected(2), `{"type":"client:connected","payload":"Client 2 connected"}`},
		{Disconnected(1), `{"type":"client:disconnected","payload":"Client 1 disconnected"}`},
		{broadcastOf("Hello"), `{"type":"broadcast","payload":"Hello"}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.m)
		if err != nil || string(got) != tt.want {
			t.Errorf("json.Marshal(%+v) = %s, %v; want %s", tt.m, got, err, tt.want)
		}
	}
}

// Encode writes what json.Marshal writes, except that <, > and & stay as
// they are instead of growing to six bytes each.
func TestEncode(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Connected(2), `{"type":"client:connected","payload":"Client 2 connected"}`},
		{broadcastOf("<b>Tom & Jerry</b>"), `{"type":"broadcast","payload":"<b>Tom & Jerry</b>"}`},
		{broadcastOf("line\n\"quoted\" é"), `{"type":"broadcast","payload":"line\n\"quoted\" é"}`},
	}
	for _, tt := range tests {
		if got, err := Encode(tt.m); err != nil || string(got) != tt.want {
			t.Errorf("Encode(%+v) = %s, %v; want %s", tt.m, got, err, tt.want)
		}
	}
}

// ForLog quotes a client's text, and cuts it after logLimit bytes without
// splitting a character.
func TestForLog(t *testing.T) {
	long := strings.Repeat("a", logLimit-1) + "éé"
	tests := []struct{ in, want string }{
		{"Hello", `"Hello"`},
		{"x\nClient 1 disconnected", `"x\nClient 1 disconnected"`},
		{"\x1b[31mred", `"\x1b[31mred"`},
		{"\xff", `"\xff"`},
		{strings.Repeat("a", logLimit), `"` + strings.Repeat("a", logLimit) + `"`},
		{long, `"` + strings.Repeat("a", logLimit-1) + `"… (` + fmt.Sprint(len(long)) + ` bytes)`},
	}
	for _, tt := range tests {
		if got := ForLog(tt.in); got != tt.want {
			t.Errorf("ForLog(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
