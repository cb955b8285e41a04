package main

import (
	"bytes"
	"sync"

	"github.com/gorilla/websocket"
)

// member is one connection of the load generator. Its reader goroutine is the
// only one that reads from conn; if the member is a sender, the sending
// goroutine is the only one that writes messages to it. (gorilla/websocket
// allows one of each at a time. Pongs and close frames go through
// WriteControl, which may be called from anywhere.)
type member struct {
	conn  *websocket.Conn
	tally *tally

	// Owned by the reader goroutine; read by others only after it has ended.
	lat        latencies
	lastSeq    []int // [sender]: the last sequence number received, -1 if none
	misordered int   // broadcasts that arrived after a later one of the same sender
	other      int   // messages that were neither our broadcasts nor notices
	err        error // what ended the connection, if it was not us
}

func newMember(conn *websocket.Conn, t *tally, expected int) *member {
	m := &member{conn: conn, tally: t, lat: make(latencies, 0, expected), lastSeq: make([]int, len(t.got))}
	for i := range m.lastSeq {
		m.lastSeq[i] = -1
	}
	return m
}

// read receives messages until the connection ends. It decodes as little as
// it can (see parseMessage): the load generator shares the machine with the
// server and must not be what limits the rate.
func (m *member) read(wg *sync.WaitGroup) {
	defer wg.Done()
	var buf bytes.Buffer // reused for every message
	for {
		_, r, err := m.conn.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			if !m.tally.closing.Load() {
				m.err = err
				m.tally.dropped.Add(1)
			}
			return
		}
		m.handle(buf.Bytes())
	}
}

func (m *member) handle(data []byte) {
	switch k, st := parseMessage(data); k {
	case kindNotice:
		m.tally.notices.Add(1)
	case kindBroadcast:
		now := m.tally.since()
		if !m.tally.delivered(st) {
			m.other++
			return
		}
		m.lat.add(now - st.sent)
		if st.seq <= m.lastSeq[st.sender] {
			m.misordered++
		} else {
			m.lastSeq[st.sender] = st.seq
		}
	default:
		m.other++
	}
}
