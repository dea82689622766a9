package dashboards

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/index"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// listParams are the ticket list's parameters besides the filters that
// ticketcore.ParseListFilters reads; a chip for each active filter lets the
// user drop it.
type chip struct {
	Name, Label, Value, Show, Drop string
}

type ticketListData struct {
	Tickets  []ticketcore.Ticket
	Next     string
	Chips    []chip
	Q        string
	Statuses []string
	Status   []string
	Sort     string
}

// ticketList is the filtered ticket list where drill-downs land.
func (s *Server) ticketList(c echo.Context) error {
	qp := c.QueryParams()
	q := ticketcore.ListQuery{Q: strings.TrimSpace(qp.Get("q")), Sort: qp.Get("sort"), Cursor: qp.Get("cursor"), Limit: 50}
	if q.Sort == "" {
		q.Sort = "-created_at"
	}
	if !slices.Contains(ticketcore.SortKeys, strings.TrimPrefix(q.Sort, "-")) {
		return badField("sort", "one of "+strings.Join(ticketcore.SortKeys, ", ")+", optionally after -")
	}
	if err := ticketcore.ParseListFilters(qp, &q); err != nil {
		return err
	}
	// The API drops an empty team, assignee or priority; here "" is where a
	// hotspot's "(none)" bar drills down to, so it must keep its meaning.
	q.Team, q.Assignee, q.Priority = qp["team"], qp["assignee"], qp["priority"]
	page, err := s.opts.Tickets.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	d := ticketListData{Tickets: page.Tickets, Q: q.Q, Statuses: s.opts.Tickets.Workflow().StateNames(), Status: q.Status, Sort: q.Sort}
	if page.NextCursor != "" {
		next := cloneValues(qp)
		next.Set("cursor", page.NextCursor)
		d.Next = Prefix + "/tickets?" + next.Encode()
	}
	v0 := s.viewer(c)
	keys := make([]string, 0, len(qp))
	for k := range qp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "q" || k == "sort" || k == "cursor" || k == "status" {
			continue
		}
		for _, v := range qp[k] {
			drop := cloneValues(qp)
			drop.Del("cursor")
			rest := slices.DeleteFunc(slices.Clone(qp[k]), func(x string) bool { return x == v })
			drop[k] = rest
			if len(rest) == 0 {
				drop.Del(k)
			}
			d.Chips = append(d.Chips, chip{Name: k, Label: paramLabel(v0, k), Value: v, Show: s.chipValue(k, v), Drop: Prefix + "/tickets?" + drop.Encode()})
		}
	}
	return s.render(c, http.StatusOK, "tickets", d)
}

// paramLabel names a list parameter on its chip; a custom field by its name.
func paramLabel(v *view, name string) string {
	if field, ok := strings.CutPrefix(name, ticketcore.CustomFieldParam); ok {
		return v.T("dim.cf.") + " " + field
	}
	return v.T("param." + name)
}

// chipValue shows a filter value; times in the display zone.
func (s *Server) chipValue(name, v string) string {
	if name == "created_from" || name == "created_to" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.In(s.opts.Location).Format("2006-01-02 15:04")
		}
	}
	return v
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// entry is one item of a ticket's timeline: a comment or a change.
type entry struct {
	At      time.Time
	Who     string
	Kind    string // reply, note, change
	Body    string
	Changes []changeText
	Reason  string
}

type changeText struct{ Field, Old, New string }

type ticketPageData struct {
	T          *ticketcore.Ticket
	Timeline   []entry
	Next       []string
	Pending    []string
	Similar    *kb.Similar
	Panel      similarPanel // Similar with the ticket its feedback is about
	SimilarErr string
	Done       string
}

