package articles

import (
	"fmt"
	"strings"
)

// Action names a workflow step; it is also what a Transition records.
type Action string

// Actions on candidates, articles and feedback.
const (
	ActCreate         Action = "create"
	ActEdit           Action = "edit"
	ActComment        Action = "comment"
	ActAssign         Action = "assign"
	ActSubmit         Action = "submit"
	ActApprove        Action = "approve"
	ActReject         Action = "reject"
	ActRequestChanges Action = "request_changes"
	// ActPublish and ActAddVersion are what an approval does to an article.
	ActPublish      Action = "publish"
	ActAddVersion   Action = "add_version"
	ActRollback     Action = "rollback"
	ActArchive      Action = "archive"
	ActUnarchive    Action = "unarchive"
	ActBestPractice Action = "best_practice"
	ActFeedback     Action = "feedback"
)

// Allowed reports whether a role may perform an action at all; the state
// and the assigned reviewer are checked by CandidateStep and ArticleStep.
func Allowed(role string, a Action) bool {
	drafter := role == RoleAgent || role == RoleManager || role == RoleReviewer || role == RoleAdmin
	reviewer := role == RoleReviewer || role == RoleAdmin
	switch a {
	case ActCreate, ActEdit, ActComment, ActSubmit, ActFeedback:
		return drafter
	case ActAssign, ActApprove, ActReject, ActRequestChanges, ActPublish, ActAddVersion,
		ActRollback, ActArchive, ActUnarchive, ActBestPractice:
		return reviewer
	}
	return false
}

// Authorize returns an error wrapping ErrForbidden unless actor may perform a.
func Authorize(actor Actor, a Action) error {
	if strings.TrimSpace(actor.Login) == "" {
		return fmt.Errorf("an actor without a login may not %s: %w", a, ErrForbidden)
	}
	if !Allowed(actor.Role, a) {
		return fmt.Errorf("role %q may not %s: %w", actor.Role, a, ErrForbidden)
	}
	return nil
}

// CandidateStep decides whether actor may apply a to candidate c and returns
// the state c moves to. It is the whole candidate state machine:
//
//	candidate, changes_requested --edit--> (same)
//	candidate, changes_requested --submit--> in_review (needs a reviewer)
//	in_review --approve--> approved
//	in_review --reject--> rejected
//	in_review --request_changes--> changes_requested
//	any non-final --assign, comment--> (same)
//
// Review decisions belong to the assigned reviewer; an admin may take them
// over.
func CandidateStep(actor Actor, c Candidate, a Action) (Status, error) {
	if err := Authorize(actor, a); err != nil {
		return "", err
	}
	illegal := func() (Status, error) {
		return "", fmt.Errorf("candidate %d is %s, cannot %s: %w", c.ID, c.Status, a, ErrConflict)
	}
	switch a {
	case ActEdit:
		if c.Status != StatusCandidate && c.Status != StatusChangesRequested {
			return illegal()
		}
		return c.Status, nil
	case ActComment, ActAssign:
		if c.Status.Final() {
			return illegal()
		}
		return c.Status, nil
	case ActSubmit:
		if c.Status != StatusCandidate && c.Status != StatusChangesRequested {
			return illegal()
		}
		if c.Reviewer == "" {
			return "", &FieldError{"reviewer", "is required: the candidate has no assigned reviewer"}
		}
		return StatusInReview, nil
	case ActApprove, ActReject, ActRequestChanges:
		if c.Status != StatusInReview {
			return illegal()
		}
		if actor.Role != RoleAdmin && c.Reviewer != actor.Login {
			return "", fmt.Errorf("candidate %d is assigned to %q, not %q: %w", c.ID, c.Reviewer, actor.Login, ErrForbidden)
		}
		switch a {
		case ActApprove:
			return StatusApproved, nil
		case ActReject:
			return StatusRejected, nil
		}
		return StatusChangesRequested, nil
	}
	return "", fmt.Errorf("%s is not a candidate action: %w", a, ErrConflict)
}

// SubmitReviewer returns the reviewer a submission leaves assigned. Anyone
// who may submit may name a reviewer for a candidate that has none (assign
// on submit); replacing an assigned reviewer is an assignment, reserved to
// reviewers and admins.
func SubmitReviewer(actor Actor, c Candidate, nominated string) (string, error) {
	if strings.TrimSpace(nominated) == "" {
		return c.Reviewer, nil
	}
	login, err := normLogin("reviewer", nominated)
	if err != nil {
		return "", err
	}
	if c.Reviewer != "" && c.Reviewer != login {
		if err := Authorize(actor, ActAssign); err != nil {
			return "", fmt.Errorf("candidate %d is assigned to %q: %w", c.ID, c.Reviewer, err)
		}
	}
	return login, nil
}

// ArticleStep decides whether actor may apply a to article art and returns
// the status it moves to:
//
//	published --archive--> archived --unarchive--> published
//	published --add_version, rollback--> published (archived articles take no new version)
//	any --best_practice, comment--> (same)
func ArticleStep(actor Actor, art Article, a Action) (ArticleStatus, error) {
	if err := Authorize(actor, a); err != nil {
		return "", err
	}
	illegal := func() (ArticleStatus, error) {
		return "", fmt.Errorf("article %d is %s, cannot %s: %w", art.ID, art.Status, a, ErrConflict)
	}
	switch a {
	case ActArchive, ActAddVersion, ActRollback:
		if art.Status != ArticlePublished {
			return illegal()
		}
		if a == ActArchive {
			return ArticleArchived, nil
		}
		return ArticlePublished, nil
	case ActUnarchive:
		if art.Status != ArticleArchived {
			return illegal()
		}
		return ArticlePublished, nil
	case ActBestPractice, ActComment:
		return art.Status, nil
	}
	return "", fmt.Errorf("%s is not an article action: %w", a, ErrConflict)
}
