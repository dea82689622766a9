package calendar_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's zone database

	"github.com/deskmine/deskmine/ticketcore/calendar"
)

func weekdays(spans ...calendar.Span) map[string][]calendar.Span {
	w := map[string][]calendar.Span{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		w[d] = spans
	}
	return w
}

func everyDay(spans ...calendar.Span) map[string][]calendar.Span {
	w := weekdays(spans...)
	w["sat"], w["sun"] = spans, spans
	return w
}

// shanghai works 09:00-12:00 and 13:00-18:00 on weekdays, closes for the
// 2026 National Day holiday (Oct 1-7) and works the make-up days
// 2026-09-27 (a Sunday) and 2026-10-10 (a Saturday).
func shanghai() calendar.Calendar {
	return calendar.Calendar{
		Name: "cn", TimeZone: "Asia/Shanghai",
		Week:     weekdays(calendar.Span{"09:00", "12:00"}, calendar.Span{"13:00", "18:00"}),
		Holidays: []string{"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"},
		Workdays: []calendar.WorkdayOverride{{Date: "2026-09-27"}, {Date: "2026-10-10"}},
	}
}

func berlinOffice() calendar.Calendar {
	return calendar.Calendar{Name: "de", TimeZone: "Europe/Berlin", Week: weekdays(calendar.Span{"09:00", "18:00"})}
}

// berlinSundayNight works 01:00-05:00 on Sundays only: both 2026 clock
// changes (Mar 29 and Oct 25, both Sundays) fall inside the span.
func berlinSundayNight() calendar.Calendar {
	return calendar.Calendar{Name: "de-night", TimeZone: "Europe/Berlin", Week: map[string][]calendar.Span{"sun": {{"01:00", "05:00"}}}}
}

func berlinSundayLate() calendar.Calendar {
	return calendar.Calendar{Name: "de-late", TimeZone: "Europe/Berlin", Week: map[string][]calendar.Span{"sun": {{"02:30", "05:00"}}}}
}

func berlinAllDay() calendar.Calendar {
	return calendar.Calendar{Name: "de-24", TimeZone: "Europe/Berlin", Week: everyDay(calendar.Span{"00:00", "24:00"})}
}

func newYork() calendar.Calendar {
	return calendar.Calendar{Name: "us", TimeZone: "America/New_York", Week: weekdays(calendar.Span{"09:00", "17:00"})}
}

// weekendNight works Saturday 20:00 to Sunday 04:00, across midnight via 24:00.
func weekendNight() calendar.Calendar {
	return calendar.Calendar{Name: "night", TimeZone: "UTC", Week: map[string][]calendar.Span{
		"sat": {{"20:00", "24:00"}}, "sun": {{"00:00", "04:00"}},
	}}
}

func mustCompile(t testing.TB, c calendar.Calendar) *calendar.Compiled {
	t.Helper()
	cc, err := calendar.Compile(c)
	if err != nil {
		t.Fatal(err)
	}
	return cc
}

