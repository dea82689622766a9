package dashboards

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// staticFiles are the scripts and styles the pages load. static/vendor holds
// what scripts/assets copied from npm (echarts); it is not in git.
//
//go:embed static
var staticFiles embed.FS

// requiredAssets must be present for the pages to work.
var requiredAssets = []string{"app.css", "app.js", "vendor/echarts.min.js"}

type asset struct {
	body  []byte
	hash  string // first 12 hex digits of the SHA-256, the cache-busting version
	ctype string
}

type assets struct {
	files map[string]asset
}

func loadAssets(files fs.FS) (*assets, error) {
	as := &assets{files: map[string]asset{}}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		as.files[strings.TrimPrefix(p, "static/")] = asset{body: b, hash: hex.EncodeToString(sum[:6]), ctype: ctype}
		return nil
	})
	if err != nil {
		return nil, errFS("assets", err)
	}
	for _, name := range requiredAssets {
		if _, ok := as.files[name]; !ok {
			return nil, errFS("asset "+name, fs.ErrNotExist)
		}
	}
	return as, nil
}

// url is the versioned address of an asset; templates call it as "asset".
func (as *assets) url(name string) string {
	a, ok := as.files[name]
	if !ok {
		return Prefix + "/assets/missing/" + name
	}
	return Prefix + "/assets/" + name + "?v=" + a.hash
}

// asset serves an embedded file. A request naming the current version may
// be cached for good: a changed file gets a new address.
func (s *Server) asset(c echo.Context) error {
	name := c.Param("*")
	a, ok := s.assets.files[name]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	if c.QueryParam("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	etag := `"` + a.hash + `"`
	h.Set("ETag", etag)
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, a.ctype, a.body)
}
