package miner

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// plantedExpect says what each planted group's candidate must show.
var plantedExpect = map[string]struct {
	title []string // any of these in the title
	steps []string // each in some step
	lang  string
}{
	"vpn":     {title: []string{"809", "VPN"}, steps: []string{"adapter", "Reinstall", "laptop"}, lang: "en"},
	"outlook": {title: []string{"Outlook"}, steps: []string{"Credential Manager", "registry", "Outlook"}, lang: "en"},
	"printer": {title: []string{"print", "Print"}, steps: []string{"Stop the Print Spooler", "PRINTERS"}, lang: "en"},
	"dock":    {title: []string{"dock", "Dock"}, steps: []string{"firmware", "DisplayLink"}, lang: "en"},
	"sap":     {title: []string{"SAP"}, steps: []string{"SU01", "temporary"}, lang: "en"},
	"wecom":   {title: []string{"企业微信"}, steps: []string{"缓存", "代理", "重新安装"}, lang: "zh"},
}

func minePlanted(t *testing.T, pl planted, mutate func(*Input)) *Result {
	t.Helper()
	in := Input{Tickets: pl.tickets, Articles: []Article{teamsArticle, laptopArticle}}
	if mutate != nil {
		mutate(&in)
	}
	res, err := Mine(context.Background(), in, Options{})
	if err != nil {
		t.Fatalf("Mine: %v", err)
	}
	return res
}

// groupOf names the planted group whose ids are exactly sources, or "".
func (pl planted) groupOf(sources []int64) string {
	for name, ids := range pl.groups {
		if slices.Equal(ids, sources) {
			return name
		}
	}
	return ""
}

func TestMineProposesOneCandidatePerPlantedGroup(t *testing.T) {
	pl := newPlanted(t)
	res := minePlanted(t, pl, nil)

	found := map[string]Candidate{}
	for _, c := range res.Candidates {
		name := pl.groupOf(c.Sources)
		if name == "" {
			var noise []int64
			for _, id := range c.Sources {
				if pl.noise[id] {
					noise = append(noise, id)
				}
			}
			t.Errorf("candidate %q has sources %v matching no planted group (noise %v)", c.Title, c.Sources, noise)
			continue
		}
		if _, dup := found[name]; dup {
			t.Errorf("group %s proposed twice", name)
		}
		found[name] = c
	}
	for name, want := range plantedExpect {
		c, ok := found[name]
		if !ok {
			t.Errorf("planted group %s yields no candidate", name)
			continue
		}
		if c.Evidence != len(c.Sources) || c.Evidence != 8 {
			t.Errorf("%s: evidence %d, sources %d, want 8", name, c.Evidence, len(c.Sources))
		}
		if !containsAny(c.Title, want.title) {
			t.Errorf("%s: title %q lacks any of %q", name, c.Title, want.title)
		}
		for _, w := range want.steps {
			if !slices.ContainsFunc(c.Steps, func(s string) bool { return strings.Contains(s, w) }) {
				t.Errorf("%s: no step mentions %q: %q", name, w, c.Steps)
			}
		}
		if len(c.Steps) != 3 {
			t.Errorf("%s: %d steps, want the 3 planted ones: %q", name, len(c.Steps), c.Steps)
		}
		for _, s := range c.Steps {
			if isBoilerplate(s) || strings.HasPrefix(s, "1") {
				t.Errorf("%s: step %q is boilerplate or keeps its number", name, s)
			}
		}
		if c.Lang != want.lang {
			t.Errorf("%s: lang %q, want %q", name, c.Lang, want.lang)
		}
		if c.Problem == "" || len(c.Symptoms) == 0 {
			t.Errorf("%s: problem %q, symptoms %q: want both", name, c.Problem, c.Symptoms)
		}
		p := plantedByName(name)
		if !slices.Equal(c.Categories, []string{p.category}) || !slices.Equal(c.Products, []string{p.product}) {
			t.Errorf("%s: categories %v products %v", name, c.Categories, c.Products)
		}
		if c.Consistency < DefaultMinConsistency || c.Consistency > 1 {
			t.Errorf("%s: consistency %.3f", name, c.Consistency)
		}
		if !strings.HasPrefix(c.Key, "kbm-") {
			t.Errorf("%s: key %q", name, c.Key)
		}
	}
	if len(res.Candidates) != len(plantedExpect) {
		t.Errorf("%d candidates, want %d", len(res.Candidates), len(plantedExpect))
	}
	for i := 1; i < len(res.Candidates); i++ {
		if res.Candidates[i-1].Evidence < res.Candidates[i].Evidence {
			t.Errorf("candidates not sorted by evidence")
		}
	}
	if res.Stats.Tickets != len(pl.tickets) || res.Stats.Proposed != len(res.Candidates)+len(res.Updates) ||
		res.Stats.Groups < len(plantedProblems) || res.Stats.Took <= 0 {
		t.Errorf("stats %+v", res.Stats)
	}
}

