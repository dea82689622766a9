// Package articles is the knowledge-base article store and its review
// workflow: candidates (mined from closed tickets or drafted by hand) go
// through review and, once approved, become versioned articles. It also keeps
// the agents' feedback on suggestions, and an append-only event log from
// which search replicas rebuild the published articles.
//
// The workflow rules live in workflow.go as plain functions; the SQL engine
// (SQLite by default, PostgreSQL to scale out) only persists what they
// decide, one transaction per operation. See docs/kb-review.md.
package articles

import (
	"errors"
	"time"
)

// Errors the HTTP layer maps to 403, 404 and 409; invalid input is a
// *FieldError (422).
var (
	ErrForbidden = errors.New("forbidden")
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
)

// FieldError reports one invalid input field.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Roles an Actor may have. They mirror the ticket core's roles as plain
// strings so that this package does not import it.
const (
	RoleAdmin    = "admin"
	RoleManager  = "manager"
	RoleAgent    = "agent"
	RoleReviewer = "reviewer"
	RoleClient   = "client"
)

// Actor is who performs an operation.
type Actor struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Role  string `json:"role"`
}

// Content is the body of a candidate or of one article version.
type Content struct {
	Title           string   `json:"title"`
	Problem         string   `json:"problem"`
	Symptoms        []string `json:"symptoms,omitempty"`
	Steps           []string `json:"steps,omitempty"`
	Tags            []string `json:"tags,omitempty"`
	Products        []string `json:"products,omitempty"`
	ProductVersions []string `json:"product_versions,omitempty"`
	Categories      []string `json:"categories,omitempty"`
	Lang            string   `json:"lang"` // "zh" or "en"
}

// Kind says whether a candidate proposes a new article or a new version of
// an existing one.
type Kind string

// Candidate kinds.
const (
	KindNew    Kind = "new"
	KindUpdate Kind = "update"
)

// Status is a candidate's place in the review workflow.
type Status string

// Candidate states; approved and rejected are final.
const (
	StatusCandidate        Status = "candidate"
	StatusInReview         Status = "in_review"
	StatusChangesRequested Status = "changes_requested"
	StatusApproved         Status = "approved"
	StatusRejected         Status = "rejected"
)

// Final reports whether no action other than reading applies any more.
func (s Status) Final() bool { return s == StatusApproved || s == StatusRejected }

// CandidateInput is what a miner or an author supplies to create a candidate.
type CandidateInput struct {
	Kind            Kind    `json:"kind"` // empty means new
	TargetArticleID int64   `json:"target_article_id,omitempty"`
	Content         Content `json:"content"`
	Sources         []int64 `json:"sources,omitempty"` // provenance ticket ids
	Evidence        int     `json:"evidence"`
	Consistency     float64 `json:"consistency"`
	// MinerKey is the miner's fingerprint of the cluster the candidate came
	// from; re-mining the same cluster returns the existing candidate.
	MinerKey string `json:"miner_key,omitempty"`
}

// Candidate is a proposed article or article update under review.
type Candidate struct {
	ID              int64   `json:"id"`
	Kind            Kind    `json:"kind"`
	TargetArticleID int64   `json:"target_article_id,omitempty"`
	Content         Content `json:"content"`
	Sources         []int64 `json:"sources,omitempty"`
	Evidence        int     `json:"evidence"`
	Consistency     float64 `json:"consistency"`
	MinerKey        string  `json:"miner_key,omitempty"`
	Status          Status  `json:"status"`
	Reviewer        string  `json:"reviewer,omitempty"` // login of the assigned reviewer
	Author          string  `json:"author"`
	ArticleID       int64   `json:"article_id,omitempty"` // the article it published, once approved
	// Revision grows with every change; UpdateCandidate takes the revision
	// the editor started from, so concurrent edits do not overwrite each other.
	Revision  int64     `json:"revision"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Comments  []Comment `json:"comments,omitempty"` // filled by GetCandidate only
}

// ArticleStatus says whether an article is shown.
type ArticleStatus string

// Article states.
const (
	ArticlePublished ArticleStatus = "published"
	ArticleArchived  ArticleStatus = "archived"
)

// Article is a published (or archived) knowledge-base article with its
// current version's content.
type Article struct {
	ID             int64         `json:"id"`
	Status         ArticleStatus `json:"status"`
	CurrentVersion int           `json:"current_version"`
	BestPractice   bool          `json:"best_practice"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	Content        Content       `json:"content"`
	Comments       []Comment     `json:"comments,omitempty"` // filled by GetArticle only
}

