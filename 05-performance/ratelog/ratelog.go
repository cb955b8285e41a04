// Package ratelog logs the lines a client can cause at a bounded rate.
//
// A client can make a server log as fast as it can send: a bad message
// each, a refused handshake each. Logged in full, that fills the disk and
// buries the lines that matter. So each kind of such line is logged at most
// once an Interval; the ones left out are counted, and the next line of
// the kind that is logged says how many there were.
package ratelog

import (
	"fmt"
	"log"
	"sync"
	"time"
)

// Interval is the least time between two lines of one kind.
const Interval = time.Second

// Log logs lines of one kind at a bounded rate. Use one Log per kind.
type Log struct {
	log *log.Logger

	mu         sync.Mutex
	last       time.Time // when the last line was logged
	suppressed int       // lines left out since then
}

// New returns a Log that writes to logger.
func New(logger *log.Logger) *Log { return &Log{log: logger} }

// Printf logs the line unless one of its kind was logged less than
// Interval ago.
func (l *Log) Printf(format string, args ...any) {
	l.mu.Lock()
	now := time.Now()
	if now.Sub(l.last) < Interval {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	left := l.suppressed
	l.last, l.suppressed = now, 0
	l.mu.Unlock()

	line := fmt.Sprintf(format, args...)
	if left > 0 {
		line += fmt.Sprintf(" (and %d more like it, not logged)", left)
	}
	l.log.Print(line)
}

// Flush logs how many lines were left out since the last one, if any, for
// the end of the server's life.
func (l *Log) Flush(kind string) {
	l.mu.Lock()
	left := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	if left > 0 {
		l.log.Printf("%d more %s, not logged", left, kind)
	}
}