func plantedByName(name string) problem {
	for _, p := range plantedProblems {
		if p.name == name {
			return p
		}
	}
	panic("no planted problem " + name)
}

func containsAny(s string, subs []string) bool {
	return slices.ContainsFunc(subs, func(w string) bool { return strings.Contains(s, w) })
}

func TestMineInconsistentGroupIsOnlyAGap(t *testing.T) {
	pl := newPlanted(t)
	res := minePlanted(t, pl, nil)
	drive := pl.groups["drive"]
	for _, c := range res.Candidates {
		if overlap(c.Sources, drive) > 0 {
			t.Errorf("inconsistent group proposed: %q %v", c.Title, c.Sources)
		}
	}
	var gap *Gap
	for i, g := range res.Gaps {
		if g.Reason == GapNoArticle && overlap(g.Examples, drive) > 0 {
			gap = &res.Gaps[i]
		}
	}
	if gap == nil {
		t.Fatalf("no no_article gap for the inconsistent group; gaps %+v", res.Gaps)
	}
	if gap.Tickets != 8 || len(gap.Examples) != 5 || overlap(gap.Examples, drive) != 5 {
		t.Errorf("gap %+v, want 8 tickets and 5 examples from %v", gap, drive)
	}
	if !slices.Contains(gap.Terms, "drive") {
		t.Errorf("gap terms %v lack drive", gap.Terms)
	}
	for i := 1; i < len(res.Gaps); i++ {
		if res.Gaps[i-1].Tickets < res.Gaps[i].Tickets {
			t.Errorf("gaps not sorted by tickets: %+v", res.Gaps)
		}
	}
}

func overlap(a, b []int64) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

func TestMineNearDuplicateUpdatesTheArticle(t *testing.T) {
	pl := newPlanted(t)
	res := minePlanted(t, pl, nil)
	teams := pl.groups["teams"]
	for _, c := range res.Candidates {
		if overlap(c.Sources, teams) > 0 {
			t.Errorf("near-duplicate group proposed as a new candidate: %q", c.Title)
		}
	}
	if len(res.Updates) != 1 {
		t.Fatalf("%d updates, want 1: %+v", len(res.Updates), res.Updates)
	}
	u := res.Updates[0]
	if u.ArticleID != teamsArticle.ID || u.ArticleVersion != teamsArticle.Version {
		t.Errorf("update for article %d v%d, want %d v%d", u.ArticleID, u.ArticleVersion, teamsArticle.ID, teamsArticle.Version)
	}
	if !slices.Equal(u.Sources, teams) || u.Evidence != len(teams) {
		t.Errorf("update sources %v, want %v", u.Sources, teams)
	}
	if u.Similarity < DefaultDuplicateSimilarity || u.Similarity > 1 {
		t.Errorf("similarity %.3f", u.Similarity)
	}
	if u.Title != teamsArticle.Title || u.Problem != teamsArticle.Problem {
		t.Errorf("update title %q problem %q: the article's must stay", u.Title, u.Problem)
	}
	if !slices.Equal(u.Steps[:len(teamsArticle.Steps)], teamsArticle.Steps) {
		t.Errorf("update steps %q do not start with the article's", u.Steps)
	}
	added := u.Steps[len(teamsArticle.Steps):]
	if len(added) != 1 || !strings.Contains(added[0], "device settings") {
		t.Errorf("added steps %q, want only the device-settings step", added)
	}
	if !slices.Equal(u.Categories, []string{"Collaboration"}) || !slices.Equal(u.Products, []string{"Teams"}) {
		t.Errorf("categories %v products %v", u.Categories, u.Products)
	}
	for _, g := range res.Gaps {
		if g.Reason == GapNoArticle && overlap(g.Examples, teams) > 0 {
			t.Errorf("a topic with an article is reported as a gap: %+v", g)
		}
	}
}

