package articles

import (
	"encoding/json"
	"time"
)

// EventType names a change in the kb_events log.
type EventType string

// Event types. Candidate events carry a CandidateEvent, article events an
// ArticleEvent and feedback events a Feedback.
const (
	EventCandidateCreated          EventType = "candidate.created"
	EventCandidateEdited           EventType = "candidate.edited"
	EventCandidateAssigned         EventType = "candidate.assigned"
	EventCandidateSubmitted        EventType = "candidate.submitted"
	EventCandidateApproved         EventType = "candidate.approved"
	EventCandidateRejected         EventType = "candidate.rejected"
	EventCandidateChangesRequested EventType = "candidate.changes_requested"
	EventCandidateCommented        EventType = "candidate.commented"
	EventArticlePublished          EventType = "article.published"
	EventArticleVersionAdded       EventType = "article.version_added"
	EventArticleRolledBack         EventType = "article.rolled_back"
	EventArticleArchived           EventType = "article.archived"
	EventArticleUnarchived         EventType = "article.unarchived"
	EventArticleBestPractice       EventType = "article.best_practice"
	EventArticleCommented          EventType = "article.commented"
	EventFeedbackRecorded          EventType = "feedback.recorded"
)

// Event is one entry of the append-only log, written in the same
// transaction as the change it describes. Seq grows in commit order.
type Event struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Type     EventType       `json:"type"`
	Actor    string          `json:"actor"`
	Entity   string          `json:"entity"`
	EntityID int64           `json:"entity_id"`
	Payload  json.RawMessage `json:"payload"`
}

// CandidateEvent is the payload of candidate events: the candidate after
// the change (without comments) and the step or comment that changed it.
type CandidateEvent struct {
	Candidate  Candidate   `json:"candidate"`
	Transition *Transition `json:"transition,omitempty"`
	Comment    *Comment    `json:"comment,omitempty"`
}

// ArticleEvent is the payload of article events: the whole article after the
// change, with its current content, so that a replica rebuilds the published
// set by keeping the last snapshot of each article id.
type ArticleEvent struct {
	Article    Article     `json:"article"`
	Version    *Version    `json:"version,omitempty"` // the version the change created
	Transition *Transition `json:"transition,omitempty"`
	Comment    *Comment    `json:"comment,omitempty"`
}

// candidateEventType maps a candidate action to its event.
func candidateEventType(a Action) EventType {
	switch a {
	case ActCreate:
		return EventCandidateCreated
	case ActEdit:
		return EventCandidateEdited
	case ActAssign:
		return EventCandidateAssigned
	case ActSubmit:
		return EventCandidateSubmitted
	case ActApprove:
		return EventCandidateApproved
	case ActReject:
		return EventCandidateRejected
	case ActRequestChanges:
		return EventCandidateChangesRequested
	}
	return EventCandidateCommented
}

// articleEventType maps an article action to its event.
func articleEventType(a Action) EventType {
	switch a {
	case ActPublish:
		return EventArticlePublished
	case ActAddVersion:
		return EventArticleVersionAdded
	case ActRollback:
		return EventArticleRolledBack
	case ActArchive:
		return EventArticleArchived
	case ActUnarchive:
		return EventArticleUnarchived
	case ActBestPractice:
		return EventArticleBestPractice
	}
	return EventArticleCommented
}
