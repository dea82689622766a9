package dashboards

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed i18n/*.json
var catalogFiles embed.FS

// Languages the pages speak; the first is the fallback.
var Languages = []string{"en", "zh-CN"}

const langCookie = "deskmine_lang"

// catalogs maps a language to its messages by key.
type catalogs map[string]map[string]string

// loadCatalogs reads i18n/<lang>.json and any i18n/<lang>.<part>.json (a
// part per screen family keeps edits apart); a key defined twice for one
// language is an error.
func loadCatalogs() (catalogs, error) {
	out := catalogs{}
	names, err := fs.Glob(catalogFiles, "i18n/*.json")
	if err != nil {
		return nil, errFS("catalogs", err)
	}
	for _, lang := range Languages {
		m := map[string]string{}
		for _, n := range names {
			base := strings.TrimSuffix(path.Base(n), ".json")
			if base != lang && !strings.HasPrefix(base, lang+".") {
				continue
			}
			b, err := catalogFiles.ReadFile(n)
			if err != nil {
				return nil, errFS("catalog "+n, err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("dashboards: catalog %s: %w", n, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("dashboards: catalog %s: key %q defined twice", n, k)
				}
				m[k] = v
			}
		}
		if len(m) == 0 {
			return nil, errFS("catalog "+lang, fs.ErrNotExist)
		}
		out[lang] = m
	}
	return out, nil
}

// text is the message key in lang, formatted with args; a key missing from
// lang falls back to English, and a key missing there shows itself so that
// the gap is visible (the catalog test keeps both complete).
func (cs catalogs) text(lang, key string, args ...any) string {
	msg, ok := cs[lang][key]
	if !ok {
		if msg, ok = cs[Languages[0]][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// langOf picks the request's language: the cookie the language switch sets,
// else the browser's preference, else English.
func langOf(c echo.Context) string {
	if ck, err := c.Cookie(langCookie); err == nil {
		for _, l := range Languages {
			if ck.Value == l {
				return l
			}
		}
	}
	for _, part := range strings.Split(c.Request().Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "zh"):
			return "zh-CN"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return Languages[0]
}

func (s *Server) setLang(c echo.Context) error {
	lang := c.Param("lang")
	ok := false
	for _, l := range Languages {
		ok = ok || l == lang
	}
	if !ok {
		return &pageError{status: http.StatusBadRequest, msgKey: "error.field", field: "lang", reason: "one of " + strings.Join(Languages, ", ")}
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	back := c.Request().Referer()
	if i := strings.Index(back, Prefix+"/"); i >= 0 {
		back = back[i:]
	}
	return c.Redirect(http.StatusFound, safeNext(back))
}
