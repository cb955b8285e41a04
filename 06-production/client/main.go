// Command client is a program in the lesson-6 room: it asks the server for a
// token, connects over wss:// with it, and prints what the room says until
// Ctrl-C or the server closes the connection.
//
//	go run ./06-production/client -cacert cert.pem -name bob -say Hello
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"github.com/gorilla/websocket"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage has been printed
	case errors.Is(err, errUsage):
		os.Exit(2) // already reported on stderr
	case err != nil:
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

// errUsage is a mistake on the command line that has been reported already:
// a flag that does not exist or does not parse, or an argument that is not a
// flag. Like the flag package's own, it exits with status 2.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("client", flag.ContinueOnError)
	server := flags.String("url", "https://localhost:5410", "the server's `URL`")
	name := flags.String("name", "bob", "the `name` to sign in with")
	caFile := flags.String("cacert", "", "trust the certificate in this PEM `file` (the server's self-signed one)")
	say := flags.String("say", "", "a `message` to broadcast once connected")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if flags.NArg() > 0 {
		// A server given as "client https://host" would otherwise be ignored.
		fmt.Fprintf(flags.Output(), "client: unexpected argument %q (-h lists the flags)\n", flags.Arg(0))
		return errUsage
	}
	tlsConfig, err := trust(*caFile)
	if err != nil {
		return err
	}
	token, err := fetchToken(ctx, tlsConfig, *server, *name)
	if err != nil {
		return err
	}

	// The token goes in the query: a program could set any header, but
	// the same URL then works for every client, browsers included.
	wsURL, err := url.Parse(*server)
	if err != nil {
		return err
	}
	wsURL.Scheme = strings.Replace(wsURL.Scheme, "http", "ws", 1) // https → wss
	wsURL.Path, wsURL.RawQuery = "/ws", url.Values{"token": {token}}.Encode()
	dialer := websocket.Dialer{TLSClientConfig: tlsConfig, HandshakeTimeout: 10 * time.Second}
	conn, resp, err := dialer.DialContext(ctx, wsURL.String(), nil)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("connect: %w (HTTP %s)", err, resp.Status)
		}
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	fmt.Fprintf(stdout, "Connected as %s\n", *name)

	// The reader goroutine prints what arrives; this one writes.
	ended := make(chan error, 1)
	go func() { ended <- printMessages(conn, stdout) }()
	if *say != "" {
		if err := conn.WriteJSON(room.Message{Type: room.TypeBroadcast, Payload: *say}); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	select {
	case err := <-ended:
		var closeErr *websocket.CloseError
		if errors.As(err, &closeErr) {
			fmt.Fprintf(stdout, "The server closed the connection: %d %s\n", closeErr.Code, closeErr.Text)
			return nil
		}
		return fmt.Errorf("read: %w", err)
	case <-ctx.Done():
	}
	// Ctrl-C: say goodbye, and wait a moment for the server's answer.
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second))
	select {
	case <-ended:
	case <-time.After(time.Second):
	}
	return nil
}

// printMessages prints every message until the connection ends, and
// returns why it ended.
func printMessages(conn *websocket.Conn, stdout io.Writer) error {
	for {
		var m room.Message
		if err := conn.ReadJSON(&m); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", m.Type, m.Payload)
	}
}

// fetchToken asks the server for a token to connect with.
func fetchToken(ctx context.Context, tlsConfig *tls.Config, server, name string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/token", strings.NewReader(url.Values{"name": {name}}.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}, Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("get a token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", fmt.Errorf("get a token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("get a token: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return strings.TrimSpace(string(body)), nil
}

// trust returns the TLS settings that trust the certificate in caFile, or
// the system's usual authorities when caFile is "".
func trust(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return &tls.Config{}, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	return &tls.Config{RootCAs: roots}, nil
}
