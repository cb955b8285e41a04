package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// A stamp is what the load generator writes into the payload of each
// broadcast it sends: which sender sent it, its number in that sender's
// sequence, and when it was sent, counted from the start of the run. The
// payload "3:1234:5678901" is sender 3's broadcast number 1234, sent
// 5678901 ns after the start. From this alone a receiver can count
// deliveries, check each sender's order and measure latency.
type stamp struct {
	sender int
	seq    int
	sent   time.Duration
}

// What a message received from the server turned out to be.
type kind int

const (
	kindOther     kind = iota // anything this run did not send
	kindBroadcast             // one of our stamped broadcasts
	kindNotice                // client:connected or client:disconnected
)

// broadcastPrefix and broadcastSuffix frame a broadcast exactly as both the
// Go server (encoding/json on a struct) and the Node server (JSON.stringify)
// write it, so receivers can usually skip JSON decoding altogether.
const (
	broadcastPrefix = `{"type":"broadcast","payload":"`
	broadcastSuffix = `"}`
)

// noticePrefix starts both join and leave notices. Connecting n clients
// brings n·(n-1)/2 of them (everyone hears of everyone who comes later), so
// they too are recognised without decoding.
const noticePrefix = `{"type":"client:`

// appendBroadcast appends the client message that sends s to dst.
func appendBroadcast(dst []byte, s stamp) []byte {
	dst = append(dst, broadcastPrefix...)
	dst = strconv.AppendInt(dst, int64(s.sender), 10)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(s.seq), 10)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(s.sent), 10)
	return append(dst, broadcastSuffix...)
}

// parseMessage tells what a message from the server is. Receivers call it
// for every delivery, so the common case (a broadcast in the exact shape
// above) is a prefix check and three integers, and a notice a prefix check;
// anything else goes through encoding/json.
func parseMessage(data []byte) (kind, stamp) {
	if bytes.HasPrefix(data, []byte(broadcastPrefix)) && bytes.HasSuffix(data, []byte(broadcastSuffix)) {
		if s, err := parseStamp(data[len(broadcastPrefix) : len(data)-len(broadcastSuffix)]); err == nil {
			return kindBroadcast, s
		}
	}
	if bytes.HasPrefix(data, []byte(noticePrefix)) {
		return kindNotice, stamp{}
	}
	var m struct {
		Type    string `json:"type"`
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return kindOther, stamp{}
	}
	switch m.Type {
	case "client:connected", "client:disconnected":
		return kindNotice, stamp{}
	case "broadcast":
		if s, err := parseStamp([]byte(m.Payload)); err == nil {
			return kindBroadcast, s
		}
	}
	return kindOther, stamp{}
}

var errNotStamp = errors.New("not a load generator stamp")

// parseStamp reads "sender:seq:sent" without allocating.
func parseStamp(b []byte) (stamp, error) {
	var fields [3]int64
	for i := range fields {
		n, rest, ok := leadingInt(b)
		if !ok {
			return stamp{}, errNotStamp
		}
		fields[i] = n
		if i < len(fields)-1 {
			if len(rest) == 0 || rest[0] != ':' {
				return stamp{}, errNotStamp
			}
			rest = rest[1:]
		} else if len(rest) != 0 {
			return stamp{}, errNotStamp
		}
		b = rest
	}
	return stamp{sender: int(fields[0]), seq: int(fields[1]), sent: time.Duration(fields[2])}, nil
}

// leadingInt reads the non-negative decimal number at the start of b.
func leadingInt(b []byte) (n int64, rest []byte, ok bool) {
	const maxDigits = 18 // stays below the int64 limit
	i := 0
	for ; i < len(b) && i < maxDigits && '0' <= b[i] && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, b[i:], i > 0
}
