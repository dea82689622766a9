// Package dashboards is Deskmine's web UI: server-rendered pages on echo
// with charts built by go-echarts and drawn by the echarts script the
// binary embeds, so that a page needs nothing outside the server.
//
// Managers get the overview, hotspot explorer with drill-down, spikes, root
// causes, team and agent performance and time travel; agents their queue,
// the ticket page with similar cases, the status board and the skill
// matrix; the quality team the knowledge-base review screens. Every page
// speaks English and Simplified Chinese.
//
// The package sees the rest of Deskmine only through the interfaces below,
// which the ticket service, the routing desk, the analytics stores and the
// knowledge-base service satisfy; cmd/deskmine wires them.
package dashboards

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
)

// Prefix is the path under which every page lives.
const Prefix = "/ui"

// Sessions logs users in and out; *auth.Service implements it.
type Sessions interface {
	Login(ctx context.Context, login, password string) (string, *auth.User, error)
	AuthenticateSession(ctx context.Context, secret string) (*auth.User, error)
	Logout(ctx context.Context, secret string) error
	SessionTTL() time.Duration
}

// Tickets reads and changes tickets; *ticketcore.Service implements it.
type Tickets interface {
	Get(ctx context.Context, id int64) (*ticketcore.Ticket, error)
	List(ctx context.Context, q ticketcore.ListQuery) (ticketcore.ListPage, error)
	Comments(ctx context.Context, id int64, publicOnly bool) ([]ticketcore.TicketComment, error)
	History(ctx context.Context, id int64) ([]ticketcore.HistoryEntry, error)
	Comment(ctx context.Context, actor ticketcore.Actor, id int64, body string, public bool) (*ticketcore.Ticket, error)
	Transition(ctx context.Context, actor ticketcore.Actor, id, expectedVersion int64, in ticketcore.TransitionInput) (*ticketcore.Ticket, error)
	Workflow() ticketcore.Workflow
}

// Desk answers agents' queues and the roster; *desk.Desk implements it.
type Desk interface {
	Queue(ctx context.Context, q desk.QueueQuery) ([]desk.QueueEntry, error)
	Agents(ctx context.Context) ([]desk.Agent, error)
	Teams(ctx context.Context) ([]desk.Team, error)
}

// Analytics answers the manager pages; both analytics stores implement it.
type Analytics interface {
	analytics.Hotspotter
	analytics.Trender
	analytics.Performer
	analytics.BottleneckFinder
	analytics.RootCauser
	analytics.TimeTraveler
}

// Knowledge finds similar cases and holds the articles under review;
// *kb.Service implements it.
type Knowledge interface {
	Similar(ctx context.Context, r kb.SimilarRequest) (*kb.Similar, error)
	// RecordFeedback keeps an agent's judgement of a suggestion; it reranks
	// later answers.
	RecordFeedback(ctx context.Context, actor articles.Actor, f articles.Feedback) (articles.Feedback, error)
	Articles() articles.Store
	SyncArticles(ctx context.Context) error
}

// Options are the parts the pages draw on. Auth and Tickets are required;
// without Desk, Analytics or Knowledge the pages that need them answer 404.
type Options struct {
	Auth      Sessions
	Tickets   Tickets
	Desk      Desk
	Analytics Analytics
	Knowledge Knowledge
	// Location is the zone times are shown and analytics buckets cut in;
	// nil means UTC.
	Location      *time.Location
	SecureCookies bool
	Logger        *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server serves the pages.
type Server struct {
	opts   Options
	log    *slog.Logger
	echo   *echo.Echo
	views  *views
	assets *assets
}

// New builds the pages. It fails when the embedded assets lack the echarts
// script (scripts/assets copies it from npm before a build).
func New(opts Options) (*Server, error) {
	if opts.Auth == nil || opts.Tickets == nil {
		return nil, errors.New("dashboards: Auth and Tickets are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	as, err := loadAssets(staticFiles)
	if err != nil {
		return nil, err
	}
	vs, err := loadViews(templateFiles, as)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, echo: echo.New(), views: vs, assets: as}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.log.Error("panic in page", "path", c.Path(), "err", err, "stack", string(stack))
		return err
	}}))
	e.Use(secureHeaders)
	s.routes()
	return s, nil
}

// Handler is the http.Handler of every page under Prefix.
func (s *Server) Handler() http.Handler { return s.echo }

