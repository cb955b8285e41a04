package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/06-production/auth"
)

func TestVerify(t *testing.T) {
	signer, err := auth.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	other, err := auth.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	session := signer.Sign(auth.Session, "ada", time.Hour)
	payload, sig, _ := strings.Cut(session, ".")
	tests := []struct {
		name       string
		credential string
		purpose    auth.Purpose
		want       error
	}{
		{"valid session", session, auth.Session, nil},
		{"valid token", signer.Sign(auth.Token, "ada", time.Minute), auth.Token, nil},
		{"expired", signer.Sign(auth.Session, "ada", -time.Second), auth.Session, auth.ErrExpired},
		{"another server's key", other.Sign(auth.Session, "ada", time.Hour), auth.Session, auth.ErrBadSignature},
		{"session used as a token", session, auth.Token, auth.ErrWrongPurpose},
		{"token used as a session", signer.Sign(auth.Token, "ada", time.Minute), auth.Session, auth.ErrWrongPurpose},
		{"payload changed", strings.Replace(payload, payload[:4], "AAAA", 1) + "." + sig, auth.Session, auth.ErrBadSignature},
		{"signature cut", payload + "." + sig[:10], auth.Session, auth.ErrBadSignature},
		{"no signature", payload, auth.Session, auth.ErrMalformed},
		{"not base64", "!!!.???", auth.Session, auth.ErrMalformed},
		{"empty", "", auth.Session, auth.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, err := signer.Verify(tt.purpose, tt.credential)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %q, %v; want error %v", name, err, tt.want)
			}
			if err == nil && name != "ada" {
				t.Fatalf("Verify = %q, want ada", name)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ada", "ada", true},
		{"  Ada Lovelace ", "Ada Lovelace", true},
		{"Zoë-1", "Zoë-1", true},
		{"", "", false},
		{"   ", "", false},
		{"<script>", "", false},
		{"ada\nbob connected", "", false},
		{"\x1b[31mred", "", false},
		{strings.Repeat("a", auth.MaxNameLength), strings.Repeat("a", auth.MaxNameLength), true},
		{strings.Repeat("a", auth.MaxNameLength+1), "", false},
		{"a|b", "", false},
	}
	for _, tt := range tests {
		got, err := auth.CleanName(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("CleanName(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
