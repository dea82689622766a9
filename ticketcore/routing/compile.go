package routing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/deskmine/deskmine/ticketcore/events"
)

const (
	maxDepth    = 12 // nesting of all/any/not
	maxIDLength = 100
	smallSet    = 8 // lists up to this size are scanned, longer ones hashed
)

var tagPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_\-:./]*$`)

// Validate checks the rule set against what the helpdesk knows and returns
// nil or a *ValidationError listing every problem with its location, e.g.
// `rules[3].conditions.all[1].field: unknown field "colour"`.
func (rs RuleSet) Validate(known KnownFields) error {
	b := newBuilder(&known)
	b.ruleSet(rs)
	return b.ps.err()
}

// Router is a compiled rule set. It is immutable and safe for concurrent use.
type Router struct {
	version  int
	rules    []crule
	kw       *matcher // nil when no rule uses keywords
	keywords []string // by pattern id, as first written
	channels map[string]uint64
	scratch  sync.Pool // of *scratch: buffers for keyword scans
}

// scratch holds the buffers of one evaluation.
type scratch struct {
	bits []uint64 // subject and description keyword bits
}

type crule struct {
	index   int
	id      string
	name    string
	enabled bool
	stop    bool
	cond    *node // nil: matches every ticket
	actions []Action
	gate    uint64 // channel bits the rule can match; 0: any
}

type nodeKind uint8

const (
	nAll nodeKind = iota + 1
	nAny
	nNot
	nLeaf
)

type node struct {
	kind nodeKind
	path string
	kids []*node
	leaf *leaf
}

type leaf struct {
	spec     fieldSpec
	op       Op
	expected any // as written, for explanations
	str      string
	strs     []string
	set      map[string]struct{}
	num      float64
	nums     []float64
	day      int64
	exists   bool
	kw       []int32 // pattern ids
}

// Compile validates the rule set and compiles it into a Router.
func Compile(rs RuleSet, known KnownFields) (*Router, error) {
	b := newBuilder(&known)
	r := b.ruleSet(rs)
	if err := b.ps.err(); err != nil {
		return nil, err
	}
	if len(b.patterns) > 0 {
		r.kw = newMatcher(b.patterns)
		r.keywords = b.keywords
	}
	r.channels = b.channels
	return r, nil
}

// Version is the version of the compiled rule set.
func (r *Router) Version() int { return r.version }

// Keywords is the number of distinct keywords in the compiled automaton.
func (r *Router) Keywords() int { return len(r.keywords) }

type builder struct {
	known    *KnownFields
	ps       problems
	kwIndex  map[string]int32
	patterns [][]byte
	keywords []string
	channels map[string]uint64
}

func newBuilder(k *KnownFields) *builder {
	return &builder{known: k, kwIndex: map[string]int32{}, channels: map[string]uint64{}}
}

func (b *builder) ruleSet(rs RuleSet) *Router {
	r := &Router{version: rs.Version}
	if rs.Version < 1 {
		b.ps.add("version", "must be at least 1")
	}
	seen := map[string]int{}
	for i := range rs.Rules {
		rule := &rs.Rules[i]
		path := fmt.Sprintf("rules[%d]", i)
		switch {
		case strings.TrimSpace(rule.ID) == "":
			b.ps.add(path+".id", "is required")
		case utf8.RuneCountInString(rule.ID) > maxIDLength:
			b.ps.add(path+".id", "is longer than %d characters", maxIDLength)
		default:
			if j, dup := seen[rule.ID]; dup {
				b.ps.add(path+".id", "duplicate id %s (also rules[%d])", quote(rule.ID), j)
			} else {
				seen[rule.ID] = i
			}
		}
		cr := crule{index: i, id: rule.ID, name: rule.Name, enabled: rule.Enabled, stop: rule.Stop,
			actions: slices.Clone(rule.Actions)}
		if !rule.Conditions.isZero() {
			cr.cond = b.condition(path+".conditions", &rule.Conditions, 0)
		}
		cr.gate = b.gate(cr.cond)
		if len(rule.Actions) == 0 && !rule.Stop {
			b.ps.add(path+".actions", "a rule without actions that does not stop has no effect")
		}
		for j := range rule.Actions {
			b.action(fmt.Sprintf("%s.actions[%d]", path, j), &rule.Actions[j])
		}
		r.rules = append(r.rules, cr)
	}
	return r
}

func (b *builder) condition(path string, c *Condition, depth int) *node {
	if depth > maxDepth {
		b.ps.add(path, "conditions are nested deeper than %d levels", maxDepth)
		return nil
	}
	set := 0
	for _, present := range []bool{c.All != nil, c.Any != nil, c.Not != nil, c.Field != "" || c.Op != "" || c.Value != nil} {
		if present {
			set++
		}
	}
	if set != 1 {
		b.ps.add(path, "must have exactly one of all, any, not or field")
		return nil
	}
	switch {
	case c.All != nil, c.Any != nil:
		n := &node{kind: nAll, path: path}
		list, key := c.All, "all"
		if c.Any != nil {
			n.kind, list, key = nAny, c.Any, "any"
			if len(list) == 0 {
				b.ps.add(path+".any", "needs at least one condition")
			}
		}
		for i := range list {
			n.kids = append(n.kids, b.condition(fmt.Sprintf("%s.%s[%d]", path, key, i), &list[i], depth+1))
		}
		return n
	case c.Not != nil:
		return &node{kind: nNot, path: path, kids: []*node{b.condition(path+".not", c.Not, depth+1)}}
	}
	return b.leaf(path, c)
}

func (b *builder) leaf(path string, c *Condition) *node {
	n := &node{kind: nLeaf, path: path}
	l := &leaf{op: c.Op, expected: c.Value}
	n.leaf = l
	bad := len(b.ps)
	if c.Field == "" {
		b.ps.add(path+".field", "is required")
	} else {
		spec, msg := lookupField(c.Field, b.known)
		if msg != "" {
			b.ps.add(path+".field", "%s", msg)
		}
		l.spec = spec
	}
	switch {
	case c.Op == "":
		b.ps.add(path+".op", "is required")
	case !knownOp(c.Op):
		b.ps.add(path+".op", "unknown operator %s; operators are eq, ne, in, not_in, contains, gt, lt, gte, lte, exists, keywords", quote(string(c.Op)))
	case l.spec.kind != 0 && !slices.Contains(opsFor(l.spec.kind), c.Op):
		ops := make([]string, 0, 8)
		for _, o := range opsFor(l.spec.kind) {
			ops = append(ops, string(o))
		}
		b.ps.add(path+".op", "operator %s does not apply to %s field %s; use one of %s",
			quote(string(c.Op)), l.spec.kind, quote(c.Field), strings.Join(ops, ", "))
	}
	if len(b.ps) > bad {
		return n
	}
	b.value(path+".value", l, c.Value)
	return n
}

// value checks and compiles the value of a leaf whose field and op are valid.
func (b *builder) value(path string, l *leaf, v any) {
	k := l.spec.kind
	switch l.op {
	case OpExists:
		switch x := v.(type) {
		case nil:
			l.exists = true
		case bool:
			l.exists = x
		default:
			b.ps.add(path, "must be true, false or omitted")
		}
	case OpKeywords:
		list, ok := asStrings(v)
		if s, one := v.(string); one {
			list, ok = []string{s}, true
		}
		if !ok || len(list) == 0 {
			b.ps.add(path, "must be a keyword or a non-empty list of keywords")
			return
		}
		for i, kw := range list {
			if msg := keywordProblem(kw); msg != "" {
				b.ps.add(fmt.Sprintf("%s[%d]", path, i), "%s", msg)
				continue
			}
			l.kw = append(l.kw, b.keyword(kw))
		}
	case OpEq, OpNe:
		if k == kNumber {
			if l.num, _ = asNumber(v); !isNumber(v) {
				b.ps.add(path, "must be a number")
			}
			return
		}
		if k == kDate {
			var ok bool
			if l.day, ok = asDay(v); !ok {
				b.ps.add(path, "must be a date as YYYY-MM-DD")
			}
			return
		}
		s, ok := asString(v)
		if !ok {
			b.ps.add(path, "must be a string")
			return
		}
		b.option(path, l.spec, s)
		l.str = b.canon(l.spec, s)
	case OpIn, OpNotIn:
		list, ok := asList(v)
		if !ok || len(list) == 0 {
			b.ps.add(path, "must be a non-empty list")
			return
		}
		for i, e := range list {
			p := fmt.Sprintf("%s[%d]", path, i)
			if k == kNumber {
				f, ok := asNumber(e)
				if !ok {
					b.ps.add(p, "must be a number")
				}
				l.nums = append(l.nums, f)
				continue
			}
			s, ok := asString(e)
			if !ok {
				b.ps.add(p, "must be a string")
				continue
			}
			b.option(p, l.spec, s)
			l.strs = append(l.strs, b.canon(l.spec, s))
		}
		if len(l.strs) > smallSet {
			l.set = make(map[string]struct{}, len(l.strs))
			for _, s := range l.strs {
				l.set[s] = struct{}{}
			}
		}
	case OpContains:
		if k == kText {
			s, ok := asString(v)
			if !ok || s == "" {
				b.ps.add(path, "must be a non-empty string")
				return
			}
			l.str = strings.ToLower(s)
			return
		}
		list, ok := asStrings(v)
		if s, one := v.(string); one {
			list, ok = []string{s}, true
		}
		if !ok || len(list) == 0 {
			b.ps.add(path, "must be a string or a non-empty list of strings")
			return
		}
		for i, s := range list {
			p := path
			if _, one := v.(string); !one {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			b.option(p, l.spec, s)
			l.strs = append(l.strs, b.canon(l.spec, s))
		}
	case OpGt, OpLt, OpGte, OpLte:
		if k == kNumber {
			var ok bool
			if l.num, ok = asNumber(v); !ok {
				b.ps.add(path, "must be a number")
			}
			return
		}
		var ok bool
		if l.day, ok = asDay(v); !ok {
			b.ps.add(path, "must be a date as YYYY-MM-DD")
		}
	}
}

func isNumber(v any) bool { _, ok := asNumber(v); return ok }

// canon is the form a value is compared in.
func (b *builder) canon(spec fieldSpec, s string) string {
	if spec.kind == kText || spec.fold {
		return strings.ToLower(s)
	}
	return s
}

func (b *builder) option(path string, spec fieldSpec, s string) {
	if spec.kind == kText {
		return
	}
	if spec.fold && !tagPattern.MatchString(strings.ToLower(s)) {
		b.ps.add(path, "tag %s must be letters, digits and _-:./", quote(s))
		return
	}
	if spec.options != nil && !slices.Contains(spec.options, s) {
		b.ps.add(path, "%s is not a known %s (%s)", quote(s), spec.what, list(spec.options))
	}
}

func list(opts []string) string {
	const max = 12
	if len(opts) > max {
		return strings.Join(opts[:max], ", ") + fmt.Sprintf(", ... %d more", len(opts)-max)
	}
	return strings.Join(opts, ", ")
}

func (b *builder) keyword(kw string) int32 {
	key := keywordKey(kw)
	if id, ok := b.kwIndex[key]; ok {
		return id
	}
	id := int32(len(b.patterns))
	b.kwIndex[key] = id
	b.patterns = append(b.patterns, []byte(key))
	b.keywords = append(b.keywords, strings.TrimSpace(kw))
	return id
}

// gate returns the channels a rule can match when its condition requires
// channel eq/in at the top level, so that other tickets skip it unevaluated.
func (b *builder) gate(n *node) uint64 {
	if n == nil {
		return 0
	}
	leaves := []*node{n}
	if n.kind == nAll {
		leaves = n.kids
	}
	for _, k := range leaves {
		if k == nil || k.kind != nLeaf || k.leaf.spec.id != fChannel {
			continue
		}
		l := k.leaf
		var values []string
		switch l.op {
		case OpEq:
			values = []string{l.str}
		case OpIn:
			values = l.strs
		default:
			continue
		}
		var mask uint64
		for _, v := range values {
			bit, ok := b.channels[v]
			if !ok {
				if len(b.channels) == 64 {
					return 0
				}
				bit = 1 << uint(len(b.channels))
				b.channels[v] = bit
			}
			mask |= bit
		}
		return mask
	}
	return 0
}

func (b *builder) action(path string, a *Action) {
	k := b.known
	used := map[string]bool{}
	switch a.Type {
	case "":
		b.ps.add(path+".type", "is required")
		return
	case ActionSetTeam:
		used["team"] = true
		b.name(path+".team", a.Team, k.Teams, "team")
	case ActionSetPriority:
		used["priority"] = true
		b.name(path+".priority", a.Priority, orDefault(k.Priorities, defaultPriorities), "priority")
	case ActionSetSLAPolicy:
		used["policy"] = true
		b.name(path+".policy", a.Policy, k.SLAPolicies, "SLA policy")
	case ActionAssign:
		used["agent"] = true
		if a.Agent != AssignAuto {
			b.name(path+".agent", a.Agent, k.Agents, "agent")
		}
	case ActionAddTags:
		used["tags"] = true
		if len(a.Tags) == 0 {
			b.ps.add(path+".tags", "needs at least one tag")
		}
		for i, t := range a.Tags {
			if utf8.RuneCountInString(t) > 50 || !tagPattern.MatchString(strings.ToLower(t)) {
				b.ps.add(fmt.Sprintf("%s.tags[%d]", path, i), "tag %s must be letters, digits and _-:./, at most 50 characters", quote(t))
			}
		}
	case ActionAddSkills:
		used["skills"] = true
		if len(a.Skills) == 0 {
			b.ps.add(path+".skills", "needs at least one skill")
		}
		for i, s := range a.Skills {
			if strings.TrimSpace(s) == "" {
				b.ps.add(fmt.Sprintf("%s.skills[%d]", path, i), "is empty")
			}
		}
	default:
		b.ps.add(path+".type", "unknown action %s; actions are set_team, set_priority, add_tags, set_sla_policy, assign, add_skills", quote(string(a.Type)))
		return
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"team", a.Team != ""}, {"priority", a.Priority != ""}, {"tags", a.Tags != nil},
		{"policy", a.Policy != ""}, {"agent", a.Agent != ""}, {"skills", a.Skills != nil}} {
		if f.set && !used[f.name] {
			b.ps.add(path+"."+f.name, "is not used by %s", a.Type)
		}
	}
}

func (b *builder) name(path, v string, known []string, what string) {
	switch {
	case v == "":
		b.ps.add(path, "is required")
	case known != nil && !slices.Contains(known, v):
		b.ps.add(path, "unknown %s %s", what, quote(v))
	}
}

// Outcome is the result of applying the rules to a ticket.
type Outcome struct {
	Team      string   `json:"team,omitempty"`     // final team: the ticket's unless a rule set it
	Priority  string   `json:"priority,omitempty"` // final priority
	Tags      []string `json:"tags"`               // final tags: the ticket's, then the added ones
	AddedTags []string `json:"added_tags,omitempty"`
	SLAPolicy string   `json:"sla_policy,omitempty"`
	Assign    string   `json:"assign,omitempty"` // "", AssignAuto or a login, from the last assign action
	Skills    []string `json:"skills,omitempty"` // from add_skills actions
	Matched   []string `json:"matched"`          // ids of the matching rules, in order
	StoppedBy string   `json:"stopped_by,omitempty"`
}

// ApplyTo returns the ticket with the outcome's team, priority and tags.
func (o Outcome) ApplyTo(t events.Ticket) events.Ticket {
	t.Team, t.Priority, t.Tags = o.Team, o.Priority, slices.Clone(o.Tags)
	return t
}

// Apply runs the rules over a ticket and returns what they decided. It does
// not change the ticket.
func (r *Router) Apply(t events.Ticket) Outcome {
	c := r.newCtx(&t)
	defer c.release()
	out := Outcome{Team: t.Team, Priority: t.Priority, Matched: []string{}}
	var chanBit uint64
	if len(r.channels) > 0 {
		chanBit = r.channels[t.Channel]
	}
	for i := range r.rules {
		rule := &r.rules[i]
		if !rule.enabled || rule.gate != 0 && rule.gate&chanBit == 0 {
			continue
		}
		if rule.cond != nil && !c.eval(rule.cond) {
			continue
		}
		out.Matched = append(out.Matched, rule.id)
		for j := range rule.actions {
			c.apply(&out, &rule.actions[j], false)
		}
		if rule.stop {
			out.StoppedBy = rule.id
			break
		}
	}
	c.finish(&out)
	return out
}

// evalCtx is one ticket under evaluation, with what earlier rules changed.
type evalCtx struct {
	r        *Router
	t        *events.Ticket
	team     string
	priority string
	added    []string
	sc       *scratch // nil until a keyword is looked for
	subj     []uint64 // keyword bits of the subject, valid once scannedSubj
	desc     []uint64
	custom   map[string][]uint64 // of custom text fields, once scanned

	scannedSubj, scannedDesc bool
}

func (r *Router) newCtx(t *events.Ticket) *evalCtx {
	return &evalCtx{r: r, t: t, team: t.Team, priority: t.Priority}
}

// release returns the scratch buffers to the router's pool.
func (c *evalCtx) release() {
	if c.sc != nil {
		c.r.scratch.Put(c.sc)
		c.sc, c.subj, c.desc = nil, nil, nil
	}
}

// apply applies one action; with describe it also says what changed, for
// explanations.
func (c *evalCtx) apply(out *Outcome, a *Action, describe bool) string {
	var effect string
	switch a.Type {
	case ActionSetTeam:
		if describe {
			effect = fmt.Sprintf("team %s -> %s", quoteOrNone(c.team), quote(a.Team))
		}
		c.team, out.Team = a.Team, a.Team
	case ActionSetPriority:
		if describe {
			effect = fmt.Sprintf("priority %s -> %s", quoteOrNone(c.priority), quote(a.Priority))
		}
		c.priority, out.Priority = a.Priority, a.Priority
	case ActionAddTags:
		n := len(c.added)
		for _, tag := range a.Tags {
			if tag = strings.ToLower(tag); !c.hasTag(tag) {
				c.added = append(c.added, tag)
			}
		}
		if describe {
			effect = "tags already present"
			if len(c.added) > n {
				effect = "added tags " + strings.Join(c.added[n:], ", ")
			}
		}
	case ActionSetSLAPolicy:
		out.SLAPolicy = a.Policy
		if describe {
			effect = "SLA policy " + quote(a.Policy)
		}
	case ActionAssign:
		out.Assign = a.Agent
		switch {
		case !describe:
		case a.Agent == AssignAuto:
			effect = "assign with the team's strategy"
		default:
			effect = "assign to " + quote(a.Agent)
		}
	case ActionAddSkills:
		for _, s := range a.Skills {
			if !slices.Contains(out.Skills, s) {
				out.Skills = append(out.Skills, s)
			}
		}
		if describe {
			effect = "needs skills " + strings.Join(a.Skills, ", ")
		}
	}
	return effect
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return quote(s)
}

func (c *evalCtx) finish(out *Outcome) {
	out.Tags = make([]string, 0, len(c.t.Tags)+len(c.added))
	out.Tags = append(append(out.Tags, c.t.Tags...), c.added...)
	out.AddedTags = c.added
}

func (c *evalCtx) hasTag(tag string) bool {
	for _, t := range c.t.Tags {
		if t == tag || strings.EqualFold(t, tag) {
			return true
		}
	}
	return slices.Contains(c.added, tag)
}

func (c *evalCtx) eval(n *node) bool {
	switch n.kind {
	case nAll:
		for _, k := range n.kids {
			if !c.eval(k) {
				return false
			}
		}
		return true
	case nAny:
		for _, k := range n.kids {
			if c.eval(k) {
				return true
			}
		}
		return false
	case nNot:
		return !c.eval(n.kids[0])
	}
	return c.test(n.leaf)
}

// str returns a single-valued field as a string.
func (c *evalCtx) str(s *fieldSpec) string {
	t := c.t
	switch s.id {
	case fSubject:
		return t.Subject
	case fDescription:
		return t.Description
	case fText:
		if t.Description == "" {
			return t.Subject
		}
		return t.Subject + "\n" + t.Description
	case fType:
		return t.Type
	case fCategory:
		return t.Category
	case fProduct:
		return t.Product
	case fChannel:
		return t.Channel
	case fUrgency:
		return t.Urgency
	case fPriority:
		return c.priority
	case fStatus:
		return t.Status
	case fRegion:
		return t.Region
	case fTeam:
		return c.team
	case fAssignee:
		return t.Assignee
	case fOrderRef:
		return t.OrderRef
	case fCustTier:
		return t.Customer.Tier
	case fCustRegion:
		return t.Customer.Region
	case fCustOrg:
		return t.Customer.Organisation
	case fCustEmail:
		return t.Customer.Email
	case fCustom:
		v, _ := t.CustomFields[s.custom].(string)
		return v
	}
	return ""
}

func (c *evalCtx) number(s *fieldSpec) (float64, bool) {
	if s.id == fReopenCount {
		return float64(c.t.ReopenCount), true
	}
	v, ok := c.t.CustomFields[s.custom]
	if !ok {
		return 0, false
	}
	return asNumber(v)
}

func (c *evalCtx) dayValue(s *fieldSpec) (int64, bool) {
	if s.id == fCreatedAt {
		return asDay(c.t.CreatedAt)
	}
	return asDay(c.t.CustomFields[s.custom])
}

// values returns a list field; tags include those added by earlier rules.
func (c *evalCtx) values(s *fieldSpec) []string {
	if s.id == fTags {
		if len(c.added) == 0 {
			return c.t.Tags
		}
		return append(slices.Clip(c.t.Tags), c.added...)
	}
	l, _ := asStrings(c.t.CustomFields[s.custom])
	return l
}

func (l *leaf) has(v string) bool {
	if l.set != nil {
		_, ok := l.set[v]
		return ok
	}
	return slices.Contains(l.strs, v)
}

func (c *evalCtx) test(l *leaf) bool {
	s := &l.spec
	switch s.kind {
	case kText, kEnum:
		if l.op == OpKeywords {
			return len(c.found(l, true)) > 0
		}
		v := c.str(s)
		switch l.op {
		case OpExists:
			return (strings.TrimSpace(v) != "") == l.exists
		case OpContains:
			return strings.Contains(strings.ToLower(v), l.str)
		}
		if s.kind == kText {
			v = strings.ToLower(v)
		}
		switch l.op {
		case OpEq:
			return v == l.str
		case OpNe:
			return v != l.str
		case OpIn:
			return v != "" && l.has(v)
		case OpNotIn:
			return v == "" || !l.has(v)
		}
	case kList:
		vals := c.values(s)
		if l.op == OpExists {
			return (len(vals) > 0) == l.exists
		}
		if s.fold {
			vals = lowerAll(vals)
		}
		switch l.op {
		case OpContains:
			for _, want := range l.strs {
				if !slices.Contains(vals, want) {
					return false
				}
			}
			return true
		case OpIn, OpNotIn:
			hit := false
			for _, v := range vals {
				if l.has(v) {
					hit = true
					break
				}
			}
			return hit == (l.op == OpIn)
		}
	case kNumber:
		v, ok := c.number(s)
		if l.op == OpExists {
			return ok == l.exists
		}
		if !ok {
			return l.op == OpNe || l.op == OpNotIn
		}
		switch l.op {
		case OpEq:
			return v == l.num
		case OpNe:
			return v != l.num
		case OpIn:
			return slices.Contains(l.nums, v)
		case OpNotIn:
			return !slices.Contains(l.nums, v)
		}
		return compare(l.op, v, l.num)
	case kDate:
		d, ok := c.dayValue(s)
		if l.op == OpExists {
			return ok == l.exists
		}
		if !ok {
			return l.op == OpNe
		}
		switch l.op {
		case OpEq:
			return d == l.day
		case OpNe:
			return d != l.day
		}
		return compare(l.op, float64(d), float64(l.day))
	}
	return false
}

func compare(op Op, v, want float64) bool {
	switch op {
	case OpGt:
		return v > want
	case OpLt:
		return v < want
	case OpGte:
		return v >= want
	case OpLte:
		return v <= want
	}
	return false
}

func lowerAll(vals []string) []string {
	for i, v := range vals {
		if lv := strings.ToLower(v); lv != v {
			out := slices.Clone(vals)
			for j := i; j < len(out); j++ {
				out[j] = strings.ToLower(out[j])
			}
			return out
		}
	}
	return vals
}

// found returns the keywords of a keywords leaf present in its field; with
// first it stops at the first one.
func (c *evalCtx) found(l *leaf, first bool) []string {
	var bits [2][]uint64
	if c.sc == nil {
		c.sc, _ = c.r.scratch.Get().(*scratch)
		if c.sc == nil {
			c.sc = &scratch{}
		}
		w := c.r.kw.words()
		if cap(c.sc.bits) < 2*w {
			c.sc.bits = make([]uint64, 2*w)
		}
		c.sc.bits = c.sc.bits[:2*w]
		clear(c.sc.bits)
		c.subj, c.desc = c.sc.bits[:w:w], c.sc.bits[w:]
		c.scannedSubj, c.scannedDesc = false, false
	}
	switch l.spec.id {
	case fSubject:
		bits[0] = c.scan(c.subj, &c.scannedSubj, c.t.Subject)
	case fDescription:
		bits[0] = c.scan(c.desc, &c.scannedDesc, c.t.Description)
	case fText:
		bits[0] = c.scan(c.subj, &c.scannedSubj, c.t.Subject)
		bits[1] = c.scan(c.desc, &c.scannedDesc, c.t.Description)
	default:
		b, ok := c.custom[l.spec.custom]
		if !ok {
			b = make([]uint64, c.r.kw.words())
			c.scan(b, new(bool), c.str(&l.spec))
			if c.custom == nil {
				c.custom = map[string][]uint64{}
			}
			c.custom[l.spec.custom] = b
		}
		bits[0] = b
	}
	var out []string
	for _, k := range l.kw {
		if hasBit(bits[0], k) || bits[1] != nil && hasBit(bits[1], k) {
			out = append(out, c.r.keywords[k])
			if first {
				return out
			}
		}
	}
	return out
}

// scan fills bits with the keywords found in text, once.
func (c *evalCtx) scan(bits []uint64, done *bool, text string) []uint64 {
	if !*done {
		c.r.kw.scanText(text, bits)
		*done = true
	}
	return bits
}
