package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"example.com/wstutorial/04-scaling/cluster"
	"example.com/wstutorial/07-rooms/rooms"
	"example.com/wstutorial/progtest"
	"github.com/nats-io/nats.go"
)

// The embedded NATS server lets in only clients with its token: one it made
// up and wrote to a file only this user can read, or the one given.
func TestEmbeddedBrokerRequiresItsToken(t *testing.T) {
	state := t.TempDir()
	var token string
	embedded, stop, err := startNATS("127.0.0.1:0", &token, state)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if nc, err := nats.Connect(embedded.URL()); !errors.Is(err, nats.ErrAuthorization) {
		if err == nil {
			nc.Close()
		}
		t.Fatalf("connecting without the token: %v; want %v", err, nats.ErrAuthorization)
	}
	read := embeddedToken(state, embedded.URL())
	if read == "" || read != token {
		t.Fatalf("the token file holds %q, want the server's token", read)
	}
	nc, err := nats.Connect(embedded.URL(), nats.Token(read))
	if err != nil {
		t.Fatalf("connecting with the token from the file: %v", err)
	}
	nc.Close()
	info, err := os.Stat(cluster.TokenFile(state, embedded.Port()))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode %v, want -rw-------", perm)
	}

	// A token given (by $NATS_TOKEN) is required instead, and no file is
	// written.
	state, given := t.TempDir(), "given by the operator"
	embedded, stop, err = startNATS("127.0.0.1:0", &given, state)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if nc, err := nats.Connect(embedded.URL(), nats.Token("guessed")); !errors.Is(err, nats.ErrAuthorization) {
		if err == nil {
			nc.Close()
		}
		t.Fatalf("connecting with a wrong token: %v; want %v", err, nats.ErrAuthorization)
	}
	if token := embeddedToken(state, embedded.URL()); token != "" {
		t.Errorf("a token file was written (%q), want none", token)
	}
}

// An instance killed while its embedded NATS server holds a room's history
// leaves nothing in the temporary directory, and nothing but the token file
// in its state directory.
func TestKilledHostLeavesNoData(t *testing.T) {
	bin := progtest.Build(t, "example.com/wstutorial/07-rooms/server")
	tmp, state := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	p, addr := start(t, bin, "-embed", "127.0.0.1:0", "-state", state)
	natsURL := natsLine.FindStringSubmatch(p.WaitFor(natsLine.String(), startLimit))[1]
	client := progtest.MustDial[rooms.Event](t, "client", "ws://"+addr+"/rooms/lobby")
	if e := client.Next(); e.Type != rooms.TypeJoined { // its arrival is stored: the history holds data
		t.Fatalf("the client received %+v, want %s", e, rooms.TypeJoined)
	}
	p.Signal(os.Kill) // what is there now is what a crash leaves: nothing runs after SIGKILL

	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the temporary directory holds %v, want nothing", entries)
	}
	port := natsURL[strings.LastIndex(natsURL, ":")+1:]
	if want := []string{fmt.Sprintf("nats-%s.token", port)}; !slices.Equal(files(state), want) {
		t.Errorf("the state directory holds %v, want only %v", files(state), want)
	}
}

// files lists the files under dir, directories left out.
func files(dir string) []string {
	var list []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			list = append(list, strings.TrimPrefix(path, dir+string(filepath.Separator)))
		}
		return nil
	})
	return list
}
