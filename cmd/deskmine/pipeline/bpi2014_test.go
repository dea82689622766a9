package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/internal/testdata"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// bpi2014Header is the real file's header: 28 named columns and 50 empty
// ones, ';'-separated.
var bpi2014Header = strings.Split("CI Name (aff);CI Type (aff);CI Subtype (aff);Service Component WBS (aff);"+
	"Incident ID;Status;Impact;Urgency;Priority;Category;KM number;Alert Status;# Reassignments;Open Time;"+
	"Reopen Time;Resolved Time;Close Time;Handle Time (Hours);Closure Code;# Related Interactions;"+
	"Related Interaction;# Related Incidents;# Related Changes;Related Change;CI Name (CBy);CI Type (CBy);"+
	"CI Subtype (CBy);ServiceComp WBS (CBy)"+strings.Repeat(";", 50), ";")

// bpi2014Row is a data row in the file's layout: the named cells, the rest
// empty, CRLF-terminated. A typical closed incident unless cells override.
func bpi2014Row(id string, cells map[string]string) string {
	base := map[string]string{
		"CI Name (aff)": "WBA000124", "CI Type (aff)": "application", "CI Subtype (aff)": "Web Based Application",
		"Service Component WBS (aff)": "WBS000088", "Incident ID": id, "Status": "Closed", "Impact": "4",
		"Urgency": "4", "Priority": "4", "Category": "incident", "KM number": "KM0000611", "Alert Status": "closed",
		"# Reassignments": "2", "Open Time": "12/03/2013 15:44:24", "Resolved Time": "13/03/2013 09:00:00",
		"Close Time": "13/03/2013 09:05:10", "Handle Time (Hours)": "17,345", "Closure Code": "Software",
		"# Related Interactions": "1", "Related Interaction": "SD0000011",
	}
	out := make([]string, len(bpi2014Header))
	for i, h := range bpi2014Header {
		v, ok := cells[h]
		if !ok {
			v = base[h]
		}
		out[i] = v
	}
	return strings.Join(out, ";") + "\r\n"
}

func bpi2014File(rows ...string) string {
	return strings.Join(bpi2014Header, ";") + "\r\n" + strings.Join(rows, "")
}

