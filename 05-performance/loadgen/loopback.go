package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
)

// checkLoopback refuses any URL that is not a ws:// URL on this machine. A
// load generator aimed elsewhere is a denial-of-service tool; this one is
// for measuring your own server on your own machine.
func checkLoopback(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad -url: %w", err)
	}
	if u.Scheme != "ws" {
		return fmt.Errorf("-url %s: only ws:// URLs are supported", raw)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("-url %s: no host", raw)
	}
	ips := []net.IP{net.ParseIP(host)}
	if ips[0] == nil {
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return fmt.Errorf("-url %s: %w", raw, err)
		}
		ips = ips[:0]
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("-url %s: %s is not a loopback address; loadgen only loads this machine", raw, ip)
		}
	}
	return nil
}
