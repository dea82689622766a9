package events

import "time"

// Record is one event as the log stores it: the JSON wire form, undecoded,
// with the place the log gave it. Relays and consumers move records so that
// an event nobody can decode still travels to a dead-letter place instead of
// stopping the stream.
type Record struct {
	Seq        int64
	TicketID   int64
	RecordedAt time.Time
	Payload    []byte
}

// DeadLetter is an event a consumer gave up on, with why. It is kept until
// it is replayed successfully (or forever), so nothing is lost.
type DeadLetter struct {
	ID         int64      `json:"id"`
	Consumer   string     `json:"consumer"`
	Partition  int        `json:"partition"`
	Offset     int64      `json:"offset"` // stream offset, or the log seq
	EventID    string     `json:"event_id,omitempty"`
	TicketID   int64      `json:"ticket_id,omitempty"`
	Payload    []byte     `json:"payload"`
	Error      string     `json:"error"`
	Attempts   int        `json:"attempts"`
	ParkedAt   time.Time  `json:"parked_at"`
	ReplayedAt *time.Time `json:"replayed_at,omitempty"`
}
