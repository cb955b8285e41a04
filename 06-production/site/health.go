package site

import (
	"fmt"
	"net/http"
)

// serveHealth answers a load balancer's liveness probe: the process is up and
// serving HTTP. A failing liveness probe gets the server restarted, so it
// says nothing about readiness.
func (s *Site) serveHealth(w http.ResponseWriter, _ *http.Request) {
	fmt.Fprintln(w, "ok")
}

// serveReadiness answers the readiness probe: 200 while the server wants new
// clients, 503 once it is draining. A balancer sends new connections only to
// servers that answer 200.
func (s *Site) serveReadiness(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Drain makes the readiness probe fail from now on. Clients already
// connected stay; the balancer stops sending new ones.
func (s *Site) Drain() { s.ready.Store(false) }
