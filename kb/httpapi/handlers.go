package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/classify"
	"github.com/deskmine/deskmine/kb/index"
	"github.com/deskmine/deskmine/kb/miner"
)

// Prediction is a suggested label with its alternatives.
type Prediction struct {
	Label        string   `json:"label"`
	Confidence   float64  `json:"confidence"`
	Alternatives []Scored `json:"alternatives"`
}

// Scored is one alternative label.
type Scored struct {
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
}

func prediction(p *classify.Prediction) *Prediction {
	if p == nil {
		return nil
	}
	out := &Prediction{Label: p.Label, Confidence: p.Confidence, Alternatives: []Scored{}}
	for _, a := range p.Alternatives {
		out.Alternatives = append(out.Alternatives, Scored{Label: a.Label, Confidence: a.Probability})
	}
	return out
}

// SimilarCase is one resolved ticket like the query.
type SimilarCase struct {
	TicketID   int64   `json:"ticket_id"`
	Score      float64 `json:"score"`
	Subject    string  `json:"subject"`
	Resolution string  `json:"resolution"`
	Category   string  `json:"category,omitempty"`
	Product    string  `json:"product,omitempty"`
	ArticleID  int64   `json:"article_id,omitempty"` // the article used to solve it
}

// SuggestedArticle is one article likely to help.
type SuggestedArticle struct {
	ID      int64   `json:"id"`
	Version int64   `json:"version"`
	Title   string  `json:"title"`
	Score   float64 `json:"score"`
}

// SimilarResponse answers GET /similar.
type SimilarResponse struct {
	Cases    []SimilarCase      `json:"cases"`
	Articles []SuggestedArticle `json:"articles"`
	Category *Prediction        `json:"predicted_category,omitempty"`
	Priority *Prediction        `json:"predicted_priority,omitempty"`
	TookMs   float64            `json:"took_ms"`
}

// Similar answers GET /similar?text=...&k=10 or ?ticket=<id>.
func (h *Handlers) Similar(c echo.Context) error {
	req := kb.SimilarRequest{Text: c.QueryParam("text")}
	if v := c.QueryParam("k"); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil {
			return bad(c, "k", "must be a whole number")
		}
		req.K = k
	}
	if v := c.QueryParam("ticket"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return bad(c, "ticket", "must be a positive ticket id")
		}
		req.TicketID = id
	}
	res, err := h.svc.Similar(c.Request().Context(), req)
	if err != nil {
		return h.fail(c, err)
	}
	out := SimilarResponse{Cases: []SimilarCase{}, Articles: []SuggestedArticle{}, Category: prediction(res.Prediction),
		Priority: prediction(res.Priority),
		TookMs:   float64(res.Took.Microseconds()) / 1000}
	for _, x := range res.Cases {
		out.Cases = append(out.Cases, SimilarCase(x))
	}
	for _, a := range res.Articles {
		out.Articles = append(out.Articles, SuggestedArticle(a))
	}
	return c.JSON(http.StatusOK, out)
}

// ClassifyRequest is the body of POST /classify.
type ClassifyRequest struct {
	Text string `json:"text"`
}

// ClassifyResponse suggests a category and a priority; nothing is applied.
type ClassifyResponse struct {
	Category     string      `json:"category"`
	Confidence   float64     `json:"confidence"`
	Alternatives []Scored    `json:"alternatives"`
	Priority     *Prediction `json:"priority,omitempty"`
}

// Classify answers POST /classify {"text": ...}.
func (h *Handlers) Classify(c echo.Context) error {
	var in ClassifyRequest
	if ok, err := decode(c, &in); !ok {
		return err
	}
	res, err := h.svc.Classify(c.Request().Context(), in.Text)
	if err != nil {
		return h.fail(c, err)
	}
	out := ClassifyResponse{Alternatives: []Scored{}, Priority: prediction(res.Priority)}
	if p := prediction(res.Category); p != nil {
		out.Category, out.Confidence, out.Alternatives = p.Label, p.Confidence, p.Alternatives
	}
	return c.JSON(http.StatusOK, out)
}

// FeedbackRequest is the body of POST /feedback: what the caller says; the
// store sets who and when.
type FeedbackRequest struct {
	TicketID     int64                 `json:"ticket_id"`
	CaseTicketID int64                 `json:"case_ticket_id"`
	ArticleID    int64                 `json:"article_id"`
	Kind         articles.FeedbackKind `json:"kind"`
	Query        string                `json:"query"`
}

// Feedback records POST /feedback: an agent's verdict on a suggestion.
func (h *Handlers) Feedback(c echo.Context) error {
	a, ok := h.who(c)
	if !ok {
		return unauthorized(c)
	}
	var in FeedbackRequest
	if ok, err := decode(c, &in); !ok {
		return err
	}
	out, err := h.svc.RecordFeedback(c.Request().Context(), a, articles.Feedback{TicketID: in.TicketID,
		CaseTicketID: in.CaseTicketID, ArticleID: in.ArticleID, Kind: in.Kind, Query: in.Query})
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusCreated, out)
}

// SearchResponse answers GET /search.
type SearchResponse struct {
	Total  uint64      `json:"total"`
	Hits   []SearchHit `json:"hits"`
	TookMs float64     `json:"took_ms"`
}

// SearchHit is one found article or case, with highlighted fragments.
type SearchHit struct {
	Kind       string              `json:"kind"`
	ID         int64               `json:"id"`
	Version    int64               `json:"version,omitempty"`
	Score      float64             `json:"score"`
	Title      string              `json:"title"`
	Highlights map[string][]string `json:"highlights"`
}

