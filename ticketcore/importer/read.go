package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// maxLineBytes bounds one JSON line, so a file without line breaks cannot
// exhaust memory; real change lines are a few KB (descriptions up to 64 KB).
const maxLineBytes = 16 << 20

// storedPrecision cuts a time to the microseconds Deskmine stores.
// ImportTicket skips changes not newer than the stored ticket, comparing the
// line's time with the stored, truncated one; a nanosecond time would look
// newer than itself and be imported again on every re-run.
func storedPrecision(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// record is one source line, parsed but not yet mapped.
type record struct {
	line    int
	ticket  string
	at      time.Time
	actor   string
	typ     string // change type; "" when the source does not say (CSV without type column)
	fields  map[string]any
	comment string
	public  bool
}

// group is one ticket's lines in file order.
type group struct {
	ticket string
	recs   []record
	bad    []ticketcore.LineError
}

// batch holds the whole file grouped by ticket, tickets in order of first
// appearance. The importer reads everything before writing anything: that is
// what lets it skip a ticket whose bad line comes after its good ones, and
// refuse the run when a bad line cannot be tied to a ticket. It costs memory
// in proportion to the file (roughly 1 KB per line of ten short fields).
type batch struct {
	groups       []*group
	index        map[string]*group
	unattributed []ticketcore.LineError // bad lines whose ticket is unknown
	lines        int                    // data lines read
}

func newBatch() *batch { return &batch{index: map[string]*group{}} }

func (b *batch) add(rec record, bad *ticketcore.LineError) {
	b.lines++
	if rec.ticket == "" {
		if bad == nil {
			bad = &ticketcore.LineError{Line: rec.line, Field: "ticket", Reason: "is required"}
		}
		b.unattributed = append(b.unattributed, *bad)
		return
	}
	g := b.index[rec.ticket]
	if g == nil {
		g = &group{ticket: rec.ticket}
		b.index[rec.ticket] = g
		b.groups = append(b.groups, g)
	}
	if bad != nil {
		g.bad = append(g.bad, *bad)
		return
	}
	g.recs = append(g.recs, rec)
}

// jsonLine is the wire form of one JSON Lines change.
type jsonLine struct {
	Ticket  json.RawMessage `json:"ticket"`
	At      string          `json:"at"`
	Actor   string          `json:"actor"`
	Type    string          `json:"type"`
	Fields  map[string]any  `json:"fields"`
	Comment string          `json:"comment"`
	Public  bool            `json:"public"`
}

// readJSONL reads JSON Lines; blank lines are skipped but counted, so line
// numbers match what an editor shows.
func readJSONL(r io.Reader, b *batch) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		raw := sc.Bytes()
		if n == 1 {
			raw = bytes.TrimPrefix(raw, utf8BOM)
		}
		raw = bytes.TrimSpace(raw) // also drops the \r of CRLF files
		if len(raw) == 0 {
			continue
		}
		rec, bad := parseJSONLine(n, raw)
		b.add(rec, bad)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d is longer than %d MiB", n+1, maxLineBytes>>20)
		}
		return fmt.Errorf("read line %d: %w", n+1, err)
	}
	return nil
}

// ticketRE finds the ticket of a line that is not valid JSON, so that the
// rest of that ticket can be held back too.
var ticketRE = regexp.MustCompile(`"ticket"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9]+)`)

func parseJSONLine(n int, raw []byte) (record, *ticketcore.LineError) {
	rec := record{line: n}
	bad := func(field, reason string) (record, *ticketcore.LineError) {
		return rec, &ticketcore.LineError{Line: n, Field: field, Reason: reason}
	}
	var jl jsonLine
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&jl)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value on the line")
	}
	if err != nil {
		// An UnmarshalTypeError leaves the other keys decoded; for a syntax
		// error fall back to a pattern match.
		rec.ticket = ticketText(jl.Ticket)
		if rec.ticket == "" {
			if m := ticketRE.FindSubmatch(raw); m != nil {
				rec.ticket = ticketText(m[1])
			}
		}
		return bad(jsonErrorField(err), jsonErrorReason(err))
	}
	rec.ticket = ticketText(jl.Ticket)
	if rec.ticket == "" {
		if len(jl.Ticket) == 0 || string(jl.Ticket) == "null" || string(jl.Ticket) == `""` {
			return bad("ticket", "is required")
		}
		return bad("ticket", "must be text or a whole number")
	}
	if jl.At == "" {
		return bad("at", "is required")
	}
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(jl.At))
	if err != nil {
		return bad("at", fmt.Sprintf("%q is not an RFC 3339 time such as 2024-03-01T09:30:00+01:00", jl.At))
	}
	rec.at = storedPrecision(at)
	if !slices.Contains(ticketcore.ImportTypes, jl.Type) {
		if jl.Type == "" {
			return bad("type", "is required; use one of "+strings.Join(ticketcore.ImportTypes, ", "))
		}
		return bad("type", fmt.Sprintf("%q is not one of %s", jl.Type, strings.Join(ticketcore.ImportTypes, ", ")))
	}
	rec.typ = jl.Type
	rec.actor = strings.TrimSpace(jl.Actor)
	rec.comment = jl.Comment
	rec.public = jl.Public
	rec.fields = jl.Fields
	if rec.fields == nil {
		rec.fields = map[string]any{}
	}
	// Deskmine's own exports nest custom fields; accept that shape too.
	if nested, ok := rec.fields["custom_fields"]; ok {
		cf, isObj := nested.(map[string]any)
		if !isObj && nested != nil {
			return bad("fields.custom_fields", "must be an object")
		}
		delete(rec.fields, "custom_fields")
		for k, v := range cf {
			if _, dup := rec.fields[k]; dup {
				return bad("fields."+k, "is given both directly and in custom_fields")
			}
			rec.fields[k] = v
		}
	}
	return rec, nil
}

