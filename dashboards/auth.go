package dashboards

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// sessionCookie is the ticket API's session cookie: one login serves the
// pages and the JSON API alike.
const sessionCookie = "deskmine_session"

const (
	userKey    = "dashboards.user"
	sessionKey = "dashboards.session"
	csrfField  = "_csrf"
)

func currentUser(c echo.Context) *auth.User {
	u, _ := c.Get(userKey).(*auth.User)
	return u
}

func actorOf(c echo.Context) ticketcore.Actor {
	u := currentUser(c)
	return ticketcore.Actor{UserID: u.ID, Name: u.Login, Role: string(u.Role)}
}

// requireLogin sends visitors without a session to the login page and
// answers 403 to a role the page is not for.
func (s *Server) requireLogin(roles []auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ck, err := c.Cookie(sessionCookie)
			if err != nil || ck.Value == "" {
				return s.toLogin(c)
			}
			u, err := s.opts.Auth.AuthenticateSession(c.Request().Context(), ck.Value)
			if errors.Is(err, auth.ErrUnauthorized) {
				return s.toLogin(c)
			}
			if err != nil {
				return err
			}
			c.Set(userKey, u)
			c.Set(sessionKey, ck.Value)
			if !slices.Contains(roles, u.Role) {
				return &pageError{status: http.StatusForbidden, msgKey: "error.forbidden"}
			}
			return next(c)
		}
	}
}

func (s *Server) toLogin(c echo.Context) error {
	if c.Request().Method != http.MethodGet {
		return &pageError{status: http.StatusUnauthorized, msgKey: "error.session"}
	}
	return c.Redirect(http.StatusFound, Prefix+"/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
}

// csrfToken binds a form to the session that rendered it: a page of another
// site cannot know it, so it cannot post as the user.
func csrfToken(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("deskmine dashboards form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodGet {
			return next(c)
		}
		session, _ := c.Get(sessionKey).(string)
		got := c.FormValue(csrfField)
		if session == "" || !hmac.Equal([]byte(got), []byte(csrfToken(session))) {
			return &pageError{status: http.StatusForbidden, msgKey: "error.csrf"}
		}
		return next(c)
	}
}

// safeNext keeps a post-login redirect on this site's pages.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return Prefix + "/"
	}
	return next
}

func (s *Server) loginForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "login", map[string]any{"Next": safeNext(c.QueryParam("next"))})
}

func (s *Server) login(c echo.Context) error {
	login, password := strings.TrimSpace(c.FormValue("login")), c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	data := map[string]any{"Next": next, "Login": login}
	if login == "" || password == "" {
		data["Error"] = "login.missing"
		return s.render(c, http.StatusUnprocessableEntity, "login", data)
	}
	secret, u, err := s.opts.Auth.Login(c.Request().Context(), login, password)
	if errors.Is(err, auth.ErrUnauthorized) {
		data["Error"] = "login.failed"
		return s.render(c, http.StatusUnauthorized, "login", data)
	}
	if err != nil {
		return err
	}
	if u.Role == auth.RoleClient {
		_ = s.opts.Auth.Logout(c.Request().Context(), secret)
		data["Error"] = "login.client"
		return s.render(c, http.StatusForbidden, "login", data)
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.opts.SecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.opts.Auth.SessionTTL().Seconds())})
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if c.FormValue(csrfField) != csrfToken(ck.Value) {
			return &pageError{status: http.StatusForbidden, msgKey: "error.csrf"}
		}
		if err := s.opts.Auth.Logout(c.Request().Context(), ck.Value); err != nil && !errors.Is(err, auth.ErrUnauthorized) {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, Prefix+"/login")
}
