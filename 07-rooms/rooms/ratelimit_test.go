package rooms

import (
	"fmt"
	"testing"
	"time"
)

// A client over its rate is read more slowly: of 30 messages sent at once
// at 10 a second, in bursts of 20, the last 10 take a second to come,
// though the sender has gone meanwhile. Without the limit, all 30 arrive
// within milliseconds.
func TestSendRateHoldsToTheLastMessage(t *testing.T) {
	const rate, sent = 10, 30
	ns := startJetStream(t)
	a := startLimited(t, ns, generous, Options{SendRate: rate})
	listener := member(t, a, "listener", "paced")
	speaker := member(t, a, "speaker", "paced")
	listener.Next() // the speaker's arrival
	for i := 1; i <= sent; i++ {
		say(speaker, fmt.Sprint(i))
	}
	speaker.Drop()

	var first time.Time
	for i := 1; i <= sent; i++ {
		e := listener.Next()
		if e.Type != "broadcast" || e.Payload != fmt.Sprint(i) {
			t.Fatalf("the listener heard %+v, want broadcast %d", e, i)
		}
		if i == 1 {
			first = time.Now()
		}
	}
	least := time.Duration(sent-2*rate-1) * time.Second / rate // the first of the 10 came with the burst
	if took := time.Since(first); took < least*8/10 {
		t.Errorf("%d messages arrived within %v, want them spread over about %v", sent, took, least)
	}
}
