// Package auth signs and checks the two credentials of lesson 6: the session
// a browser keeps in a cookie once its reader has signed in, and the
// short-lived token a program gets to connect with. Either is good for any
// number of handshakes until it expires: a token is a pass with a time
// limit, not a ticket for one use.
//
// Both are the same kind of thing: a name, what the credential is for, and
// when it expires, signed with a key only the server knows (HMAC-SHA256).
// The server keeps no table of sessions; it believes whatever carries its own
// signature and has not expired.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Purpose says what a credential may be used for, so that a session cookie
// cannot be passed off as a token, nor a token as a session.
type Purpose string

const (
	Session Purpose = "session" // a browser's cookie, valid for hours
	Token   Purpose = "token"   // a program's pass to connect, valid for seconds
)

// Why Verify refuses a credential.
var (
	ErrMalformed    = errors.New("malformed credential")
	ErrBadSignature = errors.New("signature does not match")
	ErrWrongPurpose = errors.New("credential is for something else")
	ErrExpired      = errors.New("credential has expired")
)

// keySize is the length of a signing key: as long as the hash's output, as
// RFC 2104 recommends for HMAC.
const keySize = sha256.Size

// Signer signs credentials and checks them.
type Signer struct {
	key []byte
}

// NewSigner returns a signer with a fresh random key. Credentials it signs
// are good only until the server restarts: a deployment with several
// servers, or one that must keep its users signed in across restarts, loads
// one key from a secret store instead.
func NewSigner() (*Signer, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make a signing key: %w", err)
	}
	return &Signer{key: key}, nil
}

// Sign returns a credential for name, good for purpose until ttl from now.
// It looks like "<payload>.<signature>", both base64url: safe in a cookie
// and in a URL without further escaping.
func (s *Signer) Sign(purpose Purpose, name string, ttl time.Duration) string {
	expires := time.Now().Add(ttl).Unix()
	payload := fmt.Sprintf("%s|%d|%s", purpose, expires, name)
	return encode([]byte(payload)) + "." + encode(s.mac(payload))
}

// Verify checks that credential was signed by s for purpose and has not
// expired, and returns the name in it.
func (s *Signer) Verify(purpose Purpose, credential string) (string, error) {
	encoded, sig, ok := strings.Cut(credential, ".")
	if !ok {
		return "", ErrMalformed
	}
	payload, err1 := decode(encoded)
	gotMAC, err2 := decode(sig)
	if err1 != nil || err2 != nil {
		return "", ErrMalformed
	}
	// hmac.Equal takes as long whatever the first wrong byte: a forger
	// cannot find the right signature byte by byte by timing our answers.
	if !hmac.Equal(gotMAC, s.mac(string(payload))) {
		return "", ErrBadSignature
	}
	// From here on the payload is ours, so its format is known to be right.
	fields := strings.SplitN(string(payload), "|", 3)
	if len(fields) != 3 {
		return "", ErrMalformed
	}
	if Purpose(fields[0]) != purpose {
		return "", ErrWrongPurpose
	}
	expires, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return "", ErrMalformed
	}
	if time.Now().Unix() >= expires {
		return "", ErrExpired
	}
	return fields[2], nil
}

func (s *Signer) mac(payload string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}

func encode(b []byte) string          { return base64.RawURLEncoding.EncodeToString(b) }
func decode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
