package ingest_test

import (
	"testing"

	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/ingest/sourcetest"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// The log source against the in-memory log; ingest/e2e runs the same suite
// on SQLite and PostgreSQL.
func TestLogSourceConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sourcetest.Stream {
		m := newMemStore()
		return sourcetest.Stream{
			GlobalOrder: true,
			Append:      func(t *testing.T, evs []*events.Event) { m.append(t, evs) },
			Open: func(t *testing.T, name string) ingest.Source {
				src, err := ingest.NewLogSource(ingest.LogSourceConfig{Name: name, Log: m, Cursors: m})
				if err != nil {
					t.Fatal(err)
				}
				return src
			},
		}
	})
}

func TestNewLogSourceNeedsItsParts(t *testing.T) {
	if _, err := ingest.NewLogSource(ingest.LogSourceConfig{Name: "x"}); err == nil {
		t.Fatal("want an error without log and cursors")
	}
}