// Version is one immutable version of an article.
type Version struct {
	ArticleID         int64     `json:"article_id"`
	Number            int       `json:"number"`
	Content           Content   `json:"content"`
	Author            string    `json:"author"`
	ApprovedBy        string    `json:"approved_by"`
	SourceCandidateID int64     `json:"source_candidate_id,omitempty"`
	RollbackOf        int       `json:"rollback_of,omitempty"` // the version a rollback copied
	CreatedAt         time.Time `json:"created_at"`
	Note              string    `json:"note,omitempty"`
}

// Entities that comments, transitions and events refer to.
const (
	EntityCandidate = "candidate"
	EntityArticle   = "article"
	EntityFeedback  = "feedback"
)

// Comment is a remark on a candidate or an article.
type Comment struct {
	ID        int64     `json:"id"`
	Entity    string    `json:"entity"`
	EntityID  int64     `json:"entity_id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Transition is one recorded workflow step of a candidate or an article.
// From and To are candidate or article states; they are equal for steps
// that do not move the state (edit, assign, best practice).
type Transition struct {
	ID        int64     `json:"id"`
	Entity    string    `json:"entity"`
	EntityID  int64     `json:"entity_id"`
	Action    Action    `json:"action"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Actor     string    `json:"actor"`
	ActorRole string    `json:"actor_role"`
	Note      string    `json:"note,omitempty"`
	At        time.Time `json:"at"`
}

// FeedbackKind is what an agent said about a suggestion.
type FeedbackKind string

// Feedback kinds.
const (
	FeedbackHelpful    FeedbackKind = "helpful"
	FeedbackNotHelpful FeedbackKind = "not_helpful"
	FeedbackUsed       FeedbackKind = "used"
	FeedbackDuplicate  FeedbackKind = "duplicate"
)

// Feedback is one agent judgement of a suggested similar case or article.
// Exactly one of CaseTicketID and ArticleID is set.
type Feedback struct {
	Seq          int64        `json:"seq"` // assigned by the store
	At           time.Time    `json:"at"`  // assigned by the store
	Actor        string       `json:"actor"`
	TicketID     int64        `json:"ticket_id"` // the ticket the agent is working
	CaseTicketID int64        `json:"case_ticket_id,omitempty"`
	ArticleID    int64        `json:"article_id,omitempty"`
	Kind         FeedbackKind `json:"kind"`
	Query        string       `json:"query,omitempty"`
}

// Score counts the feedback on one suggestion.
type Score struct {
	Helpful    int `json:"helpful"`
	NotHelpful int `json:"not_helpful"`
	Used       int `json:"used"`
	Duplicate  int `json:"duplicate"`
}

// CandidateFilter selects candidates; empty fields match everything.
type CandidateFilter struct {
	Status   Status
	Kind     Kind
	Reviewer string
	Author   string
	Limit    int // 0 means DefaultLimit, at most MaxLimit
	Offset   int
}

// ArticleFilter selects articles; empty fields match everything. Category,
// product and tag match one list item of the current version, ignoring case.
type ArticleFilter struct {
	Status       ArticleStatus
	Category     string
	Product      string
	Tag          string
	BestPractice *bool
	Limit        int // 0 means DefaultLimit, at most MaxLimit
	Offset       int
}

// Paging bounds for lists.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	// MaxEvents bounds one EventsAfter page.
	MaxEvents = 1000
)
