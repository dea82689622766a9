package kb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/casebook"
	"github.com/deskmine/deskmine/kb/index"
	"github.com/deskmine/deskmine/ticketcore/events"
)

var t0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// problems are the planted kinds of resolved tickets: subject, description
// and resolution variants, category and priority.
var problems = []struct {
	subjects, descriptions []string
	resolution             string
	category, priority     string
}{
	{[]string{"printer paper jam", "printer keeps jamming", "paper stuck in printer tray"},
		[]string{"the office printer jams on every page", "printer on floor two shows a paper jam error", "paper jam in the laser printer tray two"},
		"Opened the rear panel. Removed the torn paper. Cleaned the rollers.", "Hardware", "low"},
	{[]string{"vpn cannot connect", "vpn connection fails", "unable to connect to vpn"},
		[]string{"vpn client says authentication failed from home", "cannot reach the vpn gateway since the update", "vpn disconnects and will not reconnect"},
		"Reset the VPN token. Reinstalled the VPN client. Verified the connection.", "Access", "high"},
	{[]string{"outlook mailbox full", "mailbox quota exceeded", "cannot send email mailbox full"},
		[]string{"outlook says the mailbox is full and mail bounces", "mailbox over quota, cannot send or receive", "email quota warning, inbox full"},
		"Archived old mail. Increased the mailbox quota. Confirmed mail flows.", "Storage", "normal"},
	{[]string{"打印机卡纸", "打印机一直卡纸", "打印机纸盒卡住"},
		[]string{"三楼的打印机每打印一页就卡纸", "打印机显示卡纸错误无法打印", "激光打印机纸盒二卡纸"},
		"打开后盖。取出卡住的纸张。清洁滚轮。", "Hardware", "low"},
}

// history is the events of n tickets per problem, each created and then
// resolved; ids start at first.
func history(first int64, n int) []events.Event {
	var out []events.Event
	id := first
	for p, pr := range problems {
		for i := range n {
			t := events.Ticket{ID: id, Version: 1, Subject: pr.subjects[i%len(pr.subjects)],
				Description: pr.descriptions[(i+p)%len(pr.descriptions)], Category: pr.category, Priority: pr.priority,
				Status: "open", CreatedAt: t0, UpdatedAt: t0}
			out = append(out, events.Event{ID: fmt.Sprintf("c%d", id), TicketID: id, TicketVersion: 1, Type: events.TicketCreated, At: t0, Ticket: t})
			at := t0.Add(time.Hour)
			r := t
			r.Version, r.Status, r.Resolution, r.ResolvedAt, r.UpdatedAt = 2, "resolved", pr.resolution, &at, at
			out = append(out, events.Event{ID: fmt.Sprintf("r%d", id), TicketID: id, TicketVersion: 2, Type: events.TicketStatusChanged,
				At: at, Ticket: r, Changes: []events.Change{{Field: "resolved_at", Old: json.RawMessage("null"), New: json.RawMessage(`"x"`)}}})
			id++
		}
	}
	return out
}

type fixture struct {
	svc  *Service
	book *casebook.Book
	arts articles.Store
	dir  string
	dsn  string
}

func open(t *testing.T, dir, dsn string) *fixture {
	t.Helper()
	ctx := context.Background()
	book, err := casebook.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	arts, err := articles.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(ctx, Options{Book: book, Articles: arts, IndexDir: filepath.Join(dir, "index"),
		ModelDir: filepath.Join(dir, "models"), MinGroup: 5, RetrainEvery: 1000})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{svc: svc, book: book, arts: arts, dir: dir, dsn: dsn}
	t.Cleanup(f.close)
	return f
}

func (f *fixture) close() {
	if f.svc == nil {
		return
	}
	f.svc.Close()
	f.arts.Close()
	f.book.Close()
	f.svc = nil
}

var reviewer = articles.Actor{ID: 7, Login: "qa.lin", Role: "reviewer"}

func TestServiceEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := open(t, dir, testdb.SQLiteDSN(t))
	if !f.svc.Rebuilt() {
		t.Error("a new index must be read from the start of the stream")
	}
	first := f.svc.ConsumerName()

	if err := f.svc.Handle(ctx, history(1, 8)); err != nil {
		t.Fatal(err)
	}
	// The first resolved tickets trained the models in the background.
	waitFor(t, func() bool { return f.svc.category.Load() != nil && f.svc.priority.Load() != nil })

	// Similar cases: VPN text finds VPN cases first, in both languages.
	sim, err := f.svc.Similar(ctx, SimilarRequest{Text: "my vpn will not connect after the update", K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.Cases) == 0 || sim.Cases[0].Category != "Access" || sim.Prediction == nil || sim.Prediction.Label != "Access" ||
		sim.Priority == nil || sim.Priority.Label != "high" {
		t.Fatalf("vpn query: %+v / %+v / %+v", sim.Cases, sim.Prediction, sim.Priority)
	}
	sim, err = f.svc.Similar(ctx, SimilarRequest{Text: "打印机卡纸了", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.Cases) == 0 || sim.Cases[0].TicketID < 25 {
		t.Fatalf("Chinese query should find the Chinese printer cases (ids 25-32): %+v", sim.Cases)
	}
	// Like a ticket: the ticket itself is left out.
	sim, err = f.svc.Similar(ctx, SimilarRequest{TicketID: 9, K: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sim.Cases {
		if c.TicketID == 9 {
			t.Error("similar to ticket 9 returned ticket 9")
		}
	}
	if sim.Cases[0].Category != "Access" {
		t.Errorf("similar to a VPN ticket: %+v", sim.Cases[0])
	}

	cl, err := f.svc.Classify(ctx, "mailbox is full, email bounces")
	if err != nil {
		t.Fatal(err)
	}
	if cl.Category.Label != "Storage" || cl.Priority == nil || cl.Priority.Label != "normal" {
		t.Errorf("classify: %+v %+v", cl.Category, cl.Priority)
	}

	// Feedback reorders close results: after agents mark a case helpful
	// and used, it comes first for a query that matches several equally.
	before, _ := f.svc.Similar(ctx, SimilarRequest{Text: "printer paper jam", K: 8})
	last := before.Cases[len(before.Cases)-1].TicketID
	for range 3 {
		if _, err := f.svc.RecordFeedback(ctx, articles.Actor{ID: 3, Login: "li.na", Role: "agent"},
			articles.Feedback{TicketID: 900, CaseTicketID: last, Kind: articles.FeedbackUsed}); err != nil {
			t.Fatal(err)
		}
	}
	after, _ := f.svc.Similar(ctx, SimilarRequest{Text: "printer paper jam", K: 8})
	if after.Cases[0].TicketID != last {
		t.Errorf("feedback: case %d was last (%v), now %v", last, ids(before), ids(after))
	}

	// Tickets linked as duplicates of a case count like feedback.
	second := after.Cases[len(after.Cases)-1].TicketID
	var links []events.Event
	for id := int64(100); id < 103; id++ {
		links = append(links, events.Event{ID: fmt.Sprintf("l%d", id), TicketID: id, TicketVersion: 1, Type: events.TicketCreated,
			At: t0, Ticket: events.Ticket{ID: id, Version: 1, Subject: "same as before", CreatedAt: t0, UpdatedAt: t0,
				Links: []events.Link{{Type: events.LinkDuplicateOf, TicketID: second}}}})
	}
	if err := f.svc.Handle(ctx, links); err != nil {
		t.Fatal(err)
	}
	f.svc.boosts.Store(nil) // the table is otherwise up to 15 s old
	linked, _ := f.svc.Similar(ctx, SimilarRequest{Text: "printer paper jam", K: 8})
	if pos := slices.Index(ids(linked), second); pos < 0 || pos > 1 {
		t.Errorf("duplicates: case %d was last (%v), now %v", second, ids(after), ids(linked))
	}

	// Mining: one candidate per planted problem, with its tickets as provenance.
	rep, err := f.svc.Mine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.NewCandidates) != len(problems) {
		t.Fatalf("mined %d candidates, want %d: %+v", len(rep.NewCandidates), len(problems), rep)
	}
	var vpn articles.Candidate
	for _, id := range rep.NewCandidates {
		c, err := f.arts.GetCandidate(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// Provenance: at least a group's worth of one problem's tickets
		// (ids 8p+1 .. 8p+8), and nothing else.
		p := (c.Sources[0] - 1) / 8
		for _, s := range c.Sources {
			if (s-1)/8 != p {
				t.Errorf("candidate %q mixes problems: %v", c.Content.Title, c.Sources)
			}
		}
		if len(c.Sources) < 5 || c.Evidence != len(c.Sources) {
			t.Errorf("candidate %q: %d sources, evidence %d", c.Content.Title, len(c.Sources), c.Evidence)
		}
		if slices.Contains(c.Sources, 9) {
			vpn = c
		}
	}
	if vpn.ID == 0 || !slices.Equal(vpn.Sources, []int64{9, 10, 11, 12, 13, 14, 15, 16}) {
		t.Fatalf("vpn candidate sources: %+v", vpn)
	}
	again, err := f.svc.Mine(ctx)
	if err != nil || len(again.NewCandidates) != 0 {
		t.Fatalf("mining again proposed %v (%v)", again.NewCandidates, err)
	}

	// Approving publishes an article that similar-case answers suggest.
	if _, err := f.arts.Submit(ctx, reviewer, vpn.ID, reviewer.Login, ""); err != nil {
		t.Fatal(err)
	}
	art, err := f.arts.Approve(ctx, reviewer, vpn.ID, "good")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SyncArticles(ctx); err != nil {
		t.Fatal(err)
	}
	sim, err = f.svc.Similar(ctx, SimilarRequest{Text: "vpn connection fails from home", K: 3})
	if err != nil || len(sim.Articles) == 0 || sim.Articles[0].ID != art.ID {
		t.Errorf("suggested articles: %+v (%v)", sim, err)
	}
	// An agent solved ticket 10 with the article: its case says so.
	if _, err := f.svc.RecordFeedback(ctx, articles.Actor{ID: 3, Login: "li.na", Role: "agent"},
		articles.Feedback{TicketID: 10, ArticleID: art.ID, Kind: articles.FeedbackUsed}); err != nil {
		t.Fatal(err)
	}
	sim, _ = f.svc.Similar(ctx, SimilarRequest{Text: "vpn connection fails", K: 8})
	if i := slices.Index(ids(sim), 10); i < 0 || sim.Cases[i].ArticleID != art.ID {
		t.Errorf("the case solved with article %d does not name it: %+v", art.ID, sim.Cases)
	}
	res, err := f.svc.Search(ctx, searchArticles("vpn token"))
	if err != nil || res.Total != 1 {
		t.Errorf("search: %+v %v", res, err)
	}
	// Archiving takes it out of the answers.
	if _, err := f.arts.Archive(ctx, reviewer, art.ID, "obsolete"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SyncArticles(ctx); err != nil {
		t.Fatal(err)
	}
	if res, _ := f.svc.Search(ctx, searchArticles("vpn token")); res.Total != 0 {
		t.Errorf("archived article still found: %+v", res)
	}

	// Reopening a ticket takes its case out of the answers.
	reopen := history(9, 1)[1] // ticket 9's resolution, reused as a base
	reopen.Ticket.Version, reopen.TicketVersion, reopen.Ticket.ResolvedAt, reopen.Ticket.Status = 3, 3, nil, "open"
	reopen.Changes = nil
	if err := f.svc.Handle(ctx, []events.Event{reopen}); err != nil {
		t.Fatal(err)
	}
	sim, _ = f.svc.Similar(ctx, SimilarRequest{Text: "vpn cannot connect", K: 20})
	for _, c := range sim.Cases {
		if c.TicketID == 9 {
			t.Error("a reopened ticket is still a similar case")
		}
	}

	// A restart keeps the index and its consumer; a lost index gets a new
	// consumer, which reads the stream from the start.
	f.close()
	f = open(t, dir, f.dsn)
	if f.svc.Rebuilt() || f.svc.ConsumerName() != first {
		t.Errorf("restart: rebuilt %v, consumer %q (was %q)", f.svc.Rebuilt(), f.svc.ConsumerName(), first)
	}
	f.close()
	if err := os.RemoveAll(filepath.Join(dir, "index")); err != nil {
		t.Fatal(err)
	}
	f = open(t, dir, f.dsn)
	if !f.svc.Rebuilt() || f.svc.ConsumerName() == first {
		t.Errorf("lost index: rebuilt %v, consumer %q", f.svc.Rebuilt(), f.svc.ConsumerName())
	}
}

func searchArticles(q string) index.SearchQuery {
	return index.SearchQuery{Q: q, Kind: index.KindArticle}
}

func ids(s *Similar) []int64 {
	var out []int64
	for _, c := range s.Cases {
		out = append(out, c.TicketID)
	}
	return out
}

// waitFor polls cond for up to 30 s (the models train in the background).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBecameResolved(t *testing.T) {
	at := t0
	e := events.Event{Ticket: events.Ticket{ResolvedAt: &at}}
	if becameResolved(&e) {
		t.Error("no resolved_at change: not a resolution")
	}
	e.Changes = []events.Change{{Field: "resolved_at", Old: json.RawMessage("null"), New: json.RawMessage(`"t"`)}}
	if !becameResolved(&e) {
		t.Error("resolved_at set: a resolution")
	}
	e.Changes[0].Old = json.RawMessage(`"t0"`)
	if becameResolved(&e) {
		t.Error("resolved_at moved: not a new resolution")
	}
	e.Ticket.ResolvedAt = nil
	e.Changes[0].Old = json.RawMessage("null")
	if becameResolved(&e) {
		t.Error("not resolved at the end")
	}
}

func TestBoost(t *testing.T) {
	if b := Boost(articles.Score{}); b != 1 {
		t.Errorf("no feedback: %v", b)
	}
	up, down := Boost(articles.Score{Helpful: 2, Used: 1}), Boost(articles.Score{NotHelpful: 3})
	if up <= 1 || down >= 1 {
		t.Errorf("helpful %v, not helpful %v", up, down)
	}
	if Boost(articles.Score{Used: 1e6}) != 2 || Boost(articles.Score{NotHelpful: 1e6}) != 0.5 {
		t.Error("boost is not bounded to [0.5, 2]")
	}
}

func TestInputErrors(t *testing.T) {
	f := open(t, t.TempDir(), testdb.SQLiteDSN(t))
	ctx := context.Background()
	for _, c := range []struct {
		r     SimilarRequest
		field string
	}{
		{SimilarRequest{}, "text"},
		{SimilarRequest{Text: "x", K: 51}, "k"},
		{SimilarRequest{Text: "x", K: -1}, "k"},
		{SimilarRequest{Text: "x", TicketID: 3}, "ticket"},
		{SimilarRequest{TicketID: -3}, "ticket"},
	} {
		_, err := f.svc.Similar(ctx, c.r)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%+v: %v, want a %s error", c.r, err, c.field)
		}
	}
	if _, err := f.svc.Similar(ctx, SimilarRequest{TicketID: 77}); !errors.Is(err, ErrUnknownTicket) {
		t.Errorf("unknown ticket: %v", err)
	}
	if _, err := f.svc.Classify(ctx, "anything"); !errors.Is(err, ErrNoModel) {
		t.Errorf("classify without a model: %v", err)
	}
	var ie *InputError
	if _, err := f.svc.Classify(ctx, "  "); !errors.As(err, &ie) || ie.Field != "text" {
		t.Errorf("empty text: %v", err)
	}
}
