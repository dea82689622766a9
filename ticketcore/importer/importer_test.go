package importer_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/importer"
)

const smallMapping = `{
  "status": {"Offen": "open", "Wartend": "pending", "Erledigt": "resolved"},
  "priority": {"High": "P2", "1": "P1"}
}`

// Lines 3, 5, 7 and 9 are bad, each in a different way; their tickets have
// good lines before and after the bad one, so a partial import would show.
const badLinesFile = `{"ticket":"A-1","at":"2024-03-01T09:00:00+01:00","actor":"ann","type":"created","fields":{"subject":"Printer jam","status":"Offen","priority":"High","channel":"email"}}
{"ticket":"B-2","at":"2024-03-01T09:05:00+01:00","type":"created","fields":{"subject":"VPN down"}}
{"ticket":"B-2","at":"2024-03-01T09:06:00+01:00","type":"updated","fields":{"status":"Offen",}}
{"ticket":"C-3","at":"2024-03-01T09:10:00+01:00","type":"created","fields":{"subject":"Laptop"}}
{"ticket":"C-3","at":"yesterday","type":"updated","fields":{"team":"it"}}
{"ticket":"D-4","at":"2024-03-01T09:20:00+01:00","type":"created","fields":{"subject":"Mail"}}
{"ticket":"D-4","at":"2024-03-01T09:21:00+01:00","type":"status_changed","fields":{"status":"In Bearbeitung"}}
{"ticket":"E-5","at":"2024-03-01T09:30:00+01:00","type":"created","fields":{"subject":"Phone"}}
{"ticket":"E-5","at":"2024-03-01T09:31:00+01:00","type":"updated","fields":{"priority":"urgent"}}

{"ticket":"A-1","at":"2024-03-01T10:00:00+01:00","actor":"ann","type":"commented","comment":"Replaced the drum","public":true}
{"ticket":"F-6","at":"2024-03-01T11:00:00+01:00","type":"created","fields":{"subject":"Badge","region":"emea"}}
{"ticket":"B-2","at":"2024-03-01T11:30:00+01:00","type":"status_changed","fields":{"status":"Erledigt"}}
{"ticket":"F-6","at":"2024-03-01T12:00:00+01:00","type":"status_changed","fields":{"status":"Erledigt"}}
`

