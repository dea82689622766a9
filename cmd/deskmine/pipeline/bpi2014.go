package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/importer"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// The BPI Challenge 2014 incident file (Rabobank ICT) has one row per
// incident with its final attributes and four lifecycle times, not a change
// log: ConvertBPI2014 turns each row into the JSON Lines changes the importer
// takes (docs/import.md, "Example: BPI Challenge 2014"). The value maps
// (priority, urgency) and the custom field definitions live in
// docs/import/bpi2014-mapping.json, so the converter writes source values
// and never decides what they mean.

// BPI2014Zone is the zone of the file's times, which carry no offset: the
// bank's own (the Netherlands), with summer time applied per date.
const BPI2014Zone = "Europe/Amsterdam"

// bpi2014Layout is the file's time layout (dd/mm/yyyy HH:MM:SS).
const bpi2014Layout = "02/01/2006 15:04:05"

// Columns the converter reads, by header name. The file also has related
// interactions, incidents and changes and the "caused by" CI; they are left
// out (the interaction and change files point back to the incident).
const (
	colIncident    = "Incident ID"
	colStatus      = "Status"
	colImpact      = "Impact"
	colUrgency     = "Urgency"
	colPriority    = "Priority"
	colCategory    = "Category"
	colKM          = "KM number"
	colReassign    = "# Reassignments"
	colOpen        = "Open Time"
	colReopen      = "Reopen Time"
	colResolved    = "Resolved Time"
	colClose       = "Close Time"
	colHandle      = "Handle Time (Hours)"
	colClosure     = "Closure Code"
	colCIName      = "CI Name (aff)"
	colCIType      = "CI Type (aff)"
	colCISubtype   = "CI Subtype (aff)"
	colServiceComp = "Service Component WBS (aff)"
)

// bpi2014Closed is the Status of an incident closed at export.
const bpi2014Closed = "Closed"

var bpi2014Columns = []string{colIncident, colStatus, colImpact, colUrgency, colPriority, colCategory, colKM,
	colReassign, colOpen, colReopen, colResolved, colClose, colHandle, colClosure, colCIName, colCIType,
	colCISubtype, colServiceComp}

// bpi2014Text maps columns copied as they are to the field they fill on the
// created line: built-in fields first, then custom fields.
var bpi2014Text = []struct{ col, field string }{
	{colCategory, "category"}, {colCIType, "product"}, {colUrgency, "urgency"}, {colPriority, "priority"},
	{colCIName, "ci_name"}, {colCISubtype, "ci_subtype"}, {colServiceComp, "service_component"},
	{colKM, "km_number"}, {colClosure, "closure_code"}, {colImpact, "impact"},
	{colUrgency, "source_urgency"}, {colPriority, "source_priority"}, {colStatus, "export_status"},
}

// ConvertStats is what a conversion read and wrote. Every row left out is
// in Problems with its line and reason; nothing is changed silently.
type ConvertStats struct {
	Rows      int // data rows read (the header not counted)
	Blank     int // rows whose every cell is empty (the export pads the file with them)
	Incidents int // incidents written
	Lines     int // JSON lines written
	Resolved  int // incidents with a resolved line
	Closed    int // incidents with a closed line
	// ClosedUnresolved counts incidents closed without a Resolved Time: they
	// get only the closed line, and the ticket core takes the close as the
	// resolution (resolved_at = closed_at).
	ClosedUnresolved int
	// Reopened counts incidents with a Reopen Time. The resolution before
	// the reopen has no time in the file, so the history has no reopen; the
	// custom fields reopened and reopened_at keep it.
	Reopened int
	// StatusMismatch counts incidents whose Status column disagrees with
	// the times (not "Closed" with a Close Time, or "Closed" without one).
	// They are written as the times say; export_status keeps the column.
	StatusMismatch int
	// Ambiguous counts times in the hour that summer time's end repeats;
	// the earlier of the two instants is taken.
	Ambiguous int
	Skipped   int          // rows left out, each in Problems
	Problems  []RowProblem // in line order
}

// RowProblem is a row the converter left out.
type RowProblem struct {
	Line     int    // line in the file (the header is line 1)
	Incident string // its Incident ID, "" when missing
	Column   string // the offending column, "" for the row as a whole
	Reason   string
}

func (p RowProblem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", p.Line)
	if p.Incident != "" {
		fmt.Fprintf(&b, " (%s)", p.Incident)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ": %s", p.Column)
	}
	fmt.Fprintf(&b, ": %s", p.Reason)
	return b.String()
}

