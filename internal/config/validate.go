package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// stateKinds are the accepted StateConfig.Kind values, as in ticketcore.
var stateKinds = []string{"new", "open", "pending", "resolved", "closed"}

// SpikeDimensions returns the accepted SpikeWatchConfig.Dimensions, as
// analytics.Dimensions() (cmd/deskmine's tests keep the two equal).
func SpikeDimensions() []string {
	return []string{"agent", "assignee", "category", "channel", "customer_tier", "priority", "product",
		"region", "status", "tag", "team", "type"}
}

// MaxSpikeLookback is the largest SpikeWatchConfig.Lookback, as
// analytics.MaxSpikeWatchLookback.
const MaxSpikeLookback = 96

// Validate reports every problem in c, joined, each starting with the key
// path of the setting ("http.addr: ...").
func (c Config) Validate() error {
	var p problems
	if strings.TrimSpace(c.Data) == "" {
		p.add("data", "must not be empty")
	}

	p.addErr("http.addr", checkAddr(c.HTTP.Addr))
	p.positive("http.read_timeout", c.HTTP.ReadTimeout)
	p.positive("http.write_timeout", c.HTTP.WriteTimeout)
	p.positive("http.shutdown_timeout", c.HTTP.ShutdownTimeout)
	p.positive("http.session_ttl", c.HTTP.SessionTTL)
	if c.HTTP.MaxBodyBytes <= 0 {
		p.add("http.max_body_bytes", fmt.Sprintf("must be positive, got %d", c.HTTP.MaxBodyBytes))
	}

	p.addErr("store.dsn", checkDSN(c.Store.DSN))

	if c.Tickets.AutoCloseAfter < 0 {
		p.add("tickets.auto_close_after", fmt.Sprintf("must not be negative, got %s", c.Tickets.AutoCloseAfter))
	}
	if c.Tickets.CustomerLinkTTL < time.Hour {
		p.add("tickets.customer_link_ttl", fmt.Sprintf("must be at least 1h, got %s", c.Tickets.CustomerLinkTTL))
	}
	if u := c.Tickets.CloseVerificationURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			p.add("tickets.close_verification_url", "must be an http:// or https:// URL")
		}
	}

	if c.Mail.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.Mail.SMTPAddr); err != nil {
			p.add("mail.smtp_addr", fmt.Sprintf("%q is not host:port", c.Mail.SMTPAddr))
		}
		if !strings.Contains(c.Mail.From, "@") {
			p.add("mail.from", "is required with mail.smtp_addr: the support address")
		}
		if pu, err := url.Parse(c.Mail.PublicURL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			p.add("mail.public_url", "is required with mail.smtp_addr: an http(s) URL where customers open their links")
		}
	}

	if c.Mail.IMAPAddr != "" {
		if _, _, err := net.SplitHostPort(c.Mail.IMAPAddr); err != nil {
			p.add("mail.imap_addr", fmt.Sprintf("%q is not host:port", c.Mail.IMAPAddr))
		}
		if c.Mail.IMAPUser == "" {
			p.add("mail.imap_user", "is required with mail.imap_addr")
		}
		if c.Mail.IMAPInterval < 5*time.Second {
			p.add("mail.imap_interval", fmt.Sprintf("must be at least 5s, got %s", c.Mail.IMAPInterval))
		}
	}

	p.addErr("kb.dsn", checkDSN(c.KB.DSN))
	if c.KB.MineInterval < 0 {
		p.add("kb.mine_interval", fmt.Sprintf("must not be negative, got %s", c.KB.MineInterval))
	}
	if c.KB.MinGroup < 2 || c.KB.MinGroup > 1000 {
		p.add("kb.min_group", fmt.Sprintf("must be between 2 and 1000, got %d", c.KB.MinGroup))
	}
	if c.KB.RetrainEvery < 1 {
		p.add("kb.retrain_every", fmt.Sprintf("must be positive, got %d", c.KB.RetrainEvery))
	}
	if c.KB.AutoApplyConfidence < 0 || c.KB.AutoApplyConfidence > 1 {
		p.add("kb.auto_apply_confidence", fmt.Sprintf("must be 0 (never) or in (0, 1], got %g", c.KB.AutoApplyConfidence))
	}

	if _, err := time.LoadLocation(c.UI.TimeZone); err != nil || c.UI.TimeZone == "" || c.UI.TimeZone == "Local" {
		p.add("ui.time_zone", fmt.Sprintf("%q is not an IANA time zone such as UTC or Asia/Shanghai", c.UI.TimeZone))
	}

	if _, ok := logLevels[c.Log.Level]; !ok {
		p.add("log.level", fmt.Sprintf("%q is not one of debug, info, warn, error", c.Log.Level))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		p.add("log.format", fmt.Sprintf("%q is not one of text, json", c.Log.Format))
	}

	for _, b := range c.Stream.KafkaBrokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			p.add("stream.kafka_brokers", fmt.Sprintf("%q is not host:port", b))
		}
	}
	if strings.TrimSpace(c.Stream.Topic) == "" {
		p.add("stream.topic", "must not be empty")
	}
	if c.Stream.Partitions <= 0 {
		p.add("stream.partitions", fmt.Sprintf("must be positive, got %d", c.Stream.Partitions))
	}
	if c.Stream.BatchSize <= 0 || c.Stream.BatchSize > 100000 {
		p.add("stream.batch_size", fmt.Sprintf("must be between 1 and 100000, got %d", c.Stream.BatchSize))
	}
	p.positive("stream.batch_wait", c.Stream.BatchWait)
	if c.Stream.OutboxRetention < 0 {
		p.add("stream.outbox_retention", fmt.Sprintf("must not be negative, got %s", c.Stream.OutboxRetention))
	}
	p.addErr("analytics.dsn", checkAnalyticsDSN(c.Analytics.DSN))
	p.spikeWatch("analytics.spike_watch", c.Analytics.SpikeWatch)

	p.list("tickets.types", c.Tickets.Types)
	p.list("tickets.customer_tiers", c.Tickets.CustomerTiers)
	if w := c.Tickets.Workflow; w != nil {
		p.workflow("tickets.workflow", *w)
	}
	return errors.Join(p...)
}