func TestMineArticleUsedByMostMembersIsUpdated(t *testing.T) {
	pl := newPlanted(t)
	sap := pl.groups["sap"]
	res := minePlanted(t, pl, func(in *Input) {
		in.Tickets = slices.Clone(in.Tickets)
		for i := range in.Tickets {
			if slices.Contains(sap[:4], in.Tickets[i].ID) {
				in.Tickets[i].ArticleID = laptopArticle.ID
			}
		}
	})
	for _, c := range res.Candidates {
		if overlap(c.Sources, sap) > 0 {
			t.Errorf("group resolved with article %d still proposed as new", laptopArticle.ID)
		}
	}
	var got *Update
	for i, u := range res.Updates {
		if slices.Equal(u.Sources, sap) {
			got = &res.Updates[i]
		}
	}
	if got == nil || got.ArticleID != laptopArticle.ID {
		t.Fatalf("no update of article %d from the SAP group: %+v", laptopArticle.ID, res.Updates)
	}
	if got.Similarity >= DefaultDuplicateSimilarity {
		t.Errorf("similarity %.3f: the texts should not be alike", got.Similarity)
	}
}

func TestMineExistingSuppressesReproposal(t *testing.T) {
	pl := newPlanted(t)
	first := minePlanted(t, pl, nil)
	var vpn Candidate
	for _, c := range first.Candidates {
		if pl.groupOf(c.Sources) == "vpn" {
			vpn = c
		}
	}
	if vpn.Key == "" {
		t.Fatal("no vpn candidate to suppress")
	}
	noiseIDs := slices.Sorted(func(yield func(int64) bool) {
		for id := range pl.noise {
			if !yield(id) {
				return
			}
		}
	})
	for _, tc := range []struct {
		name     string
		existing Existing
		gone     bool
	}{
		{"same key", Existing{Key: vpn.Key}, true},
		{"half the sources", Existing{Key: "other", Sources: vpn.Sources[:4]}, true},
		{"grown past an old candidate", Existing{Sources: vpn.Sources[:3]}, true},
		{"a quarter of the sources", Existing{Sources: append(slices.Clone(vpn.Sources[:2]), noiseIDs[:6]...)}, false},
		{"unrelated", Existing{Key: "kbm-0000", Sources: noiseIDs[:8]}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := minePlanted(t, pl, func(in *Input) { in.Existing = []Existing{tc.existing} })
			present := slices.ContainsFunc(res.Candidates, func(c Candidate) bool { return c.Key == vpn.Key })
			if present == tc.gone {
				t.Errorf("vpn candidate present %v, want %v", present, !tc.gone)
			}
			if want := len(first.Candidates) - btoi(tc.gone); len(res.Candidates) != want {
				t.Errorf("%d candidates, want %d", len(res.Candidates), want)
			}
		})
	}
	t.Run("update", func(t *testing.T) {
		if len(first.Updates) != 1 {
			t.Fatalf("%d updates", len(first.Updates))
		}
		res := minePlanted(t, pl, func(in *Input) { in.Existing = []Existing{{Key: first.Updates[0].Key}} })
		if len(res.Updates) != 0 {
			t.Errorf("update proposed again: %+v", res.Updates)
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestMineKeyStableWhenGroupGrows(t *testing.T) {
	pl := newPlanted(t)
	first := minePlanted(t, pl, nil)
	r := rand.New(rand.NewPCG(3, 5))
	grown := slices.Clone(pl.tickets)
	vpn := plantedByName("vpn")
	for k := range 2 {
		tk := vpn.ticket(r, k+3)
		tk.ID = 100000 + int64(k)
		grown = append(grown, tk)
	}
	res, err := Mine(context.Background(), Input{Tickets: grown, Articles: []Article{teamsArticle, laptopArticle}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := func(r *Result, id int64) (string, int) {
		for _, c := range r.Candidates {
			if slices.Contains(c.Sources, id) {
				return c.Key, c.Evidence
			}
		}
		return "", 0
	}
	before, n0 := key(first, pl.groups["vpn"][0])
	after, n1 := key(res, pl.groups["vpn"][0])
	if n1 != n0+2 {
		t.Fatalf("grown group has %d members, want %d", n1, n0+2)
	}
	if before == "" || before != after {
		t.Errorf("key changed from %q to %q as the group grew", before, after)
	}
}

func TestMineIsDeterministic(t *testing.T) {
	pl := newPlanted(t)
	in := Input{Tickets: pl.tickets, Articles: []Article{laptopArticle, teamsArticle},
		Feedback: Feedback{Unhelped: append(slices.Clone(pl.groups["vpn"][:3]), pl.groups["drive"][:2]...)}}
	a, err := Mine(context.Background(), in, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	shuffled := in
	shuffled.Tickets = slices.Clone(in.Tickets)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled.Tickets), func(i, j int) {
		shuffled.Tickets[i], shuffled.Tickets[j] = shuffled.Tickets[j], shuffled.Tickets[i]
	})
	shuffled.Articles = []Article{teamsArticle, laptopArticle}
	b, err := Mine(context.Background(), shuffled, Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	a.Stats.Took, b.Stats.Took = 0, 0
	if !reflect.DeepEqual(a, b) {
		t.Errorf("results differ between runs:\n%+v\n%+v", a, b)
	}
}

func TestMineUnhelpedTopicsAreGaps(t *testing.T) {
	pl := newPlanted(t)
	vpn := pl.groups["vpn"]
	var lone int64
	for id := range pl.noise {
		lone = max(lone, id)
	}
	// A repeat is harmless; ids of tickets not mined (open ones) are skipped.
	unhelped := []int64{vpn[5], vpn[1], vpn[2], vpn[1], lone, 900001, 900002}
	res := minePlanted(t, pl, func(in *Input) { in.Feedback.Unhelped = unhelped })
	if res.Stats.UnhelpedSkipped != 2 {
		t.Errorf("skipped %d unhelped ids, want 2", res.Stats.UnhelpedSkipped)
	}
	var gaps []Gap
	for _, g := range res.Gaps {
		if g.Reason == GapUnhelped {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) != 1 {
		t.Fatalf("unhelped gaps %+v, want one (a lone ticket is no topic)", gaps)
	}
	g := gaps[0]
	want := []int64{vpn[1], vpn[2], vpn[5]}
	if g.Tickets != 3 || !slices.Equal(slices.Sorted(slices.Values(g.Examples)), want) {
		t.Errorf("gap %+v, want 3 tickets %v", g, want)
	}
	if !slices.Contains(g.Terms, "vpn") && !slices.Contains(g.Terms, "809") {
		t.Errorf("gap terms %v do not name the topic", g.Terms)
	}
	byID := map[int64]Ticket{}
	for _, tk := range pl.tickets {
		byID[tk.ID] = tk
	}
	for i := 1; i < len(g.Examples); i++ {
		if byID[g.Examples[i-1]].ResolvedAt.Before(byID[g.Examples[i]].ResolvedAt) {
			t.Errorf("examples %v not most recent first", g.Examples)
		}
	}
}

func TestMineRejectsBadInput(t *testing.T) {
	ok := []Ticket{{ID: 1, Subject: "a"}, {ID: 2, Subject: "b"}}
	for _, tc := range []struct {
		name string
		in   Input
		opts Options
		want string
	}{
		{"duplicate ticket", Input{Tickets: []Ticket{{ID: 1}, {ID: 2}, {ID: 1}}}, Options{}, "ticket id 1 appears twice"},
		{"zero ticket id", Input{Tickets: []Ticket{{ID: 0}}}, Options{}, "must be positive"},
		{"negative ticket id", Input{Tickets: []Ticket{{ID: -3}}}, Options{}, "must be positive"},
		{"duplicate article", Input{Tickets: ok, Articles: []Article{{ID: 5}, {ID: 5}}}, Options{}, "article id 5 appears twice"},
		{"article without id", Input{Tickets: ok, Articles: []Article{{Title: "x"}}}, Options{}, "must be positive"},
		{"empty existing", Input{Tickets: ok, Existing: []Existing{{}}}, Options{}, "neither key nor sources"},
		{"min group 1", Input{Tickets: ok}, Options{MinGroup: 1}, "min group 1"},
		{"min group negative", Input{Tickets: ok}, Options{MinGroup: -5}, "min group -5"},
		{"similarity above 1", Input{Tickets: ok}, Options{Similarity: 1.5}, "similarity 1.5"},
		{"similarity 1", Input{Tickets: ok}, Options{Similarity: 1}, "similarity 1 is out of range"},
		{"consistency negative", Input{Tickets: ok}, Options{MinConsistency: -0.1}, "min consistency"},
		{"share NaN", Input{Tickets: ok}, Options{MinCategoryShare: math.NaN()}, "min category share"},
		{"duplicate similarity", Input{Tickets: ok}, Options{DuplicateSimilarity: 2}, "duplicate similarity"},
		{"resolution weight", Input{Tickets: ok}, Options{ResolutionWeight: 1.1}, "resolution weight"},
		{"workers", Input{Tickets: ok}, Options{Workers: -1}, "must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Mine(context.Background(), tc.in, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
			if res != nil {
				t.Errorf("result %+v with an error", res)
			}
		})
	}
}

func TestMineEmptyAndTinyInput(t *testing.T) {
	res, err := Mine(context.Background(), Input{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Candidates)+len(res.Updates)+len(res.Gaps) != 0 || res.Stats.Tickets != 0 {
		t.Errorf("empty input gave %+v", res)
	}
	// Tickets with no words at all must not break vectors or clustering.
	blank := []Ticket{{ID: 1}, {ID: 2, Subject: "!!!"}, {ID: 3, Description: "the and of"}}
	if _, err := Mine(context.Background(), Input{Tickets: blank, Articles: []Article{{ID: 1}}}, Options{MinGroup: 2}); err != nil {
		t.Fatal(err)
	}
}

func TestMineHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Mine(ctx, Input{Tickets: syntheticTickets(1000)}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestMineUsesInjectedTokenizer(t *testing.T) {
	pl := newPlanted(t)
	var calls atomic.Int64
	// A tokenizer that keeps only the first word of any text cannot tell
	// the planted problems apart the way the default one does.
	first := func(s string) []string {
		calls.Add(1)
		if w := DefaultTokenize(s); len(w) > 0 {
			return w[:1]
		}
		return nil
	}
	res, err := Mine(context.Background(), Input{Tickets: pl.tickets}, Options{Tokenize: first})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() < 3*int64(len(pl.tickets)) {
		t.Errorf("tokenizer called %d times for %d tickets", calls.Load(), len(pl.tickets))
	}
	def, err := Mine(context.Background(), Input{Tickets: pl.tickets}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	def.Stats.Took, res.Stats.Took = 0, 0
	if reflect.DeepEqual(res, def) {
		t.Error("the injected tokenizer made no difference")
	}
}

// BenchmarkMineITTickets mines the 38,225 IT tickets (Document as the
// description, Topic_group as the category) with a synthetic resolution per
// topic group in three wordings, so consistent groups become candidates.
// "50k" adds 11,775 more tickets made from the first rows with every third
// word dropped, to show the target size.
func BenchmarkMineITTickets(b *testing.B) {
	rows := itTickets(b)
	wordings := [3]string{
		"Handled the %s request: checked the details with the user, applied the fix and confirmed it works.",
		"%s: verified the request with the user, applied the standard fix, user confirmed.",
		"Applied the standard %s fix after checking with the user; confirmed working.",
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ticket := func(i int, doc, topic string) Ticket {
		return Ticket{ID: int64(i + 1), Description: doc, Category: topic,
			Resolution: strings.ReplaceAll(wordings[i%3], "%s", topic), ResolvedAt: base.Add(time.Duration(i) * time.Minute)}
	}
	all := make([]Ticket, 0, 50000)
	for i, r := range rows {
		all = append(all, ticket(i, r[0], r[1]))
	}
	for i := 0; len(all) < 50000; i++ {
		words := strings.Fields(rows[i][0])
		var kept []string
		for k, w := range words {
			if k%3 != 2 {
				kept = append(kept, w)
			}
		}
		all = append(all, ticket(len(all), strings.Join(kept, " "), rows[i][1]))
	}
	for _, bc := range []struct {
		name string
		n    int
	}{{"38k", len(rows)}, {"50k", len(all)}} {
		b.Run(bc.name, func(b *testing.B) {
			in := Input{Tickets: all[:bc.n]}
			var res *Result
			for b.Loop() {
				var err error
				if res, err = Mine(context.Background(), in, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Stats.Groups), "groups")
			b.ReportMetric(float64(res.Stats.Proposed), "proposed")
			b.ReportMetric(float64(len(res.Gaps)), "gaps")
		})
	}
}

func TestParallelVisitsEachIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 1000} {
		seen := make([]atomic.Int32, n)
		if err := parallel(context.Background(), n, 3, func(i int) { seen[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
		for i := range seen {
			if seen[i].Load() != 1 {
				t.Fatalf("n=%d: index %d visited %d times", n, i, seen[i].Load())
			}
		}
	}
	if workersFor(10, 8) != 1 || workersFor(10000, 8) != 8 || workersFor(0, 0) != 1 {
		t.Error("workersFor must bound workers by chunks and be at least 1")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := parallel(ctx, 1000, 2, func(int) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}
