// Package lograte keeps a server's log readable under attack: lines of one
// kind (refused handshakes, bad messages) are written at a bounded rate, and
// the next line written says how many were left out in between.
package lograte

import (
	"fmt"
	"io"
	"log"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Each kind of line may be written this often, after a first burst: enough
// to see what is going on, too little to fill a disk.
const (
	perSecond = 1
	burst     = 5
)

// Logger writes lines through log, at most burst at once and perSecond a
// second afterwards for each kind.
type Logger struct {
	log *log.Logger
	now func() time.Time // time.Now, but for tests

	mu    sync.Mutex
	kinds map[string]*kind
}

type kind struct {
	limiter *rate.Limiter
	left    int // lines not written since the last one that was
}

// New returns a logger that writes to log.
func New(log *log.Logger) *Logger {
	return &Logger{log: log, now: time.Now, kinds: make(map[string]*kind)}
}

// Printf writes a line of the given kind, like log.Printf, unless too many of
// that kind were written lately.
func (l *Logger) Printf(kindName, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.kinds[kindName]
	if k == nil {
		k = &kind{limiter: rate.NewLimiter(perSecond, burst)}
		l.kinds[kindName] = k
	}
	if !k.limiter.AllowN(l.now(), 1) {
		k.left++
		return
	}
	line := fmt.Sprintf(format, args...)
	if k.left > 0 {
		line += fmt.Sprintf(" (%d more like it not logged)", k.left)
		k.left = 0
	}
	l.log.Print(line)
}

// Writer returns an io.Writer whose every Write is one line of the given
// kind: for a log.Logger that some other code writes to, such as
// http.Server's ErrorLog, which logs a line for every failed TLS handshake.
func (l *Logger) Writer(kindName string) io.Writer {
	return writer{l, kindName}
}

type writer struct {
	l    *Logger
	kind string
}

func (w writer) Write(p []byte) (int, error) {
	w.l.Printf(w.kind, "%s", strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
