package events_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

func validEvent() *events.Event {
	at := time.Date(2026, 3, 2, 9, 41, 17, 502114000, time.UTC)
	return &events.Event{
		SchemaVersion: events.SchemaVersion,
		ID:            "0195555a-8d3f-7b11-8e02-c4f7a9b2d310",
		Seq:           18371,
		TicketID:      1042,
		TicketVersion: 2,
		Type:          events.TicketUpdated,
		At:            at,
		RecordedAt:    at.Add(149 * time.Microsecond),
		Actor:         events.Actor{ID: 12, Name: "wang.fang", Role: "agent"},
		Source:        events.SourceAPI,
		Changes: []events.Change{
			{Field: "priority", Old: json.RawMessage(`"P2"`), New: json.RawMessage(`"P1"`)},
			{Field: "team", Old: json.RawMessage(`null`), New: json.RawMessage(`"network"`)},
		},
		Ticket: events.Ticket{ID: 1042, Version: 2, Subject: "VPN drops", Type: "incident", Channel: "chat",
			Urgency: "high", Priority: "P1", Status: "new", Customer: events.Customer{ID: 311, Email: "li.wei@example.cn"},
			Tags: []string{"vpn"}, CustomFields: map[string]any{"firmware": "2.3.9", "refund": 12.5}, Team: "network",
			CreatedAt: at.Add(-26 * time.Minute), UpdatedAt: at},
	}
}

func TestTypeValid(t *testing.T) {
	for _, typ := range events.Types {
		if !typ.Valid() {
			t.Errorf("%s is listed in Types but not valid", typ)
		}
	}
	want := []events.Type{events.TicketCreated, events.TicketUpdated, events.TicketStatusChanged, events.TicketCommented,
		events.TicketSLAWarning, events.TicketSLABreached, events.TicketEscalated}
	if !slices.Equal(events.Types, want) {
		t.Errorf("Types = %v, want %v", events.Types, want)
	}
	for _, typ := range []events.Type{"", "ticket.deleted", "TICKET.CREATED", "ticket.created ", "created"} {
		if typ.Valid() {
			t.Errorf("%q is valid, want invalid", typ)
		}
	}
}

func TestKey(t *testing.T) {
	e := validEvent()
	if k := e.Key(); k != "1042" {
		t.Errorf("Key() = %q, want the ticket id 1042", k)
	}
	e.TicketID = 9007199254740993 // above 2^53: must not go through a float
	if k := e.Key(); k != "9007199254740993" {
		t.Errorf("Key() = %q", k)
	}
}

func TestChangeOf(t *testing.T) {
	e := validEvent()
	c, ok := e.ChangeOf("team")
	if !ok || c.Field != "team" || string(c.Old) != "null" || string(c.New) != `"network"` {
		t.Errorf("ChangeOf(team) = %+v, %v", c, ok)
	}
	if c, ok := e.ChangeOf("status"); ok || c.Field != "" {
		t.Errorf("ChangeOf(status) = %+v, %v; want nothing", c, ok)
	}
	e.Changes = nil
	if _, ok := e.ChangeOf("team"); ok {
		t.Error("ChangeOf on an event without changes found one")
	}
}

