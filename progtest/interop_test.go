package progtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/progtest"
)

// The interop checks: the Go lessons against the programs in node/, written
// on ws, the library the notebook uses, in both directions. A Go server must
// serve Node's clients, and a Go client must talk to Node's servers, with
// the same transcripts as Go against Go.

// runLimit bounds one run of a client: a handful of messages, on a machine
// that may be busy.
const runLimit = 30 * time.Second

// defaultRoomAddr is where lesson 2's server listens without -addr; its
// golden transcript shows it.
const defaultRoomAddr = "127.0.0.1:5406"

// step is the staged clients' pause between steps: short, and the
// transcript stays the same, because each step waits for the event it
// causes.
const step = "50ms"

// requireNode returns the path of Node.js and the directory of the Node
// programs, for a test that runs them. Without Node.js or its ws package the
// test is skipped, saying what to install; under CI=true it fails instead, so
// that CI never passes without having run it.
func requireNode(t *testing.T) (bin, dir string) {
	t.Helper()
	dir = filepath.Join(root, "node")
	bin, err := exec.LookPath("node")
	switch {
	case err != nil:
		progtest.Missing(t, "Node.js is not installed (https://nodejs.org; on Debian or Ubuntu: apt-get install -y nodejs npm)")
	case !exists(filepath.Join(dir, "node_modules", "ws")):
		progtest.Missing(t, "the npm packages of node/ are not installed: run npm ci --prefix node")
	}
	return bin, dir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// stop interrupts a server as Ctrl-C does and checks that it exits 0.
func stop(t *testing.T, srv *progtest.Proc) {
	t.Helper()
	srv.Signal(os.Interrupt)
	if code := srv.Wait(runLimit); code != 0 {
		t.Fatalf("server exited with %d after Ctrl-C, want 0", code)
	}
}

// run runs a client to its end and returns what it printed on stdout.
func run(t *testing.T, bin string, args ...string) []string {
	t.Helper()
	code, stdout, stderr := progtest.Run(t, runLimit, bin, args...)
	if code != 0 {
		t.Fatalf("%s exited with %d\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), code,
			strings.Join(stdout, "\n"), strings.Join(stderr, "\n"))
	}
	return stdout
}

// Lesson 1's Go server logs what Node's one-shot client says, and its
// goodbye as a normal one.
func TestNodeClientGoServer(t *testing.T) {
	nodeBin, dir := requireNode(t)
	srv := progtest.Start(t, progtest.Build(t, "../01-simple/server"), "-addr", "127.0.0.1:0")
	addr := srv.Addr()

	run(t, nodeBin, filepath.Join(dir, "hello-client.mjs"), "-url", "ws://"+addr)
	srv.WaitFor(`^Server received: "Hello from hello-client\.mjs"$`, runLimit)
	srv.WaitFor(`^Client disconnected$`, runLimit)
	stop(t, srv)
}

// Lesson 1's Go client says hello to Node's logging server, which hears it.
func TestGoClientNodeServer(t *testing.T) {
	nodeBin, dir := requireNode(t)
	srv := progtest.Start(t, nodeBin, filepath.Join(dir, "logging-server.mjs"), "-addr", "127.0.0.1:0")
	addr := srv.Addr()

	got := run(t, progtest.Build(t, "../01-simple/client"), "-url", "ws://"+addr)
	progtest.Compare(t, filepath.Join(root, "01-simple", "testdata", "client.txt"), got)
	srv.WaitFor(`^Server received: Hello from 01-simple/client$`, runLimit)
	stop(t, srv)
}

// Node's staged script in lesson 2's Go room prints the notebook's
// transcript, and the room logs what it logs for the Go script.
func TestNodeScriptGoRoom(t *testing.T) {
	nodeBin, dir := requireNode(t)
	srv := progtest.Start(t, progtest.Build(t, "../02-stateful/server"), "-addr", "127.0.0.1:0")
	addr := srv.Addr()

	got := run(t, nodeBin, filepath.Join(dir, "staged-client.mjs"), "-url", "ws://"+addr, "-step", step)
	progtest.Compare(t, filepath.Join(root, "02-stateful", "testdata", "client.txt"), got)

	srv.WaitFor(`^Client 2 disconnected$`, runLimit)
	stop(t, srv)
	progtest.Compare(t, filepath.Join(root, "02-stateful", "testdata", "server.txt"),
		progtest.Replace(srv.Stdout(), addr, defaultRoomAddr))
}

// Lesson 2's Go script in Node's room prints the notebook's transcript too.
func TestGoScriptNodeRoom(t *testing.T) {
	nodeBin, dir := requireNode(t)
	srv := progtest.Start(t, nodeBin, filepath.Join(dir, "room-server.mjs"), "-addr", "127.0.0.1:0")
	addr := srv.Addr()

	got := run(t, progtest.Build(t, "../02-stateful/client"), "-url", "ws://"+addr, "-step", step)
	progtest.Compare(t, filepath.Join(root, "02-stateful", "testdata", "client.txt"), got)
	stop(t, srv)
	if slices.ContainsFunc(srv.Stderr(), func(l string) bool { return l != "" }) {
		t.Errorf("Node's room printed errors:\n%s", strings.Join(srv.Stderr(), "\n"))
	}
}
