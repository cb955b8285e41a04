// Package progtest runs the lessons' programs from tests the way a reader runs
// them: it builds a program, starts it, waits for a line it prints (with a
// deadline, never a fixed sleep), signals it and reports how it exited.
package progtest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles the Go package pkg (a path such as "./server", relative to
// the test's directory) and returns the path of the binary. When the tests
// run under -race, the program is built with -race too, so a data race in it
// fails the test that drives it.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, pkg)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// Proc is a running program whose output the test can wait on.
type Proc struct {
	t      testing.TB
	name   string
	cmd    *exec.Cmd
	stdout *lines
	stderr *lines
	done   chan struct{} // closed once the process has exited
	err    error         // the exit status, valid after done is closed
}

// Start runs bin with args. The process is killed when the test ends if it is
// still running, so a failing test never leaves one behind.
func Start(t testing.TB, bin string, args ...string) *Proc {
	t.Helper()
	p := &Proc{
		t:      t,
		name:   filepath.Base(bin),
		cmd:    exec.Command(bin, args...),
		stdout: newLines(),
		stderr: newLines(),
		done:   make(chan struct{}),
	}
	// A program built with -race sleeps a second before exiting, in case
	// goroutines still running race then. Ours stop their goroutines before
	// they exit, so the second is only lost time, several times per test.
	// The caller's own GORACE options come last and win.
	p.cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	outPipe, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	var copying sync.WaitGroup
	copying.Add(2)
	go func() { defer copying.Done(); p.stdout.readFrom(outPipe) }()
	go func() { defer copying.Done(); p.stderr.readFrom(errPipe) }()
	go func() {
		copying.Wait() // Wait must not run before the pipes are drained.
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stdout:\n%s", p.name, strings.Join(p.Stdout(), "\n"))
			t.Logf("%s stderr:\n%s", p.name, strings.Join(p.Stderr(), "\n"))
		}
	})
	return p
}

// WaitFor waits until the program prints a line on stdout matching the
// regular expression pattern, and returns that line. It fails the test if the
// program exits first or the timeout passes.
func (p *Proc) WaitFor(pattern string, timeout time.Duration) string {
	p.t.Helper()
	line, err := p.stdout.waitFor(regexp.MustCompile(pattern), timeout, p.done)
	if err != nil {
		p.t.Fatalf("%s: waiting for a line matching %q: %v\nstdout:\n%s\nstderr:\n%s",
			p.name, pattern, err, strings.Join(p.Stdout(), "\n"), strings.Join(p.Stderr(), "\n"))
	}
	return line
}

var listening = regexp.MustCompile(`^Listening on \w+://(\S+?)/?$`)

// Addr waits for the server's "Listening on ws://host:port" line and returns
// host:port.
func (p *Proc) Addr() string {
	p.t.Helper()
	line := p.WaitFor(listening.String(), 10*time.Second)
	return listening.FindStringSubmatch(line)[1]
}

// Signal sends sig (for instance os.Interrupt, as Ctrl-C does) to the program.
func (p *Proc) Signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %s: %v", p.name, err)
	}
}

// Wait waits for the program to exit and returns its exit code. It fails the
// test if the program is still running after timeout.
func (p *Proc) Wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("%s still running after %s", p.name, timeout)
	}
	var exit *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &exit):
		if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			p.t.Fatalf("%s was killed by %s", p.name, status.Signal())
		}
		return exit.ExitCode()
	default:
		p.t.Fatalf("%s: %v", p.name, p.err)
		return -1
	}
}

// Stdout returns the lines the program has printed on stdout so far.
func (p *Proc) Stdout() []string { return p.stdout.snapshot() }

// Stderr returns the lines the program has printed on stderr so far.
func (p *Proc) Stderr() []string { return p.stderr.snapshot() }

// Run starts bin, waits up to timeout for it to exit, and returns its exit
// code with the lines of its stdout and stderr.
func Run(t testing.TB, timeout time.Duration, bin string, args ...string) (code int, stdout, stderr []string) {
	t.Helper()
	p := Start(t, bin, args...)
	code = p.Wait(timeout)
	return code, p.Stdout(), p.Stderr()
}

// lines collects the lines of one output stream and wakes up waiters as they
// arrive.
type lines struct {
	mu      sync.Mutex
	all     []string
	eof     bool
	changed chan struct{} // closed and replaced whenever a line arrives
}

func newLines() *lines { return &lines{changed: make(chan struct{})} }

func (l *lines) readFrom(r io.Reader) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for scanner.Scan() {
		l.add(scanner.Text())
	}
	_, _ = io.Copy(io.Discard, r) // a line over the limit: keep draining
	l.mu.Lock()
	l.eof = true
	l.mu.Unlock()
}

func (l *lines) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, line)
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *lines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

func (l *lines) waitFor(re *regexp.Regexp, timeout time.Duration, exited <-chan struct{}) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	next := 0
	for {
		l.mu.Lock()
		for ; next < len(l.all); next++ {
			if re.MatchString(l.all[next]) {
				line := l.all[next]
				l.mu.Unlock()
				return line, nil
			}
		}
		changed, eof := l.changed, l.eof
		l.mu.Unlock()
		if eof {
			return "", errors.New("the program closed its output first")
		}
		select {
		case <-changed:
		case <-exited:
			exited = nil // drain what is left of the output, then report
		case <-deadline.C:
			return "", fmt.Errorf("no such line within %s", timeout)
		}
	}
}

// FreeAddr returns a loopback address ("127.0.0.1:port") on which nothing
// listens at the moment: for a test of what happens when no server is there,
// or for a server the test starts itself.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// FreePort returns the port of FreeAddr.
func FreePort(t testing.TB) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(FreeAddr(t))
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
