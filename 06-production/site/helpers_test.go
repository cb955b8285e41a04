package site_test

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/06-production/auth"
	"example.com/wstutorial/06-production/chat"
	"example.com/wstutorial/06-production/metrics"
	"example.com/wstutorial/06-production/site"
	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// Recorder is the tests' WebSocket client, reading lesson 2's messages.
type Recorder = progtest.Recorder[room.Message]

// testLimits are the room's limits in most tests: roomy, and no rate limit,
// so that only the tests of a limit meet it.
var testLimits = chat.Limits{MaxConns: 100, PingPeriod: 30 * time.Second}

// testServer is the lesson's site and room, in this process, behind a real
// HTTPS server on a free port.
type testServer struct {
	URL     string // https://127.0.0.1:port
	Signer  *auth.Signer
	Room    *chat.Room
	Log     *progtest.Log
	Site    *site.Site
	http    *httptest.Server
	client  *http.Client // trusts the server's certificate
	tlsConf *tls.Config
}

// config changes a test server's site configuration before it starts.
type config func(*site.Config)

// startTLS starts a test server with HTTPS, as the server runs by default.
func startTLS(t *testing.T, limits chat.Limits, options ...config) *testServer {
	ts := newTestServer(t, limits, options...)
	ts.http.StartTLS()
	ts.finish(t)
	return ts
}

// startPlain starts a test server speaking plain HTTP, as the server runs
// behind a proxy that terminates TLS.
func startPlain(t *testing.T, limits chat.Limits, options ...config) *testServer {
	ts := newTestServer(t, limits, options...)
	ts.http.Start()
	ts.finish(t)
	return ts
}

func newTestServer(t *testing.T, limits chat.Limits, options ...config) *testServer {
	t.Helper()
	signer, err := auth.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	logs := progtest.NewLog(t)
	logger := log.New(logs, "", 0)
	m := metrics.New()
	r := chat.New(logger, m, limits)
	cfg := site.Config{
		Log: logger, Room: r, Metrics: m, Signer: signer,
		SessionTTL: time.Hour, TokenTTL: 30 * time.Second,
	}
	for _, option := range options {
		option(&cfg)
	}
	s := site.New(cfg)
	ts := &testServer{Signer: signer, Room: r, Log: logs, Site: s}
	ts.http = httptest.NewUnstartedServer(s.Handler())
	ts.http.Config.ErrorLog = log.New(io.Discard, "", 0)
	return ts
}

func (ts *testServer) finish(t *testing.T) {
	ts.URL = ts.http.URL
	ts.client = ts.http.Client()
	if transport, ok := ts.client.Transport.(*http.Transport); ok {
		ts.tlsConf = transport.TLSClientConfig
	}
	ts.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ts.Room.Close(ctx)
		ts.http.Close()
	})
}

// wsURL is the address of the room, with query added (e.g. "token=…").
func (ts *testServer) wsURL(query string) string {
	u, _ := url.Parse(ts.URL)
	u.Scheme = map[string]string{"https": "wss", "http": "ws"}[u.Scheme]
	u.Path, u.RawQuery = "/ws", query
	return u.String()
}

// dial tries a handshake at url with header, trusting the server's
// certificate, and returns the HTTP status it got.
func dial(t *testing.T, tlsConf *tls.Config, name, url string, header http.Header) (*Recorder, int) {
	t.Helper()
	dialer := websocket.Dialer{TLSClientConfig: tlsConf, HandshakeTimeout: progtest.WaitLimit}
	conn, resp, err := dialer.Dial(url, header)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if err != nil {
		return nil, status
	}
	return progtest.Record[room.Message](t, name, conn), status
}

// join connects as a program would: a token first, then the handshake.
func (ts *testServer) join(t *testing.T, name string) *Recorder {
	t.Helper()
	r, status := dial(t, ts.tlsConf, name, ts.wsURL("token="+url.QueryEscape(ts.token(t, name))), nil)
	if r == nil {
		t.Fatalf("%s: handshake refused with %d", name, status)
	}
	ts.Log.WaitFor("^" + regexp.QuoteMeta(name) + " connected from ")
	return r
}

// token asks the server for a program's token for name.
func (ts *testServer) token(t *testing.T, name string) string {
	t.Helper()
	resp, err := ts.client.PostForm(ts.URL+"/token", url.Values{"name": {name}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /token: %d %s", resp.StatusCode, body)
	}
	return strings.TrimSpace(string(body))
}

// signIn signs in as a browser would and returns the session cookie.
func (ts *testServer) signIn(t *testing.T, name string) *http.Cookie {
	t.Helper()
	resp, err := ts.client.PostForm(ts.URL+"/login", url.Values{"name": {name}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login: %d, want 303", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-session" {
			return c
		}
	}
	t.Fatal("POST /login set no session cookie")
	return nil
}

// browserHeader is what a browser on the server's own page sends: its
// Origin, and the session cookie.
func (ts *testServer) browserHeader(origin string, session *http.Cookie) http.Header {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if session != nil {
		h.Set("Cookie", session.Name+"="+session.Value)
	}
	return h
}

// metric returns the value of one sample on /metrics, such as
// `chat_handshakes_refused_total{reason="unauthorized"}`.
func (ts *testServer) metric(t *testing.T, sample string) float64 {
	t.Helper()
	resp, err := ts.client.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if value, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("/metrics: %q: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no sample %s", sample)
	return 0
}

// waitMetric waits until a sample on /metrics has the value want: the
// metrics are updated a moment after what they count is seen by a client.
func (ts *testServer) waitMetric(t *testing.T, sample string, want float64) {
	t.Helper()
	var got float64
	deadline := time.Now().Add(progtest.WaitLimit)
	for got = ts.metric(t, sample); got != want; got = ts.metric(t, sample) {
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", sample, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func broadcast(text string) room.Message {
	return room.Message{Type: room.TypeBroadcast, Payload: text}
}

func connected(name string) room.Message {
	return room.Message{Type: room.TypeConnected, Payload: name + " connected"}
}

func disconnected(name string) room.Message {
	return room.Message{Type: room.TypeDisconnected, Payload: name + " disconnected"}
}

// get fetches url and returns the status.
func get(t *testing.T, client *http.Client, url string) int {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
