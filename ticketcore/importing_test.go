package ticketcore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
)

// TestImportRefusesLinksAndCSAT: ImportTicket itself (which the demo and
// other callers use without the importer's checks) refuses lines setting
// links or csat, rather than storing them as custom fields.
func TestImportRefusesLinksAndCSAT(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, testdb.Backends()[0])
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, field := range []string{"links", "csat"} {
		_, err := svc.ImportTicket(ctx, "EXT-"+field, []ticketcore.ImportedChange{
			{Line: 1, At: t0, Type: "created", Fields: map[string]any{"subject": "x"}},
			{Line: 2, At: t0.Add(time.Hour), Type: "updated", Fields: map[string]any{field: []any{}}},
		})
		var le *ticketcore.LineError
		if !errors.As(err, &le) || le.Line != 2 || le.Field != field || !strings.HasPrefix(le.Reason, "cannot be imported") {
			t.Fatalf("%s: want line 2 refused, got %v", field, err)
		}
	}
	page, err := svc.List(ctx, ticketcore.ListQuery{Limit: 10})
	if err != nil || len(page.Tickets) != 0 {
		t.Fatalf("a refused history left %d tickets (%v)", len(page.Tickets), err)
	}
	for _, name := range []string{"links", "csat"} {
		err := svc.PutFieldDef(ctx, ticketcore.FieldDef{Name: name, Kind: ticketcore.FieldText})
		if e, ok := ticketcore.AsError(err); !ok || e.Fields["name"] != "is a built-in ticket field" {
			t.Errorf("custom field %s: want refused as built-in, got %v", name, err)
		}
	}
}
