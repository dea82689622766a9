package articles

import (
	"context"
	"path/filepath"
	"time"
)

// Store keeps candidates, articles, feedback and the event log. Every
// method that changes something runs in one transaction, together with its
// history rows and events. Reads take no actor: the HTTP layer lets clients
// see published articles only.
type Store interface {
	// CreateCandidate stores a new candidate in state candidate. When
	// in.MinerKey is set and a candidate with that key exists that is not
	// rejected, that candidate is returned instead and created is false.
	CreateCandidate(ctx context.Context, actor Actor, in CandidateInput) (c Candidate, created bool, err error)
	// GetCandidate returns a candidate with its comments.
	GetCandidate(ctx context.Context, id int64) (Candidate, error)
	// ListCandidates returns candidates oldest first, without comments.
	ListCandidates(ctx context.Context, f CandidateFilter) ([]Candidate, error)
	// UpdateCandidate replaces the content of a candidate that is in state
	// candidate or changes_requested. expectedRevision is the revision the
	// editor read; a different stored revision is an ErrConflict.
	UpdateCandidate(ctx context.Context, actor Actor, id int64, content Content, expectedRevision int64) (Candidate, error)
	// Assign makes reviewer the candidate's reviewer.
	Assign(ctx context.Context, actor Actor, id int64, reviewer string) (Candidate, error)
	// Submit moves a candidate to in_review; reviewer, if not empty, is
	// assigned at the same time (see SubmitReviewer).
	Submit(ctx context.Context, actor Actor, id int64, reviewer, note string) (Candidate, error)
	// Approve publishes the candidate: a new article at version 1, or a new
	// version of the target article.
	Approve(ctx context.Context, actor Actor, id int64, note string) (Article, error)
	// Reject ends the candidate; note (the reason) is required.
	Reject(ctx context.Context, actor Actor, id int64, note string) (Candidate, error)
	// RequestChanges sends the candidate back to its author; note is required.
	RequestChanges(ctx context.Context, actor Actor, id int64, note string) (Candidate, error)
	CommentCandidate(ctx context.Context, actor Actor, id int64, body string) (Comment, error)
	CommentArticle(ctx context.Context, actor Actor, id int64, body string) (Comment, error)
	// History lists a candidate's transitions, oldest first.
	History(ctx context.Context, candidateID int64) ([]Transition, error)
	// ArticleHistory lists an article's transitions, oldest first.
	ArticleHistory(ctx context.Context, articleID int64) ([]Transition, error)

	// GetArticle returns an article with its current content and comments.
	GetArticle(ctx context.Context, id int64) (Article, error)
	// ListArticles returns articles by id, with current content, without comments.
	ListArticles(ctx context.Context, f ArticleFilter) ([]Article, error)
	Versions(ctx context.Context, articleID int64) ([]Version, error)
	Version(ctx context.Context, articleID int64, number int) (Version, error)
	// Diff compares the rendered text of two versions of an article.
	Diff(ctx context.Context, articleID int64, from, to int) (Diff, error)
	// Rollback appends a version whose content is that of toVersion.
	Rollback(ctx context.Context, actor Actor, articleID int64, toVersion int, note string) (Article, error)
	Archive(ctx context.Context, actor Actor, articleID int64, note string) (Article, error)
	Unarchive(ctx context.Context, actor Actor, articleID int64, note string) (Article, error)
	// SetBestPractice marks or unmarks an article; setting the flag it
	// already has changes nothing and writes no event.
	SetBestPractice(ctx context.Context, actor Actor, articleID int64, on bool) (Article, error)
	// PublishedArticles returns every published article with its current
	// content, by id: what the search index and the miner start from.
	PublishedArticles(ctx context.Context) ([]Article, error)

	// RecordFeedback appends an agent's judgement of a suggestion.
	RecordFeedback(ctx context.Context, actor Actor, f Feedback) (Feedback, error)
	// FeedbackScores sums the feedback per suggested case ticket and per article.
	FeedbackScores(ctx context.Context) (cases map[int64]Score, articles map[int64]Score, err error)
	// ArticlesUsed maps each ticket agents marked an article "used" for to
	// that article (the latest one marked): the article that solved it.
	ArticlesUsed(ctx context.Context) (map[int64]int64, error)
	// UnhelpedTickets lists, ascending, the tickets whose suggestions were
	// marked not helpful at or after since, and never helpful or used.
	UnhelpedTickets(ctx context.Context, since time.Time) ([]int64, error)

	// EventsAfter returns up to limit (1..MaxEvents) events with seq > seq.
	EventsAfter(ctx context.Context, seq int64, limit int) ([]Event, error)
	Close() error
}

// DefaultPath is where the embedded SQLite store lives under a data directory.
func DefaultPath(dataDir string) string {
	return filepath.Join(dataDir, "kb", "articles.db")
}

// Open opens the store named by dsn: a postgres:// (or postgresql://) URL
// selects PostgreSQL, anything else is a SQLite file path whose parent
// directories are created. Migrations run on open.
func Open(ctx context.Context, dsn string) (Store, error) {
	return openSQL(ctx, dsn)
}
