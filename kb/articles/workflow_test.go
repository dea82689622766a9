package articles

import (
	"errors"
	"testing"
)

func TestAllowed(t *testing.T) {
	drafting := []Action{ActCreate, ActEdit, ActComment, ActSubmit, ActFeedback}
	reviewing := []Action{ActAssign, ActApprove, ActReject, ActRequestChanges, ActPublish, ActAddVersion,
		ActRollback, ActArchive, ActUnarchive, ActBestPractice}
	mayDraft := map[string]bool{RoleAgent: true, RoleManager: true, RoleReviewer: true, RoleAdmin: true}
	mayReview := map[string]bool{RoleReviewer: true, RoleAdmin: true}
	for _, role := range []string{RoleAdmin, RoleManager, RoleAgent, RoleReviewer, RoleClient, "", "Admin"} {
		for _, a := range drafting {
			if got := Allowed(role, a); got != mayDraft[role] {
				t.Errorf("Allowed(%q, %s) = %v", role, a, got)
			}
		}
		for _, a := range reviewing {
			if got := Allowed(role, a); got != mayReview[role] {
				t.Errorf("Allowed(%q, %s) = %v", role, a, got)
			}
		}
		if Allowed(role, "fly") {
			t.Errorf("Allowed(%q, unknown action)", role)
		}
	}
}

func TestAuthorize(t *testing.T) {
	if err := Authorize(Actor{Login: "a", Role: RoleAgent}, ActCreate); err != nil {
		t.Error(err)
	}
	for _, a := range []Actor{{Login: " ", Role: RoleAdmin}, {Login: "c", Role: RoleClient}} {
		if err := Authorize(a, ActComment); !errors.Is(err, ErrForbidden) {
			t.Errorf("Authorize(%+v) = %v", a, err)
		}
	}
}

func TestCandidateStep(t *testing.T) {
	admin := Actor{Login: "ada", Role: RoleAdmin}
	rita := Actor{Login: "rita", Role: RoleReviewer}
	rob := Actor{Login: "rob", Role: RoleReviewer}
	agent := Actor{Login: "alice", Role: RoleAgent}
	cand := func(s Status, reviewer string) Candidate { return Candidate{ID: 7, Status: s, Reviewer: reviewer} }
	cases := []struct {
		actor Actor
		c     Candidate
		a     Action
		to    Status
		err   error // nil, a sentinel, or fieldErr
	}{
		{agent, cand(StatusCandidate, ""), ActEdit, StatusCandidate, nil},
		{agent, cand(StatusChangesRequested, "rita"), ActEdit, StatusChangesRequested, nil},
		{agent, cand(StatusInReview, "rita"), ActEdit, "", ErrConflict},
		{agent, cand(StatusApproved, "rita"), ActEdit, "", ErrConflict},
		{agent, cand(StatusCandidate, "rita"), ActSubmit, StatusInReview, nil},
		{agent, cand(StatusCandidate, ""), ActSubmit, "", fieldErr},
		{agent, cand(StatusChangesRequested, "rita"), ActSubmit, StatusInReview, nil},
		{agent, cand(StatusRejected, "rita"), ActSubmit, "", ErrConflict},
		{agent, cand(StatusInReview, "rita"), ActComment, StatusInReview, nil},
		{agent, cand(StatusApproved, "rita"), ActComment, "", ErrConflict},
		{rob, cand(StatusInReview, "rita"), ActAssign, StatusInReview, nil},
		{rob, cand(StatusRejected, "rita"), ActAssign, "", ErrConflict},
		{agent, cand(StatusCandidate, ""), ActAssign, "", ErrForbidden},
		{rita, cand(StatusInReview, "rita"), ActApprove, StatusApproved, nil},
		{rita, cand(StatusInReview, "rita"), ActReject, StatusRejected, nil},
		{rita, cand(StatusInReview, "rita"), ActRequestChanges, StatusChangesRequested, nil},
		{rob, cand(StatusInReview, "rita"), ActApprove, "", ErrForbidden},
		{rob, cand(StatusInReview, "rita"), ActReject, "", ErrForbidden},
		{admin, cand(StatusInReview, "rita"), ActApprove, StatusApproved, nil},
		{agent, cand(StatusInReview, "rita"), ActApprove, "", ErrForbidden},
		{rita, cand(StatusCandidate, "rita"), ActApprove, "", ErrConflict},
		{rita, cand(StatusApproved, "rita"), ActApprove, "", ErrConflict},
		{rita, cand(StatusChangesRequested, "rita"), ActReject, "", ErrConflict},
		{admin, cand(StatusCandidate, ""), ActRollback, "", ErrConflict}, // not a candidate action
	}
	for _, tc := range cases {
		to, err := CandidateStep(tc.actor, tc.c, tc.a)
		if !matchErr(err, tc.err) || to != tc.to {
			t.Errorf("%s by %s on %s: got %q, %v; want %q, %v", tc.a, tc.actor.Login, tc.c.Status, to, err, tc.to, tc.err)
		}
	}
}

