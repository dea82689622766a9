package querybench

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/deskmine/deskmine/analytics/httpapi"
)

const day = 24 * time.Hour

// Case is one request of the benchmark: a GET of Path (under
// /api/v1/analytics) with the query string Query, whose placeholders
// (see Expand) take other values in each variant, so that no run repeats the
// query of the run before it.
type Case struct {
	Name   string
	Path   string
	Window time.Duration // length of {from}..{to}; 0 when Query has neither
	Query  string
}

// Cases are every endpoint of the analytics API with its heavy variants.
// Adding an endpoint's case is one line here; TestCasesCoverEveryRoute
// fails while a route of httpapi.Routes has none.
var Cases = []Case{
	{"hotspots-1dim", "/hotspots", 90 * day, "dimensions=category&from={from}&to={to}"},
	{"hotspots-2dim-year", "/hotspots", 365 * day, "dimensions=team,priority&from={from}&to={to}"},
	{"hotspots-day-tz", "/hotspots", 90 * day, "dimensions=channel&bucket=day&tz={tz}&from={from}&to={to}"},
	{"hotspots-week-tz-year", "/hotspots", 365 * day, "dimensions=team&bucket=week&tz={tz}&from={from}&to={to}"},
	{"hotspots-month-tz-year", "/hotspots", 365 * day, "dimensions=type&bucket=month&tz={tz}&from={from}&to={to}"},
	{"hotspots-hour-tz", "/hotspots", 30 * day, "dimensions=priority&bucket=hour&tz={tz}&from={from}&to={to}"},
	{"hotspots-2dim-hour-tz", "/hotspots", 30 * day, "dimensions=team,agent&bucket=hour&tz={tz}&from={from}&to={to}"},
	{"hotspots-filters", "/hotspots", 90 * day, "dimensions=category&bucket=day&tz={tz}&from={from}&to={to}&filter.team={team}&filter.channel={channel},{channel2}&filter.customer_tier={tier}"},
	{"hotspots-tag-week", "/hotspots", 365 * day, "dimensions=tag&bucket=week&from={from}&to={to}"},
	{"hotspots-tag-2dim", "/hotspots", 90 * day, "dimensions=tag,team&bucket=day&tz={tz}&from={from}&to={to}&filter.priority={priority}"},
	{"hotspots-tag-filter", "/hotspots", 90 * day, "dimensions=team&bucket=day&from={from}&to={to}&filter.tag={tag}"},
	{"hotspots-day-csv", "/hotspots", 90 * day, "dimensions=channel,category&bucket=day&tz={tz}&from={from}&to={to}&format=csv"},
	{"movers", "/movers", 30 * day, "dimensions=category&from={from}&to={to}"},
	{"movers-agent-filter", "/movers", 90 * day, "dimensions=agent&from={from}&to={to}&filter.team={team},{team2}&limit=50"},
	{"movers-tag", "/movers", 30 * day, "dimensions=tag&from={from}&to={to}"},
	{"backlog-now", "/backlog", 0, "at={now}"},
	{"backlog-now-by-status", "/backlog", 0, "at={now}&by=status"},
	{"backlog-past-by-team", "/backlog", 0, "at={at}&by=team"},
	{"backlog-past-agent-filter", "/backlog", 0, "at={at}&by=agent&filter.team={team}&filter.priority={priority},{priority2}"},
	{"performance-agent", "/performance", 90 * day, "by=agent&from={from}&to={to}"},
	{"performance-team-year", "/performance", 365 * day, "by=team&from={from}&to={to}"},
	{"performance-agent-anonymous", "/performance", 30 * day, "by=agent&anonymous=true&from={from}&to={to}"},
	{"performance-team-filters", "/performance", 90 * day, "by=team&from={from}&to={to}&filter.channel={channel},{channel2}&filter.priority={priority}"},
	{"performance-agent-csv", "/performance", 90 * day, "by=agent&from={from}&to={to}&filter.team={team}&format=csv"},
	{"bottlenecks", "/bottlenecks", 30 * day, "from={from}&to={to}"},
	{"bottlenecks-quarter", "/bottlenecks", 90 * day, "from={from}&to={to}"},
	{"bottlenecks-filter", "/bottlenecks", 90 * day, "from={from}&to={to}&filter.category={category}&filter.customer_tier={tier},{tier2}"},
	{"hotspots-at-window-end", "/hotspots", 90 * day, "dimensions=team,priority&from={from}&to={to}&at={to}"},
	{"backlog-past-by-sla-state", "/backlog", 0, "at={at}&by=sla_state&filter.team={team},{team2}"},
	{"open-past", "/open", 0, "at={at}"},
	{"open-now-filters", "/open", 0, "at={now}&team={team}&sla_state=breached,at_risk&limit=1000"},
	{"rootcause", "/rootcause", 30 * day, "from={from}&to={to}"},
	{"rootcause-quarter-csv", "/rootcause", 90 * day, "from={from}&to={to}&filter.channel={channel}&format=csv&table=chains"},
	{"repeats", "/repeats", 90 * day, "from={from}&to={to}"},
	{"repeats-by-channel", "/repeats", 365 * day, "from={from}&to={to}&window_days=30&dimension=channel"},
	{"painpoints", "/painpoints", 90 * day, "segment=channel&from={from}&to={to}"},
	{"painpoints-tier-year", "/painpoints", 365 * day, "segment=customer_tier&by=priority&from={from}&to={to}&filter.team={team}"},
	{"spikes-day-tz", "/spikes", 90 * day, "dimension=category&bucket=day&tz={tz}&from={from}&to={to}"},
	{"spikes-hour-tz", "/spikes", 7 * day, "dimension=team&bucket=hour&tz={tz}&from={from}&to={to}"},
	{"spikes-day-filter", "/spikes", 90 * day, "dimension=channel&bucket=day&from={from}&to={to}&filter.customer_tier={tier}"},
	{"trends-day-tz", "/trends", 30 * day, "bucket=day&tz={tz}&from={from}&to={to}"},
	{"trends-week-quarter", "/trends", 90 * day, "bucket=week&from={from}&to={to}"},
	{"trends-month-year-filter", "/trends", 365 * day, "bucket=month&tz={tz}&from={from}&to={to}&filter.team={team}"},
}

