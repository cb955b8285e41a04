package rooms

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/progtest"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startJetStream starts a real NATS server with JetStream for one test.
func startJetStream(t *testing.T) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(progtest.WaitLimit) {
		t.Fatal("NATS did not start")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}

// instance is one server of the lesson, on its own NATS connection.
type instance struct {
	srv *Server
	url string // ws://127.0.0.1:PORT
	log *progtest.Log
}

// startInstance starts an instance on ns with the history's limits, and no
// limit on its clients.
func startInstance(t *testing.T, ns *server.Server, limits Limits) *instance {
	return startLimited(t, ns, limits, Options{})
}

// startLimited starts an instance on ns with the history's limits and opts.
func startLimited(t *testing.T, ns *server.Server, limits Limits, opts Options) *instance {
	t.Helper()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	history, err := OpenHistory(nc, limits)
	if err != nil {
		t.Fatal(err)
	}
	logs := progtest.NewLog(t)
	srv := NewServer(log.New(io.MultiWriter(logs), "", 0), history, opts)
	web := httptest.NewServer(NewHandler(srv))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), progtest.WaitLimit)
		defer cancel()
		web.Close()
		srv.Close(ctx)
	})
	return &instance{srv: srv, url: "ws" + strings.TrimPrefix(web.URL, "http"), log: logs}
}

// generous is the history of a test that loses nothing.
var generous = Limits{PerRoom: 10000, MaxAge: time.Hour}

// join connects a client to room on in and waits until it is a member;
// query is "" or "?since=N". It returns the client and what it received
// before its room:joined (a resuming client's replay), which it consumes.
func join(t *testing.T, in *instance, name, room, query string) (*progtest.Recorder[Event], []Event) {
	t.Helper()
	r := progtest.MustDial[Event](t, name, fmt.Sprintf("%s/rooms/%s%s", in.url, room, query))
	var before []Event
	for {
		e := r.Next()
		if e.Type == TypeJoined {
			return r, before
		}
		before = append(before, e)
	}
}

// member is join for a new client.
func member(t *testing.T, in *instance, name, room string) *progtest.Recorder[Event] {
	t.Helper()
	r, before := join(t, in, name, room, "")
	if len(before) > 0 {
		t.Fatalf("%s received %+v before joining, want nothing", name, before)
	}
	return r
}

// say sends a broadcast.
func say(r *progtest.Recorder[Event], text string) {
	r.Send(map[string]string{"type": "broadcast", "payload": text})
}

// consumers returns how many consumers follow the rooms' stream: one per
// room per instance with members in it.
func consumers(t *testing.T, ns *server.Server) int {
	t.Helper()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	info, err := js.StreamInfo(StreamName)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Consumers
}