func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// TestConvertBPI2014: each usable row becomes a created line at Open Time
// and status changes at Resolved and Close Time, with times in Amsterdam's
// offset of the date; every odd row is either written as the times say
// and counted, or left out and listed with its line, never changed.
func TestConvertBPI2014(t *testing.T) {
	t.Parallel()
	in := bpi2014File(
		bpi2014Row("IM1", nil), // line 2
		bpi2014Row("IM2", map[string]string{ // closed without a resolved time, summer time, no closure code
			"Open Time": "01/07/2013 08:00:00", "Resolved Time": "", "Close Time": "02/07/2013 10:00:00",
			"Closure Code": "", "# Reassignments": "0", "Handle Time (Hours)": "0"}),
		bpi2014Row("IM3", map[string]string{"Reopen Time": "13/03/2013 08:00:00", "Urgency": "5 - Very Low"}), // reopened
		bpi2014Row("IM4", map[string]string{"Status": "Work in progress"}),                                    // status disagrees
		strings.Repeat(";", len(bpi2014Header)-1)+"\r\n",                                                      // blank filler, line 6
		bpi2014Row("IM5", map[string]string{"Open Time": ""}),                                                 // line 7
		bpi2014Row("IM6", map[string]string{"Resolved Time": "11/03/2013 10:00:00"}),                          // resolved before open
		bpi2014Row("IM7", map[string]string{"Close Time": "13/03/2013 08:59:59"}),                             // closed before resolved
		bpi2014Row("IM8", map[string]string{"Reopen Time": "14/03/2013 08:00:00"}),                            // reopened after the resolution
		bpi2014Row("IM9", map[string]string{"Open Time": "2013-03-12 15:44"}),                                 // line 11
		bpi2014Row("IM10", map[string]string{"# Reassignments": "two"}),
		bpi2014Row("IM11", map[string]string{"Handle Time (Hours)": "1.234,5"}),
		bpi2014Row("IM12", nil), // line 14, repeated on line 15
		bpi2014Row("IM12", map[string]string{"Priority": "3"}),
		"SUB1;application;;;IM13;Closed\r\n", // short row, line 16
		bpi2014Row("", nil),                  // no id, line 17
		bpi2014Row("IM14", map[string]string{"Open Time": "31/03/2013 02:30:00", "Resolved Time": "", "Close Time": ""}), // skipped by summer time
		bpi2014Row("IM15", map[string]string{"Open Time": "27/10/2013 02:30:00", "Resolved Time": "27/10/2013 02:45:00",
			"Close Time": "27/10/2013 04:00:00", "Status": "Closed"}), // repeated hour: the earlier instant
		bpi2014Row("IM16", map[string]string{"Handle Time (Hours)": "Inf"}),
		bpi2014Row("IM17", map[string]string{"Close Time": "", "Resolved Time": ""}), // still open at export, Status Closed
	)
	var out bytes.Buffer
	st, err := pipeline.ConvertBPI2014(strings.NewReader("\ufeff"+in), &out)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems := []pipeline.RowProblem{
		{7, "IM5", "Open Time", "is empty: the incident has no creation time"},
		{8, "IM6", "Resolved Time", "11/03/2013 10:00:00 is before the Open Time 12/03/2013 15:44:24"},
		{9, "IM7", "Close Time", "13/03/2013 08:59:59 is before the Resolved Time 13/03/2013 09:00:00"},
		{10, "IM8", "Reopen Time", "14/03/2013 08:00:00 is after the last resolution 13/03/2013 09:00:00"},
		{11, "IM9", "Open Time", `"2013-03-12 15:44" is not a time as dd/mm/yyyy HH:MM:SS`},
		{12, "IM10", "# Reassignments", `"two" is not a whole number of 0 or more`},
		{13, "IM11", "Handle Time (Hours)", `"1.234,5" is not a number of 0 or more (decimal comma)`},
		{14, "IM12", "Incident ID", "repeated on line 15; every row of this incident is left out"},
		{15, "IM12", "Incident ID", "repeated on line 14; every row of this incident is left out"},
		{16, "IM13", "", "has 6 cells, the header has 78"},
		{17, "", "Incident ID", "is empty"},
		{18, "IM14", "Open Time", "31/03/2013 02:30:00 does not exist in Europe/Amsterdam (summer time skips it)"},
		{20, "IM16", "Handle Time (Hours)", `"Inf" is not a number of 0 or more (decimal comma)`},
	}
	if !reflect.DeepEqual(st.Problems, wantProblems) {
		t.Errorf("problems:\n got  %v\n want %v", st.Problems, wantProblems)
	}
	st.Problems = nil
	want := pipeline.ConvertStats{Rows: 20, Blank: 1, Incidents: 6, Lines: 15, Resolved: 4, Closed: 5, ClosedUnresolved: 1,
		Reopened: 1, StatusMismatch: 2, Ambiguous: 2, Skipped: 13}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("stats:\n got  %+v\n want %+v", st, want)
	}

	lines := decodeLines(t, out.String())
	created := map[string]any{"status": "open", "type": "incident", "category": "incident", "product": "application",
		"urgency": "4", "priority": "4", "ci_name": "WBA000124", "ci_subtype": "Web Based Application",
		"service_component": "WBS000088", "km_number": "KM0000611", "closure_code": "Software", "impact": "4",
		"source_urgency": "4", "source_priority": "4", "export_status": "Closed", "reassignments": 2.0,
		"handle_time_hours": 17.345, "reopened": "no"}
	with := func(m map[string]any, kv ...any) map[string]any {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	line := func(id, at, typ string, fields map[string]any) map[string]any {
		return map[string]any{"ticket": id, "at": at, "type": typ, "fields": fields}
	}
	resolved := map[string]any{"status": "resolved", "resolution": "Software"}
	closed := map[string]any{"status": "closed"}
	wantLines := []map[string]any{
		line("IM1", "2013-03-12T15:44:24+01:00", "created", created),
		line("IM1", "2013-03-13T09:00:00+01:00", "status_changed", resolved),
		line("IM1", "2013-03-13T09:05:10+01:00", "status_changed", closed),
		line("IM2", "2013-07-01T08:00:00+02:00", "created", with(created, "closure_code", nil, "reassignments", 0.0, "handle_time_hours", 0.0)),
		line("IM2", "2013-07-02T10:00:00+02:00", "status_changed", closed),
		line("IM3", "2013-03-12T15:44:24+01:00", "created", with(created, "reopened", "yes", "reopened_at", "2013-03-13T08:00:00+01:00",
			"urgency", "5 - Very Low", "source_urgency", "5 - Very Low")),
		line("IM3", "2013-03-13T09:00:00+01:00", "status_changed", resolved),
		line("IM3", "2013-03-13T09:05:10+01:00", "status_changed", closed),
		line("IM4", "2013-03-12T15:44:24+01:00", "created", with(created, "export_status", "Work in progress")),
		line("IM4", "2013-03-13T09:00:00+01:00", "status_changed", resolved),
		line("IM4", "2013-03-13T09:05:10+01:00", "status_changed", closed),
		line("IM15", "2013-10-27T02:30:00+02:00", "created", created),
		line("IM15", "2013-10-27T02:45:00+02:00", "status_changed", resolved),
		line("IM15", "2013-10-27T04:00:00+01:00", "status_changed", closed),
		line("IM17", "2013-03-12T15:44:24+01:00", "created", created),
	}
	if !reflect.DeepEqual(lines, wantLines) {
		for i := range max(len(lines), len(wantLines)) {
			var g, w map[string]any
			if i < len(lines) {
				g = lines[i]
			}
			if i < len(wantLines) {
				w = wantLines[i]
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("line %d:\n got  %v\n want %v", i+1, g, w)
			}
		}
	}
	// IM2 is closed without a resolved time: its closure code would go on the closed line.
	var out2 bytes.Buffer
	if _, err := pipeline.ConvertBPI2014(strings.NewReader(bpi2014File(bpi2014Row("IM2", map[string]string{"Resolved Time": ""}))), &out2); err != nil {
		t.Fatal(err)
	}
	if l := decodeLines(t, out2.String()); len(l) != 2 || !reflect.DeepEqual(l[1]["fields"], map[string]any{"status": "closed", "resolution": "Software"}) {
		t.Errorf("closed without resolved time: %v", l)
	}
}