func TestValidate(t *testing.T) {
	if err := validEvent().Validate(); err != nil {
		t.Fatalf("valid event refused: %v", err)
	}
	for _, typ := range events.Types {
		e := validEvent()
		e.Type = typ
		if err := e.Validate(); err != nil {
			t.Errorf("type %s refused: %v", typ, err)
		}
	}
	cases := []struct {
		name   string
		mutate func(e *events.Event)
		want   string
	}{
		{"schema version zero", func(e *events.Event) { e.SchemaVersion = 0 }, "schema_version 0 is not supported"},
		{"schema version from the future", func(e *events.Event) { e.SchemaVersion = events.SchemaVersion + 1 }, "is not supported"},
		{"no id", func(e *events.Event) { e.ID = "" }, "id is empty"},
		{"no ticket id", func(e *events.Event) { e.TicketID, e.Ticket.ID = 0, 0 }, "ticket_id must be positive"},
		{"negative ticket version", func(e *events.Event) { e.TicketVersion, e.Ticket.Version = -1, -1 }, "ticket_version must be positive"},
		{"no type", func(e *events.Event) { e.Type = "" }, "type is empty"},
		{"no time", func(e *events.Event) { e.At = time.Time{} }, "at is zero"},
		{"snapshot of another ticket", func(e *events.Event) { e.Ticket.ID = 7 }, "ticket snapshot does not match"},
		{"snapshot at another version", func(e *events.Event) { e.Ticket.Version = 1 }, "ticket snapshot does not match"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := validEvent()
			c.mutate(e)
			err := e.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, c.want)
			}
		})
	}
	t.Run("every problem is reported", func(t *testing.T) {
		err := (&events.Event{}).Validate()
		if err == nil {
			t.Fatal("zero event is valid")
		}
		for _, want := range []string{"schema_version", "id is empty", "ticket_id", "ticket_version", "type", "at is zero"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
}

func TestMarshalUnmarshal(t *testing.T) {
	e := validEvent()
	b, err := events.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := events.Unmarshal(b)
	if err != nil {
		t.Fatalf("unmarshal own output: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(got, e) {
		t.Errorf("round trip changed the event:\n got %+v\nwant %+v", got, e)
	}

	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "id", "seq", "ticket_id", "ticket_version", "type", "at", "recorded_at",
		"actor", "source", "changes", "ticket"} {
		if _, ok := m[k]; !ok {
			t.Errorf("wire form lacks %q", k)
		}
	}
	for _, k := range []string{"reason", "comment"} {
		if _, ok := m[k]; ok {
			t.Errorf("wire form has empty %q; it is omitted when empty", k)
		}
	}
	if string(m["at"]) != `"2026-03-02T09:41:17.502114Z"` {
		t.Errorf("at on the wire is %s, want RFC 3339 UTC with microseconds", m["at"])
	}

	t.Run("comment", func(t *testing.T) {
		e := validEvent()
		e.Type, e.Changes = events.TicketCommented, []events.Change{}
		e.Comment = &events.Comment{ID: 5531, Body: "谢谢", Public: false}
		b, err := events.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"changes":[]`)) || !bytes.Contains(b, []byte(`"comment":{"id":5531,"body":"谢谢","public":false}`)) {
			t.Errorf("wire form: %s", b)
		}
		got, err := events.Unmarshal(b)
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Errorf("round trip: %v\n got %+v\nwant %+v", err, got, e)
		}
	})

	t.Run("unknown fields are ignored", func(t *testing.T) {
		// Additive changes keep the schema version, so older consumers must
		// read events that carry fields they do not know.
		b, _ := events.Marshal(validEvent())
		b = append([]byte(`{"added_later": {"x": 1}, `), b[1:]...)
		if _, err := events.Unmarshal(b); err != nil {
			t.Errorf("an unknown field was refused: %v", err)
		}
	})

	t.Run("a newer event type is accepted for the consumer to skip", func(t *testing.T) {
		e, err := events.Unmarshal([]byte(strings.Replace(string(b), `"ticket.updated"`, `"ticket.merged"`, 1)))
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		if e.Type.Valid() {
			t.Fatal("ticket.merged reported as a known type")
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for name, raw := range map[string]string{
			"not JSON":        `{"id": `,
			"not an object":   `[1, 2]`,
			"wrong type":      `{"schema_version": "1"}`,
			"empty object":    `{}`,
			"future version":  strings.Replace(string(b), `"schema_version":1`, `"schema_version":2`, 1),
			"no type":         strings.Replace(string(b), `"ticket.updated"`, `""`, 1),
			"stale snapshot":  strings.Replace(string(b), `"version":2`, `"version":1`, 1),
			"time not a time": strings.Replace(string(b), `"2026-03-02T09:41:17.502114Z"`, `"yesterday"`, 1),
		} {
			if raw == string(b) {
				t.Fatalf("%s: the replacement did not apply", name)
			}
			if _, err := events.Unmarshal([]byte(raw)); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		_, err := events.Unmarshal([]byte(strings.Replace(string(b), `"ticket_id":1042`, `"ticket_id":1043`, 1)))
		if err == nil || !strings.Contains(err.Error(), "0195555a-8d3f-7b11-8e02-c4f7a9b2d310") {
			t.Errorf("an invalid event's error should name its id: %v", err)
		}
	})
}

// example is one JSON example of CONTRACT.md.
type example struct {
	line int
	typ  string
	raw  []byte
}

var exampleMarker = regexp.MustCompile(`^<!-- example: (\S+) -->$`)

func readExamples(t *testing.T) []example {
	t.Helper()
	f, err := os.Open("CONTRACT.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	var cur *example
	pending := "" // type named by a marker, waiting for its block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.raw = append(cur.raw, line+"\n"...)
		case exampleMarker.MatchString(line):
			if pending != "" {
				t.Errorf("CONTRACT.md:%d: marker for %s has no ```json block", n, pending)
			}
			pending = exampleMarker.FindStringSubmatch(line)[1]
		case line == "```json":
			if pending == "" {
				t.Errorf("CONTRACT.md:%d: a ```json block without an <!-- example: TYPE --> marker is not tested", n)
			}
			cur = &example{line: n, typ: pending}
			pending = ""
		case pending != "" && strings.TrimSpace(line) != "":
			t.Errorf("CONTRACT.md:%d: marker for %s is not followed by a ```json block", n, pending)
			pending = ""
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Errorf("CONTRACT.md:%d: unterminated ```json block", cur.line)
	}
	return out
}

// TestContractExamples keeps CONTRACT.md true: every example decodes and
// validates, has its marker's type, loses and gains nothing when encoded
// again, and lists exactly the changes the ticket core computes.
func TestContractExamples(t *testing.T) {
	examples := readExamples(t)
	byTicketVersion := map[[2]int64]*events.Event{}
	decoded := make([]*events.Event, len(examples))
	for i, ex := range examples {
		at := fmt.Sprintf("CONTRACT.md:%d (%s)", ex.line, ex.typ)
		e, err := events.Unmarshal(ex.raw)
		if err != nil {
			t.Errorf("%s: %v", at, err)
			continue
		}
		decoded[i] = e
		if string(e.Type) != ex.typ {
			t.Errorf("%s: marker says %s, the event is %s", at, ex.typ, e.Type)
		}
		again, err := events.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var doc, wire any
		if err := json.Unmarshal(ex.raw, &doc); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(again, &wire); err != nil {
			t.Fatal(err)
		}
		for _, d := range jsonDiff(doc, wire, "$") {
			t.Errorf("%s: %s", at, d)
		}
		if (e.Comment != nil) != (e.Type == events.TicketCommented) {
			t.Errorf("%s: comment must be present exactly on ticket.commented", at)
		}
		if !e.Ticket.UpdatedAt.Equal(e.At) {
			t.Errorf("%s: ticket.updated_at %s differs from at %s", at, e.Ticket.UpdatedAt, e.At)
		}
		if e.RecordedAt.Before(e.At) {
			t.Errorf("%s: recorded before it happened", at)
		}
		key := [2]int64{e.TicketID, e.TicketVersion}
		if byTicketVersion[key] != nil {
			t.Errorf("%s: a second example of ticket %d version %d", at, e.TicketID, e.TicketVersion)
		}
		byTicketVersion[key] = e
	}
	for _, typ := range events.Types {
		if !slices.ContainsFunc(examples, func(ex example) bool { return ex.typ == string(typ) }) {
			t.Errorf("CONTRACT.md has no example of %s", typ)
		}
	}
	// The changes of each example must be what ticketcore.Diff computes from
	// the previous snapshot of the same ticket (nothing, for a creation), so
	// every example after a creation needs its predecessor in the document.
	for i, e := range decoded {
		if e == nil {
			continue
		}
		at := fmt.Sprintf("CONTRACT.md:%d (%s)", examples[i].line, examples[i].typ)
		var prev *ticketcore.Ticket
		if e.Type == events.TicketCreated {
			if e.TicketVersion != 1 {
				t.Errorf("%s: a creation at ticket_version %d", at, e.TicketVersion)
			}
		} else {
			p := byTicketVersion[[2]int64{e.TicketID, e.TicketVersion - 1}]
			if p == nil {
				t.Errorf("%s: no example of ticket %d version %d to compute its changes from", at, e.TicketID, e.TicketVersion-1)
				continue
			}
			prev = &p.Ticket
		}
		want := ticketcore.Diff(prev, &e.Ticket)
		if want == nil {
			want = []events.Change{}
		}
		if !sameChanges(e.Changes, want) {
			b, _ := json.Marshal(want)
			t.Errorf("%s: changes differ from what the ticket core computes:\n%s", at, b)
		}
	}
}

func sameChanges(a, b []events.Change) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Field != b[i].Field || !sameJSON(a[i].Old, b[i].Old) || !sameJSON(a[i].New, b[i].New) {
			return false
		}
	}
	return true
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// jsonDiff compares an example with its re-encoded wire form: first the
// object keys, recursively, so the example neither shows a field the
// contract does not have (or omits when empty) nor hides one that is always
// written; then the values, so the example is in the exact wire form (for
// instance times as Go writes them).
func jsonDiff(doc, wire any, at string) []string {
	var out []string
	switch d := doc.(type) {
	case map[string]any:
		w, ok := wire.(map[string]any)
		if !ok {
			return []string{at + ": an object in the example, not on the wire"}
		}
		for k := range d {
			if _, ok := w[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s is in the example but not in the wire form (unknown or empty omitted field)", at, k))
			}
		}
		for k := range w {
			if _, ok := d[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s is written on the wire but missing from the example", at, k))
			}
		}
		for k := range d {
			if _, ok := w[k]; ok {
				out = append(out, jsonDiff(d[k], w[k], at+"."+k)...)
			}
		}
	case []any:
		w, ok := wire.([]any)
		if !ok || len(w) != len(d) {
			return []string{at + ": the list differs in length on the wire"}
		}
		for i := range d {
			out = append(out, jsonDiff(d[i], w[i], fmt.Sprintf("%s[%d]", at, i))...)
		}
	default:
		if !reflect.DeepEqual(doc, wire) {
			out = append(out, fmt.Sprintf("%s is %v in the example but %v on the wire", at, doc, wire))
		}
	}
	sort.Strings(out)
	return out
}

// TestContractFieldTables checks that the field tables of CONTRACT.md list
// exactly the JSON fields of each type, and that "Always" matches omitempty.
func TestContractFieldTables(t *testing.T) {
	raw, err := os.ReadFile("CONTRACT.md")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string][][]string{} // section -> rows of cells
	section := ""
	for _, line := range strings.Split(string(raw), "\n") {
		if h, ok := strings.CutPrefix(line, "### "); ok {
			section = strings.Trim(h, "` ")
			continue
		}
		if strings.HasPrefix(line, "## ") {
			section = ""
			continue
		}
		if section == "" || !strings.HasPrefix(line, "| `") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		tables[section] = append(tables[section], cells)
	}
	for _, c := range []struct {
		section string
		typ     reflect.Type
	}{
		{"Event", reflect.TypeFor[events.Event]()},
		{"Actor", reflect.TypeFor[events.Actor]()},
		{"Change", reflect.TypeFor[events.Change]()},
		{"Comment", reflect.TypeFor[events.Comment]()},
		{"Ticket", reflect.TypeFor[events.Ticket]()},
		{"Customer", reflect.TypeFor[events.Customer]()},
		{"ChecklistItem", reflect.TypeFor[events.ChecklistItem]()},
		{"Approval", reflect.TypeFor[events.Approval]()},
		{"Attachment", reflect.TypeFor[events.Attachment]()},
		{"ApprovalDecision", reflect.TypeFor[events.ApprovalDecision]()},
	} {
		rows := tables[c.section]
		if len(rows) == 0 {
			t.Errorf("CONTRACT.md has no field table under ### %s", c.section)
			continue
		}
		documented := map[string][]string{}
		for _, r := range rows {
			documented[strings.Trim(r[0], "`")] = r
		}
		for f := range c.typ.Fields() {
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			row, ok := documented[name]
			if !ok {
				t.Errorf("### %s does not document %s", c.section, name)
				continue
			}
			delete(documented, name)
			if len(row) == 4 { // Field | Type | Always | Meaning
				always := !slices.Contains(strings.Split(opts, ","), "omitempty")
				if (row[2] == "yes") != always {
					t.Errorf("### %s: %s says Always=%s, but omitempty is %v", c.section, name, row[2], !always)
				}
			}
		}
		for name := range documented {
			t.Errorf("### %s documents %s, which %s does not have", c.section, name, c.typ)
		}
	}
}
