package fastroom

// A cork holds back the start of writers while the poller works through
// one batch of readable connections (see poller_linux.go). Each message a
// turn delivers is queued in its receivers' outboxes as usual, but a
// receiver that needs a writer is only noted in the cork; when the batch is
// done, flush starts one writer for each. A receiver that several messages
// of the batch are for then gets them all with one system call, where a
// writer started at the first message would often have sent it alone.
// (Bun's uWebSockets does the same, and calls it corking.)
//
// Each writer still starts at the end of the batch: the batch is at most a
// few hundred short turns, so no message waits for long.
type cork struct {
	clients []*Client // the receivers owed a writer, each once
}

// add notes that c is owed a writer. enqueue calls it, instead of starting
// one, for a message delivered during a corked turn.
func (k *cork) add(c *Client) {
	k.clients = append(k.clients, c)
}

// flush starts the writers owed, and empties the cork for the next batch.
func (k *cork) flush() {
	if len(k.clients) > 0 {
		k.clients[0].room.startWriters(k.clients...)
	}
	clear(k.clients) // let the clients that leave be collected
	k.clients = k.clients[:0]
}
