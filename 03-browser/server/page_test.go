package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// get fetches path from srv and returns the response and its body.
func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestPageFiles(t *testing.T) {
	srv := newTestServer(t)

	tests := []struct {
		path        string
		contentType string
		contains    []string // what the tests, the drive program and readers rely on
	}{
		{"/", "text/html; charset=utf-8", []string{
			`<meta name="viewport"`,
			`<script src="app.js" defer>`,
			`<link rel="stylesheet" href="style.css">`,
			`id="status"`,
			`id="log"`, `role="log"`, `aria-live="polite"`,
			`<label for="message">`, `id="message"`,
			`id="send" type="submit"`,
		}},
		{"/app.js", "text/javascript; charset=utf-8", []string{
			"new WebSocket(",
			"addEventListener('open'",
			"addEventListener('message'",
			"addEventListener('close'",
			"addEventListener('error'",
			"type: 'broadcast'",
			".textContent",
		}},
		{"/style.css", "text/css; charset=utf-8", []string{
			`.entry[data-type="broadcast"]`,
			`.entry[data-type="mine"]`,
			`.entry[data-type="client:connected"]`,
			`.entry[data-type="client:disconnected"]`,
			`.status[data-state="waiting"]`,
		}},
	}
	// The page must work offline: nothing may be fetched from elsewhere.
	external := regexp.MustCompile(`(src|href)="(https?:)?//|url\((https?:)?//|@import`)

	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %s", tt.path, resp.Status)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", got)
			}
			for _, want := range tt.contains {
				if !strings.Contains(body, want) {
					t.Errorf("%s does not contain %s", tt.path, want)
				}
			}
			if loc := external.FindString(body); loc != "" {
				t.Errorf("%s loads something from another site (%s): the page must work offline", tt.path, loc)
			}
		})
	}
}

func TestOtherRequests(t *testing.T) {
	srv := newTestServer(t)

	if resp, _ := get(t, srv.URL+"/nothing-here"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %s, want 404", resp.Status)
	}
	// A plain GET of /ws is not a WebSocket handshake.
	if resp, _ := get(t, srv.URL+"/ws"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET /ws without upgrade: %s, want 400", resp.Status)
	}
	resp, err := http.Post(srv.URL+"/ws", "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /ws: %s, want 405", resp.Status)
	}
}
