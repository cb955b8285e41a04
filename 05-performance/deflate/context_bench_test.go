package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"testing"
)

// BenchmarkContext measures what one compression context costs: B/op is the
// memory of a flate writer at each level, and of a flate reader. gorilla keeps
// them in pools (writers one pool per level, readers one pool) and takes one
// for each message it compresses or inflates.
//
//	go test -run '^$' -bench Context ./05-performance/deflate
func BenchmarkContext(b *testing.B) {
	for _, level := range []int{flate.HuffmanOnly, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression} {
		b.Run(fmt.Sprintf("writer/level=%d", level), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := flate.NewWriter(io.Discard, level); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("reader", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			flate.NewReader(bytes.NewReader(nil))
		}
	})
}
