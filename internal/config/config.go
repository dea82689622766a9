// Package config holds the one typed configuration of the deskmine binary.
//
// A Config is filled in layers; a later layer overrides an earlier one, key by
// key:
//
//  1. built-in defaults, Default();
//  2. an optional YAML file, named by the --config flag or, when that flag is
//     not given, by the DESKMINE_CONFIG environment variable;
//  3. environment variables DESKMINE_SECTION__KEY (DESKMINE_HTTP__ADDR,
//     DESKMINE_STORE__DSN), or DESKMINE_KEY for top-level keys (DESKMINE_DATA);
//  4. command-line flags that were explicitly set (--addr, --dsn, ...).
//
// Flags therefore always win. The usual call sequence is
//
//	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
//	cfg := config.Default()
//	config.RegisterFlags(fs, &cfg)
//	if err := fs.Parse(args); err != nil { ... }
//	if err := config.Resolve(&cfg, fs, os.Environ()); err != nil { ... }
//
// or, in one call, config.Load(fs, args, os.Environ()). Resolve ends with
// Validate, so a Config it returns without error is usable.
//
// Mistakes are refused rather than ignored: an unknown YAML key, an unknown
// DESKMINE_* variable (DESKMINE_TEST_* excepted, they belong to tests) and a
// value of the wrong type are all errors that name the key or variable.
//
// Names follow one rule: the YAML key path http.read_timeout is the variable
// DESKMINE_HTTP__READ_TIMEOUT (sections joined by a double underscore,
// upper-cased). Lists are comma-separated in the environment. The ticket
// workflow can only be set in the file. docs/configuration.md lists every
// setting.
//
// This package imports nothing from the project; cmd converts
// TicketsConfig.Workflow into a ticketcore.Workflow.
package config

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// Config is the whole configuration of the deskmine binary.
type Config struct {
	// Data is the data directory: the default SQLite database and other local
	// state live here.
	Data string `yaml:"data"`
	// HTTP configures the web server.
	HTTP HTTPConfig `yaml:"http"`
	// Store selects the database.
	Store StoreConfig `yaml:"store"`
	// Log configures the process log.
	Log LogConfig `yaml:"log"`
	// Tickets configures ticket vocabulary and the status workflow.
	Tickets TicketsConfig `yaml:"tickets"`
	// Demo loads demo data on start when the store is empty.
	Demo bool `yaml:"demo"`
	// Stream configures the change stream from the event log to consumers.
	Stream StreamConfig `yaml:"stream"`
	// Analytics selects the analytics store.
	Analytics AnalyticsConfig `yaml:"analytics"`
	// KB configures the knowledge base: search index, prediction, miner.
	KB KBConfig `yaml:"kb"`
	// Mail configures the mail Deskmine sends customers.
	Mail MailConfig `yaml:"mail"`
	// UI configures the web dashboards.
	UI UIConfig `yaml:"ui"`
}

// UIConfig configures the web dashboards.
type UIConfig struct {
	// TimeZone is the IANA zone the dashboards show times in and cut their
	// days, weeks and months by.
	TimeZone string `yaml:"time_zone"`
}

// MailConfig configures outgoing mail: agents' public replies and the
// resolution mail with the confirmation and survey links.
type MailConfig struct {
	// SMTPAddr is the relay's host:port; empty sends no mail.
	SMTPAddr string `yaml:"smtp_addr"`
	// From is the support address mail comes from and replies go to.
	From string `yaml:"from"`
	// Domain is the domain of Deskmine's Message-IDs (answers thread by them).
	Domain string `yaml:"domain"`
	// PublicURL is where customers open the confirmation and survey links.
	PublicURL string `yaml:"public_url"`
	// IMAPAddr is the host:port of a mailbox serve polls for customer
	// mail; empty polls none.
	IMAPAddr string `yaml:"imap_addr"`
	// IMAPTLS connects with implicit TLS (port 993); otherwise STARTTLS is
	// used when the server offers it.
	IMAPTLS bool `yaml:"imap_tls"`
	// IMAPUser and IMAPPassword log in to the mailbox.
	IMAPUser     string `yaml:"imap_user"`
	IMAPPassword string `yaml:"imap_password"`
	// IMAPInterval is how often the mailbox is polled.
	IMAPInterval time.Duration `yaml:"imap_interval"`
}

