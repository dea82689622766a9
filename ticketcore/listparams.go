package ticketcore

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ParseListFilters reads the filters of a ticket list query (GET
// /api/v1/tickets and the dashboards' list): status, and the analytics
// hotspot dimensions, so that a dashboard bar links to its tickets. A
// parameter repeats for several values (a ticket matches any). Unlike
// status, these values are not split at commas: categories and custom field
// texts (a multi-enum renders as "a,b") may hold commas.
//
// team, assignee and priority ignore empty values, as they always have; the
// newer dimensions take "" as "without a value" (the hotspots' "" bar).
func ParseListFilters(qp url.Values, q *ListQuery) error {
	// status keeps its older form too: one parameter, values split at commas.
	for _, st := range qp["status"] {
		for _, part := range strings.Split(st, ",") {
			if part = strings.TrimSpace(part); part != "" {
				q.Status = append(q.Status, part)
			}
		}
	}
	q.Team = nonEmpty(qp["team"])
	q.Assignee = nonEmpty(qp["assignee"])
	q.Priority = nonEmpty(qp["priority"])
	q.Category = qp["category"]
	q.Product = qp["product"]
	q.Channel = qp["channel"]
	q.Region = qp["region"]
	q.CustomerTier = qp["customer_tier"]
	q.Type = qp["type"]
	for _, tag := range qp["tag"] {
		if tag == "" {
			return listParamError("tag", "must not be empty: tickets carry no empty tag")
		}
		q.Tag = append(q.Tag, tag)
	}
	var err error
	if q.CreatedFrom, err = queryTime(qp, "created_from"); err != nil {
		return err
	}
	if q.CreatedTo, err = queryTime(qp, "created_to"); err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(qp)) { // the first bad name in a stable order
		vals := qp[key]
		name, ok := strings.CutPrefix(key, CustomFieldParam)
		if !ok {
			continue
		}
		if !ValidCustomFieldName(name) {
			return listParamError(key, fmt.Sprintf("the name after %q must be a lower-case letter followed by "+
				"lower-case letters, digits or _, at most %d characters", CustomFieldParam, MaxCustomFieldName))
		}
		if q.CustomFields == nil {
			q.CustomFields = map[string][]string{}
		}
		q.CustomFields[name] = vals
	}
	return nil
}

func nonEmpty(vals []string) []string {
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// queryTime reads an optional RFC 3339 time given at most once.
func queryTime(qp url.Values, field string) (time.Time, error) {
	vals := qp[field]
	switch {
	case len(vals) == 0:
		return time.Time{}, nil
	case len(vals) > 1:
		return time.Time{}, listParamError(field, "give it once")
	}
	t, err := time.Parse(time.RFC3339Nano, vals[0])
	if err != nil {
		return time.Time{}, listParamError(field, "must be an RFC 3339 time such as 2024-06-03T00:00:00Z")
	}
	return t, nil
}

// listParamError is a list parameter refused with 400, naming it.
func listParamError(field, reason string) *Error {
	return &Error{Code: CodeBadRequest, Message: "bad " + field + ": " + reason, Fields: map[string]string{field: reason}}
}
