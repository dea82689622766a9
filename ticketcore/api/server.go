// Package api is the REST API of the ticket core, on echo v4.
package api

import (
	"context"
	_ "embed"
	"errors"
	"github.com/deskmine/deskmine/ticketcore/attach"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

//go:embed openapi.json
var openAPIDoc []byte

// Options configure the API server.
type Options struct {
	// Attachments stores ticket files; nil answers the attachment routes 404.
	Attachments   *attach.Store
	MaxBodyBytes  int64
	SecureCookies bool
	Logger        *slog.Logger
	// Ready reports whether the backing store answers, for /healthz.
	Ready func(ctx context.Context) error
	// Notifier serves /api/v1/notifications; nil answers those routes 404.
	Notifier *notify.Notifier
	// Webhooks stores the webhook endpoints managed under /api/v1/webhooks;
	// nil answers those routes 404. The SQL store implements it.
	Webhooks WebhookStore
	// Desk serves the routing desk (teams, agents, routing rules, explain,
	// queues) and makes ticket changes with the assignee "auto" re-route;
	// nil answers those routes 404 and changes tickets through the service.
	Desk *desk.Desk
	// SLA serves the SLA routes (calendars, SLA policies, manual
	// escalation, a ticket's clocks) with SLASettings storing the
	// calendars and policies; either nil answers those routes 404.
	// *slaclock.Clocks implements SLA and the SQL store SLASettings.
	SLA         SLAClocks
	SLASettings ticketcore.SettingsStore
	// Extra are routes served by other parts (the analytics API), mounted
	// behind the same authentication and role check as the API's own and
	// listed by Routes.
	Extra []ExtraRoute
}

// ExtraRoute is a route another part serves, with the roles that may call it.
type ExtraRoute struct {
	Method, Path string
	Roles        []auth.Role
	Handler      echo.HandlerFunc
}

// Server serves the REST API.
type Server struct {
	svc     *ticketcore.Service
	auth    *auth.Service
	opts    Options
	log     *slog.Logger
	echo    *echo.Echo
	reg     *prometheus.Registry
	metrics *metrics
	// webhookMu serialises the read-modify-write of endpoint changes in this
	// process, so that an update cannot write back a secret that a
	// concurrent rotation has just replaced.
	webhookMu sync.Mutex
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	created  prometheus.Counter
	changes  *prometheus.CounterVec
}

// Route is one endpoint and who may call it. Public routes need no login.
type Route struct {
	Method string
	Path   string
	Roles  []auth.Role
	Public bool
}

var (
	everyone  = []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleAgent, auth.RoleReviewer, auth.RoleClient}
	staff     = []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleAgent, auth.RoleReviewer}
	workers   = []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleAgent}
	creators  = []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleAgent, auth.RoleClient}
	managers  = []auth.Role{auth.RoleAdmin, auth.RoleManager}
	adminOnly = []auth.Role{auth.RoleAdmin}
)

// New builds the server and its routes.
func New(svc *ticketcore.Service, authSvc *auth.Service, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 2 << 20
	}
	s := &Server{svc: svc, auth: authSvc, opts: opts, log: opts.Logger, echo: echo.New(), reg: prometheus.NewRegistry()}
	s.initMetrics()
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.log.Error("panic in handler", "path", c.Path(), "err", err, "stack", string(stack))
		return err
	}}))
	e.Use(middleware.RequestID())
	e.Use(s.observe)
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, opts.MaxBodyBytes)
			return next(c)
		}
	})
	for _, r := range s.routeTable() {
		e.Add(r.route.Method, r.route.Path, r.handler, s.guard(r.route))
	}
	return s
}

type boundRoute struct {
	route   Route
	handler echo.HandlerFunc
}

