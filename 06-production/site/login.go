package site

import (
	"errors"
	"html/template"
	"net/http"

	"example.com/wstutorial/06-production/auth"
)

// sessionCookie is the name of the session cookie. The __Host- prefix makes
// browsers keep it only if it is Secure, set for the whole site (Path=/) and
// not shared with other hosts (no Domain): a sibling site, such as a
// subdomain someone else runs, cannot plant a session of its own here.
const sessionCookie = "__Host-session"

var pages = template.Must(template.ParseFS(templates, "templates/*.html"))

// serveRoomPage shows the room to a reader who has signed in, and sends
// anyone else to the sign-in page.
func (s *Site) serveRoomPage(w http.ResponseWriter, req *http.Request) {
	name, err := s.session(req)
	if err != nil {
		http.Redirect(w, req, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "room.html", name)
}

func (s *Site) serveLoginPage(w http.ResponseWriter, _ *http.Request) {
	s.render(w, http.StatusOK, "login.html", "")
}

// login signs a reader in with the name they typed: it sets the session
// cookie and sends them to the room. There is no password: the lesson is
// about what happens after a sign-in, which would look the same after any
// other way of proving who someone is.
func (s *Site) login(w http.ResponseWriter, req *http.Request) {
	name, err := auth.CleanName(req.PostFormValue("name"))
	if err != nil {
		s.render(w, http.StatusBadRequest, "login.html", err.Error())
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:   sessionCookie,
		Value:  s.Signer.Sign(auth.Session, name, s.SessionTTL),
		Path:   "/",
		MaxAge: int(s.SessionTTL.Seconds()),
		// HttpOnly: no script on the page can read the cookie, so a
		// script injected into it cannot send the session elsewhere.
		HttpOnly: true,
		// Secure: sent over HTTPS only, never in clear text.
		Secure: true,
		// SameSite=Lax: a request that another site starts, a WebSocket
		// handshake included, goes without the cookie; following a link
		// to this site from elsewhere still finds the reader signed in.
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, req, "/", http.StatusSeeOther)
}

// logout removes the session cookie. (The session itself stays valid until
// it expires: the server keeps no list of sessions to strike it from.)
func (s *Site) logout(w http.ResponseWriter, req *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, req, "/login", http.StatusSeeOther)
}

// issueToken gives a program, which has no cookie jar and no page, a token to
// connect with: POST /token with name=…, then connect to /ws?token=…. The
// token opens connections until it expires, TokenTTL later.
func (s *Site) issueToken(w http.ResponseWriter, req *http.Request) {
	name, err := auth.CleanName(req.PostFormValue("name"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(s.Signer.Sign(auth.Token, name, s.TokenTTL) + "\n"))
}

// session returns the name in req's session cookie, if it has a valid one.
func (s *Site) session(req *http.Request) (string, error) {
	cookie, err := req.Cookie(sessionCookie)
	if err != nil {
		return "", errors.New("no session cookie")
	}
	return s.Signer.Verify(auth.Session, cookie.Value)
}

// render writes the page template name with data, escaped by html/template.
func (s *Site) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.Log.Printf("Cannot render %s: %v", name, err)
	}
}