// page is one route and who may open it.
type page struct {
	method, path string
	roles        []auth.Role
	handler      echo.HandlerFunc
	needs        func(*Server) bool // false: the part it needs is not wired; 404
}

var (
	managersOnly = []auth.Role{auth.RoleAdmin, auth.RoleManager}
	workers      = []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleAgent}
	reviewers    = []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleReviewer}
	allStaff     = []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleAgent, auth.RoleReviewer}
)

func hasAnalytics(s *Server) bool { return s.opts.Analytics != nil }
func hasDesk(s *Server) bool      { return s.opts.Desk != nil }
func hasKB(s *Server) bool        { return s.opts.Knowledge != nil }

func (s *Server) pages() []page {
	return []page{
		{http.MethodGet, "/", allStaff, s.home, nil},
		{http.MethodGet, "/overview", managersOnly, s.overview, hasAnalytics},
		{http.MethodGet, "/hotspots", managersOnly, s.hotspots, hasAnalytics},
		{http.MethodGet, "/spikes", managersOnly, s.spikes, hasAnalytics},
		{http.MethodGet, "/rootcause", managersOnly, s.rootCause, hasAnalytics},
		{http.MethodGet, "/bottlenecks", managersOnly, s.bottlenecks, hasAnalytics},
		{http.MethodGet, "/performance", managersOnly, s.performance, hasAnalytics},
		{http.MethodGet, "/timetravel", managersOnly, s.timeTravel, hasAnalytics},
		{http.MethodGet, "/tickets", workers, s.ticketList, nil},
		{http.MethodGet, "/tickets/:id", workers, s.ticketPage, nil},
		{http.MethodPost, "/tickets/:id/comment", workers, s.postComment, nil},
		{http.MethodPost, "/tickets/:id/transition", workers, s.postTransition, nil},
		{http.MethodGet, "/similar", workers, s.similarFragment, hasKB},
		{http.MethodPost, "/tickets/:id/feedback", workers, s.postFeedback, hasKB},
		{http.MethodGet, "/queue", workers, s.queue, hasDesk},
		{http.MethodGet, "/board", workers, s.board, nil},
		{http.MethodGet, "/skills", workers, s.skills, hasDesk},
		{http.MethodGet, "/kb", reviewers, s.kbQueue, hasKB},
		{http.MethodGet, "/kb/candidates/:id", reviewers, s.kbCandidate, hasKB},
		{http.MethodPost, "/kb/candidates/:id/:action", reviewers, s.kbDecide, hasKB},
		{http.MethodGet, "/kb/articles", reviewers, s.kbArticles, hasKB},
		{http.MethodGet, "/kb/articles/:id", reviewers, s.kbArticle, hasKB},
	}
}

func (s *Server) routes() {
	g := s.echo.Group(Prefix)
	g.GET("/login", s.loginForm)
	g.POST("/login", s.login)
	g.POST("/logout", s.logout)
	g.GET("/lang/:lang", s.setLang)
	g.GET("/assets/*", s.asset)
	for _, p := range s.pages() {
		p := p
		h := p.handler
		if p.needs != nil && !p.needs(s) {
			h = func(c echo.Context) error { return echo.ErrNotFound }
		}
		g.Add(p.method, p.path, h, s.requireLogin(p.roles), s.checkCSRF)
	}
	s.echo.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, Prefix+"/") })
	s.echo.GET(Prefix, func(c echo.Context) error { return c.Redirect(http.StatusFound, Prefix+"/") })
}

// Routes lists the pages with their roles, for the docs and their test.
func (s *Server) Routes() []string {
	var out []string
	for _, p := range s.pages() {
		out = append(out, fmt.Sprintf("%s %s%s", p.method, Prefix, p.path))
	}
	return out
}

// home sends each role to the page it starts from.
func (s *Server) home(c echo.Context) error {
	u := currentUser(c)
	to := "/queue"
	switch u.Role {
	case auth.RoleAdmin, auth.RoleManager:
		to = "/overview"
	case auth.RoleReviewer:
		to = "/kb"
	}
	if to == "/queue" && s.opts.Desk == nil {
		to = "/tickets"
	}
	return c.Redirect(http.StatusFound, Prefix+to)
}

func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		// Everything a page uses comes from this server; the policy makes a
		// stray outside request fail loudly instead of leaking.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}

// errFS reports a template or asset file system problem at start-up.
func errFS(what string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("dashboards: %s missing (run scripts/assets): %w", what, err)
	}
	return fmt.Errorf("dashboards: %s: %w", what, err)
}