func (s *Server) routeTable() []boundRoute {
	table := []boundRoute{
		{Route{Method: http.MethodGet, Path: "/healthz", Public: true}, s.healthz},
		{Route{Method: http.MethodGet, Path: "/metrics", Public: true}, echo.WrapHandler(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))},
		{Route{Method: http.MethodGet, Path: "/api/v1/openapi.json", Public: true}, s.openapi},
		{Route{Method: http.MethodPost, Path: "/api/v1/auth/login", Public: true}, s.login},
		{Route{Method: http.MethodPost, Path: "/api/v1/public/confirm", Public: true}, s.confirm},
		{Route{Method: http.MethodPost, Path: "/api/v1/intake/hook/:source", Public: true}, s.receiveHook},
		{Route{Method: http.MethodPost, Path: "/api/v1/public/csat", Public: true}, s.rateByLink},
		{Route{Method: http.MethodPost, Path: "/api/v1/auth/logout", Roles: everyone}, s.logout},
		{Route{Method: http.MethodGet, Path: "/api/v1/auth/me", Roles: everyone}, s.me},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets", Roles: creators}, s.createTicket},
		{Route{Method: http.MethodGet, Path: "/api/v1/tickets", Roles: everyone}, s.listTickets},
		{Route{Method: http.MethodGet, Path: "/api/v1/tickets/:id", Roles: everyone}, s.getTicket},
		{Route{Method: http.MethodPatch, Path: "/api/v1/tickets/:id", Roles: workers}, s.patchTicket},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/transitions", Roles: workers}, s.transition},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/comments", Roles: creators}, s.comment},
		{Route{Method: http.MethodGet, Path: "/api/v1/tickets/:id/comments", Roles: everyone}, s.listComments},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/attachments", Roles: creators}, s.addAttachment},
		{Route{Method: http.MethodGet, Path: "/api/v1/tickets/:id/attachments", Roles: everyone}, s.listAttachments},
		{Route{Method: http.MethodGet, Path: "/api/v1/tickets/:id/attachments/:sha", Roles: everyone}, s.getAttachment},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/subtickets", Roles: workers}, s.createSubticket},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/handoff", Roles: workers}, s.handoff},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/merge", Roles: workers}, s.merge},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/links", Roles: workers}, s.link},
		{Route{Method: http.MethodDelete, Path: "/api/v1/tickets/:id/links", Roles: workers}, s.unlink},
		{Route{Method: http.MethodPut, Path: "/api/v1/tickets/:id/csat", Roles: creators}, s.rateCSAT},
		{Route{Method: http.MethodGet, Path: "/api/v1/tickets/:id/history", Roles: staff}, s.history},
		{Route{Method: http.MethodGet, Path: "/api/v1/events", Roles: managers}, s.events},
		{Route{Method: http.MethodGet, Path: "/api/v1/customers/:id", Roles: workers}, s.customer},
		{Route{Method: http.MethodGet, Path: "/api/v1/workflow", Roles: everyone}, s.workflow},
		{Route{Method: http.MethodGet, Path: "/api/v1/fields", Roles: everyone}, s.listFields},
		{Route{Method: http.MethodPut, Path: "/api/v1/fields/:name", Roles: adminOnly}, s.putField},
		{Route{Method: http.MethodDelete, Path: "/api/v1/fields/:name", Roles: adminOnly}, s.deleteField},
		{Route{Method: http.MethodGet, Path: "/api/v1/users", Roles: adminOnly}, s.listUsers},
		{Route{Method: http.MethodPost, Path: "/api/v1/users", Roles: adminOnly}, s.createUser},
		{Route{Method: http.MethodGet, Path: "/api/v1/users/:id/tokens", Roles: adminOnly}, s.listTokens},
		{Route{Method: http.MethodPost, Path: "/api/v1/users/:id/tokens", Roles: adminOnly}, s.createToken},
		{Route{Method: http.MethodDelete, Path: "/api/v1/users/:id/tokens/:token_id", Roles: adminOnly}, s.revokeToken},
		{Route{Method: http.MethodGet, Path: "/api/v1/notifications", Roles: staff}, s.listNotifications},
		{Route{Method: http.MethodPost, Path: "/api/v1/notifications/:id/read", Roles: staff}, s.markNotificationRead},
		{Route{Method: http.MethodPost, Path: "/api/v1/notifications/read-all", Roles: staff}, s.markAllNotificationsRead},
		{Route{Method: http.MethodGet, Path: "/api/v1/webhooks", Roles: adminOnly}, s.listWebhooks},
		{Route{Method: http.MethodPost, Path: "/api/v1/webhooks", Roles: adminOnly}, s.createWebhook},
		{Route{Method: http.MethodPut, Path: "/api/v1/webhooks/:id", Roles: adminOnly}, s.updateWebhook},
		{Route{Method: http.MethodDelete, Path: "/api/v1/webhooks/:id", Roles: adminOnly}, s.deleteWebhook},
		{Route{Method: http.MethodPost, Path: "/api/v1/webhooks/:id/rotate-secret", Roles: adminOnly}, s.rotateWebhookSecret},
		{Route{Method: http.MethodGet, Path: "/api/v1/teams", Roles: staff}, s.listTeams},
		{Route{Method: http.MethodPost, Path: "/api/v1/teams", Roles: managers}, s.createTeam},
		{Route{Method: http.MethodGet, Path: "/api/v1/teams/:name", Roles: staff}, s.getTeam},
		{Route{Method: http.MethodPut, Path: "/api/v1/teams/:name", Roles: managers}, s.putTeam},
		{Route{Method: http.MethodDelete, Path: "/api/v1/teams/:name", Roles: managers}, s.deleteTeam},
		{Route{Method: http.MethodGet, Path: "/api/v1/teams/:name/history", Roles: staff}, s.teamHistory},
		{Route{Method: http.MethodGet, Path: "/api/v1/agents", Roles: staff}, s.listAgents},
		{Route{Method: http.MethodPost, Path: "/api/v1/agents", Roles: managers}, s.createAgent},
		{Route{Method: http.MethodGet, Path: "/api/v1/agents/:login", Roles: staff}, s.getAgent},
		{Route{Method: http.MethodPut, Path: "/api/v1/agents/:login", Roles: managers}, s.putAgent},
		{Route{Method: http.MethodDelete, Path: "/api/v1/agents/:login", Roles: managers}, s.deleteAgent},
		{Route{Method: http.MethodGet, Path: "/api/v1/agents/:login/history", Roles: staff}, s.agentHistory},
		{Route{Method: http.MethodPost, Path: "/api/v1/agents/:login/status", Roles: workers}, s.setAgentStatus},
		{Route{Method: http.MethodGet, Path: "/api/v1/routing/rules", Roles: staff}, s.getRules},
		{Route{Method: http.MethodPut, Path: "/api/v1/routing/rules", Roles: managers}, s.putRules},
		{Route{Method: http.MethodGet, Path: "/api/v1/routing/rules/history", Roles: staff}, s.rulesHistory},
		{Route{Method: http.MethodPost, Path: "/api/v1/routing/explain", Roles: managers}, s.explainRouting},
		{Route{Method: http.MethodGet, Path: "/api/v1/queue", Roles: workers}, s.queue},
		{Route{Method: http.MethodGet, Path: "/api/v1/calendars", Roles: staff}, s.listCalendars},
		{Route{Method: http.MethodPost, Path: "/api/v1/calendars", Roles: managers}, s.createCalendar},
		{Route{Method: http.MethodGet, Path: "/api/v1/calendars/:name", Roles: staff}, s.getCalendar},
		{Route{Method: http.MethodPut, Path: "/api/v1/calendars/:name", Roles: managers}, s.putCalendar},
		{Route{Method: http.MethodDelete, Path: "/api/v1/calendars/:name", Roles: managers}, s.deleteCalendar},
		{Route{Method: http.MethodGet, Path: "/api/v1/calendars/:name/history", Roles: staff}, s.calendarHistory},
		{Route{Method: http.MethodGet, Path: "/api/v1/sla-policies", Roles: staff}, s.listPolicies},
		{Route{Method: http.MethodPost, Path: "/api/v1/sla-policies", Roles: managers}, s.createPolicy},
		{Route{Method: http.MethodGet, Path: "/api/v1/sla-policies/:id", Roles: staff}, s.getPolicy},
		{Route{Method: http.MethodPut, Path: "/api/v1/sla-policies/:id", Roles: managers}, s.putPolicy},
		{Route{Method: http.MethodDelete, Path: "/api/v1/sla-policies/:id", Roles: managers}, s.deletePolicy},
		{Route{Method: http.MethodGet, Path: "/api/v1/sla-policies/:id/history", Roles: staff}, s.policyHistory},
		{Route{Method: http.MethodGet, Path: "/api/v1/tickets/:id/customer-links", Roles: workers}, s.customerLinks},
		{Route{Method: http.MethodPost, Path: "/api/v1/intake/email", Roles: []auth.Role{auth.RoleAdmin, auth.RoleClient}}, s.receiveMail},
		{Route{Method: http.MethodGet, Path: "/api/v1/intake-sources", Roles: adminOnly}, s.listIntakeSources},
		{Route{Method: http.MethodPost, Path: "/api/v1/intake-sources", Roles: adminOnly}, s.createIntakeSource},
		{Route{Method: http.MethodGet, Path: "/api/v1/intake-sources/:name", Roles: adminOnly}, s.getIntakeSource},
		{Route{Method: http.MethodPut, Path: "/api/v1/intake-sources/:name", Roles: adminOnly}, s.putIntakeSource},
		{Route{Method: http.MethodDelete, Path: "/api/v1/intake-sources/:name", Roles: adminOnly}, s.deleteIntakeSource},
		{Route{Method: http.MethodGet, Path: "/api/v1/approval-policies", Roles: staff}, s.listApprovalPolicies},
		{Route{Method: http.MethodPost, Path: "/api/v1/approval-policies", Roles: managers}, s.createApprovalPolicy},
		{Route{Method: http.MethodGet, Path: "/api/v1/approval-policies/:name", Roles: staff}, s.getApprovalPolicy},
		{Route{Method: http.MethodPut, Path: "/api/v1/approval-policies/:name", Roles: managers}, s.putApprovalPolicy},
		{Route{Method: http.MethodDelete, Path: "/api/v1/approval-policies/:name", Roles: managers}, s.deleteApprovalPolicy},
		{Route{Method: http.MethodGet, Path: "/api/v1/approval-policies/:name/history", Roles: staff}, s.approvalPolicyHistory},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/approvals/:approval", Roles: staff}, s.decide},
		{Route{Method: http.MethodGet, Path: "/api/v1/checklists", Roles: staff}, s.listChecklists},
		{Route{Method: http.MethodPost, Path: "/api/v1/checklists", Roles: managers}, s.createChecklist},
		{Route{Method: http.MethodGet, Path: "/api/v1/checklists/:type", Roles: staff}, s.getChecklist},
		{Route{Method: http.MethodPut, Path: "/api/v1/checklists/:type", Roles: managers}, s.putChecklist},
		{Route{Method: http.MethodDelete, Path: "/api/v1/checklists/:type", Roles: managers}, s.deleteChecklist},
		{Route{Method: http.MethodGet, Path: "/api/v1/checklists/:type/history", Roles: staff}, s.checklistHistory},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/checklist/:item", Roles: workers}, s.check},
		{Route{Method: http.MethodPost, Path: "/api/v1/tickets/:id/escalations", Roles: workers}, s.escalate},
		{Route{Method: http.MethodGet, Path: "/api/v1/tickets/:id/sla", Roles: staff}, s.ticketSLA},
	}
	for _, x := range s.opts.Extra {
		table = append(table, boundRoute{Route{Method: x.Method, Path: x.Path, Roles: slices.Clone(x.Roles)}, x.Handler})
	}
	return table
}

