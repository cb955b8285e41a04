package rooms

import (
	"net/http"

	"example.com/wstutorial/02-stateful/room"
	"github.com/gorilla/websocket"
)

// Handler serves /rooms/{room}: it checks the room's name and since before
// upgrading, so a bad request gets a plain 400 that says why.
type Handler struct {
	srv      *Server
	upgrader websocket.Upgrader
}

// NewHandler returns the routes of the lesson: /rooms/{room}, with lesson
// 2's origin policy (see room.CheckOrigin).
func NewHandler(s *Server, allowedOrigins ...string) http.Handler {
	h := &Handler{srv: s, upgrader: websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		CheckOrigin:     room.CheckOrigin(allowedOrigins),
	}}
	mux := http.NewServeMux()
	mux.Handle("GET /rooms/{room}", h)
	return mux
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	name := req.PathValue("room")
	if !ValidName(name) {
		http.Error(w, "a room's name is 1 to 64 letters, digits, - and _", http.StatusBadRequest)
		return
	}
	since, resume, err := ParseSince(req.URL.Query()["since"])
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// A request Upgrade would refuse (not a WebSocket handshake, or from a
	// foreign page) is refused by Upgrade itself, before it costs a room.
	if !websocket.IsWebSocketUpgrade(req) || !h.upgrader.CheckOrigin(req) {
		_, _ = h.upgrader.Upgrade(w, req, nil) // answers 400 or 403
		return
	}
	// Refusals come before the upgrade, as a plain 503 that says why, and
	// cost the server no more than this request.
	if !h.srv.admit() {
		h.refuse(w, name, ErrFull)
		return
	}
	r, err := h.srv.enter(name)
	if err != nil {
		h.srv.release()
		h.refuse(w, name, err)
		return
	}
	conn, err := h.upgrader.Upgrade(w, req, nil)
	if err != nil {
		h.srv.abandon(r)
		return // Upgrade has answered already
	}
	if err := h.srv.join(r, conn, since, resume); err != nil {
		h.srv.refusals.Printf("Refused a client of room %s: %v", name, err)
		bye := websocket.FormatCloseMessage(websocket.CloseTryAgainLater, err.Error())
		_ = conn.WriteMessage(websocket.CloseMessage, bye)
		conn.Close()
	}
}

// refuse answers 503, Service Unavailable, with the reason.
func (h *Handler) refuse(w http.ResponseWriter, name string, why error) {
	h.srv.refusals.Printf("Refused a client of room %s: %v", name, why)
	http.Error(w, why.Error(), http.StatusServiceUnavailable)
}
