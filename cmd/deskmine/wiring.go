package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

// This file holds the adapters that join the desk, the SLA clocks and the
// notifier; each part knows only its own interfaces.

// slaRemaining reads the time left to each ticket's next SLA deadline from
// the SLA clocks; it is the desk's SLASource.
type slaRemaining struct {
	clocks *slaclock.Clocks
	now    func() time.Time
	log    *slog.Logger
}

var _ desk.SLASource = slaRemaining{}

// SLARemaining implements desk.SLASource: per ticket, the least time left
// among its running clocks (wall time to the deadline) and paused ones
// (business time left of the target). Tickets without a clock with a
// target are left out; a ticket whose clocks cannot be read is left out
// and logged.
func (s slaRemaining) SLARemaining(ctx context.Context, ids []int64) map[int64]time.Duration {
	out := make(map[int64]time.Duration, len(ids))
	now := s.now()
	for _, id := range ids {
		st, err := s.clocks.Status(ctx, id)
		if err != nil {
			if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeNotFound {
				s.log.Warn("sla time remaining not read", "ticket", id, "err", err)
			}
			continue
		}
		first := true
		var least time.Duration
		for _, k := range st.Clocks {
			var left time.Duration
			switch {
			case k.State == "running" && k.Deadline != nil:
				left = k.Deadline.Sub(now)
			case k.State == "paused" && k.Target > 0:
				left = time.Duration((k.Target - k.Elapsed) * float64(time.Second))
			default:
				continue
			}
			if first || left < least {
				least, first = left, false
			}
		}
		if !first {
			out[id] = least
		}
	}
	return out
}

// notifier turns ticket changes and SLA notices into notifications: it is
// the SLA clocks' Notifier and a ticket service hook for assignments and
// mentions. Every failure is logged; none fails the change that caused it.
type notifier struct {
	n     *notify.Notifier
	users auth.Store
	desk  *desk.Desk // for the teams of managers (role lead); may be nil
	log   *slog.Logger
}

var (
	_ slaclock.Notifier = (*notifier)(nil)
	_ ticketcore.Hook   = (*notifier)(nil)
)

// sendTimeout bounds the notifications of one change.
const sendTimeout = 10 * time.Second

// NotifyEscalation implements slaclock.Notifier. Role "lead" is the
// managers who are agents of the ticket's team (every manager when none
// is), "manager" every manager, "assignee" the ticket's assignee; any other
// role names users of that account role. The assignee is always told of a
// warning.
func (w *notifier) NotifyEscalation(ctx context.Context, n slaclock.Notice) error {
	t := &n.Ticket
	users, err := w.activeUsers(ctx)
	if err != nil {
		return err
	}
	var ids []int64
	switch n.Role {
	case "lead":
		ids = w.leads(ctx, users, t.Team)
	case "manager":
		ids = withRole(users, auth.RoleManager)
	case "assignee":
		ids = byLogin(users, t.Assignee)
	default:
		ids = withRole(users, auth.Role(n.Role))
	}
	kind, what := notify.KindSLABreach, "SLA breached"
	if n.Trigger == slaclock.OnWarning {
		kind, what = notify.KindSLAWarning, "SLA warning"
		ids = append(ids, byLogin(users, t.Assignee)...)
	}
	if len(ids) == 0 {
		return fmt.Errorf("nobody to tell for role %q of ticket %d", n.Role, t.ID)
	}
	metric := strings.ReplaceAll(n.Metric, "_", " ")
	body := fmt.Sprintf("The %s target of ticket #%d is %s.", metric, t.ID, map[bool]string{true: "about to be missed", false: "missed"}[kind == notify.KindSLAWarning])
	if n.Reason != "" {
		body += " " + n.Reason
	}
	return w.send(ctx, notify.Message{Kind: kind, At: n.At, TicketID: t.ID, UserIDs: ids,
		Title: title(fmt.Sprintf("%s (%s) on ticket #%d", what, metric, t.ID), t.Subject), Body: clip(body, notify.MaxBodyLen)})
}

// leads returns the managers who are agents of team, or every manager when
// none is (or the desk cannot tell).
func (w *notifier) leads(ctx context.Context, users []auth.User, team string) []int64 {
	managers := withRole(users, auth.RoleManager)
	if w.desk == nil || team == "" {
		return managers
	}
	agents, err := w.desk.Agents(ctx)
	if err != nil {
		w.log.Warn("team leads not read; telling every manager", "team", team, "err", err)
		return managers
	}
	inTeam := map[string]bool{}
	for _, a := range agents {
		if slices.Contains(a.Teams, team) {
			inTeam[a.Login] = true
		}
	}
	var out []int64
	for _, u := range users {
		if u.Role == auth.RoleManager && inTeam[u.Login] {
			out = append(out, u.ID)
		}
	}
	if len(out) == 0 {
		return managers
	}
	return out
}

// InTx implements ticketcore.Hook; nothing is written in the transaction.
func (w *notifier) InTx(context.Context, ticketcore.Tx, *events.Event) error { return nil }

// AfterCommit implements ticketcore.Hook: the new assignee of a ticket is
// told (kind escalation when an escalation moved it, assignment otherwise)
// and the users @mentioned in a comment are told, except its author.
// Imported and demo history tells nobody.
func (w *notifier) AfterCommit(ctx context.Context, evs []*events.Event) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	for _, e := range evs {
		if e.Source == events.SourceImport || e.Source == events.SourceDemo {
			continue
		}
		if err := w.assigned(ctx, e); err != nil {
			w.log.Error("assignment notification not sent", "ticket", e.TicketID, "event", e.ID, "err", err)
		}
		if err := w.mentioned(ctx, e); err != nil {
			w.log.Error("mention notification not sent", "ticket", e.TicketID, "event", e.ID, "err", err)
		}
	}
}

