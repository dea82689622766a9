package desk_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testclock"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/internal/testleak"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/routing"
	"github.com/deskmine/deskmine/ticketcore/store"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

// TestMain fails the run when a goroutine of this package outlives the tests.
func TestMain(m *testing.M) { testleak.Main(m, "ticketcore/desk.") }

var (
	ctx   = context.Background()
	admin = ticketcore.Actor{UserID: 1, Name: "admin", Role: "admin"}
	// monday10 is within everyone's working hours in these tests.
	monday10 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
)

type fixture struct {
	t    *testing.T
	svc  *ticketcore.Service
	st   *store.Store
	auth *auth.Service
	clk  *testclock.Clock
	desk *desk.Desk
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newFixture opens a service on a fresh database with users for the
// logins given (role agent) and a desk on it.
func newFixture(t *testing.T, b testdb.Backend, logins ...string) *fixture {
	t.Helper()
	svc, st := storetest.NewService(t, b, nil)
	f := &fixture{t: t, svc: svc, st: st, auth: auth.NewService(st, time.Hour), clk: testclock.New(monday10)}
	for _, l := range logins {
		if _, err := f.auth.CreateUser(ctx, auth.NewUser{Login: l, Role: "agent"}); err != nil {
			t.Fatalf("user %s: %v", l, err)
		}
	}
	f.desk = f.newDesk(svc)
	return f
}

func (f *fixture) newDesk(svc *ticketcore.Service) *desk.Desk {
	f.t.Helper()
	d, err := desk.New(ctx, svc, f.st, desk.Options{Now: f.clk.Now, Logger: quietLogger()})
	if err != nil {
		f.t.Fatalf("new desk: %v", err)
	}
	return d
}

func (f *fixture) team(name string, strategy routing.Strategy, backup string) {
	f.t.Helper()
	if _, err := f.desk.PutTeam(ctx, admin, desk.Team{Name: name, Strategy: strategy, BackupTeam: backup}, 0); err != nil {
		f.t.Fatalf("team %s: %v", name, err)
	}
}

func (f *fixture) agent(a desk.Agent) {
	f.t.Helper()
	if a.Status == "" {
		a.Status = routing.StatusOnline
	}
	if a.Capacity == 0 {
		a.Capacity = 10
	}
	if _, err := f.desk.PutAgent(ctx, admin, a, 0); err != nil {
		f.t.Fatalf("agent %s: %v", a.Login, err)
	}
}

func (f *fixture) rules(body string) *desk.Rules {
	f.t.Helper()
	cur, err := f.desk.Rules(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := f.desk.PutRules(ctx, admin, []byte(body), int64(cur.Version))
	if err != nil {
		f.t.Fatalf("rules: %v", err)
	}
	return r
}

func (f *fixture) create(subject string, mod func(*ticketcore.CreateInput)) *ticketcore.Ticket {
	f.t.Helper()
	in := ticketcore.CreateInput{Subject: subject, Channel: "email", Customer: ticketcore.CustomerInput{Email: "c@example.com"}}
	if mod != nil {
		mod(&in)
	}
	res, err := f.svc.Create(ctx, admin, in, "")
	if err != nil {
		f.t.Fatalf("create %q: %v", subject, err)
	}
	return res.Ticket
}

func (f *fixture) load(login string) int {
	f.t.Helper()
	a, err := f.desk.Agent(ctx, login)
	if err != nil {
		f.t.Fatal(err)
	}
	if a.Load == nil {
		f.t.Fatalf("agent %s has no load", login)
	}
	return *a.Load
}

// dbLoads counts the weighted loads from the stored open tickets.
func (f *fixture) dbLoads() map[string]int {
	f.t.Helper()
	w := routing.DefaultLoadWeights()
	out := map[string]int{}
	page, err := f.svc.List(ctx, ticketcore.ListQuery{Status: []string{"new", "open", "pending"}, Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, t := range page.Tickets {
		if t.Assignee != "" {
			out[t.Assignee] += w[t.Priority]
		}
	}
	return out
}

// lastEvent returns the last audit entry of a ticket.
func (f *fixture) lastEntry(id int64) ticketcore.HistoryEntry {
	f.t.Helper()
	h, err := f.svc.History(ctx, id)
	if err != nil || len(h) == 0 {
		f.t.Fatalf("history of %d: %v", id, err)
	}
	return h[len(h)-1]
}

func fieldsOf(t *testing.T, err error, code ticketcore.Code) map[string]string {
	t.Helper()
	e, ok := ticketcore.AsError(err)
	if !ok || e.Code != code {
		t.Fatalf("want a %s *ticketcore.Error, got %v", code, err)
	}
	return e.Fields
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