// Search answers GET /search?q=&kind=article|case&lang=&category=&product=&size=&from=.
// Clients (API integrations) search published articles only.
func (h *Handlers) Search(c echo.Context) error {
	q := index.SearchQuery{Q: c.QueryParam("q"), Kind: c.QueryParam("kind"), Lang: c.QueryParam("lang"),
		Category: c.QueryParam("category"), Product: c.QueryParam("product")}
	for name, dst := range map[string]*int{"size": &q.Size, "from": &q.From} {
		if v := c.QueryParam(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return bad(c, name, "must be a whole number")
			}
			*dst = n
		}
	}
	// Without a known caller there is no telling what it may see.
	a, ok := h.who(c)
	if !ok {
		return unauthorized(c)
	}
	if a.Role == articles.RoleClient && q.Kind != "" && q.Kind != index.KindArticle {
		return forbidden(c, "clients search articles only")
	}
	res, err := h.svc.Search(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	out := SearchResponse{Total: res.Total, Hits: []SearchHit{}, TookMs: float64(res.Took.Microseconds()) / 1000}
	for _, x := range res.Hits {
		hl := x.Highlights
		if hl == nil {
			hl = map[string][]string{}
		}
		out.Hits = append(out.Hits, SearchHit{Kind: x.Kind, ID: x.ID, Version: x.Version, Score: x.Score, Title: x.Title, Highlights: hl})
	}
	return c.JSON(http.StatusOK, out)
}

// Gap is a topic the knowledge base does not cover well. The API spells
// its own fields rather than echo the miner's Go type.
type Gap struct {
	Terms    []string `json:"terms"`    // the topic's top terms, heaviest first
	Tickets  int      `json:"tickets"`  // tickets in the topic
	Examples []int64  `json:"examples"` // up to 5 ticket ids, most recently resolved first
	Reason   string   `json:"reason"`   // no_article or unhelped
}

func gaps(in []miner.Gap) []Gap {
	out := make([]Gap, 0, len(in))
	for _, g := range in {
		x := Gap{Terms: g.Terms, Tickets: g.Tickets, Examples: g.Examples, Reason: g.Reason}
		if x.Terms == nil {
			x.Terms = []string{}
		}
		if x.Examples == nil {
			x.Examples = []int64{}
		}
		out = append(out, x)
	}
	return out
}

// MineResponse answers POST /mine: what one mining run proposed.
type MineResponse struct {
	At            time.Time `json:"at"`
	Tickets       int       `json:"tickets"`
	Groups        int       `json:"groups"`
	NewCandidates []int64   `json:"new_candidates"`
	Updates       []int64   `json:"update_candidates"`
	Gaps          []Gap     `json:"gaps"`
	TookMs        int64     `json:"took_ms"`
}

// Mine answers POST /mine: one mining run now, and what it proposed.
func (h *Handlers) Mine(c echo.Context) error {
	rep, err := h.svc.Mine(c.Request().Context())
	if err != nil {
		return h.fail(c, err)
	}
	out := MineResponse{At: rep.At, Tickets: rep.Tickets, Groups: rep.Groups, NewCandidates: rep.NewCandidates,
		Updates: rep.Updates, Gaps: gaps(rep.Gaps), TookMs: rep.TookMs}
	if out.NewCandidates == nil {
		out.NewCandidates = []int64{}
	}
	if out.Updates == nil {
		out.Updates = []int64{}
	}
	return c.JSON(http.StatusOK, out)
}

// GapsResponse answers GET /gaps: the knowledge gaps of the last mining run.
type GapsResponse struct {
	MinedAt *time.Time `json:"mined_at"` // null before the first run
	Gaps    []Gap      `json:"gaps"`
}

// Gaps answers GET /gaps.
func (h *Handlers) Gaps(c echo.Context) error {
	rep, err := h.svc.LastMine()
	if err != nil {
		return h.fail(c, err)
	}
	if rep == nil {
		return c.JSON(http.StatusOK, GapsResponse{Gaps: []Gap{}})
	}
	return c.JSON(http.StatusOK, GapsResponse{MinedAt: &rep.At, Gaps: gaps(rep.Gaps)})
}

// maxBody bounds the JSON bodies of this API.
const maxBody = 1 << 20

// decode reads a JSON body into v, refusing unknown fields. When it fails
// it has answered 400 (413, 415) itself: ok is false and err is the
// write's error.
func decode(c echo.Context, v any) (ok bool, err error) {
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		// As in the ticket API: requiring JSON keeps cookie-authenticated
		// requests safe from cross-site form posts, which cannot send it.
		return false, answerError(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json",
			map[string]string{"Content-Type": "must be application/json"})
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, maxBody))
	dec.DisallowUnknownFields()
	derr := dec.Decode(v)
	if derr == nil {
		if dec.More() {
			return false, bad(c, "body", "must hold exactly one JSON value")
		}
		return true, nil
	}
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(derr, &mbe):
		return false, answerError(c, http.StatusRequestEntityTooLarge, "too_large", "request body is too large", nil)
	case errors.As(derr, &ute) && ute.Field != "":
		return false, bad(c, ute.Field, "must be "+jsonKind(ute.Type.Kind().String()))
	case strings.HasPrefix(derr.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(derr.Error(), "json: unknown field "), `"`)
		return false, bad(c, field, "is not a field of this request")
	case errors.Is(derr, io.EOF):
		return false, bad(c, "body", "is empty; send a JSON object")
	case errors.As(derr, &se):
		return false, bad(c, "body", fmt.Sprintf("is not valid JSON (at byte %d)", se.Offset))
	}
	return false, bad(c, "body", "must be one JSON object")
}

// jsonKind names a Go kind as a JSON type.
func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "slice":
		return "an array"
	}
	return "an object"
}