// problems collects validation errors.
type problems []error

func (p *problems) add(path, msg string) { *p = append(*p, fmt.Errorf("%s: %s", path, msg)) }

func (p *problems) addErr(path string, err error) {
	if err != nil {
		p.add(path, err.Error())
	}
}

func (p *problems) positive(path string, d time.Duration) {
	if d <= 0 {
		p.add(path, fmt.Sprintf("must be positive, got %s", d))
	}
}

// list checks a non-empty list of distinct, non-blank, unpadded names.
func (p *problems) list(path string, items []string) {
	if len(items) == 0 {
		p.add(path, "must not be empty")
		return
	}
	p.names(path, items)
}

// names checks that items are distinct, non-blank and unpadded.
func (p *problems) names(path string, items []string) {
	for i, s := range items {
		switch {
		case s == "" || strings.TrimSpace(s) != s:
			p.add(fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%q is empty or padded with spaces", s))
		case slices.Index(items, s) < i:
			p.add(fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%q is listed twice", s))
		}
	}
}

// workflow applies ticketcore.Workflow.Validate's rules, reporting all
// problems with their paths, and refuses pending reasons on a state that is
// not pending (ticketcore would never use them).
func (p *problems) workflow(path string, w WorkflowConfig) {
	if len(w.States) == 0 {
		p.add(path+".states", "must not be empty")
	}
	seen := map[string]bool{}
	for i, s := range w.States {
		sp := fmt.Sprintf("%s.states[%d]", path, i)
		switch {
		case s.Name == "" || strings.TrimSpace(s.Name) != s.Name:
			p.add(sp+".name", fmt.Sprintf("%q is empty or padded with spaces", s.Name))
		case seen[s.Name]:
			p.add(sp+".name", fmt.Sprintf("state %q is defined twice", s.Name))
		}
		seen[s.Name] = true
		if !slices.Contains(stateKinds, s.Kind) {
			p.add(sp+".kind", fmt.Sprintf("%q is not one of %s", s.Kind, strings.Join(stateKinds, ", ")))
		}
		if len(s.PendingReasons) > 0 && s.Kind != "pending" {
			p.add(sp+".pending_reasons", "only a state of kind pending takes reasons")
		}
		p.names(sp+".pending_reasons", s.PendingReasons)
	}
	if len(w.States) > 0 && !seen[w.Initial] {
		p.add(path+".initial", fmt.Sprintf("%q is not one of the states", w.Initial))
	}
	for i, t := range w.Transitions {
		tp := fmt.Sprintf("%s.transitions[%d]", path, i)
		if !seen[t.From] {
			p.add(tp+".from", fmt.Sprintf("%q is not one of the states", t.From))
		}
		if !seen[t.To] {
			p.add(tp+".to", fmt.Sprintf("%q is not one of the states", t.To))
		}
		if t.From == t.To {
			p.add(tp, fmt.Sprintf("%s -> %s goes nowhere", t.From, t.To))
		}
	}
}

// spikeWatch checks the spike watcher's settings, also when it is off, so
// that turning it on later cannot meet a mistake made now.
func (p *problems) spikeWatch(path string, w SpikeWatchConfig) {
	if w.Interval != 0 && w.Interval < time.Minute {
		p.add(path+".interval", fmt.Sprintf("must be 0 (off) or at least 1m, got %s", w.Interval))
	}
	if len(w.Dimensions) == 0 {
		p.add(path+".dimensions", "must not be empty; allowed: "+strings.Join(SpikeDimensions(), ", "))
	}
	p.names(path+".dimensions", w.Dimensions)
	for i, d := range w.Dimensions {
		if d != "" && !slices.Contains(SpikeDimensions(), d) {
			p.add(fmt.Sprintf("%s.dimensions[%d]", path, i), fmt.Sprintf("%q is not one of %s", d, strings.Join(SpikeDimensions(), ", ")))
		}
	}
	if w.Bucket != "hour" && w.Bucket != "day" {
		p.add(path+".bucket", fmt.Sprintf("%q is not one of hour, day", w.Bucket))
	}
	if _, err := time.LoadLocation(w.TZ); err != nil || w.TZ == "" || w.TZ == "Local" {
		p.add(path+".tz", fmt.Sprintf("%q is not an IANA time zone such as UTC or Europe/Berlin", w.TZ))
	}
	if w.Lookback < 1 || w.Lookback > MaxSpikeLookback {
		p.add(path+".lookback", fmt.Sprintf("must be between 1 and %d, got %d", MaxSpikeLookback, w.Lookback))
	}
}

// checkAddr accepts host:port with a numeric port; the host may be empty
// (all interfaces) and the port 0 (any free port).
func checkAddr(addr string) error {
	if addr == "" {
		return errors.New("must not be empty; use host:port, such as 127.0.0.1:8080 or :8080")
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("%q has no valid port number", addr)
	}
	return nil
}

// checkAnalyticsDSN accepts empty, a clickhouse URL or a DuckDB file path.
func checkAnalyticsDSN(dsn string) error {
	switch {
	case dsn == "":
		return nil
	case strings.HasPrefix(dsn, "clickhouse://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return errors.New("is not a valid clickhouse URL") // err would echo the password
		}
		if u.Host == "" {
			return errors.New("clickhouse URL needs a host:port")
		}
		return nil
	case strings.Contains(dsn, "://"):
		return errors.New("only clickhouse:// URLs and DuckDB file paths are supported")
	}
	return nil
}

// checkDSN accepts empty, a postgres URL or a SQLite file path, the forms
// ticketcore/store.Open understands.
func checkDSN(dsn string) error {
	switch {
	case dsn == "":
		return nil
	case isPostgres(dsn):
		if _, err := url.Parse(dsn); err != nil {
			return errors.New("is not a valid postgres URL") // err would echo the password
		}
		return nil
	case strings.Contains(dsn, "://"):
		return errors.New("only postgres:// URLs and SQLite file paths are supported")
	case strings.HasPrefix(dsn, "file:") || strings.Contains(dsn, "?"):
		return fmt.Errorf("%q is not a plain SQLite file path (deskmine sets its own SQLite options)", dsn)
	}
	return nil
}
