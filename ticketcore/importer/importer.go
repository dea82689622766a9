// Package importer loads ticket histories from another helpdesk: JSON Lines
// with one change per line, or flat CSV exports described by a mapping file.
//
// A run has two phases. First the whole file is read, mapped and checked, and
// held in memory grouped by ticket (about 1 KB per line: the 65,533-line BPI
// 2013 log takes some tens of MB). Then each ticket's history is applied in
// one transaction through ticketcore.Service.ImportTicket, keeping original
// times. A ticket with any bad line is skipped whole and reported; the other
// tickets import. Running the same file again writes nothing new.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/deskmine/deskmine/ticketcore"
)

// Format is the layout of an import file.
type Format string

// Import formats.
const (
	FormatJSONL Format = "jsonl" // one JSON change per line (the default)
	FormatCSV   Format = "csv"   // one change per row, described by a mapping
)

// Options configure one import run.
type Options struct {
	// Format of the file; empty means JSON Lines.
	Format Format
	// MappingPath is the mapping file; required for CSV, optional for JSON
	// Lines (whose statuses must then already be workflow state names).
	MappingPath string
	// Progress receives progress lines; nil shows none. A terminal gets a
	// counter redrawn in place, anything else a line every 10%.
	Progress io.Writer
	// Logger receives the run summary; nil means slog.Default().
	Logger *slog.Logger
}

// Report is the outcome of a run.
type Report struct {
	Lines            int // data lines read (CSV header and blank lines not counted)
	Tickets          int // distinct tickets in the file
	TicketsImported  int // tickets that received at least one new change
	TicketsUnchanged int // tickets whose every change was imported by an earlier run
	TicketsSkipped   int // tickets held back because of a bad line; nothing of them was written
	EventsWritten    int
	// ChangesAlreadyImported counts changes not newer than the stored ticket,
	// left out so that re-running an import is harmless.
	ChangesAlreadyImported int
	// BadLines lists every bad line with its reason, in line order.
	BadLines []ticketcore.LineError
	// SkippedTickets are the external ids of the skipped tickets, in file order.
	SkippedTickets []string
	// FieldsDefined are the custom fields this run created.
	FieldsDefined []string
	Duration      time.Duration
}

// ErrUnattributed means a bad line could not be tied to a ticket, so the run
// could not guarantee that no ticket is imported with a gap; nothing was written.
var ErrUnattributed = errors.New("bad lines without a ticket id; nothing was imported")

// Print writes the summary and one "line N: field: reason" row per bad line.
func (r Report) Print(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "read %d lines of %d tickets in %s\n", r.Lines, r.Tickets, r.Duration.Round(time.Millisecond))
	fmt.Fprintf(&b, "imported %d tickets (%d events written); %d already up to date; %d skipped for bad lines\n",
		r.TicketsImported, r.EventsWritten, r.TicketsUnchanged, r.TicketsSkipped)
	if r.ChangesAlreadyImported > 0 {
		fmt.Fprintf(&b, "%d changes were already imported by an earlier run\n", r.ChangesAlreadyImported)
	}
	if len(r.FieldsDefined) > 0 {
		fmt.Fprintf(&b, "defined custom fields: %s\n", strings.Join(r.FieldsDefined, ", "))
	}
	if len(r.SkippedTickets) > 0 {
		fmt.Fprintf(&b, "skipped tickets: %s\n", strings.Join(r.SkippedTickets, ", "))
	}
	for _, e := range r.BadLines {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Run imports file ("-" for standard input) into svc. The report is filled
// as far as the run got, also when it returns an error.
func Run(ctx context.Context, svc *ticketcore.Service, file string, opts Options) (rep Report, err error) {
	start := time.Now()
	defer func() { rep.Duration = time.Since(start) }()
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.Format == "" {
		opts.Format = FormatJSONL
	}
	m := &Mapping{}
	if opts.MappingPath != "" {
		if m, err = LoadMapping(opts.MappingPath); err != nil {
			return rep, err
		}
	} else if opts.Format == FormatCSV {
		return rep, errors.New("csv import needs a mapping file (--mapping)")
	}
	p, err := m.compile(svc.Workflow(), opts.Format)
	if err != nil {
		return rep, err
	}

	b, err := readFile(file, p)
	if err != nil {
		return rep, err
	}
	rep.Lines, rep.Tickets = b.lines, len(b.groups)
	rep.BadLines = append(rep.BadLines, b.unattributed...)

	type prepared struct {
		g       *group
		changes []ticketcore.ImportedChange
	}
	var todo []prepared
	used := map[string]string{} // custom field -> label
	for _, g := range b.groups {
		changes, bad := p.prepare(g)
		if len(bad) > 0 {
			rep.BadLines = append(rep.BadLines, bad...)
			rep.TicketsSkipped++
			rep.SkippedTickets = append(rep.SkippedTickets, g.ticket)
			continue
		}
		for _, ch := range changes {
			for name := range ch.Fields {
				if !isImportable(name) {
					used[name] = p.label(name)
				}
			}
		}
		todo = append(todo, prepared{g, changes})
	}
	slices.SortStableFunc(rep.BadLines, func(a, b ticketcore.LineError) int { return a.Line - b.Line })
	prog := newProgress(opts.Progress, len(todo))
	prog.note("read %d lines of %d tickets; %d bad lines, %d tickets to skip", rep.Lines, rep.Tickets, len(rep.BadLines), rep.TicketsSkipped)
	if len(b.unattributed) > 0 {
		return rep, fmt.Errorf("%d %w", len(b.unattributed), ErrUnattributed)
	}

	if rep.FieldsDefined, err = p.defineFields(ctx, svc, used, log); err != nil {
		return rep, err
	}

	for i, t := range todo {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("import interrupted after %d of %d tickets: %w", i, len(todo), err)
		}
		res, err := svc.ImportTicket(ctx, t.g.ticket, t.changes)
		if err != nil {
			le, isData := lineErrorOf(err, t.changes)
			if !isData {
				prog.finish()
				return rep, fmt.Errorf("import ticket %s: %w", t.g.ticket, err)
			}
			rep.BadLines = insertByLine(rep.BadLines, le)
			rep.TicketsSkipped++
			rep.SkippedTickets = append(rep.SkippedTickets, t.g.ticket)
		} else {
			rep.EventsWritten += res.Applied
			rep.ChangesAlreadyImported += res.Skipped
			if res.Applied > 0 {
				rep.TicketsImported++
			} else {
				rep.TicketsUnchanged++
			}
		}
		prog.update(i+1, rep.EventsWritten, rep.TicketsSkipped)
	}
	prog.finish()
	log.Info("import finished", "file", file, "format", string(opts.Format), "lines", rep.Lines,
		"tickets_imported", rep.TicketsImported, "tickets_unchanged", rep.TicketsUnchanged,
		"tickets_skipped", rep.TicketsSkipped, "events", rep.EventsWritten, "bad_lines", len(rep.BadLines),
		"duration", time.Since(start).Round(time.Millisecond).String())
	return rep, nil
}

