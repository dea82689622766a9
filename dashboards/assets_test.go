package dashboards

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssetURLAndCaching(t *testing.T) {
	f := newFixture(t)
	js, err := staticFiles.ReadFile("static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(js)
	hash := hex.EncodeToString(sum[:6])
	u := f.srv.assets.url("app.js")
	if u != Prefix+"/assets/app.js?v="+hash {
		t.Fatalf("url %q, want version %s", u, hash)
	}
	if got := f.srv.assets.url("nope.js"); got != Prefix+"/assets/missing/nope.js" {
		t.Errorf("url of a missing asset: %q", got)
	}
	// Pages link the versioned addresses.
	body := f.page(t, "", Prefix+"/login")
	if !strings.Contains(body, `src="`+u+`"`) || !strings.Contains(body, f.srv.assets.url("vendor/echarts.min.js")) {
		t.Errorf("login page does not link the versioned scripts")
	}

	rec := f.get(t, "", u) // assets need no session
	if rec.Code != http.StatusOK || rec.Body.String() != string(js) {
		t.Fatalf("GET %s: %d, %d bytes", u, rec.Code, rec.Body.Len())
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("current version Cache-Control %q", cc)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("Content-Type %q", ct)
	}
	etag := rec.Header().Get("ETag")
	if etag != `"`+hash+`"` {
		t.Errorf("ETag %q", etag)
	}
	old := f.get(t, "", Prefix+"/assets/app.js?v=0123456789ab")
	if old.Code != http.StatusOK || old.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("stale version: %d %q", old.Code, old.Header().Get("Cache-Control"))
	}
	nm := f.get(t, "", u, "If-None-Match", etag)
	if nm.Code != http.StatusNotModified || nm.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", nm.Code, nm.Body.Len())
	}
	if css := f.get(t, "", f.srv.assets.url("app.css")); !strings.HasPrefix(css.Header().Get("Content-Type"), "text/css") {
		t.Errorf("css Content-Type %q", css.Header().Get("Content-Type"))
	}
	want(t, f.get(t, "", Prefix+"/assets/nope.js"), http.StatusNotFound)
	want(t, f.get(t, "", Prefix+"/assets/../templates/layout.html"), http.StatusNotFound)
}

func TestLoadAssets(t *testing.T) {
	full := fstest.MapFS{
		"static/app.css":               {Data: []byte("body{}")},
		"static/app.js":                {Data: []byte("1")},
		"static/vendor/echarts.min.js": {Data: []byte("echarts")},
		"static/img/logo.xyz":          {Data: []byte("?")},
	}
	as, err := loadAssets(full)
	if err != nil {
		t.Fatal(err)
	}
	if len(as.files) != 4 || as.files["img/logo.xyz"].ctype != "application/octet-stream" ||
		!strings.HasPrefix(as.files["app.css"].ctype, "text/css") {
		t.Errorf("files %v", as.files)
	}
	if h := as.files["app.js"].hash; len(h) != 12 {
		t.Errorf("hash %q", h)
	}
	for _, missing := range requiredAssets {
		m := fstest.MapFS{}
		for k, v := range full {
			if k != "static/"+missing {
				m[k] = v
			}
		}
		_, err := loadAssets(m)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "asset "+missing) ||
			!strings.Contains(err.Error(), "run scripts/assets") {
			t.Errorf("without %s: %v", missing, err)
		}
	}
	if _, err := loadAssets(fstest.MapFS{}); err == nil {
		t.Error("an empty file system loads")
	}
}
