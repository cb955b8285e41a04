package rooms

import (
	"fmt"
	"log"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// A client can make the server log as fast as it can send (a bad message
// each) or connect (a refusal each), and a broker that is down makes a line
// of every message. Logged in full, that fills the disk and buries the lines
// that matter. So, as in lesson 5, each kind of such line is logged at most
// once a second, and the next one logged says how many were left out.

// rateLog logs lines of one kind at a bounded rate.
type rateLog struct {
	log   *log.Logger
	every rate.Sometimes // the first line, then at most one a second
	left  atomic.Int64   // lines asked for since the last one logged
}

func newRateLog(logger *log.Logger) *rateLog {
	return &rateLog{log: logger, every: rate.Sometimes{First: 1, Interval: time.Second}}
}

// Printf logs the line unless one of its kind was logged less than a second
// ago.
func (l *rateLog) Printf(format string, args ...any) {
	l.left.Add(1)
	l.every.Do(func() {
		line := fmt.Sprintf(format, args...)
		if left := l.left.Swap(0) - 1; left > 0 {
			line += fmt.Sprintf(" (and %d more like it, not logged)", left)
		}
		l.log.Print(line)
	})
}