// Summary is a report for people: the counts, then one line per problem.
func (s ConvertStats) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "read %d rows (%d blank); wrote %d incidents in %d lines: %d resolved, %d closed (%d without a resolved time)\n",
		s.Rows, s.Blank, s.Incidents, s.Lines, s.Resolved, s.Closed, s.ClosedUnresolved)
	fmt.Fprintf(&b, "%d reopened (kept as custom fields); %d with a status that disagrees with the times; %d ambiguous times; %d rows left out\n",
		s.Reopened, s.StatusMismatch, s.Ambiguous, s.Skipped)
	for _, p := range s.Problems {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// bpi2014Incident is one usable row.
type bpi2014Incident struct {
	line                         int
	id                           string
	open, reopen, resolved, shut time.Time // zero when absent
	fields                       map[string]any
	resolution                   string
}

// ConvertBPI2014 reads the BPI Challenge 2014 incidents.csv (';'-separated,
// times dd/mm/yyyy HH:MM:SS in BPI2014Zone, decimal commas) and writes
// JSON Lines for the importer, to be imported with
// docs/import/bpi2014-mapping.json. Per incident, in this order:
//
//   - created at Open Time: status open, type incident, category, product
//     (CI Type), urgency and priority (source codes, mapped by the mapping),
//     and the custom fields ci_name, ci_subtype, service_component,
//     km_number, closure_code, reassignments and handle_time_hours
//     (numbers), reopened (yes/no), reopened_at, impact, source_urgency,
//     source_priority and export_status; empty cells are left out;
//   - status_changed to resolved at Resolved Time, with the Closure Code as
//     resolution;
//   - status_changed to closed at Close Time (with the resolution when there
//     was no Resolved Time).
//
// A row is left out, and listed in Problems, when it lacks an Incident ID
// or Open Time, has a time or number that does not parse, a time that does
// not exist in BPI2014Zone, times out of order (resolved or closed before
// opened, closed before resolved, reopened outside [open, last resolution]),
// a different number of cells than the header, or an Incident ID another
// row also has (all rows of that id are left out: which one is right cannot
// be told). The whole file is read and checked before anything is written,
// so a file the CSV reader cannot parse writes nothing.
func ConvertBPI2014(r io.Reader, w io.Writer) (ConvertStats, error) {
	var st ConvertStats
	loc, err := time.LoadLocation(BPI2014Zone)
	if err != nil {
		return st, fmt.Errorf("load zone %s: %w", BPI2014Zone, err)
	}
	br := bufio.NewReader(r)
	if head, _ := br.Peek(3); bytes.Equal(head, []byte{0xEF, 0xBB, 0xBF}) {
		if _, err := br.Discard(3); err != nil {
			return st, fmt.Errorf("skip byte order mark: %w", err)
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = ';'
	cr.FieldsPerRecord = -1 // a short row is a problem of that row, not the end of the file
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return st, errors.New("the file is empty: it needs a header line")
	}
	if err != nil {
		return st, fmt.Errorf("read header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		if h = strings.TrimSpace(h); h != "" {
			idx[h] = i
		}
	}
	var missing []string
	for _, c := range bpi2014Columns {
		if _, ok := idx[c]; !ok {
			missing = append(missing, strconv.Quote(c))
		}
	}
	if len(missing) > 0 {
		return st, fmt.Errorf("the header lacks the columns %s (separator ';')", strings.Join(missing, ", "))
	}

	var incs []*bpi2014Incident
	lines := map[string][]int{} // incident id -> lines, to find repeated ids
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ConvertStats{}, fmt.Errorf("csv syntax: %w; nothing was written", err)
		}
		st.Rows++
		line, _ := cr.FieldPos(0)
		if blankRow(row) {
			st.Blank++
			continue
		}
		inc, prob := parseBPI2014Row(row, len(header), idx, loc, &st)
		if prob != nil {
			prob.Line = line
			st.Problems = append(st.Problems, *prob)
			continue
		}
		inc.line = line
		lines[inc.id] = append(lines[inc.id], line)
		incs = append(incs, inc)
	}
	kept := incs[:0]
	for _, inc := range incs {
		if ls := lines[inc.id]; len(ls) > 1 {
			others := slices.DeleteFunc(slices.Clone(ls), func(l int) bool { return l == inc.line })
			st.Problems = append(st.Problems, RowProblem{Line: inc.line, Incident: inc.id, Column: colIncident,
				Reason: fmt.Sprintf("repeated on line %s; every row of this incident is left out", joinInts(others))})
			continue
		}
		kept = append(kept, inc)
	}
	slices.SortStableFunc(st.Problems, func(a, b RowProblem) int { return a.Line - b.Line })
	st.Skipped = len(st.Problems)

	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, inc := range kept {
		n, err := writeBPI2014(enc, inc, &st)
		if err != nil {
			return st, fmt.Errorf("write incident %s: %w", inc.id, err)
		}
		st.Incidents++
		st.Lines += n
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("write: %w", err)
	}
	return st, nil
}

