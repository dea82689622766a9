package dashboards

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

func readCatalog(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := catalogFiles.ReadFile("i18n/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// TestCatalogsMatch: both languages have the same keys, each taking the
// same arguments.
func TestCatalogsMatch(t *testing.T) {
	en, zh := readCatalog(t, "en.json"), readCatalog(t, "zh-CN.json")
	if len(en) < 100 {
		t.Fatalf("en.json has only %d keys", len(en))
	}
	for k, v := range en {
		zv, ok := zh[k]
		if !ok {
			t.Errorf("zh-CN.json lacks %q", k)
			continue
		}
		if strings.Count(v, "%") != strings.Count(zv, "%") {
			t.Errorf("%q takes different arguments: %q vs %q", k, v, zv)
		}
		if strings.HasPrefix(k, "kb.") {
			t.Errorf("%q belongs in the kb catalogs", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
	if _, err := loadCatalogs(); err != nil {
		t.Fatalf("loadCatalogs: %v", err)
	}
}

// usedKeys are the literal message keys the templates and the Go code of
// this package use, outside the knowledge-base screens.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{} // key -> where
	tmplRE := regexp.MustCompile(`\.T "([^"]+)"`)
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if base := filepath.Base(n); strings.HasPrefix(base, "kb") || base == "_kb.html" { // the kb tests check these
			continue
		}
		b, err := fs.ReadFile(templateFiles, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplRE.FindAllStringSubmatch(string(b), -1) {
			out[m[1]] = n
		}
	}
	// T("key") (not T("prefix." + x), a family checked below), msgKey,
	// the error page's keys and the login form's messages.
	goRE := regexp.MustCompile(`(?:\bT\("([^"]+)"\)|msgKey(?:: |\s*=\s*)"([^"]+)"|key\s*:?=\s*"([^"]+)"|data\["Error"\] = "([^"]+)")`)
	goFiles, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range goFiles {
		if strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, "kb") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goRE.FindAllStringSubmatch(string(b), -1) {
			for _, k := range m[1:] {
				if k != "" {
					out[k] = n
				}
			}
		}
	}
	return out
}

func TestCatalogHasUsedKeys(t *testing.T) {
	en := readCatalog(t, "en.json")
	used := usedKeys(t)
	for _, k := range []string{"nav.overview", "error.csrf", "login.failed", "ticket.similar.unavailable", "chart.volume"} {
		if _, ok := used[k]; !ok {
			t.Errorf("the key scan misses %q", k)
		}
	}
	for k, where := range used {
		if strings.HasPrefix(k, "kb.") {
			continue
		}
		if _, ok := en[k]; !ok {
			t.Errorf("%s uses %q, which en.json lacks", where, k)
		}
	}
}

// TestCatalogFamilies: every key built from a prefix and a value exists for
// every value it can take.
func TestCatalogFamilies(t *testing.T) {
	en := readCatalog(t, "en.json")
	var sorts []string
	for _, k := range ticketcore.SortKeys {
		sorts = append(sorts, k, "-"+k)
	}
	var params []string
	for _, d := range append(analytics.Dimensions(), perfDims()...) {
		if d != "status" { // status is the list's own control, not a chip
			params = append(params, listParam(d))
		}
	}
	params = append(params, "created_from", "created_to")
	dims := append(append(analytics.Dimensions(), perfDims()...), analytics.DimSLAState, analytics.DimCustomField)
	families := map[string][]string{
		"dim.":           dims,
		"bucket.":        {analytics.BucketHour, analytics.BucketDay, analytics.BucketWeek, analytics.BucketMonth, "none"},
		"range.":         keysOf(rangeDays),
		"sort.":          sorts,
		"by.":            {analytics.ByTeam, analytics.ByAgent},
		"param.":         params,
		"timeline.":      {"created", "reply", "note", "change"},
		"ticket.done.":   {"reply", "note", "status", "feedback"},
		"feedback.":      keysOf(feedbackKinds),
		"rc.part.":       rootCauseParts,
		"rc.reopensby.":  {"team", "category", "product"},
		"rc.handoffsby.": {"product", "category"},
	}
	for prefix, values := range families {
		for _, v := range values {
			if _, ok := en[prefix+v]; !ok {
				t.Errorf("en.json lacks %q", prefix+v)
			}
		}
	}
	// Every printf family a template builds is one of those above.
	famRE := regexp.MustCompile(`printf "([a-z.]+)%s"`)
	names, _ := fs.Glob(templateFiles, "templates/*.html")
	for _, n := range names {
		if base := filepath.Base(n); strings.HasPrefix(base, "kb") || base == "_kb.html" { // the kb tests check these
			continue
		}
		b, _ := fs.ReadFile(templateFiles, n)
		for _, m := range famRE.FindAllStringSubmatch(string(b), -1) {
			if _, ok := families[m[1]]; !ok {
				t.Errorf("%s builds keys %q…, which this test does not check", n, m[1])
			}
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestCatalogText(t *testing.T) {
	cs := catalogs{"en": {"a": "A %d", "b": "B"}, "zh-CN": {"a": "甲 %d"}}
	if got := cs.text("zh-CN", "a", 3); got != "甲 3" {
		t.Errorf("zh a = %q", got)
	}
	if got := cs.text("zh-CN", "b"); got != "B" {
		t.Errorf("zh falls back to English: %q", got)
	}
	if got := cs.text("zh-CN", "missing"); got != "missing" {
		t.Errorf("a missing key shows itself: %q", got)
	}
}

func TestLangOf(t *testing.T) {
	e := echo.New()
	cases := []struct{ cookie, accept, want string }{
		{"", "", "en"},
		{"", "zh-TW,zh;q=0.9", "zh-CN"},
		{"", "fr-FR, zh;q=0.5", "zh-CN"},
		{"", "fr-FR, en-GB;q=0.8, zh;q=0.5", "en"},
		{"zh-CN", "en-US", "zh-CN"},
		{"en", "zh-CN", "en"},
		{"klingon", "zh", "zh-CN"},
	}
	for _, c := range cases {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: langCookie, Value: c.cookie})
		}
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		if got := langOf(e.NewContext(req, httptest.NewRecorder())); got != c.want {
			t.Errorf("cookie %q accept %q: %q, want %q", c.cookie, c.accept, got, c.want)
		}
	}
}

func TestLangSwitch(t *testing.T) {
	f := newFixture(t)
	rec := f.get(t, auth.RoleManager, Prefix+"/lang/zh-CN", "Referer", "http://desk.example/ui/overview?range=7d")
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/ui/overview?range=7d" {
		t.Fatalf("switch: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	var ck *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == langCookie {
			ck = c
		}
	}
	if ck == nil || ck.Value != "zh-CN" || ck.Path != "/" || ck.MaxAge <= 0 {
		t.Fatalf("lang cookie %+v", ck)
	}
	// A referrer off this site's pages goes back to the start page.
	rec = f.get(t, "", Prefix+"/lang/en", "Referer", "https://evil.example/x")
	if rec.Header().Get("Location") != "/ui/" {
		t.Errorf("off-site referrer: %q", rec.Header().Get("Location"))
	}
	want(t, f.get(t, "", Prefix+"/lang/fr"), http.StatusBadRequest, "<strong>lang</strong>: one of en, zh-CN")

	zh := f.get(t, auth.RoleManager, Prefix+"/overview", "Cookie", langCookie+"=zh-CN")
	body := want(t, zh, http.StatusOK, `<html lang="zh-CN">`, "总览", "新建")
	if strings.Contains(body, ">Overview<") {
		t.Error("zh-CN page shows English navigation")
	}
	want(t, f.get(t, auth.RoleManager, Prefix+"/overview", "Accept-Language", "zh-CN,zh;q=0.9"), http.StatusOK, "总览")
	want(t, f.get(t, auth.RoleManager, Prefix+"/overview", "Accept-Language", "en-US"), http.StatusOK, ">Overview<")
	// Error pages speak the language too.
	want(t, f.get(t, auth.RoleAgent, Prefix+"/overview", "Cookie", langCookie+"=zh-CN"), http.StatusForbidden,
		readCatalog(t, "zh-CN.json")["error.forbidden"])
}