func at(t testing.TB, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const (
	cn = "Asia/Shanghai"
	de = "Europe/Berlin"
	us = "America/New_York"
)

func TestAdd(t *testing.T) {
	cals := map[string]calendar.Calendar{
		"cn": shanghai(), "de": berlinOffice(), "de-night": berlinSundayNight(),
		"de-24": berlinAllDay(), "us": newYork(), "night": weekendNight(),
	}
	tests := []struct {
		name string
		cal  string
		from time.Time
		d    time.Duration
		want time.Time // compared as instants
	}{
		{"cn within a morning", "cn", at(t, cn, "2026-09-28 09:30"), 2 * time.Hour, at(t, cn, "2026-09-28 11:30")},
		{"cn across lunch", "cn", at(t, cn, "2026-09-28 11:30"), time.Hour, at(t, cn, "2026-09-28 13:30")},
		{"cn from inside lunch", "cn", at(t, cn, "2026-09-30 12:30"), 10 * time.Minute, at(t, cn, "2026-09-30 13:10")},
		{"cn Friday to make-up Sunday", "cn", at(t, cn, "2026-09-25 17:00"), 2 * time.Hour, at(t, cn, "2026-09-27 10:00")},
		{"cn over the National Day week", "cn", at(t, cn, "2026-09-30 17:00"), 2 * time.Hour, at(t, cn, "2026-10-08 10:00")},
		{"cn to make-up Saturday", "cn", at(t, cn, "2026-10-09 17:30"), time.Hour, at(t, cn, "2026-10-10 09:30")},
		{"cn from a holiday", "cn", at(t, cn, "2026-10-03 10:00"), time.Hour, at(t, cn, "2026-10-08 10:00")},
		{"cn ends exactly at a span end", "cn", at(t, cn, "2026-09-30 09:00"), 40 * time.Hour, at(t, cn, "2026-10-12 18:00")},
		{"cn given in UTC", "cn", utc(t, "2026-09-30T09:00:00Z"), 2 * time.Hour, utc(t, "2026-10-08T02:00:00Z")},
		{"cn zero", "cn", at(t, cn, "2026-10-03 10:00"), 0, at(t, cn, "2026-10-03 10:00")},
		{"de weekend into summer time", "de", at(t, de, "2026-03-27 17:00"), 2 * time.Hour, utc(t, "2026-03-30T08:00:00Z")},
		{"de weekend into winter time", "de", at(t, de, "2026-10-23 17:00"), 2 * time.Hour, utc(t, "2026-10-26T09:00:00Z")},
		{"de spring forward inside a span", "de-night", at(t, de, "2026-03-29 01:00"), 90 * time.Minute, utc(t, "2026-03-29T01:30:00Z")},
		{"de spring-forward span is 3h", "de-night", at(t, de, "2026-03-29 01:00"), 3 * time.Hour, utc(t, "2026-03-29T03:00:00Z")},
		{"de after the short span", "de-night", at(t, de, "2026-03-29 01:00"), 3*time.Hour + time.Minute, utc(t, "2026-04-04T23:01:00Z")},
		{"de fall back: the second 02:00", "de-night", at(t, de, "2026-10-25 01:00"), 2 * time.Hour, utc(t, "2026-10-25T01:00:00Z")},
		{"de fall-back span is 5h", "de-night", at(t, de, "2026-10-25 01:00"), 5 * time.Hour, utc(t, "2026-10-25T04:00:00Z")},
		{"de 24h local across spring forward", "de-24", at(t, de, "2026-03-28 12:00"), 24 * time.Hour, utc(t, "2026-03-29T11:00:00Z")},
		{"us weekend into DST", "us", at(t, us, "2026-03-06 16:00"), 2 * time.Hour, utc(t, "2026-03-09T14:00:00Z")},
		{"us weekend out of DST", "us", at(t, us, "2026-10-30 16:00"), 2 * time.Hour, utc(t, "2026-11-02T15:00:00Z")},
		{"night across 24:00", "night", utc(t, "2026-10-10T22:00:00Z"), 4 * time.Hour, utc(t, "2026-10-11T02:00:00Z")},
		{"night ends at 24:00", "night", utc(t, "2026-10-10T20:00:00Z"), 4 * time.Hour, utc(t, "2026-10-11T00:00:00Z")},
		{"night a week later", "night", utc(t, "2026-10-11T03:00:00Z"), 2 * time.Hour, utc(t, "2026-10-17T21:00:00Z")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, cals[tt.cal])
			got := c.Add(tt.from, tt.d)
			if !got.Equal(tt.want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tt.from, tt.d, got, tt.want.In(c.Location()))
			}
			if got.Location() != tt.from.Location() {
				t.Errorf("result in %s, want from's location %s", got.Location(), tt.from.Location())
			}
			if b := c.Between(tt.from, got); b != tt.d {
				t.Errorf("Between(from, Add(from, d)) = %s, want %s", b, tt.d)
			}
		})
	}
}

