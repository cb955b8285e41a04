package lograte

import (
	"log"
	"strings"
	"testing"
	"time"
)

func TestLinesOfOneKindAreBounded(t *testing.T) {
	var out strings.Builder
	l := New(log.New(&out, "", 0))
	now := time.Now()
	l.now = func() time.Time { return now }

	for range burst + 3 {
		l.Printf("refused", "refused")
	}
	l.Printf("bad", "bad message") // another kind has a budget of its own
	now = now.Add(time.Second / perSecond)
	l.Printf("refused", "refused again")

	want := strings.Repeat("refused\n", burst) +
		"bad message\n" +
		"refused again (3 more like it not logged)\n"
	if out.String() != want {
		t.Fatalf("logged:\n%s\nwant:\n%s", out.String(), want)
	}
}
