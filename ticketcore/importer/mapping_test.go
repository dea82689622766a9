package importer_test

import (
	"context"
	"github.com/deskmine/deskmine/internal/testdata"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/importer"
)

func TestMappingValidation(t *testing.T) {
	wf := ticketcore.DefaultWorkflow()
	csvBase := `"ticket_column": "Id", "time_column": "When"`
	cases := []struct {
		name, mapping string
		format        importer.Format
		want          []string // substrings of the error
	}{
		{"unknown states are named with their sources", `{"status": {"Done": "finished", "Closed": "finished", "Open": "open", "Hold": "on_hold"}}`, importer.FormatJSONL,
			[]string{`status: unknown workflow states "finished" (from "Closed", "Done"), "on_hold" (from "Hold")`, "states are new, open, pending, resolved, closed"}},
		{"priority", `{"priority": {"1": "P0"}}`, importer.FormatJSONL, []string{`priority: unknown priorities "P0" (from "1")`}},
		{"urgency", `{"urgency": {"Major": "urgent"}}`, importer.FormatJSONL, []string{`urgency: unknown urgencies "urgent"`}},
		{"pending reason on a non-pending state", `{"status": {"Done": "resolved"}, "pending_reason": {"Done": "scheduled"}}`, importer.FormatJSONL,
			[]string{`"Done" maps to state resolved, which is not a pending state`}},
		{"unknown pending reason", `{"status": {"Wait": "pending"}, "pending_reason": {"Wait": "lunch"}}`, importer.FormatJSONL,
			[]string{`"lunch" is not a reason of state pending`}},
		{"values for status", `{"values": {"status": {"a": "open"}}}`, importer.FormatJSONL, []string{"values: status has its own top-level map"}},
		{"defaults of a derived field", `{"defaults": {"created_at": "2020-01-01"}}`, importer.FormatJSONL, []string{"defaults: created_at is taken from"}},
		{"source status in a built-in field", `{"source_status_field": "category"}`, importer.FormatJSONL, []string{"source_status_field: category is a built-in field"}},
		{"bad custom field definition", `{"custom_fields": [{"name": "level", "kind": "enum"}]}`, importer.FormatJSONL, []string{"custom_fields: level:", "needs at least one option"}},
		{"csv needs ticket and time columns", `{}`, importer.FormatCSV, []string{"ticket_column is required", "time_column is required"}},
		{"layout", `{` + csvBase + `, "time_layout": "dd-mm-yyyy HH:MM"}`, importer.FormatCSV, []string{`time_layout "dd-mm-yyyy HH:MM" is not a Go time layout`}},
		{"timezone", `{` + csvBase + `, "timezone": "Mars/Olympus_Mons"}`, importer.FormatCSV, []string{`timezone "Mars/Olympus_Mons"`}},
		{"separator", `{` + csvBase + `, "csv_separator": ";;"}`, importer.FormatCSV, []string{`csv_separator ";;" must be one character`}},
		{"column to an invalid name", `{` + csvBase + `, "columns": {"Sub Status": "Sub Status"}}`, importer.FormatCSV, []string{`columns: "Sub Status" -> Sub Status`, "not a valid custom field name"}},
		{"two columns to one field", `{` + csvBase + `, "columns": {"A": "team", "B": "team"}}`, importer.FormatCSV, []string{`columns: "A" and "B" both map to team`}},
		{"status twice", `{` + csvBase + `, "columns": {"State": "status"}, "status_from": ["Status"]}`, importer.FormatCSV, []string{`status comes both from status_from and from column "State"`}},
		{"unknown format", `{}`, importer.Format("xml"), []string{`format "xml" is unknown`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := importer.LoadMapping(writeFile(t, "m.json", c.mapping))
			if err != nil {
				t.Fatal(err)
			}
			err = m.Validate(wf, c.format)
			if err == nil {
				t.Fatalf("want an error containing %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestMappingFileErrors(t *testing.T) {
	if _, err := importer.LoadMapping(writeFile(t, "m.json", `{"stauts": {"a": "open"}}`)); err == nil || !strings.Contains(err.Error(), `unknown field "stauts"`) {
		t.Fatalf("a misspelt key must be refused, got %v", err)
	}
	if _, err := importer.LoadMapping(writeFile(t, "m.json", `{} {}`)); err == nil {
		t.Fatal("trailing data must be refused")
	}
	if _, err := importer.LoadMapping(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a missing file must be an error")
	}
}

func TestShippedMappingsAreValid(t *testing.T) {
	path := filepath.Join(testdata.RepoRoot(t), "docs", "import", "bpi2013-mapping.json")
	m, err := importer.LoadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []importer.Format{importer.FormatCSV, importer.FormatJSONL} {
		if err := m.Validate(ticketcore.DefaultWorkflow(), f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

// The mapping is checked before the data file is even opened, and a CSV
// header that lacks a mapped column stops the run before anything is written.
func TestRunChecksMappingFirst(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, testdb.Backends()[0])
	bad := writeFile(t, "m.json", `{"status": {"Done": "finished"}}`)
	_, err := importer.Run(ctx, svc, filepath.Join(t.TempDir(), "absent.jsonl"), importer.Options{MappingPath: bad})
	if err == nil || !strings.Contains(err.Error(), `"finished"`) {
		t.Fatalf("want the mapping error, got %v", err)
	}
	if _, err := importer.Run(ctx, svc, "x.csv", importer.Options{Format: importer.FormatCSV}); err == nil || !strings.Contains(err.Error(), "needs a mapping") {
		t.Fatalf("csv without mapping: %v", err)
	}
	m := writeFile(t, "m.json", `{"ticket_column": "Id", "time_column": "When", "columns": {"Team": "team"}, "status_from": ["State", "Sub"]}`)
	data := writeFile(t, "d.csv", "Id,When,State\n1,2024-01-01T00:00:00Z,open\n")
	_, err = importer.Run(ctx, svc, data, importer.Options{Format: importer.FormatCSV, MappingPath: m})
	if err == nil || !strings.Contains(err.Error(), `not in the header: "Sub", "Team"`) {
		t.Fatalf("want missing columns named, got %v", err)
	}
	page, _ := svc.List(ctx, ticketcore.ListQuery{})
	if len(page.Tickets) != 0 {
		t.Fatal("tickets written despite a mapping error")
	}
}
