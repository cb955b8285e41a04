package main

import (
	"embed"
	"io/fs"
	"net/http"

	"example.com/wstutorial/02-stateful/room"
)

// The page, its style sheet and its script are compiled into the binary, so
// the server is one file that works anywhere, offline included, with no
// build step for the front end.
//
//go:embed static
var static embed.FS

// routes serves the page at / and the room at /ws. The page connects back to
// the host it came from, so its WebSocket handshake carries the server's own
// origin and passes the room's Origin check; allowedOrigins lets pages
// served from elsewhere in too.
func routes(r *room.Room, allowedOrigins []string) http.Handler {
	page, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot fail
	}
	mux := http.NewServeMux()
	// A WebSocket handshake is always a GET request.
	mux.Handle("GET /ws", room.NewHandler(r, allowedOrigins...))
	mux.Handle("GET /", noCache(http.FileServerFS(page)))
	return mux
}

// noCache makes the browser check for a new version of the page every time.
// Embedded files carry no modification time for it to compare, and a reader
// who edits the page and restarts the server should see the change at once.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, req)
	})
}
