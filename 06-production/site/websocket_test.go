package site_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/06-production/auth"
	"github.com/gorilla/websocket"
)

// A handshake without a session or token is refused with 401 before the
// upgrade, and the room never hears of it.
func TestHandshakeWithoutCredentialsIsRefused(t *testing.T) {
	ts := startTLS(t, testLimits)
	ada := ts.join(t, "ada")

	if r, status := dial(t, ts.tlsConf, "anonymous", ts.wsURL(""), nil); r != nil || status != http.StatusUnauthorized {
		t.Fatalf("handshake without credentials: status %d, want 401", status)
	}
	ts.Log.WaitFor(`^Refused a handshake from 127\.0\.0\.1: 401 sign in first`)
	if n := ts.Room.Len(); n != 1 {
		t.Fatalf("the room has %d clients, want 1", n)
	}
	// The next thing ada hears of is bob: nothing came of the refused one.
	ts.join(t, "bob")
	ada.Expect(connected("bob"))
	if got := ts.metric(t, `chat_handshakes_refused_total{reason="unauthorized"}`); got != 1 {
		t.Fatalf("unauthorized refusals: %v, want 1", got)
	}
}

// Every kind of bad credential is refused: forged, expired, or made for the
// other purpose.
func TestBadCredentialsAreRefused(t *testing.T) {
	ts := startTLS(t, testLimits)
	forger, err := auth.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	session := func(value string) http.Header {
		return http.Header{"Cookie": {"__Host-session=" + value}}
	}
	token := func(value string) string { return "token=" + url.QueryEscape(value) }
	tests := []struct {
		name   string
		query  string
		header http.Header
	}{
		{"forged cookie", "", session(forger.Sign(auth.Session, "ada", time.Hour))},
		{"expired cookie", "", session(ts.Signer.Sign(auth.Session, "ada", -time.Second))},
		{"token as a cookie", "", session(ts.Signer.Sign(auth.Token, "ada", time.Minute))},
		{"garbage cookie", "", session("ada")},
		{"forged token", token(forger.Sign(auth.Token, "ada", time.Minute)), nil},
		{"expired token", token(ts.Signer.Sign(auth.Token, "ada", -time.Second)), nil},
		{"session as a token", token(ts.Signer.Sign(auth.Session, "ada", time.Hour)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, status := dial(t, ts.tlsConf, tt.name, ts.wsURL(tt.query), tt.header); r != nil || status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", status)
			}
		})
	}
	if got := ts.metric(t, `chat_handshakes_refused_total{reason="unauthorized"}`); got != float64(len(tests)) {
		t.Fatalf("unauthorized refusals: %v, want %d", got, len(tests))
	}
	if n := ts.Room.Len(); n != 0 {
		t.Fatalf("the room has %d clients, want 0", n)
	}
}

// A browser signed in with a cookie and a program with a token meet in the
// room, and are announced by name.
func TestSignedInPeopleAreAnnouncedByName(t *testing.T) {
	ts := startTLS(t, testLimits)
	cookie := ts.signIn(t, "Ada Lovelace")
	if !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Fatalf("session cookie %s: want HttpOnly, Secure, SameSite=Lax, Path=/", cookie)
	}
	ada, status := dial(t, ts.tlsConf, "ada", ts.wsURL(""), ts.browserHeader(ts.URL, cookie))
	if ada == nil {
		t.Fatalf("handshake with a session cookie: %d", status)
	}
	ts.Log.WaitFor(`^Ada Lovelace connected from 127\.0\.0\.1$`)

	bob := ts.join(t, "bob")
	ada.Expect(connected("bob"))
	bob.Send(broadcast("Hello"))
	ada.Expect(broadcast("Hello"))
	ada.Send(broadcast("Hi bob"))
	bob.Expect(broadcast("Hi bob"))
	bob.Close()
	ada.Expect(disconnected("bob"))
}

// A page of another site is refused, even when the browser sends the
// reader's valid cookie along: cross-site WebSocket hijacking.
func TestForeignOriginIsRefused(t *testing.T) {
	ts := startTLS(t, testLimits)
	cookie := ts.signIn(t, "ada")
	if r, status := dial(t, ts.tlsConf, "evil", ts.wsURL(""), ts.browserHeader("https://evil.example", cookie)); r != nil || status != http.StatusForbidden {
		t.Fatalf("foreign origin: status %d, want 403", status)
	}
	ts.Log.WaitFor(`^Refused a handshake from 127\.0\.0\.1: 403 origin "https://evil\.example" is not allowed$`)
	if got := ts.metric(t, `chat_handshakes_refused_total{reason="origin"}`); got != 1 {
		t.Fatalf("origin refusals: %v, want 1", got)
	}
}

// Beyond -max-conns, a handshake is refused with 503 at once; a seat that
// is given back can be taken again.
func TestConnectionCap(t *testing.T) {
	limits := testLimits
	limits.MaxConns = 2
	ts := startTLS(t, limits)
	ada := ts.join(t, "ada")
	ts.join(t, "bob")
	if r, status := dial(t, ts.tlsConf, "cy", ts.wsURL("token="+ts.token(t, "cy")), nil); r != nil || status != http.StatusServiceUnavailable {
		t.Fatalf("third client: status %d, want 503", status)
	}
	ts.Log.WaitFor(`^Refused a handshake from 127\.0\.0\.1: 503 the server is full`)
	ada.Close()
	ts.Log.WaitFor(`^ada disconnected$`)
	ts.join(t, "cy")
	if got := ts.metric(t, `chat_handshakes_refused_total{reason="full"}`); got != 1 {
		t.Fatalf("full refusals: %v, want 1", got)
	}
}