func TestBadLinesSkipOnlyTheirTicket(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc := newService(t, b)
			data := writeFile(t, "changes.jsonl", badLinesFile)
			mapping := writeFile(t, "mapping.json", smallMapping)
			var progress bytes.Buffer
			rep, err := importer.Run(ctx, svc, data, importer.Options{MappingPath: mapping, Progress: &progress})
			if err != nil {
				t.Fatal(err)
			}
			want := []struct {
				line          int
				field, reason string
			}{
				{3, "", "invalid JSON"},
				{5, "at", `"yesterday" is not an RFC 3339 time`},
				{7, "status", `unknown status "In Bearbeitung"`},
				{9, "priority", "must be one of P1, P2, P3, P4"},
			}
			if len(rep.BadLines) != len(want) {
				t.Fatalf("bad lines %v, want %d", rep.BadLines, len(want))
			}
			for i, w := range want {
				got := rep.BadLines[i]
				if got.Line != w.line || got.Field != w.field || !strings.Contains(got.Reason, w.reason) {
					t.Errorf("bad line %d: got %+v, want line %d field %q reason containing %q", i, got, w.line, w.field, w.reason)
				}
			}
			skipped := slices.Sorted(slices.Values(rep.SkippedTickets))
			if !slices.Equal(skipped, []string{"B-2", "C-3", "D-4", "E-5"}) || rep.TicketsSkipped != 4 {
				t.Fatalf("skipped %v (%d)", skipped, rep.TicketsSkipped)
			}
			if rep.Lines != 13 || rep.Tickets != 6 || rep.TicketsImported != 2 || rep.EventsWritten != 4 {
				t.Fatalf("report %+v", summary(rep))
			}

			// Nothing at all of a skipped ticket: no row, no event.
			for _, id := range rep.SkippedTickets {
				page, err := svc.List(ctx, ticketcore.ListQuery{Q: id})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Tickets) != 0 {
					t.Errorf("skipped ticket %s has a row: %+v", id, page.Tickets[0])
				}
			}
			evs, err := svc.Events(ctx, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var owners []string
			for _, e := range evs {
				owners = append(owners, e.Ticket.ExternalID)
			}
			if !slices.Equal(owners, []string{"A-1", "A-1", "F-6", "F-6"}) {
				t.Fatalf("events belong to %v", owners)
			}

			a := findOne(t, svc, "A-1")
			if a.Status != "open" || a.Priority != "P2" || a.Channel != "email" || !a.CreatedAt.Equal(time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)) {
				t.Fatalf("A-1 = %+v", a)
			}
			if evs[1].Type != events.TicketCommented || evs[1].Comment == nil || evs[1].Comment.Body != "Replaced the drum" || !evs[1].Comment.Public || evs[1].Actor.Name != "ann" {
				t.Fatalf("comment event %+v", evs[1])
			}
			f := findOne(t, svc, "F-6")
			if f.Status != "resolved" || f.ResolvedAt == nil || !f.ResolvedAt.Equal(time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC)) {
				t.Fatalf("F-6 = %+v", f)
			}

			var out bytes.Buffer
			if err := rep.Print(&out); err != nil {
				t.Fatal(err)
			}
			for _, line := range []string{
				"line 5: at: \"yesterday\" is not an RFC 3339 time",
				"line 7: status: unknown status \"In Bearbeitung\"",
				"line 9: priority: must be one of P1, P2, P3, P4",
				"imported 2 tickets (4 events written)",
			} {
				if !strings.Contains(out.String(), line) {
					t.Errorf("printed report lacks %q:\n%s", line, out.String())
				}
			}
			if !strings.Contains(progress.String(), "importing: 100% (3/3 tickets, 4 events, 4 skipped)") {
				t.Errorf("progress output: %q", progress.String())
			}
		})
	}
}

func findOne(t *testing.T, svc *ticketcore.Service, externalID string) ticketcore.Ticket {
	t.Helper()
	page, err := svc.List(context.Background(), ticketcore.ListQuery{Q: externalID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tickets) != 1 {
		t.Fatalf("search %q found %d tickets", externalID, len(page.Tickets))
	}
	return page.Tickets[0]
}

func TestLineWithoutTicketStopsTheRun(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, testdb.Backends()[0])
	data := writeFile(t, "changes.jsonl", `{"ticket":"A-1","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"x"}}
{"at":"2024-03-01T09:00:00Z","ty
{"ticket":"","at":"2024-03-01T09:00:00Z","type":"created"}
`)
	rep, err := importer.Run(ctx, svc, data, importer.Options{})
	if !errors.Is(err, importer.ErrUnattributed) {
		t.Fatalf("want ErrUnattributed, got %v", err)
	}
	if len(rep.BadLines) != 2 || rep.BadLines[0].Line != 2 || rep.BadLines[1].Line != 3 || rep.BadLines[1].Field != "ticket" {
		t.Fatalf("bad lines %v", rep.BadLines)
	}
	page, err := svc.List(ctx, ticketcore.ListQuery{})
	if err != nil || len(page.Tickets) != 0 {
		t.Fatalf("tickets were written: %d %v", len(page.Tickets), err)
	}
}