func blankRow(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// parseBPI2014Row checks one non-blank row; a problem leaves the row out.
func parseBPI2014Row(row []string, width int, idx map[string]int, loc *time.Location, st *ConvertStats) (*bpi2014Incident, *RowProblem) {
	cell := func(c string) string { return strings.TrimSpace(row[idx[c]]) }
	inc := &bpi2014Incident{fields: map[string]any{}}
	bad := func(col, format string, args ...any) (*bpi2014Incident, *RowProblem) {
		return nil, &RowProblem{Incident: inc.id, Column: col, Reason: fmt.Sprintf(format, args...)}
	}
	if len(row) != width {
		if len(row) > idx[colIncident] {
			inc.id = strings.TrimSpace(row[idx[colIncident]])
		}
		return bad("", "has %d cells, the header has %d", len(row), width)
	}
	if inc.id = cell(colIncident); inc.id == "" {
		return bad(colIncident, "is empty")
	}
	ambiguous := 0
	times := []struct {
		col string
		dst *time.Time
	}{{colOpen, &inc.open}, {colReopen, &inc.reopen}, {colResolved, &inc.resolved}, {colClose, &inc.shut}}
	for _, tc := range times {
		v := cell(tc.col)
		if v == "" {
			if tc.col == colOpen {
				return bad(colOpen, "is empty: the incident has no creation time")
			}
			continue
		}
		t, amb, err := bpi2014Time(v, loc)
		if err != nil {
			return bad(tc.col, "%v", err)
		}
		if amb {
			ambiguous++
		}
		*tc.dst = t
	}
	lastResolution := inc.resolved
	if lastResolution.IsZero() {
		lastResolution = inc.shut
	}
	switch {
	case !inc.resolved.IsZero() && inc.resolved.Before(inc.open):
		return bad(colResolved, "%s is before the Open Time %s", cell(colResolved), cell(colOpen))
	case !inc.shut.IsZero() && inc.shut.Before(inc.open):
		return bad(colClose, "%s is before the Open Time %s", cell(colClose), cell(colOpen))
	case !inc.shut.IsZero() && !inc.resolved.IsZero() && inc.shut.Before(inc.resolved):
		return bad(colClose, "%s is before the Resolved Time %s", cell(colClose), cell(colResolved))
	case !inc.reopen.IsZero() && inc.reopen.Before(inc.open):
		return bad(colReopen, "%s is before the Open Time %s", cell(colReopen), cell(colOpen))
	case !inc.reopen.IsZero() && lastResolution.IsZero():
		return bad(colReopen, "%s, but the incident was never resolved or closed", cell(colReopen))
	case !inc.reopen.IsZero() && inc.reopen.After(lastResolution):
		return bad(colReopen, "%s is after the last resolution %s", cell(colReopen), lastResolution.In(loc).Format(bpi2014Layout))
	}
	if v := cell(colReassign); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return bad(colReassign, "%q is not a whole number of 0 or more", v)
		}
		inc.fields["reassignments"] = n
	}
	if v := cell(colHandle); v != "" {
		h, ok := decimalComma(v)
		if !ok || h < 0 {
			return bad(colHandle, "%q is not a number of 0 or more (decimal comma)", v)
		}
		inc.fields["handle_time_hours"] = h
	}
	for _, tc := range bpi2014Text {
		if v := cell(tc.col); v != "" {
			inc.fields[tc.field] = v
		}
	}
	inc.fields["status"] = "open"
	inc.fields["type"] = "incident"
	inc.fields["reopened"] = "no"
	if !inc.reopen.IsZero() {
		inc.fields["reopened"] = "yes"
		inc.fields["reopened_at"] = inc.reopen.Format(time.RFC3339)
	}
	inc.resolution = cell(colClosure)
	st.Ambiguous += ambiguous
	return inc, nil
}

