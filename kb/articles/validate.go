package articles

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Bounds on content; they keep one article readable and one row small.
const (
	minTitle       = 3
	maxTitle       = 200
	maxProblem     = 10000
	maxSymptoms    = 50
	maxSymptom     = 500
	maxSteps       = 100
	maxStep        = 2000
	maxLabels      = 30 // tags, products, product versions, categories each
	maxLabel       = 100
	maxSources     = 1000
	maxMinerKey    = 200
	maxLogin       = 100
	maxNote        = 2000
	maxCommentBody = 10000
	maxQuery       = 1000
)

// Normalize trims every field and list item, lower-cases the language and
// drops repeated labels (tags, products, versions, categories, ignoring
// case), then checks the bounds. The first invalid field is returned as a
// *FieldError.
func (c Content) Normalize() (Content, error) {
	out := Content{
		Title:   strings.TrimSpace(c.Title),
		Problem: strings.TrimSpace(c.Problem),
		Lang:    strings.ToLower(strings.TrimSpace(c.Lang)),
	}
	if err := checkText("title", out.Title, minTitle, maxTitle); err != nil {
		return Content{}, err
	}
	if err := checkText("problem", out.Problem, 1, maxProblem); err != nil {
		return Content{}, err
	}
	var err error
	if out.Symptoms, err = normList("symptoms", c.Symptoms, 0, maxSymptoms, maxSymptom, false); err != nil {
		return Content{}, err
	}
	if out.Steps, err = normList("steps", c.Steps, 1, maxSteps, maxStep, false); err != nil {
		return Content{}, err
	}
	if out.Tags, err = normList("tags", c.Tags, 0, maxLabels, maxLabel, true); err != nil {
		return Content{}, err
	}
	if out.Products, err = normList("products", c.Products, 0, maxLabels, maxLabel, true); err != nil {
		return Content{}, err
	}
	if out.ProductVersions, err = normList("product_versions", c.ProductVersions, 0, maxLabels, maxLabel, true); err != nil {
		return Content{}, err
	}
	if out.Categories, err = normList("categories", c.Categories, 0, maxLabels, maxLabel, true); err != nil {
		return Content{}, err
	}
	if out.Lang != "zh" && out.Lang != "en" {
		return Content{}, &FieldError{"lang", fmt.Sprintf("must be zh or en, got %q", c.Lang)}
	}
	return out, nil
}

func checkText(field, s string, minLen, maxLen int) error {
	if !utf8.ValidString(s) {
		return &FieldError{field, "is not valid UTF-8"}
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return &FieldError{field, "is required"}
	case n < minLen || n > maxLen:
		return &FieldError{field, fmt.Sprintf("must be %d to %d characters, got %d", minLen, maxLen, n)}
	}
	return nil
}