func TestRerunWritesNothingNew(t *testing.T) {
	// Nanosecond times: Deskmine keeps microseconds, and a re-run must still
	// recognise the stored changes as its own.
	first := `{"ticket":"A-1","at":"2024-03-01T09:00:00.123456789Z","type":"created","fields":{"subject":"x","status":"open"}}
{"ticket":"B-2","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"y"}}
{"ticket":"A-1","at":"2024-03-01T10:00:00.987654321Z","type":"updated","fields":{"team":"it"}}
`
	later := first + `{"ticket":"A-1","at":"2024-03-02T10:00:00Z","type":"status_changed","fields":{"status":"resolved"}}
`
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc := newService(t, b)
			path := writeFile(t, "first.jsonl", first)
			rep, err := importer.Run(ctx, svc, path, importer.Options{})
			if err != nil || rep.EventsWritten != 3 || rep.TicketsImported != 2 {
				t.Fatalf("first run: %+v %v", summary(rep), err)
			}
			rep, err = importer.Run(ctx, svc, path, importer.Options{})
			if err != nil || rep.EventsWritten != 0 || rep.TicketsUnchanged != 2 || rep.ChangesAlreadyImported != 3 {
				t.Fatalf("re-run: %+v %v", summary(rep), err)
			}
			rep, err = importer.Run(ctx, svc, writeFile(t, "later.jsonl", later), importer.Options{})
			if err != nil || rep.EventsWritten != 1 || rep.TicketsImported != 1 || rep.TicketsUnchanged != 1 || rep.ChangesAlreadyImported != 3 {
				t.Fatalf("newer export: %+v %v", summary(rep), err)
			}
			evs, err := svc.Events(ctx, 0, 100)
			if err != nil || len(evs) != 4 {
				t.Fatalf("events: %d %v", len(evs), err)
			}
			if a := findOne(t, svc, "A-1"); a.Status != "resolved" || a.Team != "it" || a.Version != 3 {
				t.Fatalf("A-1 = %+v", a)
			}
		})
	}
}

