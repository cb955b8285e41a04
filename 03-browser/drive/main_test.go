package main

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/03-browser/headless"
	"example.com/wstutorial/progtest"
)

// runTimeout bounds one run of the drive program: a browser start, a page
// load and a handful of messages, on a possibly loaded machine.
const runTimeout = 90 * time.Second

// TestTranscript runs the drive program against a fresh server and compares
// its output with testdata/drive.txt, the transcript the README shows.
func TestTranscript(t *testing.T) {
	headless.Require(t)
	server := progtest.Start(t, progtest.Build(t, "../server"), "-addr", "127.0.0.1:0")
	addr := server.Addr()
	drive := progtest.Build(t, "../drive")

	code, stdout, stderr := progtest.Run(t, runTimeout, drive, "-url", "http://"+addr)
	if code != 0 {
		t.Fatalf("drive exited with %d\nstdout:\n%s\nstderr:\n%s", code, strings.Join(stdout, "\n"), strings.Join(stderr, "\n"))
	}
	want, err := os.ReadFile("../testdata/drive.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(stdout, "\n") + "\n"
	if got != string(want) {
		t.Errorf("transcript differs from testdata/drive.txt\ngot:\n%s\nwant:\n%s", got, want)
	}
	// The server saw the same conversation.
	server.WaitFor(`^Client 1 broadcast: Hello from the browser$`, 10*time.Second)
	server.WaitFor(`^Client 2 broadcast: Hello from Go$`, 10*time.Second)
}

// TestNoServer: with nothing listening, drive says so at once and exits 1.
// It needs no browser: it checks the server first.
func TestNoServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // now nothing listens there

	code, stdout, stderr := progtest.Run(t, 30*time.Second, progtest.Build(t, "../drive"), "-url", "http://"+addr)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if len(stdout) != 0 {
		t.Errorf("stdout should be empty, got %q", stdout)
	}
	if len(stderr) != 1 || !strings.HasPrefix(stderr[0], "drive: cannot reach the server at http://"+addr) {
		t.Errorf("stderr = %q, want one line saying the server cannot be reached", stderr)
	}
}

func TestSocketURL(t *testing.T) {
	tests := []struct{ page, want string }{
		{"http://localhost:5407", "ws://localhost:5407/ws"},
		{"http://localhost:5407/", "ws://localhost:5407/ws"},
		{"https://example.com/room/", "wss://example.com/ws"},
	}
	for _, tt := range tests {
		if got, err := socketURL(tt.page); err != nil || got != tt.want {
			t.Errorf("socketURL(%q) = %q, %v; want %q", tt.page, got, err, tt.want)
		}
	}
	if _, err := socketURL("ftp://example.com"); err == nil {
		t.Error("socketURL accepted an ftp:// address")
	}
}
