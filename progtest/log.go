package progtest

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// maxLogLine is as much of a log line as Log keeps: a flood of long lines
// would otherwise make the log huge and slow to search.
const maxLogLine = 300

// Log is where a server under test writes its log (log.New(l, "", 0)): it
// keeps the lines, lets the test wait for one, and shows them all if the
// test fails.
type Log struct {
	t     testing.TB
	lines *lines
}

// NewLog returns an empty log for the test t.
func NewLog(t testing.TB) *Log {
	l := &Log{t: t, lines: newLines()}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", strings.Join(l.Lines(), "\n"))
		}
	})
	return l
}

// Write takes one line per call, as a log.Logger writes them.
func (l *Log) Write(p []byte) (int, error) {
	line := strings.TrimSuffix(string(p), "\n")
	if len(line) > maxLogLine {
		line = line[:maxLogLine] + "…"
	}
	l.lines.add(line)
	return len(p), nil
}

// Lines returns the lines logged so far.
func (l *Log) Lines() []string { return l.lines.snapshot() }

// WaitFor waits until a line matching the regular expression pattern is
// logged, and returns it.
func (l *Log) WaitFor(pattern string) string {
	l.t.Helper()
	line, err := l.lines.waitFor(regexp.MustCompile(pattern), WaitLimit, nil)
	if err != nil {
		l.t.Fatalf("waiting for a log line matching %q: %v", pattern, err)
	}
	return line
}

// WaitUntil waits until cond returns true, checking it every few
// milliseconds, and fails the test if it is still false after WaitLimit. It
// is for a state a test can look at but not be told about; what is announced
// by a line or a message is waited for with WaitFor or Next instead.
func WaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after %s", what, WaitLimit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