// ticketText turns a JSON string or whole number into an external id; "" if neither.
func ticketText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return string(raw)
	}
	return ""
}

func jsonErrorField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	return ""
}

func jsonErrorReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		switch te.Field {
		case "public":
			return "must be true or false"
		case "fields":
			return "must be an object"
		}
		return "must be " + jsonKind(te.Type.Kind().String())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "invalid JSON: the line ends inside a value"
	}
	if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown key " + key + "; keys are ticket, at, actor, type, fields, comment, public"
	}
	return "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "text"
	case "bool":
		return "true or false"
	case "map", "struct":
		return "an object"
	}
	return goKind
}

// readCSV reads a flat export: one change per row, the header on line 1.
// Rows may span lines (quoted line breaks); a row's number is the line it
// starts on.
func readCSV(r io.Reader, p *plan, b *batch) error {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(len(utf8BOM)); bytes.Equal(head, utf8BOM) {
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return fmt.Errorf("skip byte order mark: %w", err)
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = p.sep
	cr.FieldsPerRecord = -1 // a short row is a bad line of its ticket, not the end of the file
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return errors.New("the file is empty: it needs a header line")
	}
	if err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := cols[h]; dup && h != "" {
			return fmt.Errorf("header: column %q appears twice", h)
		}
		cols[h] = i
	}
	m := &p.m
	var missing []string
	col := func(name string) int {
		if name == "" {
			return -1
		}
		i, ok := cols[name]
		if !ok && !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
		return i
	}
	ticketIdx, timeIdx := col(m.TicketColumn), col(m.TimeColumn)
	actorIdx, typeIdx, commentIdx, publicIdx := col(m.ActorColumn), col(m.TypeColumn), col(m.CommentColumn), col(m.PublicColumn)
	type colField struct {
		idx   int
		field string
	}
	var fieldCols []colField
	for _, c := range slices.Sorted(maps.Keys(m.Columns)) {
		fieldCols = append(fieldCols, colField{col(c), m.Columns[c]})
	}
	statusIdx := make([]int, len(m.StatusFrom))
	for i, c := range m.StatusFrom {
		statusIdx[i] = col(c)
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		names := make([]string, 0, len(header))
		for _, h := range header {
			names = append(names, strings.TrimSpace(h))
		}
		return fmt.Errorf("the mapping names columns that are not in the header: %s; the header has %s (separator %q)",
			quoteAll(missing), quoteAll(names), string(p.sep))
	}

	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// A quoting error leaves the row boundaries unknown from here on,
			// so no later line can be trusted to belong to the ticket it names.
			return fmt.Errorf("csv syntax: %w", err)
		}
		line, _ := cr.FieldPos(0)
		rec := record{line: line, fields: map[string]any{}}
		cell := func(i int) string {
			if i < 0 || i >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[i])
		}
		rec.ticket = cell(ticketIdx)
		bad := func(field, reason string) {
			b.add(rec, &ticketcore.LineError{Line: line, Field: field, Reason: reason})
		}
		if len(row) != len(header) {
			bad("", fmt.Sprintf("has %d fields, the header has %d (separator %q)", len(row), len(header), string(p.sep)))
			continue
		}
		if rec.ticket == "" {
			bad("ticket", fmt.Sprintf("column %q is empty", m.TicketColumn))
			continue
		}
		at, err := time.ParseInLocation(p.layout, cell(timeIdx), p.loc)
		if err != nil {
			bad("at", fmt.Sprintf("%q in column %q does not match the time layout %q", cell(timeIdx), m.TimeColumn, p.layout))
			continue
		}
		rec.at = storedPrecision(at)
		rec.actor = cell(actorIdx)
		if typ := strings.ToLower(cell(typeIdx)); typ != "" {
			if !slices.Contains(ticketcore.ImportTypes, typ) {
				bad("type", fmt.Sprintf("%q in column %q is not one of %s", cell(typeIdx), m.TypeColumn, strings.Join(ticketcore.ImportTypes, ", ")))
				continue
			}
			rec.typ = typ
		}
		rec.comment = cell(commentIdx)
		if v := cell(publicIdx); v != "" {
			pub, ok := parseBool(v)
			if !ok {
				bad("public", fmt.Sprintf("%q in column %q is not true or false", v, m.PublicColumn))
				continue
			}
			rec.public = pub
		}
		for _, fc := range fieldCols {
			if v := cell(fc.idx); v != "" {
				rec.fields[fc.field] = v
			}
		}
		if len(statusIdx) > 0 {
			var parts []string
			for _, i := range statusIdx {
				if v := cell(i); v != "" {
					parts = append(parts, v)
				}
			}
			if len(parts) > 0 {
				rec.fields["status"] = strings.Join(parts, "/")
			}
		}
		b.add(rec, nil)
	}
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "yes", "y":
		return true, true
	case "no", "n":
		return false, true
	}
	b, err := strconv.ParseBool(v)
	return b, err == nil
}
