package dashboards

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// Ranges a period picker offers, in days.
var rangeDays = map[string]int{"7d": 7, "30d": 30, "90d": 90, "365d": 365}

// period is the time window of a manager page: [From, To) in the display
// zone, cut into buckets of Bucket.
type period struct {
	From, To time.Time
	Bucket   string
	Range    string // the picked range, "" for explicit dates
	FromDay  string // From and To-1 day as the date inputs show them
	ToDay    string
}

const dayLayout = "2006-01-02"

// parsePeriod reads range=7d|30d|90d|365d, or from and to as dates (to
// inclusive), and bucket=day|week|month (chosen from the length when
// absent). The default is the 30 days up to today.
func (s *Server) parsePeriod(c echo.Context, defaultRange string) (period, error) {
	loc := s.opts.Location
	now := s.opts.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	p := period{To: today.AddDate(0, 0, 1)}
	from, to := c.QueryParam("from"), c.QueryParam("to")
	if from != "" || to != "" {
		if from == "" || to == "" {
			return p, badField("from", "give both from and to, or neither")
		}
		f, err := time.ParseInLocation(dayLayout, from, loc)
		if err != nil {
			return p, badField("from", "a date as YYYY-MM-DD")
		}
		t, err := time.ParseInLocation(dayLayout, to, loc)
		if err != nil {
			return p, badField("to", "a date as YYYY-MM-DD")
		}
		if t.Before(f) {
			return p, badField("to", "on or after from")
		}
		p.From, p.To = f, t.AddDate(0, 0, 1)
	} else {
		r := c.QueryParam("range")
		if r == "" {
			r = defaultRange
		}
		days, ok := rangeDays[r]
		if !ok {
			return p, badField("range", "one of 7d, 30d, 90d, 365d")
		}
		p.Range, p.From = r, p.To.AddDate(0, 0, -days)
	}
	if p.To.Sub(p.From) > 2*366*24*time.Hour {
		return p, badField("to", "at most two years after from")
	}
	p.Bucket = c.QueryParam("bucket")
	switch p.Bucket {
	case "":
		switch days := p.To.Sub(p.From).Hours() / 24; {
		case days <= 62:
			p.Bucket = analytics.BucketDay
		case days <= 400:
			p.Bucket = analytics.BucketWeek
		default:
			p.Bucket = analytics.BucketMonth
		}
	case analytics.BucketDay, analytics.BucketWeek, analytics.BucketMonth:
	default:
		return p, badField("bucket", "one of day, week, month")
	}
	p.FromDay, p.ToDay = p.From.Format(dayLayout), p.To.AddDate(0, 0, -1).Format(dayLayout)
	return p, nil
}

// periodAndFilters reads a manager page's period and its filters over dims.
func (s *Server) periodAndFilters(c echo.Context, defaultRange string, dims []string) (period, map[string][]string, []filter, error) {
	p, err := s.parsePeriod(c, defaultRange)
	if err != nil {
		return p, nil, nil, err
	}
	filters, list, err := parseFilters(c, dims)
	return p, filters, list, err
}

// bucketEnd is the end of the bucket starting at b.
func bucketEnd(b time.Time, bucket string) time.Time {
	switch bucket {
	case analytics.BucketHour:
		return b.Add(time.Hour)
	case analytics.BucketWeek:
		return b.AddDate(0, 0, 7)
	case analytics.BucketMonth:
		return b.AddDate(0, 1, 0)
	}
	return b.AddDate(0, 0, 1)
}

// bucketLabel names a bucket on a chart axis.
func bucketLabel(b time.Time, bucket string) string {
	switch bucket {
	case analytics.BucketMonth:
		return b.Format("2006-01")
	case analytics.BucketHour:
		return b.Format("01-02 15:00")
	}
	return b.Format(dayLayout)
}

// filter is one dimension=value condition of a page's filter picker.
type filter struct{ Dim, Value string }

// parseFilters reads f=dim:value (repeatable) restricted to the dimensions
// allowed; several values of one dimension are alternatives.
func parseFilters(c echo.Context, allowed []string) (map[string][]string, []filter, error) {
	out := map[string][]string{}
	var list []filter
	qp := c.QueryParams()
	raws := append([]string(nil), qp["f"]...)
	// The filter picker sends pairs of fdim and fval.
	dims, vals := qp["fdim"], qp["fval"]
	if len(dims) != len(vals) {
		return nil, nil, badField("fdim", "one fval for every fdim")
	}
	for i, dim := range dims {
		if dim != "" {
			raws = append(raws, dim+":"+vals[i])
		}
	}
	for _, raw := range raws {
		if raw == "" || raw == ":" {
			continue
		}
		dim, value, ok := strings.Cut(raw, ":")
		if !ok {
			return nil, nil, badField("f", fmt.Sprintf("%q: write dimension:value", raw))
		}
		if !slices.Contains(allowed, dim) {
			if _, cf := analytics.CustomField(dim); !cf || !slices.Contains(allowed, analytics.DimCustomField) {
				return nil, nil, badField("f", fmt.Sprintf("unknown dimension %q; allowed: %s", dim, strings.Join(allowed, ", ")))
			}
		}
		if len(value) > 200 {
			return nil, nil, badField("f", "a value of at most 200 characters")
		}
		out[dim] = append(out[dim], value)
		list = append(list, filter{dim, value})
	}
	if len(out) == 0 {
		return nil, nil, nil
	}
	return out, list, nil
}

// perfDims are the dimensions the performance-style queries filter on.
func perfDims() []string {
	out := make([]string, len(analytics.PerfFilterDimensions))
	for i, d := range analytics.PerfFilterDimensions {
		out[i] = d.Name
	}
	return out
}

// hotspotDims are the dimensions a hotspot query groups and filters by.
func hotspotDims() []string { return append(analytics.Dimensions(), analytics.DimCustomField) }

// listParam is the ticket list's parameter for an analytics dimension.
func listParam(dim string) string {
	switch dim {
	case "agent":
		return "assignee"
	}
	return dim
}

// ticketsURL is the ticket list of the tickets created in [from, to)
// (either may be zero) that match filters: where a drill-down lands.
func ticketsURL(from, to time.Time, filters map[string][]string) string {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("created_from", from.UTC().Format(time.RFC3339))
	}
	if !to.IsZero() {
		q.Set("created_to", to.UTC().Format(time.RFC3339))
	}
	for dim, vs := range filters {
		for _, v := range vs {
			q.Add(listParam(dim), v)
		}
	}
	return Prefix + "/tickets?" + q.Encode()
}

// withFilter returns filters plus dim=value, leaving filters unchanged.
func withFilter(filters map[string][]string, kv ...string) map[string][]string {
	out := make(map[string][]string, len(filters)+1)
	for k, v := range filters {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = []string{kv[i+1]}
	}
	return out
}

func parseIntParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badField(name, fmt.Sprintf("a whole number from %d to %d", lo, hi))
	}
	return n, nil
}
