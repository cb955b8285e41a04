package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The embedded broker lets in only the instances: a client must present a
// token, a random secret. Without one, any program on the machine could
// connect to the broker and publish made-up joins and broadcasts, which every
// instance would pass on to its WebSocket clients.
//
// Where the token comes from:
//
//   - The environment (NATS_TOKEN), in a real deployment: the same secret is
//     given to the NATS servers and to every instance.
//   - Otherwise, for the demo, the instance that starts an embedded broker
//     makes up a new token and writes it to a file in the lesson's state
//     directory that only this user can read. The instances find each other
//     through the broker's port on this machine, so they find the token the
//     same way: every instance reads the file for that port each time it
//     connects, and a new broker (one that took over from a dead one)
//     brings a new token.
//
// The helpers are exported because lesson 7's server shares its embedded
// server's token the same way.

// NewToken returns a fresh random token: 128 bits, as hex.
func NewToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}

// TokenFile is where the token of the embedded broker on port is kept:
// nats-PORT.token in stateDir. The port names the file because the port is
// what instances on this machine share to find the broker.
func TokenFile(stateDir string, port int) string {
	return filepath.Join(stateDir, fmt.Sprintf("nats-%d.token", port))
}

// WriteToken stores token at path, readable only by this user (mode 0600),
// creating the directory if needed. It writes a temporary file and renames
// it, so that an instance reading the file at the same moment gets the old
// token or the new one, never half of one.
func WriteToken(path, token string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*") // created with mode 0600
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

// ReadToken returns the token stored at path, or "" if there is none (no
// embedded broker has run on that port yet: a NATS server started by hand
// may need none). Read it again at every connection attempt: a broker that
// has been restarted has a new token.
func ReadToken(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
