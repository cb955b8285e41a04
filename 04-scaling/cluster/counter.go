package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Where the cluster keeps its id counter: one key in a JetStream key-value
// bucket. Unlike plain NATS subjects, JetStream stores what it is given.
const (
	bucketName = "wstutorial_room"
	lastIDKey  = "last-id"
)

// Counter hands out client ids that are unique across the cluster and
// increase with every one given out, the cluster-wide version of the
// notebook's id++.
//
// The last id given out is stored in NATS. To take the next one, an instance
// reads it together with its revision (a version number the store bumps on
// every write), and writes id+1 on the condition that the revision is still
// the one it read: compare-and-set. If another instance wrote in between,
// the write is refused, and the instance reads again and retries. So two
// instances can never both take the same id.
type Counter struct {
	js jetstream.JetStream

	mu    sync.Mutex
	kv    jetstream.KeyValue // nil until the bucket is known to exist
	floor int                // the highest id this instance has seen anywhere
}

// NewCounter returns a counter kept in the NATS server nc is connected to.
func NewCounter(nc *nats.Conn) (*Counter, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("JetStream: %w", err)
	}
	return &Counter{js: js}, nil
}

// Next takes the next id. It keeps retrying while other instances win the
// race for the same id, until ctx ends.
func (c *Counter) Next(ctx context.Context) (int, error) {
	recreated := false
	for {
		kv, err := c.bucket(ctx)
		if err != nil {
			return 0, err
		}
		last, rev, err := read(ctx, kv)
		if err == nil {
			next := max(last, c.Floor()) + 1
			err = write(ctx, kv, next, rev)
			if err == nil {
				c.See(next)
				return next, nil
			}
		}
		switch {
		case isConflict(err):
			continue // another instance took this id first; read again
		case ctx.Err() != nil:
			return 0, fmt.Errorf("next id: %w", err)
		case !recreated:
			// The bucket may have been lost (a NATS server restarted
			// without its data). Look for it, or create it, once more.
			recreated = true
			c.forgetBucket()
		default:
			return 0, fmt.Errorf("next id: %w", err)
		}
	}
}

// See records that id is in use somewhere in the cluster.
func (c *Counter) See(id int) {
	c.mu.Lock()
	c.floor = max(c.floor, id)
	c.mu.Unlock()
}

// Floor returns the highest id this instance has seen in use.
func (c *Counter) Floor() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.floor
}

// Restore makes sure the stored counter is at least the highest id this
// instance has seen, and returns the stored value. An instance calls it after
// reconnecting: if the broker lost its data meanwhile, the counter would
// start again from 1 and give out ids that clients still connected are using.
func (c *Counter) Restore(ctx context.Context) (int, error) {
	c.forgetBucket() // the bucket may be gone with the old server
	for {
		kv, err := c.bucket(ctx)
		if err != nil {
			return 0, err
		}
		last, rev, err := read(ctx, kv)
		if err != nil {
			return 0, fmt.Errorf("restore id counter: %w", err)
		}
		floor := c.Floor()
		if last >= floor {
			c.See(last)
			return last, nil
		}
		err = write(ctx, kv, floor, rev)
		if err != nil && !isConflict(err) {
			return 0, fmt.Errorf("restore id counter: %w", err)
		}
		// Written, or someone else wrote first: read again to be sure.
	}
}

// bucket returns the key-value bucket, creating it if it does not exist yet.
func (c *Counter) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	c.mu.Lock()
	kv := c.kv
	c.mu.Unlock()
	if kv != nil {
		return kv, nil
	}
	kv, err := c.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucketName,
		Description: "the last client id given out in the wstutorial room",
		History:     1, // only the current value matters
		// On disk, so that a NATS server keeps the counter across
		// restarts. On a real NATS cluster, also set Replicas to 3, so
		// that losing one server loses nothing.
		Storage: jetstream.FileStorage,
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		// Created by another instance, or by an operator with other
		// settings: use it as it is.
		kv, err = c.js.KeyValue(ctx, bucketName)
	}
	if err != nil {
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) {
			return nil, errors.New("the NATS server has no JetStream, which the id counter needs (start nats-server with -js)")
		}
		return nil, fmt.Errorf("id counter bucket: %w", err)
	}
	c.mu.Lock()
	c.kv = kv
	c.mu.Unlock()
	return kv, nil
}

func (c *Counter) forgetBucket() {
	c.mu.Lock()
	c.kv = nil
	c.mu.Unlock()
}

// read returns the last id given out and its revision; both are 0 if no id
// has been given out yet.
func read(ctx context.Context, kv jetstream.KeyValue) (last int, rev uint64, err error) {
	entry, err := kv.Get(ctx, lastIDKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	last, err = strconv.Atoi(string(entry.Value()))
	if err != nil {
		return 0, 0, fmt.Errorf("the stored id %q is not a number", entry.Value())
	}
	return last, entry.Revision(), nil
}

// write stores id on the condition that the stored revision is still rev
// (0: that there is no value yet). If it is not, the error is a conflict.
func write(ctx context.Context, kv jetstream.KeyValue, id int, rev uint64) error {
	value := []byte(strconv.Itoa(id))
	var err error
	if rev == 0 {
		_, err = kv.Create(ctx, lastIDKey, value)
	} else {
		_, err = kv.Update(ctx, lastIDKey, value, rev)
	}
	return err
}

// isConflict reports whether a write was refused because another instance
// wrote first.
func isConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
