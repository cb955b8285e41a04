package room_test

import (
	"fmt"

	"example.com/wstutorial/02-stateful/room"
)

// A server reads what a client sent with ParseBroadcast, and on an error
// logs it and carries on instead of crashing.
func ExampleParseBroadcast() {
	for _, data := range []string{
		`{"type":"broadcast","payload":"Hello"}`,
		`{"type":"broadcast","payload":42}`,
		`{"type":"shout","payload":"Hello"}`,
		`Hello`,
	} {
		m, err := room.ParseBroadcast([]byte(data))
		if err != nil {
			fmt.Println("ignored:", err)
			continue
		}
		fmt.Printf("%s message: %s\n", m.Type, m.Payload)
	}
	// Output:
	// broadcast message: Hello
	// ignored: json: cannot unmarshal number into Go struct field Message.payload of type string
	// ignored: unknown message type "shout"
	// ignored: invalid character 'H' looking for beginning of value
}