func readFile(file string, p *plan) (*batch, error) {
	var r io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("open import file: %w", err)
		}
		defer f.Close()
		r = f
	}
	b := newBatch()
	var err error
	switch p.format {
	case FormatCSV:
		err = readCSV(r, p, b)
	default:
		err = readJSONL(r, b)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w; nothing was imported", file, err)
	}
	return b, nil
}

// lineErrorOf turns a refusal of ImportTicket into the bad line to report.
// Refusals about the data (a LineError, a validation error, a concurrent
// change of the same ticket) skip the ticket; anything else, such as a lost
// database connection, stops the run.
func lineErrorOf(err error, changes []ticketcore.ImportedChange) (ticketcore.LineError, bool) {
	var le *ticketcore.LineError
	if errors.As(err, &le) {
		return *le, true
	}
	e, ok := ticketcore.AsError(err)
	if !ok || (e.Code != ticketcore.CodeInvalid && e.Code != ticketcore.CodeConflict) {
		return ticketcore.LineError{}, false
	}
	// The core names the line only in the error text; the ticket's first
	// line points the reader at the right history.
	out := ticketcore.LineError{Line: changes[0].Line, Reason: e.Message}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		out.Field, out.Reason = k, e.Fields[k]
		break
	}
	return out, true
}

func insertByLine(list []ticketcore.LineError, e ticketcore.LineError) []ticketcore.LineError {
	i, _ := slices.BinarySearchFunc(list, e.Line, func(x ticketcore.LineError, line int) int { return x.Line - line })
	for i < len(list) && list[i].Line == e.Line {
		i++
	}
	return slices.Insert(list, i, e)
}

// defineFields creates the custom fields the import uses and the mapping
// defines explicitly, when missing. Existing definitions are kept as they
// are: an import must not loosen validation that live tickets rely on.
func (p *plan) defineFields(ctx context.Context, svc *ticketcore.Service, used map[string]string, log *slog.Logger) ([]string, error) {
	existing, err := svc.FieldDefs(ctx)
	if err != nil {
		return nil, fmt.Errorf("list custom fields: %w", err)
	}
	have := map[string]ticketcore.FieldDef{}
	for _, d := range existing {
		have[d.Name] = d
	}
	want := map[string]ticketcore.FieldDef{}
	for name, label := range used {
		want[name] = ticketcore.FieldDef{Name: name, Label: label, Kind: ticketcore.FieldText}
	}
	maps.Copy(want, p.defs)
	var defined []string
	for _, name := range slices.Sorted(maps.Keys(want)) {
		d := want[name]
		if old, ok := have[name]; ok {
			if explicit, isExplicit := p.defs[name]; isExplicit && old.Kind != explicit.Kind {
				log.Warn("custom field exists with another kind; keeping the existing definition",
					"field", name, "existing", string(old.Kind), "mapping", string(explicit.Kind))
			}
			continue
		}
		if d.Label == "" {
			d.Label = p.label(name)
		}
		if err := svc.PutFieldDef(ctx, d); err != nil {
			return defined, fmt.Errorf("define custom field %s: %w", name, err)
		}
		defined = append(defined, name)
	}
	return defined, nil
}

// label names a custom field for people: the CSV column it comes from, else
// its name with spaces.
func (p *plan) label(name string) string {
	if p.format == FormatCSV {
		for _, col := range slices.Sorted(maps.Keys(p.m.Columns)) {
			if p.m.Columns[col] == name {
				return col
			}
		}
	}
	if name == p.m.SourceStatusField {
		return "Source status"
	}
	r := []rune(strings.ReplaceAll(name, "_", " "))
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
