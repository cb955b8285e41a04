package fastroom

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"example.com/wstutorial/02-stateful/room"
)

// A message the room passes on as it came must be exactly what parsing it
// and encoding it again would have sent: the same bytes, the same payload.
// Whatever it does not pass on as it came still goes the general way.
func FuzzSentAsEncoded(f *testing.F) {
	for _, seed := range []string{
		`{"type":"broadcast","payload":"Hello"}`,
		`{"type":"broadcast","payload":""}`,
		`{"type":"broadcast","payload":"}`,
		`{"type":"broadcast","payload":"<b>&amp;</b> é ∑ \u007f"}`,
		`{"type":"broadcast","payload":"a\"b"}`,
		`{"type":"broadcast","payload":"\u0041"}`,
		"{\"type\":\"broadcast\",\"payload\":\"line\u2028separator\"}",
		"{\"type\":\"broadcast\",\"payload\":\"para\u2029separator\"}",
		"{\"type\":\"broadcast\",\"payload\":\"tab\there\"}",
		`{"type":"broadcast","payload":"x","extra":1}`,
		`{"payload":"Hello","type":"broadcast"}`,
		`{"type":"broadcast", "payload":"Hello"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return // refused with 1007 before it gets here
		}
		payload, ok := sentAsEncoded(data)
		if !ok {
			return
		}
		m, err := room.ParseBroadcast(data)
		if err != nil {
			t.Fatalf("passed on as it came, but the protocol refuses %q: %v", data, err)
		}
		if m.Payload != string(payload) {
			t.Errorf("payload %q, but parsing %q gives %q", payload, data, m.Payload)
		}
		if encoded, _ := room.Encode(m); !bytes.Equal(encoded, data) {
			t.Errorf("passed on %q as it came, but the room encodes it as %q", data, encoded)
		}
	})
}

// The messages in the form the room sends are recognised (the others are
// checked by FuzzSentAsEncoded not to be).
func TestSentAsEncodedTakesTheCommonForm(t *testing.T) {
	for _, payload := range []string{"Hello", "", "<b>&</b> é ∑"} {
		data, _ := room.Encode(broadcastOf(payload))
		if got, ok := sentAsEncoded(data); !ok || string(got) != payload {
			t.Errorf("sentAsEncoded(%q) = %q, %v; want %q, true", data, got, ok, payload)
		}
	}
}