func TestBetween(t *testing.T) {
	tests := []struct {
		name     string
		cal      calendar.Calendar
		from, to time.Time
		want     time.Duration
	}{
		{"cn around National Day", shanghai(), at(t, cn, "2026-09-25 09:00"), at(t, cn, "2026-10-12 09:00"), 64 * time.Hour},
		{"cn holidays only", shanghai(), at(t, cn, "2026-10-01 00:00"), at(t, cn, "2026-10-08 00:00"), 0},
		{"cn lunch only", shanghai(), at(t, cn, "2026-09-28 12:00"), at(t, cn, "2026-09-28 13:00"), 0},
		{"cn backwards is zero", shanghai(), at(t, cn, "2026-09-29 12:00"), at(t, cn, "2026-09-28 10:00"), 0},
		{"de day of spring forward", berlinAllDay(), at(t, de, "2026-03-29 00:00"), at(t, de, "2026-03-30 00:00"), 23 * time.Hour},
		{"de day of fall back", berlinAllDay(), at(t, de, "2026-10-25 00:00"), at(t, de, "2026-10-26 00:00"), 25 * time.Hour},
		{"de office week over spring forward", berlinOffice(), at(t, de, "2026-03-27 09:00"), at(t, de, "2026-03-30 18:00"), 18 * time.Hour},
		{"de office year 2026", berlinOffice(), at(t, de, "2026-01-01 00:00"), at(t, de, "2027-01-01 00:00"), 261 * 9 * time.Hour},
		{"de night spring", berlinSundayNight(), at(t, de, "2026-03-28 00:00"), at(t, de, "2026-03-30 00:00"), 3 * time.Hour},
		{"de night fall", berlinSundayNight(), at(t, de, "2026-10-24 00:00"), at(t, de, "2026-10-26 00:00"), 5 * time.Hour},
		// A span starting at a wall time that does not exist or exists twice
		// starts where time.Date puts it: 03:30 CEST, and the second 02:30 (CET).
		{"de span start in the skipped hour", berlinSundayLate(), at(t, de, "2026-03-29 00:00"), at(t, de, "2026-03-30 00:00"), 90 * time.Minute},
		{"de span start in the repeated hour", berlinSundayLate(), at(t, de, "2026-10-25 00:00"), at(t, de, "2026-10-26 00:00"), 150 * time.Minute},
		{"us week over fall back", newYork(), at(t, us, "2026-10-30 09:00"), at(t, us, "2026-11-02 17:00"), 16 * time.Hour},
		{"night weekend", weekendNight(), utc(t, "2026-10-10T00:00:00Z"), utc(t, "2026-10-12T00:00:00Z"), 8 * time.Hour},
		{"24x7", calendar.Calendar{}, utc(t, "2026-10-10T00:00:00Z"), utc(t, "2026-10-12T00:00:30Z"), 48*time.Hour + 30*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := calendar.AlwaysOpen()
			if tt.cal.Name != "" {
				c = mustCompile(t, tt.cal)
			}
			if got := c.Between(tt.from, tt.to); got != tt.want {
				t.Fatalf("Between = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestIsWorkingAndNextOpen(t *testing.T) {
	c := mustCompile(t, shanghai())
	tests := []struct {
		at      time.Time
		working bool
		next    time.Time
	}{
		{at(t, cn, "2026-09-28 09:00"), true, at(t, cn, "2026-09-28 09:00")},
		{at(t, cn, "2026-09-28 11:59"), true, at(t, cn, "2026-09-28 11:59")},
		{at(t, cn, "2026-09-28 12:00"), false, at(t, cn, "2026-09-28 13:00")},
		{at(t, cn, "2026-09-28 18:00"), false, at(t, cn, "2026-09-29 09:00")},
		{at(t, cn, "2026-09-26 10:00"), false, at(t, cn, "2026-09-27 09:00")}, // Saturday before the make-up Sunday
		{at(t, cn, "2026-09-27 10:00"), true, at(t, cn, "2026-09-27 10:00")},
		{at(t, cn, "2026-09-30 19:00"), false, at(t, cn, "2026-10-08 09:00")},
		{at(t, cn, "2026-10-03 10:00"), false, at(t, cn, "2026-10-08 09:00")},
		{at(t, cn, "2026-10-10 10:00"), true, at(t, cn, "2026-10-10 10:00")},
		{at(t, cn, "2026-10-11 10:00"), false, at(t, cn, "2026-10-12 09:00")},
	}
	for _, tt := range tests {
		if got := c.IsWorking(tt.at); got != tt.working {
			t.Errorf("IsWorking(%s) = %v", tt.at, got)
		}
		if got := c.NextOpen(tt.at); !got.Equal(tt.next) {
			t.Errorf("NextOpen(%s) = %s, want %s", tt.at, got, tt.next)
		}
	}
	always := calendar.AlwaysOpen()
	now := utc(t, "2026-10-03T10:00:00Z")
	if !always.IsWorking(now) || !always.NextOpen(now).Equal(now) {
		t.Error("AlwaysOpen is not always open")
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *calendar.Calendar)
		field string
		msg   string
	}{
		{"no name", func(c *calendar.Calendar) { c.Name = " " }, "name", "required"},
		{"no zone", func(c *calendar.Calendar) { c.TimeZone = "" }, "time_zone", "required"},
		{"Local zone", func(c *calendar.Calendar) { c.TimeZone = "Local" }, "time_zone", "host"},
		{"bad zone", func(c *calendar.Calendar) { c.TimeZone = "Mars/Olympus" }, "time_zone", "unknown"},
		{"bad day", func(c *calendar.Calendar) { c.Week["monday"] = []calendar.Span{{"09:00", "10:00"}} }, "week", "unknown day"},
		{"bad start", func(c *calendar.Calendar) { c.Week["mon"] = []calendar.Span{{"9:00", "18:00"}} }, "week.mon[0].start", "HH:MM"},
		{"bad minute", func(c *calendar.Calendar) { c.Week["tue"] = []calendar.Span{{"09:60", "18:00"}} }, "week.tue[0].start", "HH:MM"},
		{"24:00 start", func(c *calendar.Calendar) { c.Week["tue"] = []calendar.Span{{"24:00", "24:00"}} }, "week.tue[0].start", "HH:MM"},
		{"24:30 end", func(c *calendar.Calendar) { c.Week["tue"] = []calendar.Span{{"09:00", "24:30"}} }, "week.tue[0].end", "HH:MM"},
		{"empty span", func(c *calendar.Calendar) { c.Week["wed"] = []calendar.Span{{"10:00", "10:00"}} }, "week.wed[0].end", "not after"},
		{"overlap", func(c *calendar.Calendar) {
			c.Week["thu"] = []calendar.Span{{"09:00", "12:00"}, {"11:00", "18:00"}}
		}, "week.thu[1].start", "overlaps"},
		{"unsorted", func(c *calendar.Calendar) {
			c.Week["fri"] = []calendar.Span{{"13:00", "18:00"}, {"09:00", "12:00"}}
		}, "week.fri[1].start", "overlaps"},
		{"no working time", func(c *calendar.Calendar) { c.Week = nil }, "week", "no working time"},
		{"bad holiday", func(c *calendar.Calendar) { c.Holidays = append(c.Holidays, "2026-02-30") }, "holidays[7]", "not a date"},
		{"bad workday", func(c *calendar.Calendar) { c.Workdays[1].Date = "10/10/2026" }, "workdays[1].date", "not a date"},
		{"holiday and workday", func(c *calendar.Calendar) { c.Workdays[0].Date = "2026-10-02" }, "workdays[0].date", "also a holiday"},
		{"workday twice", func(c *calendar.Calendar) { c.Workdays[1].Date = "2026-09-27" }, "workdays[1].date", "twice"},
		{"workday bad hours", func(c *calendar.Calendar) {
			c.Workdays[1].Hours = []calendar.Span{{"10:00", "09:00"}}
		}, "workdays[1].hours[0].end", "not after"},
		{"workday default without monday", func(c *calendar.Calendar) { delete(c.Week, "mon") }, "workdays[0].hours", "week.mon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := shanghai()
			tt.edit(&c)
			_, err := calendar.Compile(c)
			var ve *calendar.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			if !strings.Contains(ve.Fields[tt.field], tt.msg) {
				t.Fatalf("Fields[%q] = %q, want it to mention %q (all: %v)", tt.field, ve.Fields[tt.field], tt.msg, err)
			}
		})
	}
	if _, err := calendar.Compile(shanghai()); err != nil {
		t.Fatal(err)
	}
}

func TestWorkdayOwnHours(t *testing.T) {
	c := shanghai()
	c.Workdays[1].Hours = []calendar.Span{{"10:00", "14:00"}}
	cc := mustCompile(t, c)
	if got, want := cc.Between(at(t, cn, "2026-10-10 00:00"), at(t, cn, "2026-10-11 00:00")), 4*time.Hour; got != want {
		t.Fatalf("make-up Saturday with own hours = %s, want %s", got, want)
	}
}

// propertyCalendars avoid span boundaries inside the hour a clock change
// skips or repeats, where the brute-force reference would read wall times
// differently from time.Date.
func propertyCalendars(t testing.TB) []*calendar.Compiled {
	lordHowe := calendar.Calendar{Name: "lh", TimeZone: "Australia/Lord_Howe", Week: everyDay(calendar.Span{"00:00", "01:00"}, calendar.Span{"01:30", "24:00"})}
	santiago := calendar.Calendar{Name: "cl", TimeZone: "America/Santiago", Week: everyDay(calendar.Span{"00:00", "24:00"})}
	var out []*calendar.Compiled
	for _, c := range []calendar.Calendar{shanghai(), berlinOffice(), berlinSundayNight(), berlinAllDay(), newYork(), weekendNight(), lordHowe, santiago} {
		out = append(out, mustCompile(t, c))
	}
	return append(out, calendar.AlwaysOpen())
}

func TestAddBetweenProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := utc(t, "2025-06-01T00:00:00Z")
	for _, c := range propertyCalendars(t) {
		for range 3000 {
			from := base.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
			var d time.Duration
			switch rng.IntN(3) {
			case 0:
				d = time.Duration(rng.Int64N(int64(10 * time.Hour)))
			case 1:
				d = time.Duration(rng.Int64N(60)) * time.Minute
			default:
				d = time.Duration(rng.Int64N(int64(2000 * time.Hour)))
			}
			end := c.Add(from, d)
			if got := c.Between(from, end); got != d {
				t.Fatalf("%s: Between(%s, Add(from, %s) = %s) = %s", c.Name(), from, d, end, got)
			}
			if d > 0 && !c.IsWorking(end.Add(-time.Nanosecond)) {
				t.Fatalf("%s: Add(%s, %s) = %s, but the nanosecond before is not working time", c.Name(), from, d, end)
			}
			if d > 0 && c.Add(from, d+time.Nanosecond).Before(end) {
				t.Fatalf("%s: Add is not monotonic at %s + %s", c.Name(), from, d)
			}
		}
	}
}

// naiveWorking decides by reading the local wall clock of t.
func naiveWorking(c calendar.Calendar, t time.Time) bool {
	loc, _ := time.LoadLocation(c.TimeZone)
	l := t.In(loc)
	date := l.Format(time.DateOnly)
	spans := c.Week[strings.ToLower(l.Weekday().String()[:3])]
	for _, h := range c.Holidays {
		if h == date {
			spans = nil
		}
	}
	for _, w := range c.Workdays {
		if w.Date == date {
			spans = w.Hours
			if len(spans) == 0 {
				spans = c.Week["mon"]
			}
		}
	}
	hm := l.Format("15:04")
	for _, s := range spans {
		if hm >= s.Start && hm < s.End {
			return true
		}
	}
	return false
}

func TestAgainstMinuteByMinute(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cals := []calendar.Calendar{shanghai(), berlinOffice(), berlinSundayNight(), berlinAllDay(), newYork(), weekendNight()}
	// Windows around the interesting dates plus random ones.
	starts := []time.Time{
		utc(t, "2026-03-27T00:00:00Z"), utc(t, "2026-10-23T00:00:00Z"), utc(t, "2026-03-06T00:00:00Z"),
		utc(t, "2026-10-30T00:00:00Z"), utc(t, "2026-09-24T00:00:00Z"), utc(t, "2026-10-06T00:00:00Z"),
	}
	for range 4 {
		starts = append(starts, utc(t, "2026-01-01T00:00:00Z").Add(time.Duration(rng.IntN(365*24))*time.Hour))
	}
	for _, cfg := range cals {
		c := mustCompile(t, cfg)
		for _, start := range starts {
			const minutes = 5 * 24 * 60
			working := make([]bool, minutes)
			for i := range working {
				working[i] = naiveWorking(cfg, start.Add(time.Duration(i)*time.Minute))
			}
			for range 40 {
				i := rng.IntN(minutes)
				j := i + rng.IntN(minutes-i)
				var want time.Duration
				for k := i; k < j; k++ {
					if working[k] {
						want += time.Minute
					}
				}
				from, to := start.Add(time.Duration(i)*time.Minute), start.Add(time.Duration(j)*time.Minute)
				if got := c.Between(from, to); got != want {
					t.Fatalf("%s: Between(%s, %s) = %s, minute by minute %s", cfg.Name, from, to, got, want)
				}
				if got := c.IsWorking(from); got != working[i] {
					t.Fatalf("%s: IsWorking(%s) = %v", cfg.Name, from, got)
				}
				next := i
				for next < minutes && !working[next] {
					next++
				}
				if next < minutes {
					if got, want := c.NextOpen(from), start.Add(time.Duration(next)*time.Minute); !got.Equal(want) {
						t.Fatalf("%s: NextOpen(%s) = %s, want %s", cfg.Name, from, got, want)
					}
				}
			}
		}
	}
}

func TestAddYearIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	c := mustCompile(t, shanghai())
	from := at(t, cn, "2026-01-05 09:00")
	res := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			c.Add(from, 2000*time.Hour)
		}
	})
	if per := time.Duration(res.NsPerOp()); per > 100*time.Microsecond {
		t.Fatalf("a year-long Add takes %s, want well under 100µs", per)
	}
}

func BenchmarkAddYear(b *testing.B) {
	for _, cfg := range []calendar.Calendar{shanghai(), berlinOffice()} {
		c := mustCompile(b, cfg)
		from := at(b, cfg.TimeZone, "2026-01-05 09:00")
		b.Run(cfg.Name, func(b *testing.B) {
			for b.Loop() {
				c.Add(from, 2000*time.Hour) // about a year of eight-hour days
			}
		})
	}
}

func BenchmarkBetweenYear(b *testing.B) {
	c := mustCompile(b, berlinOffice())
	from, to := at(b, de, "2026-01-01 00:00"), at(b, de, "2027-01-01 00:00")
	for b.Loop() {
		c.Between(from, to)
	}
}

func BenchmarkAddHours(b *testing.B) {
	c := mustCompile(b, berlinOffice())
	from := at(b, de, "2026-03-27 17:00")
	for b.Loop() {
		c.Add(from, 8*time.Hour)
	}
}
