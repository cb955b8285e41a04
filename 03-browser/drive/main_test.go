package main

import (
	"net/http"
	"net/http/httptest"
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
	if _, err := headless.Find(); err != nil {
		progtest.Missing(t, "this test needs headless Chromium: "+err.Error())
	}
	server := progtest.Start(t, progtest.Build(t, "../server"), "-addr", "127.0.0.1:0")
	addr := server.Addr()
	drive := progtest.Build(t, "../drive")

	code, stdout, stderr := progtest.Run(t, runTimeout, drive, "-url", "http://"+addr)
	if code != 0 {
		t.Fatalf("drive exited with %d\nstdout:\n%s\nstderr:\n%s", code, strings.Join(stdout, "\n"), strings.Join(stderr, "\n"))
	}
	progtest.Compare(t, "../testdata/drive.txt", stdout)
	// The server saw the same conversation.
	server.WaitFor(`^Client 1 broadcast: "?Hello from the browser"?$`, progtest.WaitLimit)
	server.WaitFor(`^Client 2 broadcast: "?Hello from Go"?$`, progtest.WaitLimit)
}

// TestCommandLine: -h is not an error, a mistake on the command line is
// reported once with the usage (exit 2), and a server that is missing or is
// not lesson 3's is named as such before any browser starts (exit 1).
func TestCommandLine(t *testing.T) {
	drive := progtest.Build(t, "../drive")
	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	otherPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<!doctype html><title>Something else</title>"))
	}))
	t.Cleanup(otherPage.Close)
	noServer := "http://" + progtest.FreeAddr(t)

	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string // what the first line of stderr starts with
		oneError bool   // the error is said once, not twice
	}{
		{"help", []string{"-h"}, 0, "Usage of drive:", false},
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined: -nope", true},
		{"stray argument", []string{"http://localhost:5407"}, 2, `drive: unexpected argument "http://localhost:5407"`, true},
		{"bad url", []string{"-url", "ws://localhost:5407"}, 1, `drive: bad -url "ws://localhost:5407"`, true},
		{"no server", []string{"-url", noServer}, 1, "drive: cannot reach the server at " + noServer, true},
		{"not found", []string{"-url", notFound.URL}, 1, "drive: " + notFound.URL + " answered 404 Not Found: it is not the lesson-3 server", true},
		{"another page", []string{"-url", otherPage.URL}, 1, "drive: " + otherPage.URL + " serves a page without the room's message box and log: it is not the lesson-3 server", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := progtest.Run(t, 30*time.Second, drive, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if len(stdout) != 0 {
				t.Errorf("stdout should be empty, got %q", stdout)
			}
			if len(stderr) == 0 || !strings.HasPrefix(stderr[0], tt.stderr) {
				t.Fatalf("stderr = %q, want it to start with %q", stderr, tt.stderr)
			}
			if tt.oneError && strings.Count(strings.Join(stderr, "\n"), stderr[0]) != 1 {
				t.Errorf("the error is reported more than once:\n%s", strings.Join(stderr, "\n"))
			}
		})
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

// The page this drive program expects is the one the server embeds.
func TestPageMarks(t *testing.T) {
	page, err := os.ReadFile("../server/static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, mark := range pageMarks {
		if !strings.Contains(string(page), mark) {
			t.Errorf("the lesson-3 page lacks %s, which drive looks for", mark)
		}
	}
}
