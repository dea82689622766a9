package articles

import "testing"

func TestEventTypes(t *testing.T) {
	cand := map[Action]EventType{ActCreate: EventCandidateCreated, ActEdit: EventCandidateEdited, ActAssign: EventCandidateAssigned,
		ActSubmit: EventCandidateSubmitted, ActApprove: EventCandidateApproved, ActReject: EventCandidateRejected,
		ActRequestChanges: EventCandidateChangesRequested, ActComment: EventCandidateCommented}
	for a, want := range cand {
		if got := candidateEventType(a); got != want {
			t.Errorf("candidate %s -> %s, want %s", a, got, want)
		}
	}
	art := map[Action]EventType{ActPublish: EventArticlePublished, ActAddVersion: EventArticleVersionAdded,
		ActRollback: EventArticleRolledBack, ActArchive: EventArticleArchived, ActUnarchive: EventArticleUnarchived,
		ActBestPractice: EventArticleBestPractice, ActComment: EventArticleCommented}
	for a, want := range art {
		if got := articleEventType(a); got != want {
			t.Errorf("article %s -> %s, want %s", a, got, want)
		}
	}
}
