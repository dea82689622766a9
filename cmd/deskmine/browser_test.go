package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium. Without it the browser tests skip
// locally and fail in CI, where scripts/test installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH: scripts/test installs Debian's chromium package")
	}
	t.Skip("no chromium on PATH")
	return ""
}

// artifactDir is where the browser tests leave their screenshots:
// $DESKMINE_ARTIFACTS/browser, else artifacts/browser at the repository root.
func artifactDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("DESKMINE_ARTIFACTS")
	if root == "" {
		root = filepath.Join("..", "..", "artifacts")
	}
	dir := filepath.Join(root, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserProblems collects what must not happen on any page: console
// errors, uncaught exceptions, log entries of level error (CSP violations
// among them), failed loads and responses of 400 or more.
type browserProblems struct {
	base string // every request must go to this server (or be a data: URL)
	mu   sync.Mutex
	list []string
}

func (b *browserProblems) add(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.list = append(b.list, fmt.Sprintf(format, args...))
}

func (b *browserProblems) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.list
	b.list = nil
	return out
}

func (b *browserProblems) listen(ev any) {
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			b.add("console.%s: %s", e.Type, strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		msg := e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
		b.add("exception: %s", msg)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			b.add("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL)
		}
	case *network.EventLoadingFailed:
		// A navigation started by a click cancels the page's own pending
		// loads; that is the browser's doing, not a failed request.
		if !e.Canceled {
			b.add("request failed: %s (%s)", e.ErrorText, e.Type)
		}
	case *network.EventRequestWillBeSent:
		u := e.Request.URL
		if !strings.HasPrefix(u, b.base+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			b.add("request outside the server: %s", u)
		}
	case *network.EventResponseReceived:
		if e.Response.Status >= 400 {
			b.add("response %d: %s", e.Response.Status, e.Response.URL)
		}
	}
}

// waitDemoReady waits until the analytics store and the knowledge base have
// taken in the demo history and the miner has proposed candidates.
func waitDemoReady(t *testing.T, base, token string) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for {
		var cands struct {
			Candidates []json.RawMessage `json:"candidates"`
		}
		apiCall(t, "POST", base+"/api/v1/kb/mine", token, "", nil)
		apiCall(t, "GET", base+"/api/v1/kb/candidates?status=candidate", token, "", &cands)
		if len(cands.Candidates) > 0 && lagZero(t, base) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo not ready: %d candidates", len(cands.Candidates))
		}
		time.Sleep(2 * time.Second)
	}
}

var lagRE = regexp.MustCompile(`(?m)^deskmine_ingest_lag\{[^}]*\} (\S+)$`)

// lagZero reports whether every stream consumer has read the whole log.
func lagZero(t *testing.T, base string) bool {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	if _, err := fmt.Fprint(&b, readAll(t, res)); err != nil {
		t.Fatal(err)
	}
	m := lagRE.FindAllStringSubmatch(b.String(), -1)
	if len(m) < 2 { // the analytics loader and the knowledge base
		return false
	}
	for _, x := range m {
		if x[1] != "0" {
			return false
		}
	}
	return true
}