// The rate limit holds to a client's last message: one that sends many at
// once and leaves has them passed on at the limit's pace, not all at once.
func TestRateLimitHoldsToTheLastMessage(t *testing.T) {
	limits := testLimits
	limits.Rate = 20 // bursts of 40
	ts := startTLS(t, limits)
	flooder := ts.join(t, "flooder")
	watcher := ts.join(t, "watcher")
	flooder.Expect(connected("watcher"))

	const sent, burst = 60, 40
	start := time.Now()
	for i := range sent {
		flooder.Send(broadcast(strings.Repeat("x", i)))
	}
	// Goodbye at once, without waiting for the answer (as Close would): the
	// server reads the close frame only after the 60 messages.
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := flooder.Conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	for range sent {
		watcher.Next()
	}
	// The burst passes at once; the 20 messages after it come one every
	// 50 ms, so the last cannot arrive before a second has passed. (Slow
	// machines only make it later.)
	took := time.Since(start)
	if least := time.Duration(sent-burst) * time.Second / time.Duration(limits.Rate); took < least*95/100 {
		t.Fatalf("the %d messages came within %s, want at least %s", sent, took, least)
	}
	watcher.Expect(disconnected("flooder"))
}

// Metrics count what happened: connections, refusals, messages both ways,
// and handshake and delivery times.
func TestMetricsCountWhatHappened(t *testing.T) {
	ts := startTLS(t, testLimits)
	dial(t, ts.tlsConf, "anonymous", ts.wsURL(""), nil)
	ada := ts.join(t, "ada")
	bob := ts.join(t, "bob")
	ada.Expect(connected("bob")) // 1 sent
	for _, text := range []string{"one", "two", "three"} {
		bob.Send(broadcast(text))
		ada.Expect(broadcast(text)) // 3 sent
	}
	ts.waitMetric(t, "chat_messages_sent_total", 4)
	want := map[string]float64{
		"chat_connections": 2,
		`chat_handshakes_refused_total{reason="unauthorized"}`: 1,
		`chat_handshakes_refused_total{reason="full"}`:         0,
		"chat_messages_received_total":                         3,
		"chat_handshake_seconds_count":                         2,
		"chat_delivery_seconds_count":                          4,
		"chat_send_queue_messages":                             0,
		"chat_clients_dropped_slow_total":                      0,
	}
	for _, sample := range slices.Sorted(mapsKeys(want)) {
		if got := ts.metric(t, sample); got != want[sample] {
			t.Errorf("%s = %v, want %v", sample, got, want[sample])
		}
	}
	bob.Close()
	ts.waitMetric(t, "chat_connections", 1)
}

func mapsKeys(m map[string]float64) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// A client that stops reading is dropped when its queue is full, and
// counted; the others go on receiving.
func TestSlowClientIsDropped(t *testing.T) {
	ts := startTLS(t, testLimits)
	sender := ts.join(t, "sender")
	watcher := ts.join(t, "watcher")
	// The slow one never reads: not even the close frame it will get. A
	// small receive buffer makes it fill up sooner.
	dialer := websocket.Dialer{TLSClientConfig: ts.tlsConf, NetDialContext: smallReceiveBuffer}
	slow, _, err := dialer.Dial(ts.wsURL("token="+url.QueryEscape(ts.token(t, "slow"))), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	ts.Log.WaitFor(`^slow connected from `)
	watcher.Expect(connected("slow"))

	// Send until the slow client's queue and TCP buffers are full; how
	// much that takes depends on the kernel's buffer sizes.
	text := strings.Repeat("x", 7000)
	const batch, most = 100, 3000
	sent := 0
	for ; ts.metric(t, "chat_clients_dropped_slow_total") == 0; sent += batch {
		if sent >= most {
			t.Fatalf("still no client dropped after %d messages", sent)
		}
		for range batch {
			sender.Send(broadcast(text))
		}
		for range batch {
			watcher.Next()
		}
	}
	t.Logf("the slow client was dropped after %d messages", sent)
	ts.Log.WaitFor(`^slow is too slow to keep up; disconnecting them$`)
	watcher.Expect(disconnected("slow"))
	sender.Send(broadcast("still going"))
	watcher.Expect(broadcast("still going"))
}

// smallReceiveBuffer dials TCP with a receive buffer of a few KB.
func smallReceiveBuffer(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if err := conn.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// The sign-in form is accepted from the site's own pages only: a page
// elsewhere cannot sign a visitor in under a name of its choosing.
func TestSignInFromAnotherSiteIsRefused(t *testing.T) {
	ts := startTLS(t, testLimits)
	for origin, want := range map[string]int{
		"https://evil.example": http.StatusForbidden,
		ts.URL:                 http.StatusSeeOther,
	} {
		req, err := http.NewRequest("POST", ts.URL+"/login", strings.NewReader("name=mallory"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("sign-in posted from %s: %d, want %d", origin, resp.StatusCode, want)
		}
	}
}
