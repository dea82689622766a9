// Package calendar is business-time arithmetic: working hours per weekday in
// a time zone, holidays, and make-up working days (such as the weekends China
// works around its National Day holiday).
//
// A Calendar is configuration; Compile validates it and returns a Compiled
// calendar whose methods are pure, deterministic and safe for concurrent use:
//
//   - Add(from, d): the instant at which d of working time has passed after from;
//   - Between(from, to): the working time in [from, to);
//   - IsWorking(t) and NextOpen(t).
//
// Working spans are wall-clock times of a local day. A 09:00-18:00 span is
// nine hours long, also on a day when the clocks change outside it; when a
// change falls inside a span, the span lasts the real elapsed time between
// its two wall-clock ends (eight hours on a spring-forward day, ten on a
// fall-back day for a span across 02:00-03:00). A wall-clock time that does
// not exist or exists twice is resolved as time.Date resolves it. For every
// from and every d >= 0, Between(from, Add(from, d)) == d.
//
// The arithmetic walks day by day over precomputed spans and converts wall
// clock to instants with cached zone offsets, so adding a year of working
// time takes microseconds. Instants must lie within the range of
// time.Time.UnixNano (years 1678 to 2262).
//
// Time zones are loaded with time.LoadLocation: a binary that may run
// without the system zone database (a scratch container) should import
// time/tzdata.
package calendar

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/deskmine/deskmine/internal/fieldmsg"
)

// Span is one stretch of working time in a local day, as "HH:MM" wall-clock
// times; End may be "24:00" (the end of the day). A day may have several
// spans (a lunch break); they must be sorted and must not overlap.
type Span struct {
	Start string `json:"start" yaml:"start"`
	End   string `json:"end" yaml:"end"`
}

// WorkdayOverride makes a date a working day with the given hours, even when
// its weekday is closed (a make-up working day) or has other hours.
type WorkdayOverride struct {
	Date  string `json:"date" yaml:"date"`                       // "2006-01-02"
	Hours []Span `json:"hours,omitempty" yaml:"hours,omitempty"` // empty means the hours of Week["mon"]
}

// Calendar is a business calendar as configured.
type Calendar struct {
	Name     string            `json:"name" yaml:"name"`           // how policies refer to it
	TimeZone string            `json:"time_zone" yaml:"time_zone"` // IANA name, e.g. "Asia/Shanghai"; "UTC" allowed, "Local" not
	Week     map[string][]Span `json:"week" yaml:"week"`           // keys "mon".."sun"; a missing day is closed
	Holidays []string          `json:"holidays,omitempty" yaml:"holidays,omitempty"`
	Workdays []WorkdayOverride `json:"workdays,omitempty" yaml:"workdays,omitempty"`
}

// ValidationError is a calendar that cannot be compiled. Fields maps each
// offending field, e.g. "week.mon[1].start", to what is wrong with it.
type ValidationError struct {
	Name   string
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("calendar %q: %s", e.Name, fieldmsg.Join(e.Fields))
}

const (
	dayNs = int64(24 * time.Hour)
	// zoneMargin keeps the cached zone offset away from a zone's bounds, so a
	// wall-clock time near a change (which may be ambiguous) is always
	// resolved by time.Date. It exceeds any real offset change (Samoa
	// skipped a whole day in 2011).
	zoneMargin = int64(48 * time.Hour)
)

// span is a working span in nanoseconds after local midnight.
type span struct{ start, end int64 }

// Compiled is a validated calendar ready for arithmetic. It is immutable and
// safe for concurrent use.
type Compiled struct {
	name    string
	loc     *time.Location
	week    [7][]span        // by time.Weekday
	special map[int64][]span // by local day number (days since 1970-01-01); nil slice = holiday
	always  bool             // 24x7 in UTC: plain time arithmetic
}

// weekday returns the time.Weekday of a Week key ("sun".."sat").
func weekday(key string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if key == strings.ToLower(d.String()[:3]) {
			return d, true
		}
	}
	return 0, false
}

