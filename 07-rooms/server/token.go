package main

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// The embedded NATS server lets in only the instances, as lesson 4's does
// (04-scaling/cluster/token.go): a client must present a token, a random
// secret. Without one, any program on the machine could connect, publish
// made-up events into any room, or purge the history.
//
// In a real deployment the token comes from the environment ($NATS_TOKEN),
// the same for the NATS servers and every instance. For the demo, the
// instance that starts the embedded server makes one up and writes it to a
// file only this user can read, in the lesson's state directory, named by
// the server's port; an instance given -nats on this machine reads the file
// of that port.

// tokenVariable names the environment variable that holds the token.
const tokenVariable = "NATS_TOKEN"

// tokenFile is where the token of the embedded NATS server on port is kept.
func tokenFile(stateDir string, port int) string {
	return filepath.Join(stateDir, fmt.Sprintf("nats-%d.token", port))
}

// newToken returns a fresh random token (130 bits).
func newToken() string { return rand.Text() }

// writeToken stores token at path, readable by this user only. It writes a
// temporary file and renames it, so that a reader never sees half of it.
func writeToken(path, token string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*") // mode 0600
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	_, err = tmp.WriteString(token)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("token: %w", err)
	}
	return nil
}

// readToken returns the token of the embedded NATS server at natsURL, if it
// is a single address with a port and an instance here wrote its token;
// "" otherwise (a NATS server run by hand may need none).
func readToken(stateDir, natsURL string) string {
	u, err := url.Parse(natsURL)
	if err != nil || strings.Contains(natsURL, ",") || u.Port() == "" {
		return ""
	}
	data, err := os.ReadFile(filepath.Join(stateDir, fmt.Sprintf("nats-%s.token", u.Port())))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
