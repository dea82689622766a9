package pipeline_test

import (
	"context"
	"fmt"
	"github.com/deskmine/deskmine/internal/testdata"
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// TestImportBPI2013: the import holds the whole incident log, 65,533
// events of 7,554 tickets, every one a valid event; ReadAll pages through
// all of it in seq order.
func TestImportBPI2013(t *testing.T) {
	t.Parallel()
	c := bpiCorpus(t)
	var n int64
	if err := c.st.DB().QueryRow("SELECT COUNT(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != bpiEvents || len(c.recs) != bpiEvents {
		t.Fatalf("log holds %d events, ReadAll returned %d; want %d", n, len(c.recs), bpiEvents)
	}
	tickets := map[int64]int64{}
	for i, r := range c.recs {
		if i > 0 && r.Seq <= c.recs[i-1].Seq {
			t.Fatalf("record %d: seq %d after %d", i, r.Seq, c.recs[i-1].Seq)
		}
		e := c.evs[i]
		if e.Seq != r.Seq || e.TicketID != r.TicketID || e.Source != events.SourceImport {
			t.Fatalf("record %d: event seq %d ticket %d source %s; record seq %d ticket %d", i, e.Seq, e.TicketID, e.Source, r.Seq, r.TicketID)
		}
		if e.TicketVersion != tickets[e.TicketID]+1 {
			t.Fatalf("ticket %d: version %d after %d", e.TicketID, e.TicketVersion, tickets[e.TicketID])
		}
		tickets[e.TicketID] = e.TicketVersion
	}
	if len(tickets) != bpiTickets {
		t.Fatalf("%d tickets; want %d", len(tickets), bpiTickets)
	}
}

// TestImportBPI2013Missing: a missing file is an error.
func TestImportBPI2013Missing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := pipeline.ImportBPI2013(context.Background(), dir, filepath.Join(dir, "none.csv"),
		filepath.Join(testdata.RepoRoot(t), "docs", "import", "bpi2013-mapping.json"), nil)
	if err == nil {
		st.Close()
		t.Fatal("import of a missing file succeeded")
	}
}

// TestReadAllEmpty: an empty log reads as no records.
func TestReadAllEmpty(t *testing.T) {
	t.Parallel()
	_, st := newDesk(t, sqlite(), 11)
	recs, err := pipeline.ReadAll(context.Background(), st)
	if err != nil || len(recs) != 0 {
		t.Fatalf("ReadAll of an empty log: %d records, %v", len(recs), err)
	}
}

// TestReplicate: copies of a history side by side keep each ticket's
// events, get their own ticket ids, event ids and external ids, and seq
// runs through all copies; the answers scale with the copies.
func TestReplicate(t *testing.T) {
	t.Parallel()
	dk, st := newDesk(t, sqlite(), 12)
	dk.fill(t, 150)
	recs, err := pipeline.ReadAll(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := decodeAll(recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	const copies, stride = 3, 1000
	out, err := pipeline.Replicate(recs, copies, stride)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != copies*len(recs) {
		t.Fatalf("%d records; want %d", len(out), copies*len(recs))
	}
	evs, err := decodeAll(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i, e := range evs {
		k, o := i/len(recs), orig[i%len(recs)]
		if e.Seq != int64(i+1) || out[i].Seq != e.Seq || out[i].TicketID != e.TicketID {
			t.Fatalf("record %d: seq %d/%d ticket %d/%d", i, out[i].Seq, e.Seq, out[i].TicketID, e.TicketID)
		}
		if e.TicketID != o.TicketID+int64(k*stride) || e.Ticket.ID != e.TicketID || e.TicketVersion != o.TicketVersion {
			t.Fatalf("record %d (copy %d): ticket %d v%d from %d v%d", i, k, e.TicketID, e.TicketVersion, o.TicketID, o.TicketVersion)
		}
		wantExt := o.Ticket.ExternalID
		if wantExt != "" && k > 0 {
			wantExt += fmt.Sprintf("#%d", k)
		}
		if e.Ticket.ExternalID != wantExt {
			t.Fatalf("record %d (copy %d): external id %q; want %q", i, k, e.Ticket.ExternalID, wantExt)
		}
		if ids[e.ID] {
			t.Fatalf("record %d: event id %s repeated", i, e.ID)
		}
		ids[e.ID] = true
		if e.At != o.At || e.Type != o.Type {
			t.Fatalf("record %d: event changed beyond its ids", i)
		}
	}
	if !hasExternal(orig) {
		t.Fatal("the history has no external ids to check")
	}
	again, err := pipeline.Replicate(recs, copies, stride)
	if err != nil || len(again) != len(out) || string(again[len(again)-1].Payload) != string(out[len(out)-1].Payload) {
		t.Fatalf("replicating again gave another history (%v)", err)
	}

	one, all := storetest.Expect(orig), storetest.Expect(evs)
	if all.Events != copies*one.Events || all.Tickets != copies*one.Tickets || all.Resolved != copies*one.Resolved ||
		all.ClosedIntervals != copies*one.ClosedIntervals {
		t.Fatalf("answers of %d copies %+v; one copy %+v", copies, *all, *one)
	}
	for typ, n := range one.EventsByType {
		if all.EventsByType[typ] != copies*n {
			t.Fatalf("%s: %d events in %d copies, %d in one", typ, all.EventsByType[typ], copies, n)
		}
	}

	if _, err := pipeline.Replicate(recs, 2, 10); err == nil {
		t.Fatal("a stride smaller than the ticket ids was accepted")
	}
}

func hasExternal(evs []events.Event) bool {
	for _, e := range evs {
		if e.Ticket.ExternalID != "" {
			return true
		}
	}
	return false
}