// ticketPage: the ticket with its timeline of replies, notes and changes,
// the reply and status forms, and similar cases with the predicted category.
func (s *Server) ticketPage(c echo.Context) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	t, err := s.opts.Tickets.Get(ctx, id)
	if err != nil {
		return err
	}
	comments, err := s.opts.Tickets.Comments(ctx, id, false)
	if err != nil {
		return err
	}
	hist, err := s.opts.Tickets.History(ctx, id)
	if err != nil {
		return err
	}
	d := ticketPageData{T: t, Timeline: timeline(comments, hist), Next: s.opts.Tickets.Workflow().Allowed(t.Status)}
	if done := c.QueryParam("done"); done == "reply" || done == "note" || done == "status" || done == "feedback" {
		d.Done = done // what the last post did; anything else is not ours
	}
	for _, st := range s.opts.Tickets.Workflow().States {
		if st.Kind == ticketcore.KindPending {
			d.Pending = append(d.Pending, st.PendingReasons...)
		}
	}
	if s.opts.Knowledge != nil {
		d.Similar, d.SimilarErr = s.similarTo(c, t)
		d.Panel = similarPanel{Sim: d.Similar, Ticket: t.ID}
	}
	return s.render(c, http.StatusOK, "ticket", d)
}

// similarTo asks the knowledge base for cases like t: by the ticket when it
// has seen it, else by its text (the stream may not have reached it yet).
func (s *Server) similarTo(c echo.Context, t *ticketcore.Ticket) (*kb.Similar, string) {
	ctx := c.Request().Context()
	sim, err := s.opts.Knowledge.Similar(ctx, kb.SimilarRequest{TicketID: t.ID, K: 5})
	if errors.Is(err, kb.ErrUnknownTicket) {
		sim, err = s.opts.Knowledge.Similar(ctx, kb.SimilarRequest{Text: strings.TrimSpace(t.Subject + "\n" + t.Description), K: 6})
	}
	if err != nil {
		s.log.Warn("similar cases", "ticket", t.ID, "err", err)
		return nil, s.viewer(c).T("ticket.similar.unavailable")
	}
	sim.Cases = slices.DeleteFunc(sim.Cases, func(h index.CaseHit) bool { return h.TicketID == t.ID })
	if len(sim.Cases) > 5 {
		sim.Cases = sim.Cases[:5]
	}
	return sim, ""
}

// similarFragment renders the similar-cases panel for text being typed.
func (s *Server) similarFragment(c echo.Context) error {
	text := strings.TrimSpace(c.QueryParam("text"))
	if text == "" {
		return badField("text", "required")
	}
	if len([]rune(text)) > kb.MaxTextRunes {
		return badField("text", "at most "+strconv.Itoa(kb.MaxTextRunes)+" characters")
	}
	var ticket int64
	if raw := c.QueryParam("ticket"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n <= 0 {
			return badField("ticket", "a ticket number")
		}
		ticket = n
	}
	sim, err := s.opts.Knowledge.Similar(c.Request().Context(), kb.SimilarRequest{Text: text, K: 5})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "similar", similarPanel{Sim: sim, Ticket: ticket})
}

// similarPanel is the similar-cases panel: the answer and the ticket being
// worked, which the feedback buttons name (0: no buttons).
type similarPanel struct {
	Sim    *kb.Similar
	Ticket int64
}

// feedbackKinds are what an agent may say of a suggested case or article.
var feedbackKinds = map[string]articles.FeedbackKind{
	"helpful": articles.FeedbackHelpful, "not_helpful": articles.FeedbackNotHelpful,
	"used": articles.FeedbackUsed, "duplicate": articles.FeedbackDuplicate,
}

// postFeedback records an agent's judgement of a suggestion on the ticket
// page: a similar case (case=) or an article (article=).
func (s *Server) postFeedback(c echo.Context) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	kind, ok := feedbackKinds[c.FormValue("kind")]
	if !ok {
		return badField("kind", "one of helpful, not_helpful, used, duplicate")
	}
	f := articles.Feedback{TicketID: id, Kind: kind}
	caseID, article := c.FormValue("case"), c.FormValue("article")
	switch {
	case caseID != "" && article == "":
		if f.CaseTicketID, err = strconv.ParseInt(caseID, 10, 64); err != nil || f.CaseTicketID <= 0 {
			return badField("case", "a ticket number")
		}
	case article != "" && caseID == "":
		if f.ArticleID, err = strconv.ParseInt(article, 10, 64); err != nil || f.ArticleID <= 0 {
			return badField("article", "an article number")
		}
	default:
		return badField("case", "give a case or an article, not both")
	}
	u := currentUser(c)
	if _, err := s.opts.Knowledge.RecordFeedback(c.Request().Context(), articles.Actor{ID: u.ID, Login: u.Login, Role: string(u.Role)}, f); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, Prefix+"/tickets/"+strconv.FormatInt(id, 10)+"?done=feedback")
}