// fieldErr stands for any *FieldError in tables.
var fieldErr = errors.New("field error")

func matchErr(err, want error) bool {
	if want == fieldErr {
		var fe *FieldError
		return errors.As(err, &fe)
	}
	if want == nil {
		return err == nil
	}
	return errors.Is(err, want)
}

func TestSubmitReviewer(t *testing.T) {
	agent := Actor{Login: "alice", Role: RoleAgent}
	rob := Actor{Login: "rob", Role: RoleReviewer}
	cases := []struct {
		actor     Actor
		assigned  string
		nominated string
		want      string
		err       error
	}{
		{agent, "", "", "", nil},
		{agent, "rita", "", "rita", nil},
		{agent, "", " rita ", "rita", nil},
		{agent, "rita", "rita", "rita", nil},
		{agent, "rita", "rob", "", ErrForbidden},
		{rob, "rita", "rob", "rob", nil},
		{agent, "", "two words", "", fieldErr},
	}
	for _, tc := range cases {
		got, err := SubmitReviewer(tc.actor, Candidate{ID: 1, Reviewer: tc.assigned}, tc.nominated)
		if got != tc.want || !matchErr(err, tc.err) {
			t.Errorf("%s nominates %q over %q: got %q, %v; want %q, %v", tc.actor.Login, tc.nominated, tc.assigned, got, err, tc.want, tc.err)
		}
	}
}

func TestArticleStep(t *testing.T) {
	rita := Actor{Login: "rita", Role: RoleReviewer}
	agent := Actor{Login: "alice", Role: RoleAgent}
	pub := Article{ID: 3, Status: ArticlePublished}
	arch := Article{ID: 3, Status: ArticleArchived}
	cases := []struct {
		actor Actor
		art   Article
		a     Action
		to    ArticleStatus
		err   error
	}{
		{rita, pub, ActArchive, ArticleArchived, nil},
		{rita, arch, ActArchive, "", ErrConflict},
		{rita, arch, ActUnarchive, ArticlePublished, nil},
		{rita, pub, ActUnarchive, "", ErrConflict},
		{rita, pub, ActAddVersion, ArticlePublished, nil},
		{rita, arch, ActAddVersion, "", ErrConflict},
		{rita, pub, ActRollback, ArticlePublished, nil},
		{rita, arch, ActRollback, "", ErrConflict},
		{rita, arch, ActBestPractice, ArticleArchived, nil},
		{agent, pub, ActBestPractice, "", ErrForbidden},
		{agent, arch, ActComment, ArticleArchived, nil},
		{agent, pub, ActArchive, "", ErrForbidden},
		{rita, pub, ActSubmit, "", ErrConflict}, // not an article action
	}
	for _, tc := range cases {
		to, err := ArticleStep(tc.actor, tc.art, tc.a)
		if to != tc.to || !matchErr(err, tc.err) {
			t.Errorf("%s by %s on %s: got %q, %v; want %q, %v", tc.a, tc.actor.Login, tc.art.Status, to, err, tc.to, tc.err)
		}
	}
}
