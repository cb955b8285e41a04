package main

import (
	"os"
	"strings"
	"testing"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
)

// chat, started against a lesson-2 room, prints what the room sends, stays
// until Ctrl-C, and then leaves with a proper goodbye (exit 0).
func TestChatStaysUntilInterrupted(t *testing.T) {
	server := progtest.Build(t, "example.com/wstutorial/02-stateful/server")
	chat := progtest.Build(t, "example.com/wstutorial/04-scaling/chat")
	srv := progtest.Start(t, server, "-addr", "127.0.0.1:0")
	url := "ws://" + srv.Addr()

	p := progtest.Start(t, chat, "-url", url)
	p.WaitFor(`^Connected to `, progtest.WaitLimit)
	srv.WaitFor(`^Client 1 connected$`, progtest.WaitLimit)
	other := progtest.MustDial[room.Message](t, "other", url)
	other.Send(room.Message{Type: room.TypeBroadcast, Payload: "Hello"})
	p.WaitFor(`^Received client:connected message: Client 2 connected$`, progtest.WaitLimit)
	p.WaitFor(`^Received broadcast message: Hello$`, progtest.WaitLimit)

	p.Signal(os.Interrupt)
	if code := p.Wait(progtest.WaitLimit); code != 0 {
		t.Errorf("chat exited with %d after Ctrl-C, want 0", code)
	}
	srv.WaitFor(`^Client 1 disconnected$`, progtest.WaitLimit) // a normal leave, no close code shown
	other.Expect(room.Disconnected(1))
}

// -h exits 0 with the usage; a bad flag (named once, with the usage) and a
// stray argument (one line) exit 2.
func TestChatCommandLine(t *testing.T) {
	chat := progtest.Build(t, "example.com/wstutorial/04-scaling/chat")
	for _, tt := range []struct {
		args      []string
		code      int
		firstLine string
	}{
		{[]string{"-h"}, 0, "Usage of chat:"},
		{[]string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"ws://localhost:5408"}, 2, `chat: unexpected argument "ws://localhost:5408" (-h lists the flags)`},
	} {
		code, _, stderr := progtest.Run(t, progtest.WaitLimit, chat, tt.args...)
		if code != tt.code || len(stderr) == 0 || stderr[0] != tt.firstLine {
			t.Errorf("chat %v: exit %d, stderr %q; want %d and %q first", tt.args, code, stderr, tt.code, tt.firstLine)
		}
		// Only the usage may follow: the mistake is not reported twice.
		for _, line := range stderr[min(1, len(stderr)):] {
			if strings.HasPrefix(line, "chat:") || strings.HasPrefix(line, "flag ") {
				t.Errorf("chat %v: reported again: %q", tt.args, line)
			}
		}
	}
}
