package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

const exitLimit = 10 * time.Second

// serverPkg is this program, for progtest.Build.
const serverPkg = "example.com/wstutorial/06-production/server"

// selfSignedLine is the line that names the certificate the server made.
var selfSignedLine = regexp.MustCompile(`^No -cert and -key: made a self-signed certificate for localhost, (\S+)$`)

// TestServer builds the server once and runs it in each subtest.
func TestServer(t *testing.T) {
	bin := progtest.Build(t, serverPkg)
	t.Run("transcript", func(t *testing.T) { testTranscript(t, bin) })
	t.Run("help", func(t *testing.T) { testHelp(t, bin) })
	t.Run("mistakes", func(t *testing.T) { testMistakes(t, bin) })
}

// The server as a reader runs it: no certificate given, so it makes one and
// says where; HTTPS and WSS with it; a sign-in by token; and on SIGTERM a
// drain, then 1001 to every client. What it prints is the README's transcript.
func testTranscript(t *testing.T, bin string) {
	server := progtest.Start(t, bin, "-addr", "127.0.0.1:0")
	certFile := selfSignedLine.FindStringSubmatch(server.WaitFor(selfSignedLine.String(), exitLimit))[1]
	addr := server.Addr()
	base := "https://" + addr
	client := trusting(t, certFile)

	for _, probe := range []string{"/healthz", "/readyz"} {
		if status := get(t, client, base+probe); status != http.StatusOK {
			t.Fatalf("%s: %d, want 200", probe, status)
		}
	}
	ada := join(t, client, base, "ada")
	server.WaitFor(`^ada connected from 127\.0\.0\.1$`, exitLimit)
	bob := join(t, client, base, "bob")
	server.WaitFor(`^bob connected from 127\.0\.0\.1$`, exitLimit)
	ada.Expect(room.Message{Type: room.TypeConnected, Payload: "bob connected"})
	bob.Send(room.Message{Type: room.TypeBroadcast, Payload: "Hello"})
	ada.Expect(room.Message{Type: room.TypeBroadcast, Payload: "Hello"})
	bob.Close()
	server.WaitFor(`^bob disconnected$`, exitLimit)
	dialer := websocket.Dialer{TLSClientConfig: client.Transport.(*http.Transport).TLSClientConfig}
	if _, resp, err := dialer.Dial("wss://"+addr+"/ws", nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("handshake without a session: %v, want 401", err)
	}
	server.WaitFor(`^Refused a handshake`, exitLimit)

	// SIGTERM: unready at once, still serving; a second signal ends the
	// wait for the balancer.
	server.Signal(syscall.SIGTERM)
	server.WaitFor(`^Draining`, exitLimit)
	if status := get(t, client, base+"/readyz"); status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining: %d, want 503", status)
	}
	if status := get(t, client, base+"/healthz"); status != http.StatusOK {
		t.Fatalf("/healthz while draining: %d, want 200", status)
	}
	server.Signal(syscall.SIGTERM)
	if code := ada.CloseCode(); code != websocket.CloseGoingAway {
		t.Fatalf("ada got close code %d, want 1001", code)
	}
	if code := server.Wait(exitLimit); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if _, err := os.Stat(certFile); !os.IsNotExist(err) {
		t.Errorf("the self-signed certificate is still there after the exit (%v)", err)
	}

	got := progtest.Replace(server.Stdout(), filepath.Dir(certFile), "/tmp/wstutorial-tls-1637040218")
	progtest.Compare(t, "../testdata/server.txt", progtest.Replace(got, addr, "127.0.0.1:5410"))
}

// -h prints the usage and exits 0: it is not an error.
func testHelp(t *testing.T, bin string) {
	code, _, stderr := progtest.Run(t, exitLimit, bin, "-h")
	if code != 0 || !strings.Contains(strings.Join(stderr, "\n"), "-trusted-proxies") {
		t.Fatalf("-h: exit %d, usage:\n%s", code, strings.Join(stderr, "\n"))
	}
}

// A mistake a reader can make gets one clear line and exit status 1.
func testMistakes(t *testing.T, bin string) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-cert", "server.pem"}, "server: -cert and -key go together: give both or neither"},
		{[]string{"-cert", "missing.pem", "-key", "missing.pem"}, "server: load the certificate: open missing.pem: no such file or directory"},
		{[]string{"-trusted-proxies", "nginx"}, `server: -trusted-proxies: ParseAddr("nginx"): unable to parse IP`},
		{[]string{"-max-conns", "0"}, "server: -max-conns must be at least 1"},
		{[]string{"-addr", "127.0.0.1:99999"}, "server: cannot listen on 127.0.0.1:99999: listen tcp: address 99999: invalid port"},
	}
	for _, tt := range tests {
		args := tt.args
		if !strings.Contains(strings.Join(args, " "), "-addr") {
			args = append(args, "-addr", "127.0.0.1:0")
		}
		code, _, stderr := progtest.Run(t, exitLimit, bin, args...)
		if code != 1 || len(stderr) != 1 || stderr[0] != tt.want {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tt.args, code, stderr, tt.want)
		}
	}
	code, _, stderr := progtest.Run(t, exitLimit, bin, "-bogus")
	if code != 1 || !strings.HasPrefix(stderr[0], "flag provided but not defined: -bogus") || slices.ContainsFunc(stderr, func(l string) bool { return strings.HasPrefix(l, "server:") }) {
		t.Errorf("-bogus: exit %d, stderr:\n%s", code, strings.Join(stderr, "\n"))
	}
}

// trusting returns an HTTP client that trusts the certificate in certFile.
func trusting(t *testing.T, certFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", certFile)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
}

func get(t *testing.T, client *http.Client, url string) int {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// join gets a token for name and connects with it, as a program does.
func join(t *testing.T, client *http.Client, base, name string) *progtest.Recorder[room.Message] {
	t.Helper()
	resp, err := client.PostForm(base+"/token", url.Values{"name": {name}})
	if err != nil {
		t.Fatal(err)
	}
	token, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	dialer := websocket.Dialer{TLSClientConfig: client.Transport.(*http.Transport).TLSClientConfig}
	wsURL := strings.Replace(base, "https://", "wss://", 1) + "/ws?token=" + url.QueryEscape(strings.TrimSpace(string(token)))
	conn, _, err := dialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return progtest.Record[room.Message](t, name, conn)
}