func timeline(comments []ticketcore.TicketComment, hist []ticketcore.HistoryEntry) []entry {
	var out []entry
	for _, cm := range comments {
		kind := "note"
		if cm.Public {
			kind = "reply"
		}
		out = append(out, entry{At: cm.At, Who: cm.Author.Name, Kind: kind, Body: cm.Body})
	}
	for _, h := range hist {
		if h.Type == events.TicketCommented {
			continue // shown as the comment itself
		}
		e := entry{At: h.At, Who: h.Actor.Name, Kind: "change", Reason: h.Reason}
		if h.Type == events.TicketCreated {
			// Every field changes on creation; the page shows them already.
			e.Kind = "created"
			out = append(out, e)
			continue
		}
		for _, ch := range h.Changes {
			e.Changes = append(e.Changes, changeText{Field: ch.Field, Old: rawText(ch.Old), New: rawText(ch.New)})
		}
		if len(e.Changes) == 0 && e.Reason == "" {
			e.Body = string(h.Type)
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// rawText shows a JSON change value as text: strings unquoted, null empty.
func rawText(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if s == "null" || s == "" {
		return ""
	}
	if u, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
		return u
	}
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

func ticketID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badField("id", "a ticket number")
	}
	return id, nil
}

// postComment adds a public reply or an internal note.
func (s *Server) postComment(c echo.Context) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.FormValue("body"))
	if body == "" {
		return &pageError{status: http.StatusUnprocessableEntity, msgKey: "error.invalid", field: "body", reason: "required"}
	}
	var public bool
	switch c.FormValue("visibility") {
	case "public":
		public = true
	case "internal":
	default:
		return badField("visibility", "public or internal")
	}
	if _, err := s.opts.Tickets.Comment(c.Request().Context(), actorOf(c), id, body, public); err != nil {
		return err
	}
	done := "note"
	if public {
		done = "reply"
	}
	return c.Redirect(http.StatusSeeOther, Prefix+"/tickets/"+strconv.FormatInt(id, 10)+"?done="+done)
}

// postTransition moves the ticket to another state; the version the form
// was rendered with guards against overwriting a change made meanwhile.
func (s *Server) postTransition(c echo.Context) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	version, err := strconv.ParseInt(c.FormValue("version"), 10, 64)
	if err != nil || version <= 0 {
		return badField("version", "the ticket version the form showed")
	}
	in := ticketcore.TransitionInput{To: c.FormValue("to"), PendingReason: c.FormValue("pending_reason"),
		Resolution: strings.TrimSpace(c.FormValue("resolution")), Comment: strings.TrimSpace(c.FormValue("comment"))}
	if in.To == "" {
		return &pageError{status: http.StatusUnprocessableEntity, msgKey: "error.invalid", field: "to", reason: "required"}
	}
	if _, err := s.opts.Tickets.Transition(c.Request().Context(), actorOf(c), id, version, in); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, Prefix+"/tickets/"+strconv.FormatInt(id, 10)+"?done=status")
}

// segment is a piece of a comment body: text, or an @mention the
// template marks (without writing raw HTML).
type segment struct {
	Text    string
	Mention bool
}

// mentionRE matches mentions as the notifier finds them: @login not
// preceded by a login character, so an e-mail address is not one.
var mentionRE = regexp.MustCompile(`(?:^|[^A-Za-z0-9._@-])(@[A-Za-z0-9][A-Za-z0-9._@-]*)`)

func mentionSegments(body string) []segment {
	var out []segment
	start := 0
	for _, m := range mentionRE.FindAllStringSubmatchIndex(body, -1) {
		from, to := m[2], m[3]
		// Sentence punctuation after a login ("@ann.") is not part of it.
		for to > from+1 && strings.ContainsRune(".-@", rune(body[to-1])) {
			to--
		}
		if to == from+1 {
			continue
		}
		if start < from {
			out = append(out, segment{Text: body[start:from]})
		}
		out = append(out, segment{Text: body[from:to], Mention: true})
		start = to
	}
	if start < len(body) {
		out = append(out, segment{Text: body[start:]})
	}
	return out
}