func readAll(t *testing.T, res *http.Response) string {
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// TestBrowserDashboards drives the dashboards in Debian's chromium: a
// manager logs in, opens the overview, drills down from charts to the
// tickets behind them, opens a ticket with its similar cases and writes a
// note; a reviewer approves a mined knowledge-base candidate. Any console
// error or failed request fails the test; every step leaves a screenshot.
func TestBrowserDashboards(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser and the demo server")
	}
	chrome := chromiumPath(t)
	shots := artifactDir(t)
	addr, out, stop := startServe(t, 3*time.Minute, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--demo")
	defer stop()
	base := "http://" + addr
	m := regexp.MustCompile(`admin token: (dm_\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no admin token in: %s", out.String())
	}
	waitDemoReady(t, base, m[1])

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(1440, 1000), chromedp.Flag("disable-gpu", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancelC := chromedp.NewContext(actx)
	defer cancelC()
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	defer cancelT()
	problems := browserProblems{base: base}
	if err := chromedp.Listen(ctx, problems.listen); err != nil {
		t.Fatal(err)
	}
	must := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			shot(t, ctx, shots, "failed-"+step)
			t.Fatalf("%s: %v", step, err)
		}
		if p := problems.take(); len(p) > 0 {
			shot(t, ctx, shots, "failed-"+step)
			t.Fatalf("%s: the browser reported problems:\n%s", step, strings.Join(p, "\n"))
		}
	}
	enable := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, log.Enable, cdp.Empty{})
		return err
	})
	chartsReady := chromedp.Poll[chromedp.Void](`(() => { const cs = [...document.querySelectorAll('.chart[data-option]')];
		return cs.length > 0 && cs.every(c => c.dataset.ready === '1'); })()`, chromedp.WithPollingTimeout(20*time.Second))

	// A manager logs in and lands on the overview.
	must("login", enable, chromedp.Navigate(base+"/ui/"), chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "demo-manager"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demoPassword),
		clickTo(`form.login button[type=submit]`, "/ui/overview"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-page=overview]`)), chartsReady)
	shot(t, ctx, shots, "01-overview")

	// The trend table sorts by a click on its heading and exports as CSV.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	must("sort", chromedp.Click(chromedp.CSS(`#trend-table thead th:nth-child(2)`)), chromedp.Click(chromedp.CSS(`#trend-table thead th:nth-child(2)`)))
	sorted, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const v = [...document.querySelectorAll('#trend-table tbody tr td:nth-child(2)')].map(td => Number(td.textContent));
		return v.length > 1 && v.every((x, i) => i === 0 || v[i-1] >= x) && v[0] > v[v.length-1]; })()`))
	if err != nil || !sorted {
		t.Fatalf("two clicks on the Created heading do not sort the trend table descending (%v)", err)
	}
	must("csv", chromedp.Click(chromedp.CSS(`button[data-export=trend-table]`)))
	csvPath := filepath.Join(downloads, "overview.csv")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(csvPath); err == nil && len(b) > 0 {
			lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(b), "\ufeff")), "\r\n")
			if !strings.HasPrefix(lines[0], "Period,Created,Resolved,Backlog") || len(lines) < 20 {
				t.Fatalf("exported CSV: %q…", lines[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no overview.csv downloaded")
		}
	}

	// The same page in Chinese.
	must("zh-CN", chromedp.Navigate(base+"/ui/lang/zh-CN"), chromedp.WaitVisible(chromedp.CSS(`html[lang=zh-CN] body[data-page=overview]`)), chartsReady)
	if title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main h1`))); err != nil || title != "总览" {
		t.Fatalf("zh-CN overview title %q (%v)", title, err)
	}
	shot(t, ctx, shots, "01-overview-zh")
	must("en", chromedp.Navigate(base+"/ui/lang/en"), chromedp.WaitVisible(chromedp.CSS(`html[lang=en] body[data-page=overview]`)), chartsReady)

	// Drill down from the volume chart: click the day with the most new
	// tickets; the list shows exactly that many.
	created, err := chromedp.Run(ctx, chromedp.Evaluate[int](clickBarJS("ov0", "maxIndex")))
	if err != nil {
		t.Fatal(err)
	}
	must("overview drill-down", chromedp.Func(clickAt("ov0")), arrivedAt("/ui/tickets?"), chromedp.WaitVisible(chromedp.CSS(`body[data-page=tickets]`)))
	shot(t, ctx, shots, "02-overview-drilldown")
	expectListed(t, ctx, created)

	// The hotspot explorer: click the largest category bar.
	must("hotspots", chromedp.Navigate(base+"/ui/hotspots?dim=category&range=90d"), chromedp.WaitVisible(chromedp.CSS(`body[data-page=hotspots]`)), chartsReady)
	shot(t, ctx, shots, "03-hotspots")
	top, err := chromedp.Run(ctx, chromedp.Evaluate[int](clickBarJS("hot", "first")))
	if err != nil {
		t.Fatal(err)
	}
	must("hotspot drill-down", chromedp.Func(clickAt("hot")), arrivedAt("/ui/tickets?"), chromedp.WaitVisible(chromedp.CSS(`body[data-page=tickets]`)))
	shot(t, ctx, shots, "04-hotspot-drilldown")
	expectListed(t, ctx, top)

	// The other manager pages render without a problem.
	for _, p := range []string{"spikes?range=90d", "rootcause", "bottlenecks?range=90d", "performance?by=agent", "timetravel"} {
		page := strings.SplitN(p, "?", 2)[0]
		must("page "+page, chromedp.Navigate(base+"/ui/"+p), chromedp.WaitVisible(chromedp.CSS(`body[data-page=`+page+`]`)))
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.chart[data-option]').length`)); n > 0 {
			must("charts of "+page, chartsReady)
		}
		shot(t, ctx, shots, "05-"+page)
	}

	// A resolved ticket: its page shows similar cases and the predicted
	// category; an internal note with a mention lands in the timeline.
	must("resolved tickets", chromedp.Navigate(base+"/ui/tickets?status=resolved"), chromedp.WaitVisible(chromedp.CSS(`#ticket-table tbody a`)),
		clickTo(`#ticket-table tbody tr:first-child a`, "/ui/tickets/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-page=ticket]`)),
		chromedp.WaitVisible(chromedp.CSS(`#similar-panel [data-similar-cases] li`)),
		chromedp.WaitVisible(chromedp.CSS(`#similar-panel [data-predicted]`)))
	shot(t, ctx, shots, "06-ticket")
	must("note", chromedp.SendKeys(chromedp.CSS(`#reply-form textarea`), "Checked the logs with @demo-agent; waiting on the vendor."),
		chromedp.Click(chromedp.CSS(`#reply-form input[value=internal]`)),
		clickTo(`#reply-form button[type=submit]`, "done=note"),
		chromedp.WaitVisible(chromedp.CSS(`#timeline li.note .mention`)))
	shot(t, ctx, shots, "07-ticket-note")
	// The agent says the first similar case helped; the knowledge base keeps it.
	// The note's flash is on the page already: wait for the feedback's own.
	must("feedback", clickTo(`#similar-panel [data-similar-cases] li:first-child [data-feedback=helpful]`, "done=feedback"),
		chromedp.WaitVisible(chromedp.CSS(`p.flash[data-done=feedback]`)))
	if flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`p.flash[data-done=feedback]`))); err != nil || !strings.Contains(flash, "feedback") {
		t.Fatalf("after feedback the page says %q (%v)", flash, err)
	}

	// Agents' pages.
	for _, page := range []string{"queue", "board", "skills"} {
		must("page "+page, chromedp.Navigate(base+"/ui/"+page), chromedp.WaitVisible(chromedp.CSS(`body[data-page=`+page+`]`)))
		shot(t, ctx, shots, "08-"+page)
	}

	// A reviewer takes a mined candidate, reads it beside its source
	// tickets and approves it: the published article opens.
	must("logout", clickTo(`header form[action="/ui/logout"] button`, "/ui/login"), chromedp.WaitVisible(chromedp.CSS(`input[name=login]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=login]`), "demo-reviewer"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demoPassword),
		clickTo(`form.login button[type=submit]`, "/ui/kb"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-page=kbqueue]`)))
	shot(t, ctx, shots, "09-kb-queue")
	must("candidate", clickTo(`main table tbody tr:first-child a[href^="/ui/kb/candidates/"]`, "/ui/kb/candidates/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-page=kbcandidate]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/ui/tickets/"]`)))
	shot(t, ctx, shots, "10-kb-candidate")
	must("submit for review", clickTo(`form[action$="/submit"] button`, "done=submit"), chromedp.WaitVisible(chromedp.CSS(`form[action$="/approve"] button`)))
	must("approve", clickTo(`form[action$="/approve"] button`, "/ui/kb/articles/"), chromedp.WaitVisible(chromedp.CSS(`body[data-page=kbarticle]`)))
	shot(t, ctx, shots, "11-kb-approved")
}

