package site_test

import (
	"net/http"
	"testing"

	"example.com/wstutorial/06-production/site"
)

func TestClientAddr(t *testing.T) {
	proxies, err := site.ParsePrefixes("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"direct", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"direct, with a forged header", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"through the proxy", "127.0.0.1:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"through two proxies", "127.0.0.1:4000", []string{"198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"a forged hop left of the real one", "127.0.0.1:4000", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"two headers", "127.0.0.1:4000", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1"},
		{"proxy, no header", "127.0.0.1:4000", nil, "127.0.0.1"},
		{"garbage in the header", "127.0.0.1:4000", []string{"not-an-address"}, "127.0.0.1"},
		{"IPv6", "[2001:db8::1]:4000", []string{"6.6.6.6"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", "/", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.RemoteAddr = tt.remote
			for _, f := range tt.forwarded {
				req.Header.Add("X-Forwarded-For", f)
			}
			if got := site.ClientAddr(req, proxies); got != tt.want {
				t.Fatalf("ClientAddr = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParsePrefixesRefusesGarbage(t *testing.T) {
	for _, list := range []string{"localhost", "10.0.0.0/33", "1.2.3"} {
		if _, err := site.ParsePrefixes(list); err == nil {
			t.Errorf("ParsePrefixes(%q) accepted it", list)
		}
	}
}
