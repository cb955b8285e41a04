package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

const exitLimit = 10 * time.Second

// serverPkg is this program, for progtest.Build.
const (
	serverPkg = "example.com/wstutorial/06-production/server"
	clientPkg = "example.com/wstutorial/06-production/client"
)

// selfSignedLine is the line that names the certificate the server made.
var selfSignedLine = regexp.MustCompile(`^No -cert and -key: made a self-signed certificate for localhost, (\S+)$`)

// TestServer builds the server and the client once and runs them in each
// subtest.
func TestServer(t *testing.T) {
	bin, clientBin := progtest.Build(t, serverPkg), progtest.Build(t, clientPkg)
	t.Run("transcript", func(t *testing.T) { testTranscript(t, bin, clientBin) })
	t.Run("command line", func(t *testing.T) {
		testCommandLine(t, "server", bin)
		testCommandLine(t, "client", clientBin)
	})
	t.Run("mistakes", func(t *testing.T) { testMistakes(t, bin) })
	t.Run("metrics address", func(t *testing.T) { testMetricsAddr(t, bin) })
}

// The server and two clients as a reader runs them: no certificate given, so
// the server makes one and says where; the clients trust it, get tokens and
// meet over wss://; on SIGTERM the server drains, then sends 1001. What the
// server and ada print are the README's transcripts.
func testTranscript(t *testing.T, serverBin, clientBin string) {
	server := progtest.Start(t, serverBin, "-addr", "127.0.0.1:0")
	certFile := selfSignedLine.FindStringSubmatch(server.WaitFor(selfSignedLine.String(), exitLimit))[1]
	addr := server.Addr()
	base := "https://" + addr
	client := trusting(t, certFile)
	for _, probe := range []string{"/healthz", "/readyz"} {
		if status := get(t, client, base+probe); status != http.StatusOK {
			t.Fatalf("%s: %d, want 200", probe, status)
		}
	}

	ada := progtest.Start(t, clientBin, "-url", base, "-cacert", certFile, "-name", "ada")
	ada.WaitFor(`^Connected as ada$`, exitLimit)
	server.WaitFor(`^ada connected from 127\.0\.0\.1$`, exitLimit)
	bob := progtest.Start(t, clientBin, "-url", base, "-cacert", certFile, "-name", "bob", "-say", "Hello")
	ada.WaitFor(`^broadcast: Hello$`, exitLimit)
	bob.Signal(os.Interrupt)
	if code := bob.Wait(exitLimit); code != 0 {
		t.Fatalf("bob exited with %d, want 0", code)
	}
	ada.WaitFor(`^client:disconnected: bob disconnected$`, exitLimit)

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
	if code := ada.Wait(exitLimit); code != 0 {
		t.Fatalf("ada exited with %d, want 0", code)
	}
	if code := server.Wait(exitLimit); code != 0 {
		t.Fatalf("the server exited with %d, want 0", code)
	}
	if _, err := os.Stat(certFile); !os.IsNotExist(err) {
		t.Errorf("the self-signed certificate is still there after the exit (%v)", err)
	}

	got := progtest.Replace(server.Stdout(), filepath.Dir(certFile), "/tmp/wstutorial-tls-1637040218")
	progtest.Compare(t, "../testdata/server.txt", progtest.Replace(got, addr, "127.0.0.1:5410"))
	progtest.Compare(t, "../testdata/client.txt", ada.Stdout())
	for _, golden := range []string{"server.txt", "client.txt"} {
		checkREADMEShows(t, golden)
	}
}

// checkREADMEShows checks that the lesson's README shows the golden
// transcript testdata/name as it is, under its marker.
func checkREADMEShows(t *testing.T, name string) {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("../testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	block := "<!-- transcript: 06-production/testdata/" + name + " -->\n```text\n" + string(golden) + "```\n"
	if !strings.Contains(string(readme), block) {
		t.Errorf("README.md does not show testdata/%s as it is; it should show:\n%s", name, block)
	}
}

// -h prints the usage and exits 0: it is not an error. A bad flag is named
// once, with the usage, and exits 2; so does an argument that is not a flag,
// in one line.
func testCommandLine(t *testing.T, name, bin string) {
	usage := "Usage of " + name + ":"
	code, _, stderr := progtest.Run(t, exitLimit, bin, "-h")
	if code != 0 || !slices.Contains(stderr, usage) {
		t.Errorf("%s -h: exit %d, stderr %q; want 0 and the usage", name, code, stderr)
	}

	code, _, stderr = progtest.Run(t, exitLimit, bin, "-bogus")
	named := strings.Count(strings.Join(stderr, "\n"), "-bogus")
	if code != 2 || named != 1 || !slices.Contains(stderr, usage) {
		t.Errorf("%s -bogus: exit %d, stderr %q; want 2, the bad flag named once, and the usage", name, code, stderr)
	}
	if slices.ContainsFunc(stderr, func(line string) bool { return strings.HasPrefix(line, name+":") }) {
		t.Errorf("%s -bogus: the mistake is reported again after the usage: %q", name, stderr)
	}

	code, _, stderr = progtest.Run(t, exitLimit, bin, "5410")
	want := []string{name + `: unexpected argument "5410" (-h lists the flags)`}
	if code != 2 || !slices.Equal(stderr, want) {
		t.Errorf("%s 5410: exit %d, stderr %q; want 2 and %q", name, code, stderr, want)
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
		{[]string{"-metrics-addr", "127.0.0.1:99999"}, "server: cannot listen on 127.0.0.1:99999 for the metrics: listen tcp: address 99999: invalid port"},
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
}

// With -metrics-addr, /metrics is served there, and no longer by the site.
func testMetricsAddr(t *testing.T, bin string) {
	server := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0")
	certFile := selfSignedLine.FindStringSubmatch(server.WaitFor(selfSignedLine.String(), exitLimit))[1]
	metricsLine := regexp.MustCompile(`^Metrics on (http://\S+/metrics)$`)
	metricsURL := metricsLine.FindStringSubmatch(server.WaitFor(metricsLine.String(), exitLimit))[1]

	resp, err := http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "\nchat_connections 0\n") {
		t.Fatalf("GET %s: %d, %v; want 200 and the metrics", metricsURL, resp.StatusCode, err)
	}
	if status := get(t, trusting(t, certFile), "https://"+server.Addr()+"/metrics"); status != http.StatusNotFound {
		t.Fatalf("/metrics on the site: %d, want 404", status)
	}
	server.Signal(os.Interrupt)
	if code := server.Wait(exitLimit); code != 0 {
		t.Fatalf("the server exited with %d, want 0", code)
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