// normList trims the items of a list; an empty list comes back nil so that
// a stored and re-read content compares equal to the normalised input.
func normList(field string, in []string, minItems, maxItems, maxLen int, dedupe bool) ([]string, error) {
	if len(in) < minItems {
		return nil, &FieldError{field, fmt.Sprintf("needs at least %d item(s)", minItems)}
	}
	if len(in) > maxItems {
		return nil, &FieldError{field, fmt.Sprintf("has %d items, at most %d allowed", len(in), maxItems)}
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for i, s := range in {
		s = strings.TrimSpace(s)
		if err := checkText(fmt.Sprintf("%s[%d]", field, i), s, 1, maxLen); err != nil {
			return nil, err
		}
		if dedupe {
			k := strings.ToLower(s)
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, s)
	}
	return out, nil
}

// normalize checks a candidate input and returns it with normalised content,
// a default kind and de-duplicated sources.
func (in CandidateInput) normalize() (CandidateInput, error) {
	out := in
	if out.Kind == "" {
		out.Kind = KindNew
	}
	switch out.Kind {
	case KindNew:
		if out.TargetArticleID != 0 {
			return CandidateInput{}, &FieldError{"target_article_id", "must be empty for a new article"}
		}
	case KindUpdate:
		if out.TargetArticleID <= 0 {
			return CandidateInput{}, &FieldError{"target_article_id", "is required for an update"}
		}
	default:
		return CandidateInput{}, &FieldError{"kind", fmt.Sprintf("must be new or update, got %q", in.Kind)}
	}
	c, err := in.Content.Normalize()
	if err != nil {
		return CandidateInput{}, prefixField("content.", err)
	}
	out.Content = c
	if len(in.Sources) > maxSources {
		return CandidateInput{}, &FieldError{"sources", fmt.Sprintf("has %d items, at most %d allowed", len(in.Sources), maxSources)}
	}
	out.Sources = nil
	seen := map[int64]bool{}
	for i, id := range in.Sources {
		if id <= 0 {
			return CandidateInput{}, &FieldError{fmt.Sprintf("sources[%d]", i), "must be a positive ticket id"}
		}
		if !seen[id] {
			seen[id] = true
			out.Sources = append(out.Sources, id)
		}
	}
	if in.Evidence < 0 {
		return CandidateInput{}, &FieldError{"evidence", "must not be negative"}
	}
	if math.IsNaN(in.Consistency) || in.Consistency < 0 || in.Consistency > 1 {
		return CandidateInput{}, &FieldError{"consistency", "must be between 0 and 1"}
	}
	out.MinerKey = strings.TrimSpace(in.MinerKey)
	if len(out.MinerKey) > maxMinerKey {
		return CandidateInput{}, &FieldError{"miner_key", fmt.Sprintf("must be at most %d bytes", maxMinerKey)}
	}
	return out, nil
}

// prefixField puts the enclosing field's name in front of a FieldError's
// field, so that the HTTP layer can point at the right JSON path.
func prefixField(prefix string, err error) error {
	if fe, ok := err.(*FieldError); ok {
		return &FieldError{prefix + fe.Field, fe.Reason}
	}
	return err
}

func normLogin(field, login string) (string, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return "", &FieldError{field, "is required"}
	}
	if len(login) > maxLogin || !utf8.ValidString(login) || strings.ContainsAny(login, " \t\r\n") {
		return "", &FieldError{field, "must be a login without spaces, at most 100 bytes"}
	}
	return login, nil
}

// normNote trims a free-text note; required notes may not be empty.
func normNote(note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	if note == "" && !required {
		return "", nil
	}
	if err := checkText("note", note, 1, maxNote); err != nil {
		return "", err
	}
	return note, nil
}

func normCommentBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	if err := checkText("body", body, 1, maxCommentBody); err != nil {
		return "", err
	}
	return body, nil
}

// normalize checks feedback supplied by an agent.
func (f Feedback) normalize() (Feedback, error) {
	out := Feedback{TicketID: f.TicketID, CaseTicketID: f.CaseTicketID, ArticleID: f.ArticleID, Kind: f.Kind,
		Query: strings.TrimSpace(f.Query)}
	if f.TicketID <= 0 {
		return Feedback{}, &FieldError{"ticket_id", "must be a positive ticket id"}
	}
	if f.CaseTicketID < 0 {
		return Feedback{}, &FieldError{"case_ticket_id", "must not be negative"}
	}
	if f.ArticleID < 0 {
		return Feedback{}, &FieldError{"article_id", "must not be negative"}
	}
	if (f.CaseTicketID == 0) == (f.ArticleID == 0) {
		return Feedback{}, &FieldError{"case_ticket_id", "exactly one of case_ticket_id and article_id must be set"}
	}
	switch f.Kind {
	case FeedbackHelpful, FeedbackNotHelpful, FeedbackUsed, FeedbackDuplicate:
	default:
		return Feedback{}, &FieldError{"kind", fmt.Sprintf("must be helpful, not_helpful, used or duplicate, got %q", f.Kind)}
	}
	if !utf8.ValidString(out.Query) || utf8.RuneCountInString(out.Query) > maxQuery {
		return Feedback{}, &FieldError{"query", fmt.Sprintf("must be valid UTF-8 of at most %d characters", maxQuery)}
	}
	return out, nil
}

// pageBounds applies the default and maximum page size.
func pageBounds(limit, offset int) (int, int, error) {
	if limit < 0 {
		return 0, 0, &FieldError{"limit", "must not be negative"}
	}
	if offset < 0 {
		return 0, 0, &FieldError{"offset", "must not be negative"}
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	return min(limit, MaxLimit), offset, nil
}
