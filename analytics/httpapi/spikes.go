package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// SpikeFinding is a value of another dimension that is over-represented
// among a spike's tickets.
type SpikeFinding struct {
	Dimension     string  `json:"dimension"`
	Value         string  `json:"value"`
	Count         int64   `json:"count"`          // spike tickets with the value
	Share         float64 `json:"share"`          // count / the spike's count
	BaselineShare float64 `json:"baseline_share"` // the same share in the baseline window
	Lift          float64 `json:"lift"`           // share / baseline share, both add-one smoothed
	Support       float64 `json:"support"`        // count / the spike's count
	Text          string  `json:"text"`           // the finding for people
}

// Spike is one bucket in which a value got far more tickets than usual,
// with its findings ranked by lift times support. Webhook receivers get the
// same object as the data of a spike notification.
type Spike struct {
	Dimension   string         `json:"dimension"`
	Value       string         `json:"value"`
	Bucket      time.Time      `json:"bucket"` // start of the bucket, in the query's zone
	Count       int64          `json:"count"`
	Baseline    float64        `json:"baseline"` // median count of the same-season baseline buckets
	Z           float64        `json:"z"`        // robust z of count against the baseline
	Explanation []SpikeFinding `json:"explanation"`
}

// SpikesResponse is the answer of GET /spikes: the query with its defaults
// filled in, and the spikes ordered by bucket, then z descending, then value.
type SpikesResponse struct {
	Dimension string    `json:"dimension"`
	Bucket    string    `json:"bucket"`
	TZ        string    `json:"tz"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Baseline  int       `json:"baseline"`
	Season    int       `json:"season"`
	MinCount  int       `json:"min_count"`
	Threshold float64   `json:"threshold"`
	Spikes    []Spike   `json:"spikes"`
}

// NewSpike is the JSON form of s.
func NewSpike(s analytics.Spike) Spike {
	out := Spike{Dimension: s.Dimension, Value: s.Value, Bucket: s.Bucket, Count: s.Count, Baseline: s.Baseline, Z: s.Z,
		Explanation: make([]SpikeFinding, len(s.Explanation))}
	for i, f := range s.Explanation {
		out.Explanation[i] = SpikeFinding{Dimension: f.Dimension, Value: f.Value, Count: f.Count, Share: f.Share,
			BaselineShare: f.BaselineShare, Lift: f.Lift, Support: f.Support, Text: f.Text}
	}
	return out
}

// Spikes serves GET /spikes; its CSV has one row per finding, the spike's
// columns repeated on each (a spike without findings has one row with the
// finding columns empty).
func (h *Handlers) Spikes(c echo.Context) error {
	p, err := parseParams(c, "dimension", "bucket", "tz", "from", "to", "baseline", "season", "min_count", "threshold", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q, err := spikeQuery(p)
	if err != nil {
		return h.fail(c, err)
	}
	if q, err = analytics.NormalizeSpikeQuery(q); err != nil {
		return h.fail(c, err)
	}
	spikes, err := analytics.DetectSpikes(c.Request().Context(), h.store, q)
	if err != nil {
		return h.fail(c, err)
	}
	res := SpikesResponse{Dimension: q.Dimension, Bucket: q.Bucket, TZ: q.TZ, From: q.From, To: q.To, Baseline: q.Baseline,
		Season: q.Season, MinCount: q.MinCount, Threshold: q.Threshold, Spikes: make([]Spike, len(spikes))}
	for i, s := range spikes {
		res.Spikes[i] = NewSpike(s)
	}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	records := [][]string{{"dimension", "value", "bucket", "count", "baseline", "z", "rank",
		"finding_dimension", "finding_value", "finding_count", "share", "baseline_share", "lift", "support", "text"}}
	for _, s := range res.Spikes {
		head := []string{s.Dimension, s.Value, s.Bucket.Format(time.RFC3339), itoa(s.Count), ftoa(s.Baseline), ftoa(s.Z)}
		if len(s.Explanation) == 0 {
			records = append(records, append(head, make([]string, 9)...))
		}
		for i, f := range s.Explanation {
			rec := append(append([]string{}, head...), strconv.Itoa(i+1), f.Dimension, f.Value, itoa(f.Count), ftoa(f.Share),
				ftoa(f.BaselineShare), ftoa(f.Lift), ftoa(f.Support), f.Text)
			records = append(records, rec)
		}
	}
	return writeCSV(c, "spikes", records)
}

// spikeQuery reads the spike parameters. Absent dimension and bucket are
// refused here, with the allowed values; the rest is checked by
// analytics.NormalizeSpikeQuery.
func spikeQuery(p *params) (analytics.SpikeQuery, error) {
	q := analytics.SpikeQuery{Dimension: p.vals["dimension"], Bucket: p.vals["bucket"], TZ: p.vals["tz"], Filters: p.filters}
	if q.Dimension == "" {
		return q, badParam("dimension", "required; allowed: "+strings.Join(analytics.Dimensions(), ", "))
	}
	if q.Bucket == "" {
		return q, badParam("bucket", "required; allowed: hour, day")
	}
	var err error
	if q.From, q.To, err = p.fromTo(); err != nil {
		return q, err
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"baseline", &q.Baseline}, {"season", &q.Season}, {"min_count", &q.MinCount}} {
		if *n.dst, err = p.int(n.name); err != nil {
			return q, err
		}
	}
	if v := p.vals["threshold"]; v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return q, badParam("threshold", fmt.Sprintf("must be a number, got %q", v))
		}
		q.Threshold = f
	}
	return q, nil
}
