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

	// maxReplicas is how many NATS servers keep a copy of the counter, when
	// there are that many: with three, any one may fail.
	maxReplicas = 3
)

// ErrNoCounter means that the broker holds no id counter: it is new, or it
// lost its data. The ids in use are then known only to the instances that
// gave them out; see Node.settle for how the counter is rebuilt from them.
var ErrNoCounter = errors.New("the broker has no id counter")

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
//
// Next never creates the counter: from nothing it would start again at 1,
// while clients with ids from before may still be connected. Only Restore
// does, when told that every instance has been heard.
type Counter struct {
	nc *nats.Conn
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
	return &Counter{nc: nc, js: js}, nil
}

// Next takes the next id: one above both the stored counter and every id
// this instance has seen. It keeps retrying while other instances win the
// race for the same id, until ctx ends. It returns ErrNoCounter if the
// broker has no counter.
func (c *Counter) Next(ctx context.Context) (int, error) {
	for {
		kv, err := c.bucket(ctx, false)
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
		if !isConflict(err) {
			c.forgetBucket() // it may be gone: look it up again next time
			return 0, fmt.Errorf("next id: %w", err)
		}
		// Another instance took this id first: read again.
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
// instance has seen, and returns the stored value. An instance calls it each
// time it connects, before it gives out any id: if the broker is new or lost
// its data meanwhile, the counter is behind the ids of clients still
// connected. If there is no counter, Restore creates it only if create is
// true, and otherwise returns ErrNoCounter.
func (c *Counter) Restore(ctx context.Context, create bool) (int, error) {
	c.forgetBucket() // the bucket may be gone with the old server
	for {
		kv, err := c.bucket(ctx, create)
		if err != nil {
			return 0, err
		}
		last, rev, err := read(ctx, kv)
		if err != nil && (!create || !errors.Is(err, ErrNoCounter)) {
			return 0, fmt.Errorf("restore id counter: %w", err)
		}
		floor := c.Floor()
		if rev != 0 && last >= floor {
			c.See(last)
			return last, nil
		}
		err = write(ctx, kv, max(last, floor), rev)
		if err != nil && !isConflict(err) {
			return 0, fmt.Errorf("restore id counter: %w", err)
		}
		// Written, or someone else wrote first: read again to be sure.
	}
}

// bucket returns the key-value bucket. If it does not exist, it creates it
// if create is true, and otherwise returns ErrNoCounter.
func (c *Counter) bucket(ctx context.Context, create bool) (jetstream.KeyValue, error) {
	c.mu.Lock()
	kv := c.kv
	c.mu.Unlock()
	if kv != nil {
		return kv, nil
	}
	var err error
	if create {
		kv, err = c.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      bucketName,
			Description: "the last client id given out in the wstutorial room",
			History:     1, // only the current value matters
			// In memory: nothing on disk to clean up after a crash. A
			// broker that loses the counter is one the instances know
			// how to rebuild it on (Node.settle), and on a NATS cluster
			// each of three servers holds a copy.
			Storage:  jetstream.MemoryStorage,
			Replicas: min(maxReplicas, len(c.nc.Servers())),
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			// Created by another instance a moment ago, or by an
			// operator with other settings: use it as it is.
			kv, err = c.js.KeyValue(ctx, bucketName)
		}
	} else {
		kv, err = c.js.KeyValue(ctx, bucketName)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil, ErrNoCounter
		}
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

// read returns the last id given out and its revision, or ErrNoCounter if
// there is none.
func read(ctx context.Context, kv jetstream.KeyValue) (last int, rev uint64, err error) {
	entry, err := kv.Get(ctx, lastIDKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, 0, ErrNoCounter
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
