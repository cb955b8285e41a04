package deflate

import (
	"compress/flate"
	"encoding/json"
	"os"
	"testing"
)

// BenchmarkContextTakeover shows what gorilla leaves out. RFC 7692 lets each
// direction of a connection keep one compression stream for all its
// messages ("context takeover"), so that a message can refer back to the
// ones before it: the envelope, the names, the words already said. gorilla
// compresses each message alone, from an empty history ("alone" here);
// "takeover" is one flate stream for the whole conversation, flushed after
// each message. One op is the 27 lines of testdata/chat.json, each sent as a
// broadcast; it reports the bytes of the frame each line needs.
//
// It uses flate's default level (6): at level 1, Go's flate codes anything
// under 128 bytes without looking for repeats at all, so history cannot help.
//
//	go test -run '^$' -bench ContextTakeover ./05-performance/deflate
func BenchmarkContextTakeover(b *testing.B) {
	lines := chatLines(b)
	plain := 0
	for _, line := range lines {
		plain += len(line) + headerSize(len(line))
	}
	for _, takeover := range []bool{false, true} {
		name := "alone"
		if takeover {
			name = "takeover"
		}
		b.Run(name, func(b *testing.B) {
			var out counter
			fw, err := flate.NewWriter(&out, flate.DefaultCompression)
			if err != nil {
				b.Fatal(err)
			}
			var sent int64
			for b.Loop() {
				fw.Reset(&out) // a new conversation
				for _, line := range lines {
					if !takeover {
						fw.Reset(&out) // forget the lines before this one
					}
					fw.Write(line)
					fw.Flush()
					sent++
				}
			}
			// Each flush ends with 00 00 ff ff, which RFC 7692 leaves off
			// the wire; the frame header is 2 bytes.
			b.ReportMetric(float64(out.n)/float64(sent)-4+2, "wire-B/msg")
			b.ReportMetric(float64(plain)/float64(len(lines)), "plain-B/msg")
		})
	}
}

// chatLines returns the text of each line of testdata/chat.json as the room
// broadcasts it.
func chatLines(tb testing.TB) [][]byte {
	data, err := os.ReadFile("testdata/chat.json")
	if err != nil {
		tb.Fatal(err)
	}
	var history struct {
		Payload []struct{ Text string }
	}
	if err := json.Unmarshal(data, &history); err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	for _, p := range history.Payload {
		lines = append(lines, broadcast(tb, p.Text))
	}
	return lines
}

// counter is an io.Writer that only counts.
type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