// Routes lists every endpoint with its roles, for the role matrix and the
// OpenAPI document checks.
func (s *Server) Routes() []Route {
	table := s.routeTable()
	out := make([]Route, len(table))
	for i, r := range table {
		out[i] = r.route
	}
	return out
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo exposes the echo instance so other parts (dashboards) can mount routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Registry is the Prometheus registry served at /metrics; other parts may
// register their collectors on it.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

func (s *Server) initMetrics() {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deskmine_http_requests_total",
			Help: "HTTP requests by method, route and status code."}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "deskmine_http_request_duration_seconds",
			Help: "HTTP request latency by method and route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}},
			[]string{"method", "route"}),
		created: prometheus.NewCounter(prometheus.CounterOpts{Name: "deskmine_tickets_created_total",
			Help: "Tickets created through the API."}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deskmine_ticket_changes_total",
			Help: "Ticket changes through the API by kind."}, []string{"kind"}),
	}
	s.reg.MustRegister(m.requests, m.duration, m.created, m.changes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.metrics = m
}

func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // write the response now so the status below is the real one
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		s.metrics.requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(c.Request().Method, route).Observe(time.Since(start).Seconds())
		return nil
	}
}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae, known := toAPIError(err)
	if !known {
		s.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
	}
	if ae.Status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="deskmine"`)
	}
	if werr := c.JSON(ae.Status, map[string]any{"error": ae}); werr != nil {
		s.log.Warn("write error response", "err", werr)
	}
}

const sessionCookie = "deskmine_session"

type ctxKey string

const userKey ctxKey = "user"

// guard authenticates the caller and checks the route's roles.
func (s *Server) guard(r Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if r.Public {
			return next
		}
		return func(c echo.Context) error {
			u, err := s.authenticate(c)
			if err != nil {
				return err
			}
			if !slices.Contains(r.Roles, u.Role) {
				return &apiError{Status: http.StatusForbidden, Code: string(ticketcore.CodeForbidden),
					Message: "role " + string(u.Role) + " may not " + r.Method + " " + r.Path}
			}
			c.Set(string(userKey), u)
			return next(c)
		}
	}
}

var errUnauthenticated = &apiError{Status: http.StatusUnauthorized, Code: string(ticketcore.CodeUnauthorized),
	Message: "log in or send Authorization: Bearer <token>"}

func (s *Server) authenticate(c echo.Context) (*auth.User, error) {
	ctx := c.Request().Context()
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, errUnauthenticated
		}
		u, err := s.auth.AuthenticateToken(ctx, strings.TrimSpace(tok))
		if errors.Is(err, auth.ErrUnauthorized) {
			return nil, errUnauthenticated
		}
		return u, err
	}
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		u, err := s.auth.AuthenticateSession(ctx, ck.Value)
		if errors.Is(err, auth.ErrUnauthorized) {
			return nil, errUnauthenticated
		}
		return u, err
	}
	return nil, errUnauthenticated
}

func currentUser(c echo.Context) *auth.User {
	u, _ := c.Get(string(userKey)).(*auth.User)
	return u
}

// CurrentUser is the authenticated user of a request served by an extra
// route (nil when there is none), so that other parts act as that user.
func CurrentUser(c echo.Context) *auth.User { return currentUser(c) }

func actorOf(c echo.Context) ticketcore.Actor {
	u := currentUser(c)
	return ticketcore.Actor{UserID: u.ID, Name: u.Login, Role: string(u.Role)}
}

func (s *Server) healthz(c echo.Context) error {
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			s.log.Warn("health check failed", "err", err)
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDoc)
}