// The flat-export features: BOM, ";" separators, CRLF, a quoted line break,
// day-first times in a named zone, no type column, comments, value maps,
// defaults and an automatically defined custom field.
func TestCSVFlatExport(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, testdb.Backends()[0])
	mapping := writeFile(t, "mapping.json", `{
  "ticket_column": "Ticket",
  "time_column": "Zeit",
  "time_layout": "02.01.2006 15:04",
  "timezone": "Europe/Brussels",
  "actor_column": "Bearbeiter",
  "comment_column": "Notiz",
  "public_column": "Öffentlich",
  "csv_separator": ";",
  "status_from": ["Status"],
  "columns": {"Betreff": "subject", "Prio": "priority", "Alte Kategorie": "legacy_category", "Bearbeiter": "assignee"},
  "status": {"Offen": "open", "Erledigt": "resolved"},
  "priority": {"1": "P1", "2": "P2"},
  "defaults": {"channel": "phone", "type": "incident"}
}`)
	rows := []string{
		"\ufeffTicket;Zeit;Status;Betreff;Prio;Alte Kategorie;Bearbeiter;Notiz;Öffentlich",
		"T-1;01.03.2024 09:30;Offen;Drucker;2;Hardware;Ann;;",
		`T-1;01.03.2024 10:15;;;;;Ann;"Bitte neu starten,` + "\r\n" + `dann melden";yes`,
		"T-2;01.07.2024 09:30;Offen;Mail;1;;Bob;;",
		"T-3;01.07.2024 09:30;Offen;Kaputt;1;;Bob;;",
		"T-3;31.07.2024 25:00;Erledigt;;;;Bob;;",
		"T-4;02.07.2024 08:00;Offen;Zu kurz;1",
		"T-1;02.03.2024 08:00;Erledigt;;;;Ann;Gelöst;no",
	}
	data := writeFile(t, "export.csv", strings.Join(rows, "\r\n")+"\r\n")
	rep, err := importer.Run(ctx, svc, data, importer.Options{Format: importer.FormatCSV, MappingPath: mapping})
	if err != nil {
		t.Fatal(err)
	}
	// Line 3's comment spans two lines, so the rows after it sit one lower.
	if len(rep.BadLines) != 2 || rep.BadLines[0].Line != 7 || rep.BadLines[0].Field != "at" || rep.BadLines[1].Line != 8 ||
		!strings.Contains(rep.BadLines[1].Reason, "has 5 fields, the header has 9") {
		t.Fatalf("bad lines %v", rep.BadLines)
	}
	if rep.Lines != 7 || rep.TicketsImported != 2 || rep.TicketsSkipped != 2 || !slices.Equal(rep.FieldsDefined, []string{"legacy_category"}) {
		t.Fatalf("report %+v", summary(rep))
	}
	// T-1: created, commented, then resolved with a comment: the last line
	// is split into the status change and the comment.
	if rep.EventsWritten != 5 {
		t.Fatalf("events written %d, want 5", rep.EventsWritten)
	}
	t1 := findOne(t, svc, "T-1")
	brussels := time.FixedZone("CET", 3600)
	if !t1.CreatedAt.Equal(time.Date(2024, 3, 1, 9, 30, 0, 0, brussels)) || t1.Status != "resolved" || t1.Priority != "P2" ||
		t1.Channel != "phone" || t1.Type != "incident" || t1.Subject != "Drucker" || t1.CustomFields["legacy_category"] != "Hardware" || t1.Assignee != "Ann" {
		t.Fatalf("T-1 = %+v", t1)
	}
	t2 := findOne(t, svc, "T-2")
	summer := time.FixedZone("CEST", 2*3600)
	if !t2.CreatedAt.Equal(time.Date(2024, 7, 1, 9, 30, 0, 0, summer)) || t2.Priority != "P1" {
		t.Fatalf("T-2 = %+v", t2)
	}
	h, err := svc.History(ctx, t1.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []events.Type
	for _, e := range h {
		types = append(types, e.Type)
	}
	want := []events.Type{events.TicketCreated, events.TicketCommented, events.TicketStatusChanged, events.TicketCommented}
	if !slices.Equal(types, want) {
		t.Fatalf("T-1 history %v, want %v", types, want)
	}
	evs, err := svc.Events(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var comments []events.Comment
	for _, e := range evs {
		if e.Comment != nil {
			comments = append(comments, *e.Comment)
		}
	}
	if len(comments) != 2 || comments[0].Body != "Bitte neu starten,\ndann melden" ||
		!comments[0].Public || comments[1].Body != "Gelöst" || comments[1].Public {
		t.Fatalf("comments %+v", comments)
	}
}

// Every built-in field the importer passes through must be one the ticket
// core takes as built-in; were the two lists to drift, this line would fail
// as an undefined custom field.
func TestBuiltinFieldsAreNotCustom(t *testing.T) {
	values := map[string]string{
		"subject": `"Broken chair"`, "description": `"It wobbles"`, "type": `"problem"`, "category": `"furniture"`,
		"product": `"chair-2000"`, "channel": `"chat"`, "urgency": `"high"`, "priority": `"P1"`, "status": `"pending"`,
		"pending_reason": `"waiting_on_customer"`, "customer": `"carl@example.com"`, "order_ref": `"ord-7"`,
		"tags": `["office","urgent"]`, "assignee": `"ann"`, "team": `"facilities"`, "region": `"emea"`,
		"resolution": `"Replaced"`, "sla_breached": `true`,
	}
	var parts []string
	for _, name := range importer.BuiltinFields() {
		v, ok := values[name]
		if !ok {
			t.Fatalf("built-in field %s has no test value; add one", name)
		}
		parts = append(parts, `"`+name+`":`+v)
	}
	line := `{"ticket":"Z-1","at":"2024-03-01T09:00:00Z","type":"created","fields":{` + strings.Join(parts, ",") + "}}\n"
	ctx := context.Background()
	svc := newService(t, testdb.Backends()[0])
	rep, err := importer.Run(ctx, svc, writeFile(t, "all.jsonl", line), importer.Options{})
	if err != nil || rep.TicketsImported != 1 || len(rep.FieldsDefined) != 0 || len(rep.BadLines) != 0 {
		t.Fatalf("%+v %v %v", summary(rep), rep.BadLines, err)
	}
	z := findOne(t, svc, "Z-1")
	if z.Status != "pending" || z.PendingReason != "waiting_on_customer" || z.Customer.Email != "carl@example.com" ||
		!slices.Equal(z.Tags, []string{"office", "urgent"}) || !z.SLABreached || len(z.CustomFields) != 0 {
		t.Fatalf("Z-1 = %+v", z)
	}
}

func TestDerivedFieldsAreRefused(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, testdb.Backends()[0])
	data := writeFile(t, "d.jsonl", `{"ticket":"A-1","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"x","created_at":"2020-01-01T00:00:00Z"}}
{"ticket":"B-2","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"y","Sub Status":"z"}}
{"ticket":"C-3","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"z","custom_fields":{"shoe_size":"44"}}}
{"ticket":"D-4","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"w"}}
{"ticket":"D-4","at":"2024-03-01T08:00:00Z","type":"updated","fields":{"team":"it"}}
{"ticket":"E-5","at":"2024-03-01T08:00:00Z","type":"created","feilds":{"team":"it"}}
{"ticket":"F-6","at":"2024-03-01T08:00:00Z","type":"created","public":"yes","comment":"hi"}
`)
	rep, err := importer.Run(ctx, svc, data, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.BadLines) != 5 || rep.BadLines[0].Field != "created_at" || rep.BadLines[1].Field != "Sub Status" ||
		rep.BadLines[2].Line != 4 || !strings.Contains(rep.BadLines[2].Reason, "line 5 of the same ticket is earlier") ||
		!strings.HasPrefix(rep.BadLines[3].Reason, `unknown key "feilds"`) ||
		rep.BadLines[4].Field != "public" || rep.BadLines[4].Reason != "must be true or false" {
		t.Fatalf("bad lines %v", rep.BadLines)
	}
	// Nested custom fields, as Deskmine exports them, are accepted.
	if rep.TicketsImported != 1 || !slices.Equal(rep.FieldsDefined, []string{"shoe_size"}) {
		t.Fatalf("report %+v", summary(rep))
	}
	if c := findOne(t, svc, "C-3"); c.CustomFields["shoe_size"] != "44" {
		t.Fatalf("C-3 = %+v", c)
	}
}

