package api

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

// The routing desk: teams, agents, routing rules, explain and queues under
// /api/v1/teams, /api/v1/agents, /api/v1/routing and /api/v1/queue. Without
// Options.Desk these routes answer 404.

func (s *Server) desk() (*desk.Desk, error) {
	if s.opts.Desk == nil {
		return nil, disabled("routing desk routes")
	}
	return s.opts.Desk, nil
}

// settingVersion reads the expected version of a settings document from
// If-Match ("3", 3 or W/"3"); required answers 428 without it. allowZero
// accepts 0, the version of a document not yet saved.
func settingVersion(c echo.Context, what string, allowZero bool) (int64, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		return 0, &apiError{Status: http.StatusPreconditionRequired, Code: string(ticketcore.CodePrecondition),
			Message: "send If-Match with the " + what + " version you are changing", Fields: map[string]string{"If-Match": "is required"}}
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil || v < 0 || (v == 0 && !allowZero) {
		return 0, badRequest("If-Match", "must be the "+what+" version, a positive integer")
	}
	return v, nil
}

func versionTag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// versioned answers with a settings resource, its version as the ETag.
func versioned(c echo.Context, status int, version int64, body any) error {
	c.Response().Header().Set("ETag", versionTag(version))
	return c.JSON(status, body)
}

// keyFromPath fills an empty key of a body from the path parameter and
// refuses one that names another resource.
func keyFromPath(c echo.Context, param string, key *string) error {
	if *key == "" {
		*key = c.Param(param)
		return nil
	}
	if *key != c.Param(param) {
		return badRequest(param, "must equal the "+param+" in the path")
	}
	return nil
}

func (s *Server) listTeams(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	teams, err := d.Teams(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"teams": teams})
}

func (s *Server) getTeam(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	t, err := d.Team(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	return versioned(c, http.StatusOK, t.Version, t)
}

// createTeam stores a new team; a team of that name already there is 409.
func (s *Server) createTeam(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	var in desk.Team
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := d.PutTeam(c.Request().Context(), actorOf(c), in, 0)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/teams/"+t.Name)
	return versioned(c, http.StatusCreated, t.Version, t)
}

// putTeam replaces a team at the version in If-Match.
func (s *Server) putTeam(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	version, err := settingVersion(c, "team", false)
	if err != nil {
		return err
	}
	var in desk.Team
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := keyFromPath(c, "name", &in.Name); err != nil {
		return err
	}
	t, err := d.PutTeam(c.Request().Context(), actorOf(c), in, version)
	if err != nil {
		return err
	}
	return versioned(c, http.StatusOK, t.Version, t)
}

func (s *Server) deleteTeam(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	version, err := settingVersion(c, "team", false)
	if err != nil {
		return err
	}
	if err := d.DeleteTeam(c.Request().Context(), actorOf(c), c.Param("name"), version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listAgents(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	agents, err := d.Agents(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"agents": agents})
}

func (s *Server) getAgent(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	a, err := d.Agent(c.Request().Context(), c.Param("login"))
	if err != nil {
		return err
	}
	return versioned(c, http.StatusOK, a.Version, a)
}

// createAgent stores a new agent; an agent of that login already there is 409.
func (s *Server) createAgent(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	var in desk.Agent
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a, err := d.PutAgent(c.Request().Context(), actorOf(c), in, 0)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/api/v1/agents/"+a.Login)
	return versioned(c, http.StatusCreated, a.Version, a)
}

func (s *Server) putAgent(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	version, err := settingVersion(c, "agent", false)
	if err != nil {
		return err
	}
	var in desk.Agent
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := keyFromPath(c, "login", &in.Login); err != nil {
		return err
	}
	a, err := d.PutAgent(c.Request().Context(), actorOf(c), in, version)
	if err != nil {
		return err
	}
	return versioned(c, http.StatusOK, a.Version, a)
}

// deleteAgent removes an agent after re-routing their open tickets, and
// says where those went.
func (s *Server) deleteAgent(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	version, err := settingVersion(c, "agent", false)
	if err != nil {
		return err
	}
	moved, err := d.DeleteAgent(c.Request().Context(), actorOf(c), c.Param("login"), version)
	if err != nil {
		return err
	}
	if moved == nil {
		moved = []desk.Reroute{}
	}
	return c.JSON(http.StatusOK, map[string]any{"rerouted": moved})
}

type agentStatusInput struct {
	Status routing.Status `json:"status"`
}

// setAgentStatus changes an agent's availability. Admins and managers may
// change anyone's; an agent only their own.
func (s *Server) setAgentStatus(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	login := c.Param("login")
	if u := currentUser(c); u.Role == auth.RoleAgent && u.Login != login {
		return &apiError{Status: http.StatusForbidden, Code: string(ticketcore.CodeForbidden), Message: "an agent may change only their own status"}
	}
	var in agentStatusInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := d.SetAgentStatus(c.Request().Context(), actorOf(c), login, in.Status)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) historyOf(c echo.Context, kind, name string) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	h, err := d.History(c.Request().Context(), kind, name)
	if err != nil {
		return err
	}
	if len(h) == 0 && kind != desk.KindRules {
		return ticketcore.NotFound(kind, name)
	}
	if h == nil {
		h = []ticketcore.SettingChange{}
	}
	return c.JSON(http.StatusOK, map[string]any{"kind": kind, "name": name, "history": h})
}

func (s *Server) teamHistory(c echo.Context) error {
	return s.historyOf(c, desk.KindTeam, c.Param("name"))
}

func (s *Server) agentHistory(c echo.Context) error {
	return s.historyOf(c, desk.KindAgent, c.Param("login"))
}

func (s *Server) rulesHistory(c echo.Context) error {
	return s.historyOf(c, desk.KindRules, desk.RulesName)
}

func (s *Server) getRules(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	r, err := d.Rules(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", versionTag(int64(r.Version)))
	return c.JSON(http.StatusOK, r)
}

// putRules saves a new version of the rule set after the one in If-Match
// (0 for the first save).
func (s *Server) putRules(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	version, err := settingVersion(c, "rule set", true)
	if err != nil {
		return err
	}
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send the body as application/json", Fields: map[string]string{"Content-Type": "must be application/json"}}
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return jsonError(err)
	}
	r, err := d.PutRules(c.Request().Context(), actorOf(c), body, version)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", versionTag(int64(r.Version)))
	return c.JSON(http.StatusOK, r)
}

func (s *Server) explainRouting(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	var in desk.ExplainRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ex, err := d.Explain(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ex)
}

// queue serves an agent's queue, most pressing first: the caller's own, or
// for admins and managers the agent named.
func (s *Server) queue(c echo.Context) error {
	d, err := s.desk()
	if err != nil {
		return err
	}
	u := currentUser(c)
	qp := c.QueryParams()
	q := desk.QueueQuery{Agent: qp.Get("agent")}
	if q.Agent == "" {
		q.Agent = u.Login
	} else if u.Role == auth.RoleAgent && q.Agent != u.Login {
		return &apiError{Status: http.StatusForbidden, Code: string(ticketcore.CodeForbidden), Message: "an agent may read only their own queue"}
	}
	if v := qp.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("limit", "must be an integer")
		}
		if n < 1 {
			return ticketcore.Invalid("limit", "must be between 1 and 200")
		}
		q.Limit = n
	}
	if v := qp.Get("unassigned"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("unassigned", "must be true or false")
		}
		q.Unassigned = b
	}
	entries, err := d.Queue(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"agent": q.Agent, "queue": entries})
}