// KBConfig configures the knowledge base.
type KBConfig struct {
	// DSN is where articles, review state, feedback and resolved cases are
	// kept: a postgres:// URL or a SQLite file path; empty means the ticket
	// store's database when that is PostgreSQL, otherwise <data>/kb.db. See
	// Config.KBDSN.
	DSN string `yaml:"dsn"`
	// Index is the directory of this process's bleve index; empty means
	// <data>/kb/index. Every replica keeps its own, fed from the stream.
	Index string `yaml:"index"`
	// MineInterval is how often serve runs the KB miner; 0 leaves mining to
	// `deskmine mine` and the API.
	MineInterval time.Duration `yaml:"mine_interval"`
	// MinGroup is the fewest similar resolved tickets the miner turns into
	// an article candidate.
	MinGroup int `yaml:"min_group"`
	// RetrainEvery is how many newly resolved tickets trigger a full retrain
	// of the category and priority models (each one is also folded in
	// incrementally at once).
	RetrainEvery int `yaml:"retrain_every"`
	// AutoApplyConfidence is the confidence at or above which a predicted
	// category is written to a new ticket that has none; 0 never applies a
	// prediction (it is only suggested).
	AutoApplyConfidence float64 `yaml:"auto_apply_confidence"`
}

// StreamConfig configures the change stream. Without Kafka brokers the
// consumers read the store's own event log (the embedded default); with
// them, a relay publishes the log to Kafka and consumers read the topic.
type StreamConfig struct {
	// KafkaBrokers are host:port addresses of Kafka brokers; empty means no Kafka.
	KafkaBrokers []string `yaml:"kafka_brokers"`
	// Topic is the Kafka topic of ticket change events.
	Topic string `yaml:"topic"`
	// Partitions is the partition count used when deskmine creates the topic.
	Partitions int `yaml:"partitions"`
	// BatchSize is the most events a consumer hands to its writer at once.
	BatchSize int `yaml:"batch_size"`
	// BatchWait is how long a consumer waits to fill a batch before writing what it has.
	BatchWait time.Duration `yaml:"batch_wait"`
	// OutboxRetention is how long published events stay in the store's event
	// log before the relay prunes them; 0 keeps them forever (the embedded
	// default needs them: the log is the stream).
	OutboxRetention time.Duration `yaml:"outbox_retention"`
}

// AnalyticsConfig selects the analytics store and configures spike alerts.
type AnalyticsConfig struct {
	// DSN is a clickhouse:// URL for ClickHouse, or a DuckDB file path;
	// empty means DuckDB at <data>/analytics.duckdb. See Config.AnalyticsDSN.
	DSN string `yaml:"dsn"`
	// SpikeWatch configures the spike alerts `serve` sends to managers.
	SpikeWatch SpikeWatchConfig `yaml:"spike_watch"`
}

// SpikeWatchConfig configures the spike watcher of `serve`, which looks for
// ticket volume spikes in the last complete buckets and notifies managers
// and admins of each once.
type SpikeWatchConfig struct {
	// Interval is how often the watcher looks; 0 turns spike alerts off.
	Interval time.Duration `yaml:"interval"`
	// Dimensions are the analytics dimensions whose values are watched.
	Dimensions []string `yaml:"dimensions"`
	// Bucket is the time bucket of a spike: hour or day.
	Bucket string `yaml:"bucket"`
	// TZ is the IANA time zone of the buckets.
	TZ string `yaml:"tz"`
	// Lookback is how many recent complete buckets each look examines.
	Lookback int `yaml:"lookback"`
}

// HTTPConfig configures the web server.
type HTTPConfig struct {
	// Addr is the host:port to listen on.
	Addr string `yaml:"addr"`
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds writing a response, from the end of the request read.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// ShutdownTimeout is how long in-flight requests get to finish on shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MaxBodyBytes is the largest request body accepted, in bytes.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// SessionTTL is how long a login session lasts.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// SecureCookies marks session cookies Secure (HTTPS only); turn it on
	// whenever deskmine is served over HTTPS, directly or behind a proxy.
	SecureCookies bool `yaml:"secure_cookies"`
}

// StoreConfig selects the database.
type StoreConfig struct {
	// DSN is a postgres:// (or postgresql://) URL for PostgreSQL, or a SQLite
	// file path; empty means SQLite at <data>/deskmine.db. See Config.StoreDSN.
	DSN string `yaml:"dsn"`
}

// LogConfig configures the process log.
type LogConfig struct {
	// Level is the lowest level logged: debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text (key=value lines) or json (one object per line).
	Format string `yaml:"format"`
}

// TicketsConfig configures ticket vocabulary and the status workflow.
type TicketsConfig struct {
	// Types are the allowed ticket types; the first is the default type.
	Types []string `yaml:"types"`
	// CustomerTiers are the allowed customer tiers.
	CustomerTiers []string `yaml:"customer_tiers"`
	// RequireCustomer refuses API-created tickets without a customer identity.
	RequireCustomer bool `yaml:"require_customer"`
	// AutoCloseAfter closes tickets resolved this long ago; 0 never does.
	AutoCloseAfter time.Duration `yaml:"auto_close_after"`
	// CustomerLinkTTL is how long the confirmation and survey links sent to
	// customers work.
	CustomerLinkTTL time.Duration `yaml:"customer_link_ttl"`
	// CloseVerificationURL, when set, must answer {"ok": true} to a POST of
	// the ticket before any close.
	CloseVerificationURL string `yaml:"close_verification_url"`
	// Workflow is the ticket status state machine; nil means the built-in
	// default (new, open, pending, resolved, closed). File only: it has no
	// environment variable or flag.
	Workflow *WorkflowConfig `yaml:"workflow" env:"-"`
}