// Values of the generated history (analytics/storetest.Generate) that the
// placeholders rotate through; TestPlaceholderValuesExist checks that the
// generator still writes them.
var (
	valTeams      = []string{"accounts", "billing", "network", "network-l2", "returns", "tech"}
	valChannels   = []string{"email", "chat", "phone", "social", "web", "api"}
	valCategories = []string{"payment", "login", "delivery", "vpn", "refund"}
	valTiers      = []string{"standard", "premium", "vip", "enterprise"}
	valPriorities = []string{"P1", "P2", "P3", "P4"}
	valTags       = []string{"vip", "vpn"}
	valZones      = []string{"Europe/Brussels", "Asia/Shanghai", "America/New_York", "UTC"}
)

// Variants is how many parameter sets each case rotates through.
const Variants = 4

// Span is the time the generated history covers, from SpanStart: tickets
// are created over it (see Load), so windows and buckets hold data.
var (
	SpanStart = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC) // a Monday
	Span      = 365 * day
)

// windowStep moves each variant's window back, so consecutive runs scan
// different days.
const windowStep = 9 * day

var placeholder = regexp.MustCompile(`\{[a-z0-9]+\}`)

// Expand returns the URL path and query of variant v of c, with now the
// instant of {now}:
//
//   - {from}, {to}: a window of c.Window ending at the end of the span, moved
//     back by v*9 days;
//   - {at}: the instant (v+1)/(Variants+1) into the span; {now}: now, less v
//     minutes (a dashboard refreshing);
//   - {tz}: a time zone; {team}, {team2}, {channel}, {channel2}, {category},
//     {tier}, {tier2}, {priority}, {priority2}, {tag}: values of the
//     generated history (the ...2 ones differ from their first).
//
// An unknown placeholder is an error.
func (c Case) Expand(v int, now time.Time) (string, error) {
	end := SpanStart.Add(Span - time.Duration(v)*windowStep)
	pick := func(xs []string, k int) string { return xs[(v+k)%len(xs)] }
	vals := map[string]string{
		"{from}":      end.Add(-c.Window).Format(time.RFC3339),
		"{to}":        end.Format(time.RFC3339),
		"{at}":        SpanStart.Add(Span * time.Duration(v+1) / (Variants + 1)).Format(time.RFC3339),
		"{now}":       now.UTC().Truncate(time.Second).Add(-time.Duration(v) * time.Minute).Format(time.RFC3339),
		"{tz}":        pick(valZones, 0),
		"{team}":      pick(valTeams, 0),
		"{team2}":     pick(valTeams, 3),
		"{channel}":   pick(valChannels, 0),
		"{channel2}":  pick(valChannels, 2),
		"{category}":  pick(valCategories, 0),
		"{tier}":      pick(valTiers, 0),
		"{tier2}":     pick(valTiers, 1),
		"{priority}":  pick(valPriorities, 0),
		"{priority2}": pick(valPriorities, 2),
		"{tag}":       pick(valTags, 0),
	}
	var bad []string
	q := placeholder.ReplaceAllStringFunc(c.Query, func(ph string) string {
		val, ok := vals[ph]
		if !ok {
			bad = append(bad, ph)
			return ph
		}
		return url.QueryEscape(val)
	})
	if len(bad) > 0 {
		return "", fmt.Errorf("case %s: unknown placeholder %s", c.Name, strings.Join(bad, ", "))
	}
	if c.Window == 0 && (strings.Contains(c.Query, "{from}") || strings.Contains(c.Query, "{to}")) {
		return "", fmt.Errorf("case %s: {from} and {to} need a window", c.Name)
	}
	return httpapi.Prefix + c.Path + "?" + q, nil
}

// Select returns the cases whose name matches re; nil re selects all.
func Select(cases []Case, re *regexp.Regexp) []Case {
	var out []Case
	for _, c := range cases {
		if re == nil || re.MatchString(c.Name) {
			out = append(out, c)
		}
	}
	return out
}
