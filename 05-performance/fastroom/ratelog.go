package fastroom

import (
	"fmt"
	"log"
	"sync"
	"time"
)

// A client can make the server log as fast as it can send: a bad message
// each, a refused handshake each. Logged in full, that fills the disk and
// buries the lines that matter. So each kind of such line is logged at most
// once a logInterval; the ones left out are counted, and the next line of
// the kind that is logged says how many there were.

// logInterval is the least time between two lines of one kind.
const logInterval = time.Second

// rateLog logs lines of one kind at a bounded rate.
type rateLog struct {
	log *log.Logger

	mu         sync.Mutex
	last       time.Time // when the last line was logged
	suppressed int       // lines left out since then
}

// Printf logs the line unless one of its kind was logged less than
// logInterval ago.
func (l *rateLog) Printf(format string, args ...any) {
	l.mu.Lock()
	now := time.Now()
	if now.Sub(l.last) < logInterval {
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

// flush logs how many lines were left out since the last one, if any, for
// the end of the server's life.
func (l *rateLog) flush(kind string) {
	l.mu.Lock()
	left := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	if left > 0 {
		l.log.Printf("%d more %s, not logged", left, kind)
	}
}
