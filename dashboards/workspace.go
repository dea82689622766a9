package dashboards

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
)

type queueData struct {
	Agent   string
	Agents  []string
	Entries []desk.QueueEntry
	Missing bool // the user is not on the roster
}

// queue: the agent's open tickets, most pressing first, with their teams'
// unassigned ones; managers may look at anyone's.
func (s *Server) queue(c echo.Context) error {
	u := currentUser(c)
	d := queueData{Agent: u.Login}
	if a := c.QueryParam("agent"); a != "" && a != u.Login {
		if u.Role != auth.RoleAdmin && u.Role != auth.RoleManager {
			return &pageError{status: http.StatusForbidden, msgKey: "error.forbidden"}
		}
		d.Agent = a
	}
	ctx := c.Request().Context()
	if u.Role != auth.RoleAgent {
		agents, err := s.opts.Desk.Agents(ctx)
		if err != nil {
			return err
		}
		for _, a := range agents {
			d.Agents = append(d.Agents, a.Login)
		}
	}
	entries, err := s.opts.Desk.Queue(ctx, desk.QueueQuery{Agent: d.Agent, Limit: 100, Unassigned: true})
	if te, ok := ticketcore.AsError(err); ok && te.Code == ticketcore.CodeNotFound {
		d.Missing = true
	} else if err != nil {
		return err
	}
	d.Entries = entries
	return s.render(c, http.StatusOK, "queue", d)
}

// card is a ticket on the status board with the time it has spent in its
// state.
type card struct {
	T     ticketcore.Ticket
	Since time.Time
	In    time.Duration
	Long  bool // in its state longer than the board's threshold
}

type column struct {
	Status string
	Cards  []card
	More   bool
}

type boardData struct {
	Columns []column
	Team    string
	Mine    bool
	Teams   []string
}

// boardPerColumn bounds the cards of one column; the oldest in their state
// matter most and come first.
const boardPerColumn = 40

// longInState marks a card that has waited in its state for longer.
const longInState = 72 * time.Hour

// board: open tickets as a kanban by state, with the time in the state.
func (s *Server) board(c echo.Context) error {
	d := boardData{Team: c.QueryParam("team")}
	switch c.QueryParam("mine") {
	case "", "0", "off":
	case "1", "on":
		d.Mine = true
	default:
		return badField("mine", "on or off")
	}
	ctx := c.Request().Context()
	if s.opts.Desk != nil {
		teams, err := s.opts.Desk.Teams(ctx)
		if err != nil {
			return err
		}
		for _, t := range teams {
			d.Teams = append(d.Teams, t.Name)
		}
	}
	wf := s.opts.Tickets.Workflow()
	var states []string
	for _, st := range wf.States {
		if st.Kind != ticketcore.KindClosed {
			states = append(states, st.Name)
		}
	}
	d.Columns = make([]column, len(states))
	g, gctx := errgroup.WithContext(ctx)
	for i, st := range states {
		g.Go(func() error {
			q := ticketcore.ListQuery{Status: []string{st}, Sort: "updated_at", Limit: boardPerColumn}
			if d.Team != "" {
				q.Team = []string{d.Team}
			}
			if d.Mine {
				q.Assignee = []string{currentUser(c).Login}
			}
			page, err := s.opts.Tickets.List(gctx, q)
			if err != nil {
				return err
			}
			col := column{Status: st, More: page.NextCursor != ""}
			for _, t := range page.Tickets {
				since, err := s.statusSince(gctx, t)
				if err != nil {
					return err
				}
				in := s.opts.Now().Sub(since)
				col.Cards = append(col.Cards, card{T: t, Since: since, In: in, Long: in > longInState})
			}
			sort.SliceStable(col.Cards, func(a, b int) bool { return col.Cards[a].Since.Before(col.Cards[b].Since) })
			d.Columns[i] = col
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "board", d)
}

// statusSince is when t entered its current state: its last status change,
// else its creation.
func (s *Server) statusSince(ctx context.Context, t ticketcore.Ticket) (time.Time, error) {
	hist, err := s.opts.Tickets.History(ctx, t.ID)
	if err != nil {
		return time.Time{}, err
	}
	for i := len(hist) - 1; i >= 0; i-- {
		for _, ch := range hist[i].Changes {
			if ch.Field == "status" {
				return hist[i].At, nil
			}
		}
	}
	return t.CreatedAt, nil
}

type skillsData struct {
	Skills []string
	Agents []desk.Agent
	Teams  []desk.Team
}

// skills: the skill matrix of the roster, agents by skills with levels.
func (s *Server) skills(c echo.Context) error {
	ctx := c.Request().Context()
	agents, err := s.opts.Desk.Agents(ctx)
	if err != nil {
		return err
	}
	teams, err := s.opts.Desk.Teams(ctx)
	if err != nil {
		return err
	}
	d := skillsData{Agents: agents, Teams: teams}
	for _, a := range agents {
		for sk := range a.Skills {
			if !slices.Contains(d.Skills, sk) {
				d.Skills = append(d.Skills, sk)
			}
		}
	}
	for _, t := range teams {
		for _, sk := range t.Skills {
			if !slices.Contains(d.Skills, sk) {
				d.Skills = append(d.Skills, sk)
			}
		}
	}
	sort.Strings(d.Skills)
	sort.Slice(d.Agents, func(i, j int) bool { return strings.ToLower(d.Agents[i].Login) < strings.ToLower(d.Agents[j].Login) })
	return s.render(c, http.StatusOK, "skills", d)
}