// TestConvertBPI2014Refuses: a file the converter cannot read as the
// incident file is an error, and nothing is written.
func TestConvertBPI2014Refuses(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct{ in, err string }{
		"empty":          {"", "the file is empty"},
		"other file":     {"Incident ID;Open Time\r\nIM1;01/01/2013 00:00:00\r\n", `the header lacks the columns "Status", "Impact"`},
		"comma":          {strings.Join(bpi2014Header, ",") + "\r\n", `the header lacks the columns "Incident ID"`},
		"quote mid-file": {bpi2014File(bpi2014Row("IM1", nil), bpi2014Row("IM2", map[string]string{"Closure Code": `So"ftware`})), "csv syntax"},
	} {
		var out bytes.Buffer
		_, err := pipeline.ConvertBPI2014(strings.NewReader(c.in), &out)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v; want one with %q", name, err, c.err)
		}
		if out.Len() != 0 {
			t.Errorf("%s: wrote %d bytes", name, out.Len())
		}
	}
}

// TestImportBPI2014: converted incidents go through the ticket core's
// import with the shipped mapping: priority and urgency codes map as the
// mapping documents, custom fields keep their kinds, and the lifecycle
// times land where the status changes say.
func TestImportBPI2014(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "incidents.csv")
	in := bpi2014File(
		bpi2014Row("IM1", map[string]string{"Priority": "2", "Urgency": "1", "Impact": "2"}),
		bpi2014Row("IM2", map[string]string{"Priority": "5", "Urgency": "5 - Very Low", "Resolved Time": "",
			"Reopen Time": "13/03/2013 08:00:00", "# Reassignments": ""}),
		bpi2014Row("IM3", map[string]string{"Priority": "3", "Urgency": "3", "Open Time": ""}),
		bpi2014Row("IM4", map[string]string{"Priority": "9"}), // not in the mapping: the core refuses it
	)
	if err := os.WriteFile(csvPath, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	mapping := filepath.Join(testdata.RepoRoot(t), "docs", "import", "bpi2014-mapping.json")
	ctx := context.Background()
	res, err := pipeline.ImportBPI2014(ctx, dir, csvPath, mapping, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Store.Close()
	if res.Convert.Incidents != 3 || res.Convert.Skipped != 1 {
		t.Fatalf("convert: %+v", res.Convert)
	}
	if r := res.Import; r.TicketsImported != 2 || r.TicketsSkipped != 1 || r.SkippedTickets[0] != "IM4" || r.EventsWritten != 5 {
		t.Fatalf("import report: %+v", r)
	}
	recs, err := pipeline.ReadAll(ctx, res.Store)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := decodeAll(recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]events.Event{}
	var types []string
	for _, e := range evs {
		last[e.Ticket.ExternalID] = e
		types = append(types, e.Ticket.ExternalID+" "+string(e.Type)+" "+e.Ticket.Status)
	}
	wantTypes := []string{"IM1 ticket.created open", "IM1 ticket.status_changed resolved", "IM1 ticket.status_changed closed",
		"IM2 ticket.created open", "IM2 ticket.status_changed closed"}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Fatalf("events: %v; want %v", types, wantTypes)
	}
	ams, _ := time.LoadLocation(pipeline.BPI2014Zone)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("02/01/2006 15:04:05", s, ams)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	one := last["IM1"].Ticket
	if one.Priority != "P1" || one.Urgency != "critical" || one.Category != "incident" || one.Product != "application" ||
		one.Type != "incident" || one.Resolution != "Software" || one.ReopenCount != 0 {
		t.Errorf("IM1: %+v", one)
	}
	if !one.CreatedAt.Equal(at("12/03/2013 15:44:24")) || !one.ResolvedAt.Equal(at("13/03/2013 09:00:00")) || !one.ClosedAt.Equal(at("13/03/2013 09:05:10")) {
		t.Errorf("IM1 times: created %v resolved %v closed %v", one.CreatedAt, one.ResolvedAt, one.ClosedAt)
	}
	wantCF := map[string]any{"ci_name": "WBA000124", "ci_subtype": "Web Based Application", "service_component": "WBS000088",
		"km_number": "KM0000611", "closure_code": "Software", "impact": "2", "source_urgency": "1", "source_priority": "2",
		"export_status": "Closed", "reassignments": 2.0, "handle_time_hours": 17.345, "reopened": "no"}
	if !reflect.DeepEqual(one.CustomFields, wantCF) {
		t.Errorf("IM1 custom fields:\n got  %v\n want %v", one.CustomFields, wantCF)
	}
	two := last["IM2"].Ticket
	if two.Priority != "P4" || two.Urgency != "low" || two.Resolution != "Software" ||
		!two.ResolvedAt.Equal(at("13/03/2013 09:05:10")) || !two.ClosedAt.Equal(*two.ResolvedAt) {
		t.Errorf("IM2 (closed without resolved time): %+v", two)
	}
	if two.CustomFields["reopened"] != "yes" || two.CustomFields["reopened_at"] != "2013-03-13T08:00:00+01:00" ||
		two.CustomFields["source_urgency"] != "5 - Very Low" || two.CustomFields["reassignments"] != nil {
		t.Errorf("IM2 custom fields: %v", two.CustomFields)
	}
}

// TestImportBPI2014Missing: a missing file is an error, and no store is left open.
func TestImportBPI2014Missing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res, err := pipeline.ImportBPI2014(context.Background(), dir, filepath.Join(dir, "none.csv"),
		filepath.Join(testdata.RepoRoot(t), "docs", "import", "bpi2014-mapping.json"), nil)
	if err == nil {
		res.Store.Close()
		t.Fatal("import of a missing file succeeded")
	}
}
