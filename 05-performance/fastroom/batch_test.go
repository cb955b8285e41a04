package fastroom

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// A frame's header holds its length in one, three or nine bytes, depending
// on how long the message is (RFC 6455, 5.2).
func TestTextFrame(t *testing.T) {
	tests := []struct {
		size   int
		header []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{65535, []byte{0x81, 126, 0xFF, 0xFF}},
		{65536, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		data := bytes.Repeat([]byte("x"), tt.size)
		frame := textFrame(data)
		if !bytes.HasPrefix(frame, tt.header) || !bytes.Equal(frame[len(tt.header):], data) {
			t.Errorf("the frame of %d bytes starts % x, want % x and then the message", tt.size, frame[:min(len(frame), 10)], tt.header)
		}
	}
}

// writeRecorder is a connection that remembers each write it was given.
type writeRecorder struct {
	net.Conn // nil: only Write is used
	writes   []string
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// A writer's frames go out in one write, or one per maxBatch bytes, whole
// and in order.
func TestWriteFramesBatches(t *testing.T) {
	small, big := []byte("ab"), bytes.Repeat([]byte("x"), maxBatch/2)
	tests := []struct {
		name   string
		frames [][]byte
		writes int
	}{
		{"a few small frames", [][]byte{small, small, small}, 1},
		{"more than a batch", [][]byte{big, big, small, big}, 2},
	}
	for _, tt := range tests {
		rec := &writeRecorder{}
		b := &batchConn{Conn: rec}
		var frames []*[]byte
		for _, f := range tt.frames {
			frames = append(frames, &f)
		}
		if err := b.writeFrames(frames); err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(rec.writes, ""), string(bytes.Join(tt.frames, nil)); got != want || len(rec.writes) != tt.writes {
			t.Errorf("%s: %d writes of %d bytes, want %d of %d", tt.name, len(rec.writes), len(got), tt.writes, len(want))
		}
	}
}

// Once our close frame is out, no data frame follows it (RFC 6455, 5.5.1),
// whichever way the writer sends.
func TestNoDataFrameAfterOurClose(t *testing.T) {
	rec := &writeRecorder{}
	b := &batchConn{Conn: rec}
	closeFrame := []byte{closeFrameStart, 2, 0x03, 0xE9} // 1001, going away
	if _, err := b.Write(closeFrame); err != nil {
		t.Fatal(err)
	}
	frame := textFrame([]byte("too late"))
	if err := b.writeFrames([]*[]byte{&frame}); err != nil {
		t.Fatal(err)
	}
	if rest, sent := b.sendNow(nil, frame); len(rest) != 0 || !sent {
		t.Errorf("sendNow after the close = %q, %v; want it thrown away", rest, sent)
	}
	if len(rec.writes) != 1 || rec.writes[0] != string(closeFrame) {
		t.Errorf("writes after our close frame: %q", rec.writes[1:])
	}
}

func TestHandlerConnectionsBatch(t *testing.T) {
	tr := newTestRoom(t)
	c := tr.connect(t)
	defer c.Close()
	if joined := tr.client(c.id); joined == nil || joined.batch == nil {
		t.Fatal("a client that came through Handler does not batch its writes")
	}
}
