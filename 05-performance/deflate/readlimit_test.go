package deflate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/gorilla/websocket"
)

// TestReadLimitCountsCompressedBytes shows a trap: gorilla's SetReadLimit
// counts the bytes on the wire, not the bytes they inflate to. With
// compression agreed, a client can send a message within the limit that
// inflates to hundreds of times its size, and ReadMessage reads all of it
// into memory. A server that turns compression on must bound the inflated
// size itself, as readAtMost does.
func TestReadLimitCountsCompressedBytes(t *testing.T) {
	const limit = 64 * 1024 // lesson 2's read limit
	p := newPair(t, options{serverOffers: true, clientOffers: true})
	p.server.SetReadLimit(limit)

	bomb := make([]byte, 4<<20) // 4 MB of zeros
	var sent bytes.Buffer
	p.clientSocket.writes = &sent
	if err := p.client.WriteMessage(websocket.BinaryMessage, bomb); err != nil {
		t.Fatal(err)
	}
	p.clientSocket.writes = nil
	if sent.Len() > limit {
		t.Fatalf("the message took %d bytes on the wire: no longer under the limit", sent.Len())
	}

	_, got, err := p.server.ReadMessage()
	if err != nil {
		t.Fatalf("gorilla refused the message (%v): its limit counts inflated bytes now", err)
	}
	t.Logf("%d bytes on the wire, %d read under a limit of %d", sent.Len(), len(got), limit)

	// The same message again, read with a limit on what it inflates to.
	if err := p.client.WriteMessage(websocket.BinaryMessage, bomb); err != nil {
		t.Fatal(err)
	}
	if _, err := readAtMost(p.server, limit); !errors.Is(err, errTooLarge) {
		t.Fatalf("readAtMost: got %v, want %v", err, errTooLarge)
	}
}

var errTooLarge = errors.New("message too large")

// readAtMost reads the next message, but no more than limit bytes of it
// once inflated. (A server would then close the connection with 1009.)
func readAtMost(conn *websocket.Conn, limit int64) ([]byte, error) {
	_, r, err := conn.NextReader()
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errTooLarge, limit)
	}
	return data, nil
}
