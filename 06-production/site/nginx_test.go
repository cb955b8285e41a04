package site_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/06-production/selfsigned"
	"example.com/wstutorial/06-production/site"
	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// siteConf is the nginx configuration the lesson shows.
const siteConf = "../nginx/room.conf"

// nginxInstallHint installs nginx on Debian and Ubuntu.
const nginxInstallHint = "apt-get install -y nginx"

// requireNginx returns the path of nginx, or skips the test where there is
// none, except under CI=true, where these tests must run.
func requireNginx(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("nginx")
	if err != nil {
		path, err = exec.LookPath("/usr/sbin/nginx") // not on a user's PATH on Debian
	}
	if err == nil {
		return path
	}
	msg := "this test needs nginx and none is installed; on Debian or Ubuntu: " + nginxInstallHint
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, so the nginx test may not be skipped: %s", msg)
	}
	t.Skip(msg)
	return ""
}

// proxy is a real nginx process in front of a test server.
type proxy struct {
	URL       string // https://127.0.0.1:port
	TLS       *tls.Config
	accessLog string
}

// startNginx runs nginx with the lesson's configuration in front of backend
// (host:port), closing quiet connections after readTimeout. edit, if not
// nil, changes the configuration first.
func startNginx(t *testing.T, backend string, readTimeout time.Duration, edit func(string) string) *proxy {
	t.Helper()
	bin := requireNginx(t)
	dir := t.TempDir()
	certFile, keyFile, err := selfsigned.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	listen := progtest.FreeAddr(t)
	text, err := os.ReadFile(siteConf)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(text)
	if edit != nil {
		conf = edit(conf)
	}
	var site strings.Builder
	err = template.Must(template.New("site").Parse(conf)).Execute(&site, map[string]string{
		"Listen":      listen,
		"ServerName":  "localhost",
		"Cert":        certFile,
		"Key":         keyFile,
		"AccessLog":   filepath.Join(dir, "access.log"),
		"Backend":     backend,
		"ReadTimeout": fmt.Sprintf("%dms", readTimeout.Milliseconds()),
	})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "site.conf"), site.String())
	// The main configuration keeps everything in dir. One process, without
	// the usual workers: workers switch to an unprivileged user when nginx
	// runs as root, and that user could not write here.
	writeFile(t, filepath.Join(dir, "nginx.conf"), fmt.Sprintf(`
daemon off;
master_process off;
pid %[1]s/nginx.pid;
events { worker_connections 128; }
http {
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/site.conf;
}
`, dir))
	progtest.Start(t, bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", "stderr")
	progtest.WaitUntil(t, "listening", func() bool {
		conn, err := net.Dial("tcp", listen)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})

	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return &proxy{URL: "https://" + listen, TLS: &tls.Config{RootCAs: roots}, accessLog: filepath.Join(dir, "access.log")}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// behindNginx starts the server as it runs behind nginx: plain HTTP,
// believing X-Forwarded-For from the proxy only, pinging every pingPeriod.
func behindNginx(t *testing.T, pingPeriod time.Duration) *testServer {
	limits := testLimits
	limits.PingPeriod = pingPeriod
	return startPlain(t, limits, func(c *site.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
}

// through returns a copy of ts that talks to it through p.
func (ts *testServer) through(t *testing.T, p *proxy) *testServer {
	via := *ts
	via.URL, via.tlsConf = p.URL, p.TLS
	transport := &http.Transport{TLSClientConfig: p.TLS}
	t.Cleanup(transport.CloseIdleConnections)
	via.client = &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &via
}

// Browsers and programs reach the room through nginx, over TLS; nginx passes
// the handshake on, the server sees the public Host for its Origin check and
// the real client address, and the token stays out of nginx's log.
func TestThroughNginx(t *testing.T) {
	ts := behindNginx(t, 30*time.Second)
	p := startNginx(t, strings.TrimPrefix(ts.URL, "http://"), 10*time.Second, nil)
	via := ts.through(t, p)

	// A browser: signs in, then connects from the page's own origin.
	cookie := via.signIn(t, "ada")
	ada, status := dial(t, p.TLS, "ada", via.wsURL(""), via.browserHeader(p.URL, cookie))
	if ada == nil {
		t.Fatalf("browser handshake through nginx: %d, want 101", status)
	}
	ts.Log.WaitFor(`^ada connected from 127\.0\.0\.1$`)

	// A program, with a made-up X-Forwarded-For that nginx must replace.
	token := via.token(t, "bob")
	bob, status := dial(t, p.TLS, "bob", via.wsURL("token="+url.QueryEscape(token)), http.Header{"X-Forwarded-For": {"6.6.6.6"}})
	if bob == nil {
		t.Fatalf("program handshake through nginx: %d, want 101", status)
	}
	ts.Log.WaitFor(`^bob connected from 127\.0\.0\.1$`)
	ada.Expect(connected("bob"))
	bob.Send(broadcast("Hello through nginx"))
	ada.Expect(broadcast("Hello through nginx"))

	// Refusals pass through with their status.
	if r, status := dial(t, p.TLS, "anonymous", via.wsURL(""), nil); r != nil || status != http.StatusUnauthorized {
		t.Errorf("no credentials through nginx: %d, want 401", status)
	}
	if r, status := dial(t, p.TLS, "evil", via.wsURL(""), via.browserHeader("https://evil.example", cookie)); r != nil || status != http.StatusForbidden {
		t.Errorf("foreign origin through nginx: %d, want 403", status)
	}
	if status := get(t, via.client, p.URL+"/metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics through nginx: %d, want 404", status)
	}

	bob.Close()
	ada.Expect(disconnected("bob"))
	log, err := os.ReadFile(p.accessLog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), `"GET /ws" 101`) || strings.Contains(string(log), token) {
		t.Errorf("nginx's access log should show the handshakes without their token:\n%s", log)
	}
}

// Without the Host header passed on, nginx sends the backend's address as
// the Host, and the Origin check refuses the site's own page. This is what
// `proxy_set_header Host $http_host` in the configuration is for.
func TestNginxWithoutHostRefusesTheOwnPage(t *testing.T) {
	ts := behindNginx(t, 30*time.Second)
	p := startNginx(t, strings.TrimPrefix(ts.URL, "http://"), 10*time.Second, func(conf string) string {
		return strings.Replace(conf, "proxy_set_header Host $http_host;", "", 1)
	})
	via := ts.through(t, p)
	cookie := via.signIn(t, "ada")
	if r, status := dial(t, p.TLS, "ada", via.wsURL(""), via.browserHeader(p.URL, cookie)); r != nil || status != http.StatusForbidden {
		t.Fatalf("own page without the Host passed on: %d, want 403", status)
	}
}

// nginx closes a connection that is quiet for longer than
// proxy_read_timeout; the server's pings keep a quiet client connected, if
// they come more often than that.
func TestNginxTimeoutAndPings(t *testing.T) {
	const readTimeout = time.Second
	t.Run("pings in time keep a quiet client", func(t *testing.T) {
		testPingsKeepAQuietClient(t, readTimeout, 300*time.Millisecond)
	})
	t.Run("pings too rare, and nginx cuts it", func(t *testing.T) {
		testNginxCutsAQuietClient(t, readTimeout, 30*readTimeout)
	})
}

func testPingsKeepAQuietClient(t *testing.T, readTimeout, pingPeriod time.Duration) {
	ts := behindNginx(t, pingPeriod)
	p := startNginx(t, strings.TrimPrefix(ts.URL, "http://"), readTimeout, nil)
	via := ts.through(t, p)
	ada := via.join(t, "ada")

	// bob counts the pings that reach him, answering each as gorilla
	// would (the handler must be set before reading starts).
	dialer := websocket.Dialer{TLSClientConfig: p.TLS}
	conn, _, err := dialer.Dial(via.wsURL("token="+url.QueryEscape(via.token(t, "bob"))), nil)
	if err != nil {
		t.Fatal(err)
	}
	pings := make(chan struct{}, 100)
	conn.SetPingHandler(func(data string) error {
		pings <- struct{}{}
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	bob := progtest.Record[room.Message](t, "bob", conn)
	ada.Expect(connected("bob"))

	// Both stay quiet for well past nginx's timeout. Each ping, which
	// comes through nginx, says the connection is still open.
	quietSince := time.Now()
	for time.Since(quietSince) < 5*readTimeout/2 {
		select {
		case <-pings:
		case <-time.After(5 * pingPeriod):
			t.Fatalf("no ping for %s after %s of quiet: nginx cut the connection", 5*pingPeriod, time.Since(quietSince).Round(time.Millisecond))
		}
	}
	bob.Send(broadcast("still here"))
	ada.Expect(broadcast("still here"))
}

// testNginxCutsAQuietClient is the other side of the same coin: with pings
// rarer than nginx's timeout, nginx cuts a quiet client once the timeout has
// passed, without a close frame. (The server, whose own pong wait is twice
// the ping period, would have waited much longer.)
func testNginxCutsAQuietClient(t *testing.T, readTimeout, pingPeriod time.Duration) {
	ts := behindNginx(t, pingPeriod)
	p := startNginx(t, strings.TrimPrefix(ts.URL, "http://"), readTimeout, nil)
	via := ts.through(t, p)
	bob := via.join(t, "bob")
	quietSince := time.Now()
	// Cut, not closed: gorilla reports 1006 for a connection that ended
	// without a close frame (-1 for one that ended with an error).
	if code := bob.CloseCode(); code != websocket.CloseAbnormalClosure && code != -1 {
		t.Fatalf("the connection ended with close code %d, want none (cut by nginx)", code)
	}
	if quiet := time.Since(quietSince); quiet < readTimeout*9/10 {
		t.Fatalf("cut after %s of quiet, before nginx's timeout of %s", quiet, readTimeout)
	}
	ts.Log.WaitFor(`^bob disconnected`)
}
