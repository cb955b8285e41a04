package main

import (
	"context"
	"testing"
)

func TestCheckLoopback(t *testing.T) {
	ctx := context.Background()
	for _, ok := range []string{"ws://127.0.0.1:5406", "ws://127.1.2.3:80/x", "ws://[::1]:5406", "ws://localhost:5406"} {
		if err := checkLoopback(ctx, ok); err != nil {
			t.Errorf("checkLoopback(%s) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"ws://192.168.1.10:5406", "ws://10.0.0.1", "ws://[2001:db8::1]:5406", "wss://127.0.0.1:5406", "http://127.0.0.1:5406", "ws://:5406"} {
		if err := checkLoopback(ctx, bad); err == nil {
			t.Errorf("checkLoopback(%s) = nil, want an error", bad)
		}
	}
}
