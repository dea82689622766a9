package importer

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
)

// prepare turns one ticket's lines into changes for ImportTicket. When any of
// the ticket's lines is bad it returns all of them instead, and the ticket is
// skipped whole: partial histories would make wrong state intervals.
func (p *plan) prepare(g *group) ([]ticketcore.ImportedChange, []ticketcore.LineError) {
	bad := slices.Clone(g.bad)
	addBad := func(line int, field, reason string) {
		bad = append(bad, ticketcore.LineError{Line: line, Field: field, Reason: reason})
	}
	recs := g.recs
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	// The same stable time order ImportTicket applies changes in.
	sort.SliceStable(order, func(a, b int) bool { return recs[order[a]].at.Before(recs[order[b]].at) })

	created := -1
	for _, i := range order {
		if recs[i].typ != "created" {
			continue
		}
		if created >= 0 {
			addBad(recs[i].line, "type", fmt.Sprintf("the ticket already has a created line (line %d)", recs[created].line))
			continue
		}
		created = i
	}
	switch {
	case len(recs) == 0:
	case created >= 0:
		// Whatever comes first creates the ticket in ImportTicket; a created
		// line that is not first would be applied as an update, with the
		// creation defaults landing in the middle of the history.
		if first := recs[order[0]]; first.at.Before(recs[created].at) {
			addBad(recs[created].line, "type", fmt.Sprintf("created at %s, but line %d of the same ticket is earlier (%s); the created line must be the ticket's first change",
				recs[created].at.Format(time.RFC3339), first.line, first.at.Format(time.RFC3339)))
		}
	case recs[order[0]].typ == "":
		created = order[0] // no type column: the earliest line creates the ticket
		recs[created].typ = "created"
	}
	for i := range recs {
		if recs[i].typ == "" {
			recs[i].typ = "updated"
			if recs[i].comment != "" {
				recs[i].typ = "commented"
			}
		}
	}

	// The created line goes first so that ImportTicket's stable sort keeps it
	// ahead of lines with the same time.
	seq := make([]int, 0, len(recs))
	if created >= 0 {
		seq = append(seq, created)
	}
	for i := range recs {
		if i != created {
			seq = append(seq, i)
		}
	}
	firstIdx := -1
	if len(order) > 0 {
		firstIdx = order[0]
	}
	changes := make([]ticketcore.ImportedChange, 0, len(recs))
	for _, i := range seq {
		rec := &recs[i]
		if rec.typ == "created" {
			for k, v := range p.m.Defaults {
				if _, has := rec.fields[k]; !has {
					rec.fields[k] = v
				}
			}
		}
		if !p.mapFields(rec, addBad) {
			continue
		}
		ch := ticketcore.ImportedChange{Line: rec.line, At: rec.at, Actor: rec.actor, Type: rec.typ, Fields: rec.fields,
			Comment: rec.comment, Public: rec.public}
		// ImportTicket stores a comment only for a change typed commented, and
		// the committed core also drops it when that change creates the
		// ticket or moves its status. Such a line becomes two changes at the
		// same instant, the change and then the comment, so that no comment
		// is lost whichever core version runs.
		_, setsStatus := rec.fields["status"]
		createsTicket := rec.typ == "created" || (created < 0 && i == firstIdx)
		if rec.comment != "" && (rec.typ != "commented" || setsStatus || createsTicket) {
			ch.Comment, ch.Public = "", false
			if ch.Type == "commented" {
				ch.Type = "updated"
			}
			changes = append(changes, ch,
				ticketcore.ImportedChange{Line: rec.line, At: rec.at, Actor: rec.actor, Type: "commented", Comment: rec.comment, Public: rec.public})
			continue
		}
		changes = append(changes, ch)
	}
	if len(bad) > 0 {
		slices.SortStableFunc(bad, func(a, b ticketcore.LineError) int { return a.Line - b.Line })
		return nil, bad
	}
	return changes, nil
}

// mapFields checks field names and maps source values in place; it reports
// false after adding the line's problems to bad.
func (p *plan) mapFields(rec *record, addBad func(line int, field, reason string)) bool {
	ok := true
	fail := func(field, reason string) {
		addBad(rec.line, field, reason)
		ok = false
	}
	fields := rec.fields
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if why := checkFieldName(name); why != "" {
			fail(name, why)
		}
	}
	if v, has := fields["status"]; has && v != nil {
		s, isText := v.(string)
		src := strings.TrimSpace(s)
		switch {
		case !isText:
			fail("status", "must be text")
		case src == "":
		default:
			state, mapped := p.m.Status[src]
			if !mapped {
				if _, isState := p.workflow.State(src); !isState {
					fail("status", fmt.Sprintf("unknown status %q: add it to the mapping's status map, or use a workflow state (%s)",
						src, strings.Join(p.workflow.StateNames(), ", ")))
					break
				}
				state = src
			}
			fields["status"] = state
			if f := p.m.SourceStatusField; f != "" {
				if _, has := fields[f]; !has {
					fields[f] = src
				}
			}
			if reason, has := p.m.PendingReason[src]; has {
				if _, given := fields["pending_reason"]; !given {
					fields["pending_reason"] = reason
				}
			}
		}
	}
	for name, v := range fields {
		var vm map[string]string
		switch name {
		case "status":
			continue
		case "priority":
			vm = p.m.Priority
		case "urgency":
			vm = p.m.Urgency
		default:
			vm = p.m.Values[name]
		}
		if s, isText := v.(string); isText && vm != nil {
			if to, mapped := vm[strings.TrimSpace(s)]; mapped {
				fields[name] = to
			}
		}
	}
	return ok
}
