package site

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr returns the address of the client that sent req.
//
// Behind a proxy, the connection comes from the proxy, and the proxy says who
// its client was in X-Forwarded-For: "client, proxy1, proxy2", each proxy
// adding the address it heard from. Anyone can send that header, so it is
// believed only when the connection comes from a trusted proxy, and only as
// far back as the chain is made of trusted proxies: the address wanted is
// the last one that a trusted proxy added, read from the right. What lies
// further left was written by the client itself and proves nothing.
func ClientAddr(req *http.Request, trusted []netip.Prefix) string {
	peer, err := netip.ParseAddrPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	client := peer.Addr().Unmap()
	var hops []string
	for _, header := range req.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(header, ",")...)
	}
	for i := len(hops) - 1; i >= 0 && isTrusted(client, trusted); i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: the last address we trust is as far as we go
		}
		client = hop.Unmap()
	}
	return client.String()
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ParsePrefixes reads a comma-separated list of addresses and networks
// ("127.0.0.1, 10.0.0.0/8"), as the -trusted-proxies flag takes it.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			addr, err := netip.ParseAddr(part)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
