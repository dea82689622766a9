package ingest

import (
	"context"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Message is one event as a transport delivers it, not yet decoded, so that
// an undecodable event can be parked instead of stopping the stream.
type Message struct {
	Partition int    // Kafka partition; 0 for the event log
	Offset    int64  // Kafka offset, or the event log's seq
	Key       []byte // the ticket id in decimal (events.Event.Key)
	Value     []byte // the event's JSON wire form
	Time      time.Time
}

// Source is one consumer's view of a stream. A Source is used by one
// goroutine at a time.
type Source interface {
	// Name is the consumer (group) name; cursors, lag and dead letters are per name.
	Name() string
	// Fetch returns up to max messages in stream order, waiting at most wait
	// for the first one; it returns an empty slice (not an error) when none came.
	Fetch(ctx context.Context, max int, wait time.Duration) ([]Message, error)
	// Commit records that msgs (a prefix of what Fetch returned, in order)
	// were handled; after a restart the stream resumes after the last one.
	Commit(ctx context.Context, msgs []Message) error
	// Lag is how many messages are in the stream after the last commit.
	Lag(ctx context.Context) (int64, error)
	Close() error
}

// Handler writes a batch of decoded events somewhere (the analytics store,
// the search index). It must be idempotent on event id: after a crash a
// batch may be handed over again. A returned error is retried with backoff
// unless it is permanent (see Permanent); a permanent error on a batch is
// narrowed down to the events that cause it, which are parked.
type Handler interface {
	Handle(ctx context.Context, evs []events.Event) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, evs []events.Event) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, evs []events.Event) error { return f(ctx, evs) }

// Permanent reports whether err says that retrying cannot help: it, or an
// error it wraps, has a method Permanent() bool that returns true. Handlers
// mark such errors without importing this package.
func Permanent(err error) bool {
	for err != nil {
		if p, ok := err.(interface{ Permanent() bool }); ok && p.Permanent() {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if Permanent(e) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}