func (w *notifier) assigned(ctx context.Context, e *events.Event) error {
	t := &e.Ticket
	if t.Assignee == "" {
		return nil
	}
	if _, changed := e.ChangeOf("assignee"); !changed && e.Type != events.TicketCreated {
		return nil
	}
	u, err := w.users.UserByLogin(ctx, t.Assignee)
	if errors.Is(err, auth.ErrNotFound) {
		return nil // an assignee without an account, e.g. from an import
	}
	if err != nil {
		return err
	}
	if !u.Active {
		return nil
	}
	kind, head := notify.KindAssignment, fmt.Sprintf("Ticket #%d assigned to you", t.ID)
	body := fmt.Sprintf("%s assigned ticket #%d to you.", e.Actor.Name, t.ID)
	if e.Type == events.TicketEscalated {
		kind, head = notify.KindEscalation, fmt.Sprintf("Ticket #%d escalated to you", t.ID)
		body = fmt.Sprintf("Ticket #%d was escalated to you.", t.ID)
	}
	if e.Reason != "" {
		body += " " + e.Reason
	}
	return w.send(ctx, notify.Message{Kind: kind, At: e.At, TicketID: t.ID, UserIDs: []int64{u.ID},
		Title: title(head, t.Subject), Body: clip(body, notify.MaxBodyLen)})
}

func (w *notifier) mentioned(ctx context.Context, e *events.Event) error {
	if e.Type != events.TicketCommented || e.Comment == nil {
		return nil
	}
	var ids []int64
	add := func(u *auth.User) {
		if u.Active && u.ID != e.Actor.ID && u.Role != auth.RoleClient && !slices.Contains(ids, u.ID) {
			ids = append(ids, u.ID)
		}
	}
	for _, login := range mentions(e.Comment.Body) {
		u, err := w.users.UserByLogin(ctx, login)
		if errors.Is(err, auth.ErrNotFound) {
			// Not a user: a team's name mentions every agent of the team.
			members, err := w.teamMembers(ctx, login)
			if err != nil {
				return err
			}
			for i := range members {
				add(&members[i])
			}
			continue
		}
		if err != nil {
			return err
		}
		add(u)
	}
	if len(ids) == 0 {
		return nil
	}
	note := "a comment"
	if !e.Comment.Public {
		note = "an internal note"
	}
	return w.send(ctx, notify.Message{Kind: notify.KindMention, At: e.At, TicketID: e.TicketID, UserIDs: ids,
		Title: title(fmt.Sprintf("%s mentioned you on ticket #%d", e.Actor.Name, e.TicketID), e.Ticket.Subject),
		Body:  clip(fmt.Sprintf("%s mentioned you in %s: %s", e.Actor.Name, note, e.Comment.Body), notify.MaxBodyLen)})
}

// teamMembers are the accounts of the agents of a team (none when there
// is no such team).
func (w *notifier) teamMembers(ctx context.Context, team string) ([]auth.User, error) {
	if w.desk == nil {
		return nil, nil
	}
	agents, err := w.desk.Agents(ctx)
	if err != nil {
		return nil, fmt.Errorf("read agents: %w", err)
	}
	var out []auth.User
	for _, a := range agents {
		if !slices.Contains(a.Teams, team) {
			continue
		}
		u, err := w.users.UserByLogin(ctx, a.Login)
		if errors.Is(err, auth.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, nil
}

func (w *notifier) send(ctx context.Context, m notify.Message) error {
	_, err := w.n.Notify(ctx, m)
	return err
}

// activeUsers lists the accounts that can be told anything.
func (w *notifier) activeUsers(ctx context.Context) ([]auth.User, error) {
	all, err := w.users.Users(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return slices.DeleteFunc(all, func(u auth.User) bool { return !u.Active }), nil
}

func withRole(users []auth.User, r auth.Role) []int64 {
	var out []int64
	for _, u := range users {
		if u.Role == r {
			out = append(out, u.ID)
		}
	}
	return out
}

func byLogin(users []auth.User, login string) []int64 {
	if login == "" {
		return nil
	}
	for _, u := range users {
		if u.Login == login {
			return []int64{u.ID}
		}
	}
	return nil
}

// mentionRE finds @login tokens not preceded by a login character (so an
// e-mail address is not a mention).
var mentionRE = regexp.MustCompile(`(?:^|[^A-Za-z0-9._@-])@([A-Za-z0-9][A-Za-z0-9._@-]*)`)

// mentions returns the logins @mentioned in a comment, in order, each once;
// punctuation that ends a sentence ("@ann.") is not part of the login.
func mentions(body string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(body, -1) {
		login := strings.TrimRight(m[1], ".-@")
		if login != "" && len(login) <= 64 && !slices.Contains(out, login) {
			out = append(out, login)
		}
	}
	return out
}

// title is "head: subject", cut to what a notification title may hold.
func title(head, subject string) string {
	if subject = strings.TrimSpace(subject); subject == "" {
		return clip(head, notify.MaxTitleLen)
	}
	return clip(head+": "+subject, notify.MaxTitleLen)
}

// clip cuts s to at most n characters, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// newNotifier returns the notification wiring of the server and registers
// it as a hook of the app's service.
func newNotifier(a *app, notes *notifications, d *desk.Desk) *notifier {
	w := &notifier{n: notes.notifier, users: a.auth.Store(), desk: d, log: a.log}
	a.svc.AddHook(w)
	return w
}