// Compile validates c and prepares it for arithmetic. The error is a
// *ValidationError naming every offending field.
func Compile(c Calendar) (*Compiled, error) {
	errs := map[string]string{}
	add := func(field, msg string) {
		if _, ok := errs[field]; !ok {
			errs[field] = msg
		}
	}
	out := &Compiled{name: c.Name, special: map[int64][]span{}}
	if strings.TrimSpace(c.Name) == "" {
		add("name", "is required")
	}
	switch c.TimeZone {
	case "":
		add("time_zone", "is required (an IANA name such as Europe/Berlin, or UTC)")
	case "Local":
		add("time_zone", "Local depends on the host; name the zone, e.g. Europe/Berlin")
	default:
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			add("time_zone", fmt.Sprintf("unknown time zone %q", c.TimeZone))
		}
		out.loc = loc
	}
	for key, spans := range c.Week {
		wd, ok := weekday(key)
		if !ok {
			add("week", fmt.Sprintf("unknown day %q; days are mon, tue, wed, thu, fri, sat, sun", key))
			continue
		}
		out.week[wd] = parseSpans("week."+key, spans, add)
	}
	var weekTotal int64
	for _, sp := range out.week {
		for _, s := range sp {
			weekTotal += s.end - s.start
		}
	}
	if weekTotal == 0 {
		add("week", "has no working time")
	}
	holidays := map[int64]bool{}
	for i, h := range c.Holidays {
		day, ok := parseDate(h)
		if !ok {
			add(fmt.Sprintf("holidays[%d]", i), fmt.Sprintf("%q is not a date (YYYY-MM-DD)", h))
			continue
		}
		holidays[day] = true
		out.special[day] = nil
	}
	workdays := map[int64]bool{}
	for i, w := range c.Workdays {
		field := fmt.Sprintf("workdays[%d]", i)
		day, ok := parseDate(w.Date)
		if !ok {
			add(field+".date", fmt.Sprintf("%q is not a date (YYYY-MM-DD)", w.Date))
			continue
		}
		if holidays[day] {
			add(field+".date", fmt.Sprintf("%s is also a holiday", w.Date))
			continue
		}
		if workdays[day] {
			add(field+".date", fmt.Sprintf("%s is listed twice", w.Date))
			continue
		}
		workdays[day] = true
		var sp []span
		if len(w.Hours) == 0 {
			sp = out.week[time.Monday]
			if len(sp) == 0 {
				add(field+".hours", "empty, and week.mon (its default) has no hours")
			}
		} else {
			sp = parseSpans(field+".hours", w.Hours, add)
		}
		out.special[day] = sp
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Name: c.Name, Fields: errs}
	}
	return out, nil
}

// AlwaysOpen is the 24x7 calendar in UTC: business time is elapsed time.
func AlwaysOpen() *Compiled {
	c := &Compiled{name: "24x7", loc: time.UTC, always: true}
	for i := range c.week {
		c.week[i] = []span{{0, dayNs}}
	}
	return c
}

// Name is the calendar's name.
func (c *Compiled) Name() string { return c.name }

// Location is the calendar's time zone.
func (c *Compiled) Location() *time.Location { return c.loc }

// Add returns the instant at which d of working time has passed after from:
// the end of a working span when d runs out exactly there. A d <= 0 returns
// from. The result is in from's location.
func (c *Compiled) Add(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	f := from.UnixNano()
	if c.always {
		return time.Unix(0, f+int64(d)).In(from.Location())
	}
	rem := int64(d)
	k := c.newCursor(f)
	for {
		s, e := k.next()
		if e <= f {
			continue
		}
		s = max(s, f)
		if e-s >= rem {
			return time.Unix(0, s+rem).In(from.Location())
		}
		rem -= e - s
	}
}

// Between returns the working time in [from, to); zero when to is not after
// from.
func (c *Compiled) Between(from, to time.Time) time.Duration {
	f, t := from.UnixNano(), to.UnixNano()
	if t <= f {
		return 0
	}
	if c.always {
		return time.Duration(t - f)
	}
	var sum int64
	k := c.newCursor(f)
	for {
		s, e := k.next()
		if s >= t {
			return time.Duration(sum)
		}
		if e <= f {
			continue
		}
		sum += min(e, t) - max(s, f)
	}
}

// IsWorking reports whether t falls inside a working span.
func (c *Compiled) IsWorking(t time.Time) bool {
	if c.always {
		return true
	}
	n := t.UnixNano()
	k := c.newCursor(n)
	for {
		s, e := k.next()
		if s > n {
			return false
		}
		if n < e {
			return true
		}
	}
}

// NextOpen returns t when it is working time, else the start of the next
// working span. The result is in t's location.
func (c *Compiled) NextOpen(t time.Time) time.Time {
	if c.always {
		return t
	}
	n := t.UnixNano()
	k := c.newCursor(n)
	for {
		s, e := k.next()
		if e > n {
			if s <= n {
				return t
			}
			return time.Unix(0, s).In(t.Location())
		}
	}
}

