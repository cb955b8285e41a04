// Package site is the lesson-6 server's HTTP side: the sign-in page, the
// room page, the gate in front of the WebSocket upgrade, and the endpoints
// for operators (health, readiness, metrics).
package site

import (
	"embed"
	"log"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/06-production/auth"
	"example.com/wstutorial/06-production/chat"
	"example.com/wstutorial/06-production/lograte"
	"example.com/wstutorial/06-production/metrics"
	"github.com/gorilla/websocket"
)

// static holds the script and style sheet; templates the two pages.
var (
	//go:embed static
	static embed.FS
	//go:embed templates
	templates embed.FS
)

// Config is what a Site is made of.
type Config struct {
	Log            *log.Logger
	Room           *chat.Room
	Metrics        *metrics.Metrics
	Signer         *auth.Signer
	Origins        []string       // browser origins allowed besides the server's own
	TrustedProxies []netip.Prefix // addresses whose X-Forwarded-For is believed
	SessionTTL     time.Duration  // how long a sign-in lasts
	TokenTTL       time.Duration  // how long a program's token stays valid
	// MetricsElsewhere leaves /metrics out of the site: the server
	// serves it on an address of its own (-metrics-addr).
	MetricsElsewhere bool
}

// Site serves the lesson's HTTP endpoints. Create one with New.
type Site struct {
	Config
	noisy       *lograte.Logger
	checkOrigin func(*http.Request) bool // lesson 2's policy, with cfg.Origins
	upgrader    websocket.Upgrader
	ready       atomic.Bool
}

// New returns a site that is ready to serve.
func New(cfg Config) *Site {
	s := &Site{Config: cfg, noisy: lograte.New(cfg.Log), checkOrigin: room.CheckOrigin(cfg.Origins)}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		// The Origin is checked before the credentials, in
		// serveWebSocket, so that a refusal can be counted and logged
		// with its reason; by the time Upgrade runs it has passed.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	s.ready.Store(true)
	return s
}

// Handler returns the site's routes.
func (s *Site) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.serveRoomPage)
	mux.HandleFunc("GET /login", s.serveLoginPage)
	mux.Handle("POST /login", s.form(s.login))
	mux.Handle("POST /logout", s.form(s.logout))
	mux.Handle("POST /token", s.form(s.issueToken))
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /ws", s.serveWebSocket)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /readyz", s.serveReadiness)
	if !s.MetricsElsewhere {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}
	return securityHeaders(mux)
}

// maxFormSize bounds the body of a form: a name is a few bytes.
const maxFormSize = 4096

// form guards a handler of a posted form: the body is small, and a browser
// may post it only from this site's own pages. Without the Origin check,
// a page elsewhere could sign a visitor in under a name of its choosing
// (login cross-site request forgery), or sign them out.
func (s *Site) form(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !s.checkOrigin(req) {
			http.Error(w, "forms are posted from this site only", http.StatusForbidden)
			return
		}
		req.Body = http.MaxBytesReader(w, req.Body, maxFormSize)
		next(w, req)
	})
}

// securityHeaders adds the headers every page of a site on the internet
// should carry. The Content-Security-Policy lets pages load scripts and open
// connections only from this site: an injected <script> would not run.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		// Our addresses are not sent to other sites. ("no-referrer" would
		// go further, but browsers then send "Origin: null" with a form
		// posted from our own page, and the Origin check refuses it.)
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, req)
	})
}