// WorkflowConfig is a ticket status state machine as written in the file. It
// mirrors ticketcore.Workflow field for field.
type WorkflowConfig struct {
	// Initial is the state of a new ticket; it must be one of States.
	Initial string `yaml:"initial"`
	// States are the workflow states, in display order.
	States []StateConfig `yaml:"states"`
	// Transitions are the allowed moves between states.
	Transitions []TransitionConfig `yaml:"transitions"`
}

// StateConfig is one workflow state.
type StateConfig struct {
	// Name is the state as shown and stored, e.g. "waiting".
	Name string `yaml:"name"`
	// Kind gives the state its meaning for timestamps and analytics: new,
	// open, pending, resolved or closed.
	Kind string `yaml:"kind"`
	// PendingReasons are the reasons allowed when entering a pending state;
	// empty means any reason. Only a state of kind pending may have them.
	PendingReasons []string `yaml:"pending_reasons"`
}

// TransitionConfig is an allowed move between two states.
type TransitionConfig struct {
	// From is the state the ticket is in.
	From string `yaml:"from"`
	// To is the state the ticket may move to.
	To string `yaml:"to"`
}

// Default returns the configuration of a fresh installation.
func Default() Config {
	return Config{
		Data: "./data",
		HTTP: HTTPConfig{
			Addr:            "127.0.0.1:8080",
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    30 * time.Second,
			ShutdownTimeout: 20 * time.Second,
			MaxBodyBytes:    2 << 20,
			SessionTTL:      12 * time.Hour,
		},
		Log:    LogConfig{Level: "info", Format: "text"},
		Stream: StreamConfig{Topic: "deskmine.ticket-events", Partitions: 12, BatchSize: 5000, BatchWait: 100 * time.Millisecond},
		Analytics: AnalyticsConfig{SpikeWatch: SpikeWatchConfig{Interval: 15 * time.Minute,
			Dimensions: []string{"category", "product"}, Bucket: "hour", TZ: "UTC", Lookback: 2}},
		KB:   KBConfig{MineInterval: time.Hour, MinGroup: 5, RetrainEvery: 2000},
		UI:   UIConfig{TimeZone: "UTC"},
		Mail: MailConfig{IMAPInterval: time.Minute},
		Tickets: TicketsConfig{
			Types:           []string{"question", "incident", "problem", "request", "complaint"},
			CustomerTiers:   []string{"standard", "premium", "vip", "enterprise"},
			RequireCustomer: true,
			AutoCloseAfter:  72 * time.Hour,
			CustomerLinkTTL: 14 * 24 * time.Hour,
		},
	}
}

// StoreDSN returns the DSN to open the store with: Store.DSN when set,
// otherwise the SQLite file deskmine.db in the data directory.
func (c Config) StoreDSN() string {
	if c.Store.DSN != "" {
		return c.Store.DSN
	}
	return filepath.Join(c.Data, "deskmine.db")
}

// AnalyticsDSN returns the DSN to open the analytics store with:
// Analytics.DSN when set, otherwise the DuckDB file analytics.duckdb in the
// data directory.
func (c Config) AnalyticsDSN() string {
	if c.Analytics.DSN != "" {
		return c.Analytics.DSN
	}
	return filepath.Join(c.Data, "analytics.duckdb")
}

// KBDSN returns the DSN of the knowledge-base store: KB.DSN when set, the
// ticket store's DSN when that is PostgreSQL (its kb_ tables live beside the
// tickets), otherwise the SQLite file kb.db in the data directory.
func (c Config) KBDSN() string {
	switch {
	case c.KB.DSN != "":
		return c.KB.DSN
	case isPostgres(c.Store.DSN):
		return c.Store.DSN
	}
	return filepath.Join(c.Data, "kb.db")
}

// KBIndexDir returns the directory of the bleve index: KB.Index when set,
// otherwise kb/index in the data directory.
func (c Config) KBIndexDir() string {
	if c.KB.Index != "" {
		return c.KB.Index
	}
	return filepath.Join(c.Data, "kb", "index")
}

// UsesKafka reports whether the change stream runs through Kafka.
func (c Config) UsesKafka() bool { return len(c.Stream.KafkaBrokers) > 0 }

// isPostgres reports whether a DSN selects PostgreSQL rather than SQLite, by
// the same rule as ticketcore/store.IsPostgres.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Logger returns a logger writing to w at Log.Level in Log.Format. Values
// that did not pass Validate fall back to info and text.
func (c Config) Logger(w io.Writer) *slog.Logger {
	level, ok := logLevels[c.Log.Level]
	if !ok {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logLevels maps the accepted Log.Level values to slog levels. It is never
// written to.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}