// spansOf returns the working spans of a local day.
func (c *Compiled) spansOf(day int64) []span {
	if sp, ok := c.special[day]; ok {
		return sp
	}
	return c.week[floorMod(day+4, 7)] // 1970-01-01 was a Thursday
}

// zoneCache is one zone period (constant UTC offset) of the location, shrunk
// by zoneMargin on both sides; all in Unix nanoseconds.
type zoneCache struct{ off, lo, hi int64 }

func zoneOf(t time.Time) zoneCache {
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	const minSec, maxSec = -9_000_000_000, 9_000_000_000 // inside the UnixNano range
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !start.IsZero() {
		if s := start.Unix(); s > minSec {
			lo = start.UnixNano() + zoneMargin
		}
	}
	if !end.IsZero() {
		if e := end.Unix(); e < maxSec {
			hi = end.UnixNano() - zoneMargin
		}
	}
	return zoneCache{off: int64(off) * int64(time.Second), lo: lo, hi: hi}
}

// cursor yields the working intervals of consecutive days as instants, in
// order, without overlap and never ending (Compile guarantees weekly working
// time and holidays are finite).
type cursor struct {
	c    *Compiled
	zone zoneCache
	day  int64
	sp   []span
	i    int
	last int64
}

// newCursor starts on the local day before the one containing n, so every
// interval that could contain n is seen.
func (c *Compiled) newCursor(n int64) cursor {
	z := zoneOf(time.Unix(0, n).In(c.loc))
	day := floorDiv(n+z.off, dayNs) - 1
	return cursor{c: c, zone: z, day: day, sp: c.spansOf(day), last: math.MinInt64}
}

func (k *cursor) next() (int64, int64) {
	for {
		for k.i < len(k.sp) {
			sp := k.sp[k.i]
			k.i++
			s, e := k.instant(sp.start), k.instant(sp.end)
			s = max(s, k.last) // a span start inside a skipped hour can map after an earlier end
			if e <= s {
				continue
			}
			k.last = e
			return s, e
		}
		k.day++
		k.sp = k.c.spansOf(k.day)
		k.i = 0
	}
}

// instant converts a wall-clock time of the cursor's day to Unix
// nanoseconds: with the cached offset well inside a zone period, otherwise
// with time.Date, refreshing the cache.
func (k *cursor) instant(off int64) int64 {
	u := k.day*dayNs + off - k.zone.off
	if u >= k.zone.lo && u < k.zone.hi {
		return u
	}
	t := time.Date(1970, time.January, 1+int(k.day), 0, 0, int(off/int64(time.Second)), 0, k.c.loc)
	k.zone = zoneOf(t)
	return t.UnixNano()
}

func parseSpans(field string, in []Span, add func(field, msg string)) []span {
	out := make([]span, 0, len(in))
	prevEnd := int64(-1)
	for i, s := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		start, ok1 := parseClock(s.Start, false)
		if !ok1 {
			add(f+".start", fmt.Sprintf("%q is not a time HH:MM from 00:00 to 23:59", s.Start))
		}
		end, ok2 := parseClock(s.End, true)
		if !ok2 {
			add(f+".end", fmt.Sprintf("%q is not a time HH:MM from 00:01 to 24:00", s.End))
		}
		if !ok1 || !ok2 {
			continue
		}
		if end <= start {
			add(f+".end", fmt.Sprintf("%s is not after the start %s", s.End, s.Start))
			continue
		}
		if start < prevEnd {
			add(f+".start", fmt.Sprintf("%s overlaps or precedes the previous span; list spans in order without overlap", s.Start))
			continue
		}
		prevEnd = end
		out = append(out, span{start, end})
	}
	return out
}

// parseClock parses "HH:MM" into nanoseconds after midnight; "24:00" only as an end.
func parseClock(s string, isEnd bool) (int64, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int64(s[0]-'0')*10 + int64(s[1]-'0')
	m := int64(s[3]-'0')*10 + int64(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && (m != 0 || !isEnd)) {
		return 0, false
	}
	return (h*60 + m) * int64(time.Minute), true
}

// parseDate parses "2006-01-02" into a day number (days since 1970-01-01).
func parseDate(s string) (int64, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return floorDiv(t.Unix(), 86400), true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
