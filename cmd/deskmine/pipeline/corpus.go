package pipeline

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/google/uuid"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/importer"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// ImportBPI2013 imports the BPI Challenge 2013 incident log (csvPath, with
// the shipped mapping at mappingPath) into a new SQLite store in dir, through
// the ticket core's import path, and returns the opened store. Its event log
// is a real history for conformance tests and benchmarks.
func ImportBPI2013(ctx context.Context, dir, csvPath, mappingPath string, progress io.Writer) (*store.Store, error) {
	st, err := store.Open(ctx, filepath.Join(dir, "bpi2013.db"))
	if err != nil {
		return nil, fmt.Errorf("open corpus store: %w", err)
	}
	svc, err := ticketcore.NewService(st, ticketcore.DefaultOptions())
	if err != nil {
		st.Close()
		return nil, err
	}
	if _, err := importer.Run(ctx, svc, csvPath, importer.Options{Format: importer.FormatCSV, MappingPath: mappingPath, Progress: progress}); err != nil {
		st.Close()
		return nil, fmt.Errorf("import %s: %w", csvPath, err)
	}
	return st, nil
}

// ReadAll returns every record of a store's event log, in seq order.
func ReadAll(ctx context.Context, st *store.Store) ([]events.Record, error) {
	var out []events.Record
	var after int64
	for {
		page, err := st.ReadLog(ctx, after, 10000)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return out, nil
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

// Replicate returns copies of a history side by side: copy k (from 0) of
// ticket t becomes ticket t + k*stride, with fresh event ids, so that a real
// history of 65k events can make a benchmark of a million without inventing
// what happens to a ticket. Seq is renumbered in order, copy after copy.
func Replicate(recs []events.Record, copies int, stride int64) ([]events.Record, error) {
	out := make([]events.Record, 0, len(recs)*copies)
	var seq int64
	for k := 0; k < copies; k++ {
		for _, r := range recs {
			e, err := events.Unmarshal(r.Payload)
			if err != nil {
				return nil, fmt.Errorf("record %d: %w", r.Seq, err)
			}
			if e.TicketID >= stride {
				return nil, fmt.Errorf("ticket id %d does not fit stride %d", e.TicketID, stride)
			}
			off := int64(k) * stride
			e.TicketID += off
			e.Ticket.ID += off
			if e.Ticket.ExternalID != "" && k > 0 {
				e.Ticket.ExternalID += "#" + strconv.Itoa(k)
			}
			e.ID = uuid.NewSHA1(uuid.NameSpaceOID, []byte(e.ID+"/"+strconv.Itoa(k))).String()
			seq++
			e.Seq = seq
			b, err := events.Marshal(e)
			if err != nil {
				return nil, err
			}
			out = append(out, events.Record{Seq: seq, TicketID: e.TicketID, RecordedAt: r.RecordedAt, Payload: b})
		}
	}
	return out, nil
}
