package rooms

import (
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
)

// The history holds at most MaxBytes, however many rooms fill it, and never
// an event longer than a client's message may make. A client that sends a
// longer message is cut off with 1009 (message too big).
func TestHistoryIsBoundedInBytes(t *testing.T) {
	const maxBytes, maxMessage = 64 << 10, 1 << 10
	ns := startJetStream(t)
	a := startInstance(t, ns, Limits{PerRoom: 10000, MaxAge: time.Hour, MaxBytes: maxBytes, MaxMessage: maxMessage})
	filler := room.Message{Type: "broadcast", Payload: strings.Repeat("x", maxMessage-100)}
	for i := range 200 { // 200 KB in 200 rooms, each far below its count
		if _, err := a.srv.history.Append("room"+string(rune('a'+i%26))+strings.Repeat("x", i/26), 0, filler); err != nil {
			t.Fatal(err)
		}
	}
	info, err := a.srv.history.js.StreamInfo(StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Bytes > maxBytes {
		t.Errorf("the history holds %d bytes, want at most %d", info.State.Bytes, maxBytes)
	}
	huge := room.Message{Type: "broadcast", Payload: strings.Repeat("x", 3*maxMessage)}
	if _, err := a.srv.history.Append("roomz", 0, huge); err == nil {
		t.Errorf("an event of %d bytes was stored, want it refused", 3*maxMessage)
	}

	long := member(t, a, "long", "busy")
	say(long, strings.Repeat("x", maxMessage))
	if code := long.CloseCode(); code != websocket.CloseMessageTooBig {
		t.Errorf("a message over the limit ended the connection with %d, want %d", code, websocket.CloseMessageTooBig)
	}
}

// -storage file reaches the streams: on a NATS server with a directory,
// both keep their messages on disk.
func TestHistoryOnDisk(t *testing.T) {
	ns := startJetStream(t)
	a := startInstance(t, ns, Limits{PerRoom: 10, MaxAge: time.Hour, Storage: nats.FileStorage})
	for _, name := range []string{StreamName, idStream} {
		info, err := a.srv.history.js.StreamInfo(name)
		if err != nil {
			t.Fatal(err)
		}
		if info.Config.Storage != nats.FileStorage {
			t.Errorf("stream %s is kept in %v, want file", name, info.Config.Storage)
		}
	}
}

// OpenHistory reports a stream it could neither create nor update, here
// because JetStream cannot change a stream's storage once it exists, rather
// than carrying on with a history other than the one asked for.
func TestOpenHistoryReportsAStreamItCannotUpdate(t *testing.T) {
	ns := startJetStream(t)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := OpenHistory(nc, Limits{PerRoom: 10, MaxAge: time.Hour, Storage: nats.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	_, err = OpenHistory(nc, Limits{PerRoom: 10, MaxAge: time.Hour, Storage: nats.FileStorage})
	if err == nil || !strings.Contains(err.Error(), "stream "+StreamName) {
		t.Errorf("reopening the history on file storage: %v, want an error naming the stream", err)
	}
}