// clickTo clicks what sel finds, which leads to another page, and waits
// until the browser is there (its address holds part) and the page has
// loaded. A click that starts a navigation can lose its node before the
// browser answers; the address, not the click's answer, says whether it
// worked.
func clickTo(sel, part string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil && !strings.Contains(err.Error(), "-32000") {
			return err
		}
		return chromedp.Do(ctx, arrivedAt(part))
	})
}

// arrivedAt waits until the page's address holds part and its document
// has loaded, asking again while a navigation swaps the document.
func arrivedAt(part string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(
				`location.href.includes(%q) && document.readyState === 'complete'`, part)))
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("never arrived at %q: %w (last: %v)", part, ctx.Err(), err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// clickBarJS finds a bar of the chart with the given element id, remembers
// the page position of its middle in window.__click and returns its value:
// "first" takes the first bar of series 0, "maxIndex" the largest.
func clickBarJS(id, which string) string {
	return fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		const chart = echarts.getInstanceByDom(el);
		const opt = chart.getOption();
		const data = opt.series[0].data.map(d => (typeof d === 'object' && d !== null) ? d.value : d).map(Number);
		let i = 0;
		if (%q === 'maxIndex') { data.forEach((v, j) => { if (v > data[i]) i = j; }); }
		// The bar's own rectangle: a click on the category's middle could
		// fall between the bars of two series.
		const box = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(i);
		const pt = [box.x + box.width / 2, box.y + box.height / 2];
		const r = el.getBoundingClientRect();
		window.__click = [r.left + pt[0], r.top + pt[1]];
		return data[i];
	})()`, id, which)
}

// clickAt clicks where clickBarJS pointed, as a user's mouse would.
func clickAt(id string) func(ctx context.Context, _ *chromedp.Target) error {
	return func(ctx context.Context, _ *chromedp.Target) error {
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`window.__click`))
		if err != nil {
			return fmt.Errorf("chart %s: %w", id, err)
		}
		return chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1]))
	}
}

// expectListed checks that the ticket list shows want tickets (a page
// holds 50: more show as a full page with a next link).
func expectListed(t *testing.T, ctx context.Context, want int) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Number(document.getElementById('ticket-count').dataset.count)`))
	if err != nil {
		t.Fatal(err)
	}
	if want < 1 || (want <= 50 && got != want) || (want > 50 && got != 50) {
		t.Fatalf("drill-down into a bar of %d tickets lists %d", want, got)
	}
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}