// TestLinksAndCSATAreNotImported: links and ratings are ticket fields that
// only their own service methods set; in an import file they are refused
// like the other fields an import cannot set, never defined as custom
// fields of the same name.
func TestLinksAndCSATAreNotImported(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, testdb.Backends()[0])
	data := writeFile(t, "l.jsonl", `{"ticket":"A-1","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"x","links":[{"type":"duplicate_of","ticket_id":1}]}}
{"ticket":"B-2","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"y"}}
{"ticket":"B-2","at":"2024-03-02T09:00:00Z","type":"updated","fields":{"csat":{"score":4}}}
{"ticket":"C-3","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"z","links":"follow_up_of:7"}}
{"ticket":"D-4","at":"2024-03-01T09:00:00Z","type":"created","fields":{"subject":"w"}}
`)
	rep, err := importer.Run(ctx, svc, data, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line  int
		field string
	}{{1, "links"}, {3, "csat"}, {4, "links"}}
	if len(rep.BadLines) != len(want) {
		t.Fatalf("bad lines %v", rep.BadLines)
	}
	for i, w := range want {
		got := rep.BadLines[i]
		if got.Line != w.line || got.Field != w.field || !strings.HasPrefix(got.Reason, "cannot be imported") {
			t.Errorf("bad line %d: %+v, want line %d refusing %s as not importable", i, got, w.line, w.field)
		}
	}
	if rep.TicketsImported != 1 || rep.TicketsSkipped != 3 || len(rep.FieldsDefined) != 0 {
		t.Fatalf("report %+v", summary(rep))
	}
	defs, err := svc.FieldDefs(ctx)
	if err != nil || len(defs) != 0 {
		t.Fatalf("custom fields defined: %v %v", defs, err)
	}

	// A mapping cannot route a column, a default or a value map there either.
	for _, m := range []string{
		`{"ticket_column": "T", "time_column": "At", "columns": {"Related": "links"}}`,
		`{"ticket_column": "T", "time_column": "At", "defaults": {"csat": 5}}`,
		`{"ticket_column": "T", "time_column": "At", "values": {"csat": {"good": "5"}}}`,
	} {
		_, err := importer.Run(ctx, svc, data, importer.Options{Format: importer.FormatCSV, MappingPath: writeFile(t, "m.json", m)})
		if err == nil || !strings.Contains(err.Error(), "cannot be imported") {
			t.Errorf("mapping %s: want it refused, got %v", m, err)
		}
	}
}