// bpi2014Time reads a local time of the file. A time that summer time skips
// is an error; one that its end repeats is ambiguous and the earlier
// instant is taken.
func bpi2014Time(v string, loc *time.Location) (time.Time, bool, error) {
	wall, err := time.Parse(bpi2014Layout, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%q is not a time as dd/mm/yyyy HH:MM:SS", v)
	}
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
	same := func(x time.Time) bool {
		x = x.In(loc)
		return x.Year() == wall.Year() && x.YearDay() == wall.YearDay() && x.Hour() == wall.Hour() &&
			x.Minute() == wall.Minute() && x.Second() == wall.Second()
	}
	if !same(t) {
		return time.Time{}, false, fmt.Errorf("%s does not exist in %s (summer time skips it)", v, loc)
	}
	if e := t.Add(-time.Hour); same(e) {
		return e, true, nil
	}
	if same(t.Add(time.Hour)) {
		return t, true, nil
	}
	return t, false, nil
}

// decimalComma parses a number written with a decimal comma ("3871,691111").
func decimalComma(v string) (float64, bool) {
	if strings.Count(v, ",") > 1 || strings.Contains(v, ".") {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	for _, r := range v { // ParseFloat also takes "Inf", "1e5", "0x1p-2"
		if (r < '0' || r > '9') && r != ',' && r != '-' {
			return 0, false
		}
	}
	return f, true
}

// bpi2014Line is one JSON Lines change (docs/import.md).
type bpi2014Line struct {
	Ticket string         `json:"ticket"`
	At     string         `json:"at"`
	Type   string         `json:"type"`
	Fields map[string]any `json:"fields"`
}

func writeBPI2014(enc *json.Encoder, inc *bpi2014Incident, st *ConvertStats) (int, error) {
	n := 0
	put := func(at time.Time, typ string, fields map[string]any) error {
		n++
		return enc.Encode(bpi2014Line{Ticket: inc.id, At: at.Format(time.RFC3339), Type: typ, Fields: fields})
	}
	if err := put(inc.open, "created", inc.fields); err != nil {
		return n, err
	}
	if !inc.resolved.IsZero() {
		f := map[string]any{"status": "resolved"}
		if inc.resolution != "" {
			f["resolution"] = inc.resolution
		}
		if err := put(inc.resolved, "status_changed", f); err != nil {
			return n, err
		}
		st.Resolved++
	}
	if !inc.shut.IsZero() {
		f := map[string]any{"status": "closed"}
		if inc.resolved.IsZero() {
			st.ClosedUnresolved++
			if inc.resolution != "" {
				f["resolution"] = inc.resolution
			}
		}
		if err := put(inc.shut, "status_changed", f); err != nil {
			return n, err
		}
		st.Closed++
	}
	if !inc.reopen.IsZero() {
		st.Reopened++
	}
	if status, _ := inc.fields["export_status"].(string); (status == bpi2014Closed) != !inc.shut.IsZero() {
		st.StatusMismatch++
	}
	return n, nil
}

// BPI2014Import is the outcome of ImportBPI2014.
type BPI2014Import struct {
	Store   *store.Store // the ticket store the incidents were imported into; the caller closes it
	Convert ConvertStats
	Import  importer.Report
}

// ImportBPI2014 converts the BPI Challenge 2014 incidents.csv (csvPath) to
// JSON Lines in dir and imports them with the mapping at mappingPath into a
// new SQLite store in dir, through the ticket core's import path.
func ImportBPI2014(ctx context.Context, dir, csvPath, mappingPath string, progress io.Writer) (*BPI2014Import, error) {
	in, err := os.Open(csvPath)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", csvPath, err)
	}
	defer in.Close()
	jsonl := filepath.Join(dir, "bpi2014.jsonl")
	out, err := os.Create(jsonl)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", jsonl, err)
	}
	stats, err := ConvertBPI2014(in, out)
	if cerr := out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", jsonl, cerr)
	}
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", csvPath, err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "bpi2014.db"))
	if err != nil {
		return nil, fmt.Errorf("open corpus store: %w", err)
	}
	svc, err := ticketcore.NewService(st, ticketcore.DefaultOptions())
	if err != nil {
		st.Close()
		return nil, err
	}
	rep, err := importer.Run(ctx, svc, jsonl, importer.Options{Format: importer.FormatJSONL, MappingPath: mappingPath, Progress: progress})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("import %s: %w", jsonl, err)
	}
	return &BPI2014Import{Store: st, Convert: stats, Import: rep}, nil
}
