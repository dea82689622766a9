package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// LogSourceConfig configures a consumer of the ticket store's own event log,
// the embedded default stream.
type LogSourceConfig struct {
	// Name is the consumer name and the name of its cursor in Cursors. It
	// must differ from the relay's cursor name.
	Name    string
	Log     EventLog
	Cursors CursorStore
	// PollInterval is how often an idle Fetch looks at the log again
	// (default 50ms): the log has no way to wake readers.
	PollInterval time.Duration
}

// LogSource reads the event log from its own persisted cursor.
type LogSource struct {
	cfg       LogSourceConfig
	loaded    bool
	committed int64 // the saved cursor
	fetched   int64 // seq of the last message Fetch returned
}

var _ Source = (*LogSource)(nil)

// NewLogSource returns a source on the event log; it resumes after the
// consumer's saved cursor.
func NewLogSource(cfg LogSourceConfig) (*LogSource, error) {
	if cfg.Name == "" || cfg.Log == nil || cfg.Cursors == nil {
		return nil, errors.New("log source: name, log and cursors are required")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	return &LogSource{cfg: cfg}, nil
}

// Name returns the consumer name.
func (s *LogSource) Name() string { return s.cfg.Name }

func (s *LogSource) load(ctx context.Context) error {
	if s.loaded {
		return nil
	}
	c, err := s.cfg.Cursors.Cursor(ctx, s.cfg.Name)
	if err != nil {
		return fmt.Errorf("log source %s: %w", s.cfg.Name, err)
	}
	s.committed, s.fetched, s.loaded = c, c, true
	return nil
}

// Fetch returns up to max events after the last one fetched, polling the
// log until one comes or wait has passed.
func (s *LogSource) Fetch(ctx context.Context, max int, wait time.Duration) ([]Message, error) {
	if max <= 0 {
		return nil, fmt.Errorf("log source %s: max %d is not positive", s.cfg.Name, max)
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		recs, err := s.cfg.Log.ReadLog(ctx, s.fetched, max)
		if err != nil {
			return nil, fmt.Errorf("log source %s: %w", s.cfg.Name, err)
		}
		if len(recs) > 0 {
			out := make([]Message, len(recs))
			for i, r := range recs {
				out[i] = Message{Offset: r.Seq, Key: strconv.AppendInt(nil, r.TicketID, 10), Value: r.Payload, Time: r.RecordedAt}
			}
			s.fetched = recs[len(recs)-1].Seq
			return out, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return []Message{}, nil
		}
		if !sleep(ctx, min(left, s.cfg.PollInterval)) {
			return nil, ctx.Err()
		}
	}
}

// Commit saves the cursor at the last of msgs.
func (s *LogSource) Commit(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	seq := msgs[len(msgs)-1].Offset
	if err := s.cfg.Cursors.SaveCursor(ctx, s.cfg.Name, seq); err != nil {
		return fmt.Errorf("log source %s: commit %d: %w", s.cfg.Name, seq, err)
	}
	s.committed = seq
	return nil
}

// Lag returns how many events the log holds after the saved cursor (the head
// minus the cursor: seq may have gaps, so this is an upper bound).
func (s *LogSource) Lag(ctx context.Context) (int64, error) {
	if err := s.load(ctx); err != nil {
		return 0, err
	}
	head, err := s.cfg.Log.LogHead(ctx)
	if err != nil {
		return 0, fmt.Errorf("log source %s: lag: %w", s.cfg.Name, err)
	}
	return max(head-s.committed, 0), nil
}

// Close releases nothing: the cursor is saved by Commit.
func (s *LogSource) Close() error { return nil }
