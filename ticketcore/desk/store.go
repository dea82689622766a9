package desk

import (
	"context"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// Store is what the desk reads and writes besides the ticket service: the
// settings documents, the users, and three questions about open tickets.
// ticketcore/store implements it on SQLite and PostgreSQL.
type Store interface {
	ticketcore.SettingsStore
	UserByLogin(ctx context.Context, login string) (*auth.User, error)
	// AssignedLoads counts the assigned tickets in the given states by
	// assignee and priority, in one consistent snapshot, and returns the
	// highest event sequence number that snapshot contains.
	AssignedLoads(ctx context.Context, statuses []string) (LoadSnapshot, error)
	// TicketsInStates lists tickets in the given states, most urgent
	// priority first, then oldest.
	TicketsInStates(ctx context.Context, q TicketQuery) ([]ticketcore.Ticket, error)
	// RecentAssignees maps each customer to the assignee of their most
	// recently updated assigned ticket among those updated since the time given.
	RecentAssignees(ctx context.Context, since time.Time) (map[int64]string, error)
}

// AssignedCount is the number of tickets of one assignee and priority.
type AssignedCount struct {
	Assignee string
	Priority string
	Count    int
}

// LoadSnapshot is the assigned open tickets as of the event Seq.
type LoadSnapshot struct {
	Counts []AssignedCount
	Seq    int64
}

// TicketQuery selects tickets in some states: those assigned to Assignee,
// or, when Assignee is empty, the unassigned tickets of Team.
type TicketQuery struct {
	Statuses []string
	Assignee string
	Team     string
	Limit    int // per state
}
