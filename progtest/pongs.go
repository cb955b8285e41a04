package progtest

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// SendPongs sends an unasked pong on conn every period, as RFC 6455 lets a
// peer do, until a write fails (the server has cut the connection) or the
// test ends. It is how a test plays a client that never reads yet keeps
// showing signs of life, to check that a server does not let such pongs
// keep a client it has said goodbye to.
func SendPongs(t testing.TB, conn *websocket.Conn, period time.Duration) {
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if conn.WriteControl(websocket.PongMessage, nil, time.Now().Add(WaitLimit)) != nil {
					return
				}
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-stopped })
}
