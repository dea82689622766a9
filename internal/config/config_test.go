package config

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// resolve runs the cmd sequence: Default, RegisterFlags, Parse, Resolve.
func resolve(t *testing.T, args, env []string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, env)
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "deskmine.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantErr fails unless err contains every fragment.
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	cfg, err := resolve(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("Load with nothing set = %+v, want Default()", cfg)
	}
	if cfg.HTTP.MaxBodyBytes != 2*1024*1024 || cfg.HTTP.SessionTTL != 12*time.Hour || !cfg.Tickets.RequireCustomer {
		t.Errorf("unexpected defaults: %+v", cfg)
	}
}

func TestPrecedenceFileEnvFlag(t *testing.T) {
	path := writeFile(t, `
data: /from/file
http:
  addr: file:1
  read_timeout: 1s
  write_timeout: 2s
log:
  level: debug
store:
  dsn: /from/file.db
`)
	env := []string{
		"DESKMINE_CONFIG=" + path,
		"DESKMINE_HTTP__ADDR=env:2",
		"DESKMINE_HTTP__WRITE_TIMEOUT=3s",
		"DESKMINE_STORE__DSN=/from/env.db",
		"PATH=/usr/bin", // not ours
	}
	args := []string{"--addr", "flag:3", "--dsn=/from/flag.db"}
	cfg, err := resolve(t, args, env)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"data (file only)", cfg.Data, "/from/file"},
		{"read_timeout (file only)", cfg.HTTP.ReadTimeout.String(), "1s"},
		{"log.level (file only)", cfg.Log.Level, "debug"},
		{"write_timeout (file < env)", cfg.HTTP.WriteTimeout.String(), "3s"},
		{"addr (file < env < flag)", cfg.HTTP.Addr, "flag:3"},
		{"dsn (file < env < flag)", cfg.Store.DSN, "/from/flag.db"},
		{"shutdown_timeout (default)", cfg.HTTP.ShutdownTimeout.String(), "20s"},
		{"log.format (default)", cfg.Log.Format, "text"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestFlagNotSetDoesNotOverride(t *testing.T) {
	// A flag left at its default must not undo the file or the environment.
	path := writeFile(t, "demo: true\nlog: {format: json}\n")
	cfg, err := resolve(t, []string{"--config", path}, []string{"DESKMINE_DATA=/env"})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Demo || cfg.Log.Format != "json" || cfg.Data != "/env" {
		t.Errorf("got demo=%v format=%q data=%q", cfg.Demo, cfg.Log.Format, cfg.Data)
	}
	// Explicitly set flags do override, including a bool set to false.
	cfg, err = resolve(t, []string{"--config", path, "--demo=false", "--log-format", "text", "--data", "/flag"}, []string{"DESKMINE_DATA=/env"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Demo || cfg.Log.Format != "text" || cfg.Data != "/flag" {
		t.Errorf("got demo=%v format=%q data=%q", cfg.Demo, cfg.Log.Format, cfg.Data)
	}
}

func TestConfigFlagBeatsConfigEnv(t *testing.T) {
	fromEnv := writeFile(t, "data: /env-file\n")
	fromFlag := writeFile(t, "data: /flag-file\n")
	cfg, err := resolve(t, []string{"--config=" + fromFlag}, []string{"DESKMINE_CONFIG=" + fromEnv})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Data != "/flag-file" {
		t.Errorf("data = %q, want the --config file's", cfg.Data)
	}
	// --config= given empty means no file at all.
	cfg, err = resolve(t, []string{"--config="}, []string{"DESKMINE_CONFIG=" + fromEnv})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Data != "./data" {
		t.Errorf("data = %q, want the default", cfg.Data)
	}
}

func TestMissingConfigFile(t *testing.T) {
	_, err := resolve(t, []string{"--config", filepath.Join(t.TempDir(), "nope.yaml")}, nil)
	wantErr(t, err, "config file", "nope.yaml")
}

func TestResolveWithoutFlags(t *testing.T) {
	cfg := Default()
	if err := Resolve(&cfg, nil, []string{"DESKMINE_HTTP__ADDR=:9000"}); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != ":9000" {
		t.Errorf("addr = %q", cfg.HTTP.Addr)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	RegisterFlags(fs, &cfg)
	wantErr(t, Resolve(&cfg, fs, nil), "parsed")
}

func TestResolveAppliesFlagsToGivenConfig(t *testing.T) {
	// Flags bound to one Config still land in the one given to Resolve.
	bound := Default()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	RegisterFlags(fs, &bound)
	if err := fs.Parse([]string{"--addr", ":7000"}); err != nil {
		t.Fatal(err)
	}
	other := Default()
	if err := Resolve(&other, fs, nil); err != nil {
		t.Fatal(err)
	}
	if other.HTTP.Addr != ":7000" {
		t.Errorf("addr = %q", other.HTTP.Addr)
	}
}

func TestEnvBadValues(t *testing.T) {
	tests := []struct{ env, field string }{
		{"DESKMINE_HTTP__READ_TIMEOUT=15", "http.read_timeout"},
		{"DESKMINE_HTTP__SESSION_TTL=forever", "http.session_ttl"},
		{"DESKMINE_HTTP__MAX_BODY_BYTES=2MiB", "http.max_body_bytes"},
		{"DESKMINE_HTTP__MAX_BODY_BYTES=99999999999999999999", "http.max_body_bytes"},
		{"DESKMINE_HTTP__SECURE_COOKIES=yes please", "http.secure_cookies"},
		{"DESKMINE_DEMO=maybe", "demo"},
		{"DESKMINE_TICKETS__REQUIRE_CUSTOMER=2", "tickets.require_customer"},
	}
	for _, tt := range tests {
		name, value, _ := strings.Cut(tt.env, "=")
		t.Run(name+"="+value, func(t *testing.T) {
			_, err := resolve(t, nil, []string{tt.env})
			wantErr(t, err, name, tt.field, value)
		})
	}
}

func TestEnvReportsAllProblems(t *testing.T) {
	_, err := resolve(t, nil, []string{"DESKMINE_DEMO=maybe", "DESKMINE_HTTP__READ_TIMEOUT=x", "DESKMINE_NOPE=1"})
	wantErr(t, err, "DESKMINE_DEMO", "DESKMINE_HTTP__READ_TIMEOUT", "DESKMINE_NOPE")
}

func TestFileBadValues(t *testing.T) {
	tests := []struct{ yaml, field string }{
		{"http:\n  read_timeout: soon\n", "http.read_timeout (line 2)"},
		{"http:\n  read_timeout: 15\n", "http.read_timeout (line 2)"},
		{"http:\n  max_body_bytes: lots\n", "http.max_body_bytes (line 2)"},
		{"http:\n  secure_cookies: maybe\n", "http.secure_cookies (line 2)"},
		{"demo: [1]\n", "demo (line 1)"},
		{"tickets:\n  types: {a: b}\n", "tickets.types (line 2)"},
		{"tickets:\n  workflow:\n    states:\n      - name: a\n        kind: [x]\n", "tickets.workflow.states[0].kind (line 5)"},
		{"http: 8080\n", "http (line 1)"},
		{"http: {addr: x, read_timeout: soon}\n", "http.read_timeout (line 1)"},
		{"tickets:\n  workflow:\n    states:\n      - name: {a: 1}\n", "tickets.workflow.states[0].name (line 4)"},
		{"tickets:\n  workflow:\n    states:\n      - 5\n", "tickets.workflow.states[0] (line 4)"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			_, err := resolve(t, []string{"--config", writeFile(t, tt.yaml)}, nil)
			wantErr(t, err, tt.field, "cannot unmarshal")
		})
	}
}

func TestFlagBadValue(t *testing.T) {
	_, err := resolve(t, []string{"--demo=maybe"}, nil)
	wantErr(t, err, "demo", "maybe", "invalid boolean")
	_, err = resolve(t, []string{"--addr", ""}, nil)
	wantErr(t, err, "http.addr: must not be empty")
}

func TestUnknownEnvRefused(t *testing.T) {
	env := []string{
		"DESKMINE_HTTP_ADDR=:80",        // single underscore
		"DESKMINE_HTTP__ADRESS=:80",     // misspelt
		"DESKMINE_TEST_POSTGRES_DSN=x",  // tests' own: allowed
		"DESKMINE_TEST_ANYTHING=1",      // idem
		"DESKMINE_CONFIG=",              // the file variable: allowed
		"DESKMINEX=1",                   // not our prefix
		"DESKMINE_HTTP__WORKFLOW=x",     // no such key
		"DESKMINE_TICKETS__WORKFLOW=x",  // file only
		"DESKMINE_tickets__types=a,b,c", // wrong case
	}
	_, err := resolve(t, nil, env)
	wantErr(t, err,
		"DESKMINE_HTTP_ADDR: unknown environment variable; did you mean DESKMINE_HTTP__ADDR?",
		"DESKMINE_HTTP__ADRESS: unknown",
		"DESKMINE_HTTP__WORKFLOW: unknown",
		"DESKMINE_TICKETS__WORKFLOW: unknown",
		"did you mean DESKMINE_TICKETS__TYPES?",
	)
	for _, ok := range []string{"DESKMINE_TEST_", "DESKMINE_CONFIG", "DESKMINEX"} {
		if strings.Contains(err.Error(), ok) {
			t.Errorf("error mentions %s: %v", ok, err)
		}
	}
}

func TestUnknownYAMLKeyRefused(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"http:\n  adr: x\n", `http.adr (line 2): unknown key "adr"`},
		{"datadir: x\n", `datadir (line 1): unknown key "datadir"`},
		{"tickets:\n  workflow:\n    states:\n      - name: a\n        knd: open\n", `tickets.workflow.states[0].knd (line 5): unknown key "knd"`},
	}
	for _, tt := range tests {
		_, err := resolve(t, []string{"--config", writeFile(t, tt.yaml)}, nil)
		wantErr(t, err, tt.want)
	}
}

func TestFileShapes(t *testing.T) {
	// An empty file, or one with only comments, changes nothing.
	for _, body := range []string{"", "# nothing yet\n"} {
		cfg, err := resolve(t, []string{"--config", writeFile(t, body)}, nil)
		if err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		if !reflect.DeepEqual(cfg, Default()) {
			t.Errorf("%q changed the config", body)
		}
	}
	_, err := resolve(t, []string{"--config", writeFile(t, "data: a\n---\ndata: b\n")}, nil)
	wantErr(t, err, "more than one YAML document")
	_, err = resolve(t, []string{"--config", writeFile(t, "http:\n  addr: a\n  addr: b\n")}, nil)
	wantErr(t, err, "addr")
}

func TestDurationParsing(t *testing.T) {
	cfg, err := resolve(t, nil, []string{
		"DESKMINE_HTTP__READ_TIMEOUT=1m30s",
		"DESKMINE_HTTP__WRITE_TIMEOUT= 500ms ",
		"DESKMINE_HTTP__SESSION_TTL=168h",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.ReadTimeout != 90*time.Second || cfg.HTTP.WriteTimeout != 500*time.Millisecond || cfg.HTTP.SessionTTL != 7*24*time.Hour {
		t.Errorf("got %v %v %v", cfg.HTTP.ReadTimeout, cfg.HTTP.WriteTimeout, cfg.HTTP.SessionTTL)
	}
	cfg, err = resolve(t, []string{"--config", writeFile(t, "http:\n  shutdown_timeout: 2m\n  session_ttl: 1h\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.ShutdownTimeout != 2*time.Minute || cfg.HTTP.SessionTTL != time.Hour {
		t.Errorf("got %v %v", cfg.HTTP.ShutdownTimeout, cfg.HTTP.SessionTTL)
	}
}

func TestListParsing(t *testing.T) {
	cfg, err := resolve(t, nil, []string{
		"DESKMINE_TICKETS__TYPES= bug, feature ,,question",
		"DESKMINE_TICKETS__CUSTOMER_TIERS=gold",
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bug", "feature", "question"}; !slices.Equal(cfg.Tickets.Types, want) {
		t.Errorf("types = %q, want %q", cfg.Tickets.Types, want)
	}
	if want := []string{"gold"}; !slices.Equal(cfg.Tickets.CustomerTiers, want) {
		t.Errorf("tiers = %q, want %q", cfg.Tickets.CustomerTiers, want)
	}

	// A list in the file replaces the default list; it does not extend it.
	cfg, err = resolve(t, []string{"--config", writeFile(t, "tickets:\n  types: [bug]\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bug"}; !slices.Equal(cfg.Tickets.Types, want) {
		t.Errorf("types = %q, want %q", cfg.Tickets.Types, want)
	}

	// An empty list is set, then refused by validation.
	_, err = resolve(t, nil, []string{"DESKMINE_TICKETS__TYPES="})
	wantErr(t, err, "tickets.types: must not be empty")
}

func TestSetValueKinds(t *testing.T) {
	// Config has no plain int today; setValue must still handle one.
	var s struct {
		N   int
		N8  int8
		D   time.Duration
		B   bool
		L   []string
		Str string
	}
	v := reflect.ValueOf(&s).Elem()
	for _, c := range []struct {
		field, in string
	}{{"N", "-42"}, {"N8", "127"}, {"D", "2h"}, {"B", "1"}, {"L", "a,b"}, {"Str", " kept as is "}} {
		if err := setValue(v.FieldByName(c.field), c.in); err != nil {
			t.Errorf("%s=%q: %v", c.field, c.in, err)
		}
	}
	if s.N != -42 || s.N8 != 127 || s.D != 2*time.Hour || !s.B || !slices.Equal(s.L, []string{"a", "b"}) || s.Str != " kept as is " {
		t.Errorf("got %+v", s)
	}
	for _, c := range []struct{ field, in, want string }{
		{"N", "4.5", "invalid integer"},
		{"N8", "128", "out of range"},
		{"D", "5", "invalid duration"},
		{"B", "on", "invalid boolean"},
	} {
		err := setValue(v.FieldByName(c.field), c.in)
		wantErr(t, err, c.want, c.in)
	}
	var f struct{ F float64 }
	if err := setValue(reflect.ValueOf(&f).Elem().Field(0), " 0.85 "); err != nil || f.F != 0.85 {
		t.Errorf("float: %v, got %v", err, f.F)
	}
	for _, in := range []string{"high", "NaN", "+Inf", ""} {
		wantErr(t, setValue(reflect.ValueOf(&f).Elem().Field(0), in), "invalid number", in)
	}
	var unsupported struct{ F float32 }
	wantErr(t, setValue(reflect.ValueOf(&unsupported).Elem().Field(0), "1"), "unsupported")
}

func TestEverySettingHasAnEnvVar(t *testing.T) {
	cfg := Default()
	got := map[string]string{}
	for _, l := range leaves(&cfg) {
		got[l.path] = l.env
		sample := map[reflect.Kind]string{reflect.String: "x", reflect.Bool: "true", reflect.Int64: "1", reflect.Int: "1", reflect.Slice: "a", reflect.Float64: "0.5"}[l.v.Kind()]
		if l.v.Type() == durationType {
			sample = "1s"
		}
		if err := setValue(l.v, sample); err != nil {
			t.Errorf("%s: %v", l.env, err)
		}
	}
	want := map[string]string{
		"data":                     "DESKMINE_DATA",
		"demo":                     "DESKMINE_DEMO",
		"http.addr":                "DESKMINE_HTTP__ADDR",
		"http.read_timeout":        "DESKMINE_HTTP__READ_TIMEOUT",
		"http.write_timeout":       "DESKMINE_HTTP__WRITE_TIMEOUT",
		"http.shutdown_timeout":    "DESKMINE_HTTP__SHUTDOWN_TIMEOUT",
		"http.max_body_bytes":      "DESKMINE_HTTP__MAX_BODY_BYTES",
		"http.session_ttl":         "DESKMINE_HTTP__SESSION_TTL",
		"http.secure_cookies":      "DESKMINE_HTTP__SECURE_COOKIES",
		"store.dsn":                "DESKMINE_STORE__DSN",
		"log.level":                "DESKMINE_LOG__LEVEL",
		"log.format":               "DESKMINE_LOG__FORMAT",
		"tickets.types":            "DESKMINE_TICKETS__TYPES",
		"stream.kafka_brokers":     "DESKMINE_STREAM__KAFKA_BROKERS",
		"stream.topic":             "DESKMINE_STREAM__TOPIC",
		"stream.partitions":        "DESKMINE_STREAM__PARTITIONS",
		"stream.batch_size":        "DESKMINE_STREAM__BATCH_SIZE",
		"stream.batch_wait":        "DESKMINE_STREAM__BATCH_WAIT",
		"stream.outbox_retention":  "DESKMINE_STREAM__OUTBOX_RETENTION",
		"analytics.dsn":            "DESKMINE_ANALYTICS__DSN",
		"tickets.customer_tiers":   "DESKMINE_TICKETS__CUSTOMER_TIERS",
		"tickets.require_customer": "DESKMINE_TICKETS__REQUIRE_CUSTOMER",

		"analytics.spike_watch.interval":   "DESKMINE_ANALYTICS__SPIKE_WATCH__INTERVAL",
		"analytics.spike_watch.dimensions": "DESKMINE_ANALYTICS__SPIKE_WATCH__DIMENSIONS",
		"analytics.spike_watch.bucket":     "DESKMINE_ANALYTICS__SPIKE_WATCH__BUCKET",
		"analytics.spike_watch.tz":         "DESKMINE_ANALYTICS__SPIKE_WATCH__TZ",
		"analytics.spike_watch.lookback":   "DESKMINE_ANALYTICS__SPIKE_WATCH__LOOKBACK",
		"kb.dsn":                           "DESKMINE_KB__DSN",
		"mail.smtp_addr":                   "DESKMINE_MAIL__SMTP_ADDR",
		"mail.from":                        "DESKMINE_MAIL__FROM",
		"mail.domain":                      "DESKMINE_MAIL__DOMAIN",
		"mail.public_url":                  "DESKMINE_MAIL__PUBLIC_URL",
		"mail.imap_addr":                   "DESKMINE_MAIL__IMAP_ADDR",
		"mail.imap_tls":                    "DESKMINE_MAIL__IMAP_TLS",
		"mail.imap_user":                   "DESKMINE_MAIL__IMAP_USER",
		"mail.imap_password":               "DESKMINE_MAIL__IMAP_PASSWORD",
		"mail.imap_interval":               "DESKMINE_MAIL__IMAP_INTERVAL",
		"tickets.auto_close_after":         "DESKMINE_TICKETS__AUTO_CLOSE_AFTER",
		"tickets.customer_link_ttl":        "DESKMINE_TICKETS__CUSTOMER_LINK_TTL",
		"tickets.close_verification_url":   "DESKMINE_TICKETS__CLOSE_VERIFICATION_URL",
		"kb.index":                         "DESKMINE_KB__INDEX",
		"kb.mine_interval":                 "DESKMINE_KB__MINE_INTERVAL",
		"kb.min_group":                     "DESKMINE_KB__MIN_GROUP",
		"kb.retrain_every":                 "DESKMINE_KB__RETRAIN_EVERY",
		"kb.auto_apply_confidence":         "DESKMINE_KB__AUTO_APPLY_CONFIDENCE",
		"ui.time_zone":                     "DESKMINE_UI__TIME_ZONE",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings:\n got %v\nwant %v", got, want)
	}
}

func TestDocsListEverySetting(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	for _, l := range leaves(&cfg) {
		for _, s := range []string{"`" + l.path + "`", "`" + l.env + "`"} {
			if !bytes.Contains(doc, []byte(s)) {
				t.Errorf("docs/configuration.md does not mention %s", s)
			}
		}
	}
	for _, f := range append(flagSpecs(), flagSpec{name: FlagConfig}) {
		if !bytes.Contains(doc, []byte("`--"+f.name+"`")) {
			t.Errorf("docs/configuration.md does not mention --%s", f.name)
		}
	}
}

func TestRegisterFlags(t *testing.T) {
	cfg := Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	RegisterFlags(fs, &cfg)
	for _, name := range []string{"config", "data", "addr", "dsn", "log-level", "log-format", "demo"} {
		if fs.Lookup(name) == nil {
			t.Errorf("flag --%s not registered", name)
		}
	}
	fs.PrintDefaults()
	if strings.Contains(help.String(), "panic") || !strings.Contains(help.String(), "127.0.0.1:8080") {
		t.Errorf("help:\n%s", help.String())
	}
	// --demo works as a bare boolean flag.
	if err := fs.Parse([]string{"--demo", "--log-level", "warn"}); err != nil {
		t.Fatal(err)
	}
	if !cfg.Demo || cfg.Log.Level != "warn" {
		t.Errorf("parse did not write into cfg: %+v", cfg)
	}
}

func TestLoadHelp(t *testing.T) {
	_, err := resolve(t, []string{"-h"}, nil)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("err = %v, want flag.ErrHelp", err)
	}
}

func TestValidate(t *testing.T) {
	wf := func(edit func(w *WorkflowConfig)) func(c *Config) {
		return func(c *Config) {
			w := &WorkflowConfig{
				Initial: "new",
				States: []StateConfig{
					{Name: "new", Kind: "new"},
					{Name: "waiting", Kind: "pending", PendingReasons: []string{"customer"}},
					{Name: "done", Kind: "closed"},
				},
				Transitions: []TransitionConfig{{"new", "waiting"}, {"waiting", "done"}},
			}
			edit(w)
			c.Tickets.Workflow = w
		}
	}
	tests := []struct {
		name string
		edit func(c *Config)
		want []string // empty means valid
	}{
		{"custom workflow", wf(func(*WorkflowConfig) {}), nil},
		{"ephemeral port", func(c *Config) { c.HTTP.Addr = ":0" }, nil},
		{"postgres", func(c *Config) { c.Store.DSN = "postgres://u:p@db/deskmine?sslmode=disable" }, nil},
		{"sqlite path", func(c *Config) { c.Store.DSN = "/var/lib/deskmine/x.db" }, nil},
		{"bad log level", func(c *Config) { c.Log.Level = "verbose" }, []string{`log.level: "verbose" is not one of debug, info, warn, error`}},
		{"upper-case log level", func(c *Config) { c.Log.Level = "INFO" }, []string{"log.level:"}},
		{"bad log format", func(c *Config) { c.Log.Format = "logfmt" }, []string{"log.format:"}},
		{"empty addr", func(c *Config) { c.HTTP.Addr = "" }, []string{"http.addr: must not be empty"}},
		{"addr without port", func(c *Config) { c.HTTP.Addr = "localhost" }, []string{`http.addr: "localhost" is not host:port`}},
		{"addr bad port", func(c *Config) { c.HTTP.Addr = "localhost:99999" }, []string{`http.addr: "localhost:99999" has no valid port number`}},
		{"negative timeouts", func(c *Config) {
			c.HTTP.ReadTimeout, c.HTTP.WriteTimeout, c.HTTP.ShutdownTimeout, c.HTTP.SessionTTL = -time.Second, -1, -time.Minute, 0
		}, []string{
			"http.read_timeout: must be positive, got -1s",
			"http.write_timeout: must be positive",
			"http.shutdown_timeout: must be positive",
			"http.session_ttl: must be positive, got 0s",
		}},
		{"zero body", func(c *Config) { c.HTTP.MaxBodyBytes = 0 }, []string{"http.max_body_bytes: must be positive"}},
		{"empty data", func(c *Config) { c.Data = " " }, []string{"data: must not be empty"}},
		{"mysql", func(c *Config) { c.Store.DSN = "mysql://x" }, []string{"store.dsn: only postgres://"}},
		{"sqlite uri", func(c *Config) { c.Store.DSN = "file:x.db?cache=shared" }, []string{`store.dsn: "file:x.db?cache=shared" is not a plain SQLite file path`}},
		{"bad postgres url", func(c *Config) { c.Store.DSN = "postgres://u:secret@[::1" }, []string{"store.dsn: is not a valid postgres URL"}},
		{"kafka and clickhouse", func(c *Config) {
			c.Stream.KafkaBrokers = []string{"k1:9092", "k2:9092"}
			c.Analytics.DSN = "clickhouse://ch:9000/deskmine"
		}, nil},
		{"bad stream", func(c *Config) {
			c.Stream.KafkaBrokers = []string{"k1"}
			c.Stream.Topic, c.Stream.Partitions, c.Stream.BatchSize, c.Stream.BatchWait = " ", 0, 200000, 0
			c.Stream.OutboxRetention = -time.Hour
		}, []string{
			`stream.kafka_brokers: "k1" is not host:port`,
			"stream.topic: must not be empty",
			"stream.partitions: must be positive, got 0",
			"stream.batch_size: must be between 1 and 100000, got 200000",
			"stream.batch_wait: must be positive",
			"stream.outbox_retention: must not be negative",
		}},
		{"bad analytics dsn", func(c *Config) { c.Analytics.DSN = "http://ch:8123" }, []string{"analytics.dsn: only clickhouse:// URLs"}},
		{"clickhouse without host", func(c *Config) { c.Analytics.DSN = "clickhouse:///x" }, []string{"analytics.dsn: clickhouse URL needs a host:port"}},
		{"spike watch off", func(c *Config) { c.Analytics.SpikeWatch.Interval = 0 }, nil},
		{"spike watch by day", func(c *Config) {
			c.Analytics.SpikeWatch = SpikeWatchConfig{Interval: time.Hour, Dimensions: []string{"tag", "team"}, Bucket: "day", TZ: "Asia/Shanghai", Lookback: 3}
		}, nil},
		{"bad spike watch", func(c *Config) {
			c.Analytics.SpikeWatch = SpikeWatchConfig{Interval: time.Second, Dimensions: []string{"colour", "team", "team"}, Bucket: "week",
				TZ: "Mars/Olympus", Lookback: 0}
		}, []string{
			"analytics.spike_watch.interval: must be 0 (off) or at least 1m, got 1s",
			`analytics.spike_watch.dimensions[2]: "team" is listed twice`,
			`analytics.spike_watch.dimensions[0]: "colour" is not one of agent, assignee, category`,
			`analytics.spike_watch.bucket: "week" is not one of hour, day`,
			`analytics.spike_watch.tz: "Mars/Olympus" is not an IANA time zone`,
			"analytics.spike_watch.lookback: must be between 1 and 96, got 0",
		}},
		{"no spike dimensions", func(c *Config) { c.Analytics.SpikeWatch.Dimensions, c.Analytics.SpikeWatch.TZ = nil, "Local" }, []string{
			"analytics.spike_watch.dimensions: must not be empty; allowed: agent",
			`analytics.spike_watch.tz: "Local" is not an IANA time zone`,
		}},
		{"mail", func(c *Config) {
			c.Mail = MailConfig{SMTPAddr: "smtp.example.com:587", From: "support@example.com", PublicURL: "https://help.example.com"}
		}, nil},
		{"bad imap", func(c *Config) { c.Mail.IMAPAddr, c.Mail.IMAPInterval = "imap.example.com:993", time.Second }, []string{
			"mail.imap_user: is required with mail.imap_addr",
			"mail.imap_interval: must be at least 5s, got 1s",
		}},
		{"bad mail", func(c *Config) { c.Mail = MailConfig{SMTPAddr: "smtp", PublicURL: "help", IMAPInterval: time.Minute} }, []string{
			`mail.smtp_addr: "smtp" is not host:port`,
			"mail.from: is required with mail.smtp_addr",
			"mail.public_url: is required with mail.smtp_addr",
		}},
		{"bad closed loop", func(c *Config) {
			c.Tickets.AutoCloseAfter, c.Tickets.CustomerLinkTTL, c.Tickets.CloseVerificationURL = -time.Hour, time.Minute, "ftp://x"
		}, []string{
			"tickets.auto_close_after: must not be negative, got -1h0m0s",
			"tickets.customer_link_ttl: must be at least 1h, got 1m0s",
			"tickets.close_verification_url: must be an http:// or https:// URL",
		}},
		{"kb on demand, auto apply", func(c *Config) { c.KB.MineInterval, c.KB.AutoApplyConfidence = 0, 0.9 }, nil},
		{"bad kb", func(c *Config) {
			c.KB = KBConfig{DSN: "mysql://x", MineInterval: -time.Second, MinGroup: 1, RetrainEvery: 0, AutoApplyConfidence: 1.5}
		}, []string{
			"kb.dsn: ",
			"kb.mine_interval: must not be negative, got -1s",
			"kb.min_group: must be between 2 and 1000, got 1",
			"kb.retrain_every: must be positive, got 0",
			"kb.auto_apply_confidence: must be 0 (never) or in (0, 1], got 1.5",
		}},
		{"bad ui zone", func(c *Config) { c.UI.TimeZone = "Mars/Olympus" }, []string{
			"ui.time_zone: \"Mars/Olympus\" is not an IANA time zone such as UTC or Asia/Shanghai"}},
		{"no types", func(c *Config) { c.Tickets.Types = nil }, []string{"tickets.types: must not be empty"}},
		{"duplicate tier", func(c *Config) { c.Tickets.CustomerTiers = []string{"a", " b", "a"} }, []string{
			`tickets.customer_tiers[1]: " b" is empty or padded`,
			`tickets.customer_tiers[2]: "a" is listed twice`,
		}},
		{"bad workflow kind", wf(func(w *WorkflowConfig) { w.States[2].Kind = "done" }), []string{
			`tickets.workflow.states[2].kind: "done" is not one of new, open, pending, resolved, closed`,
		}},
		{"bad workflow", wf(func(w *WorkflowConfig) {
			w.Initial = "start"
			w.States = append(w.States, StateConfig{Name: "new", Kind: "open", PendingReasons: []string{"x"}})
			w.Transitions = append(w.Transitions, TransitionConfig{"done", "gone"}, TransitionConfig{"new", "new"})
		}), []string{
			`tickets.workflow.initial: "start" is not one of the states`,
			`tickets.workflow.states[3].name: state "new" is defined twice`,
			`tickets.workflow.states[3].pending_reasons: only a state of kind pending`,
			`tickets.workflow.transitions[2].to: "gone" is not one of the states`,
			`tickets.workflow.transitions[3]: new -> new goes nowhere`,
		}},
		{"empty workflow", wf(func(w *WorkflowConfig) { w.States, w.Transitions = nil, nil }), []string{"tickets.workflow.states: must not be empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tt.want...)
			if n := strings.Count(err.Error(), "\n") + 1; n != len(tt.want) {
				t.Errorf("%d problems, want %d: %v", n, len(tt.want), err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestWorkflowFromFile(t *testing.T) {
	path := writeFile(t, `
tickets:
  workflow:
    initial: new
    states:
      - {name: new, kind: new}
      - name: waiting
        kind: pending
        pending_reasons: [customer, vendor]
      - {name: done, kind: closed}
    transitions:
      - {from: new, to: waiting}
      - {from: waiting, to: done}
`)
	cfg, err := resolve(t, []string{"--config", path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.Tickets.Workflow
	if w == nil || w.Initial != "new" || len(w.States) != 3 || !slices.Equal(w.States[1].PendingReasons, []string{"customer", "vendor"}) || w.Transitions[1] != (TransitionConfig{"waiting", "done"}) {
		t.Errorf("workflow = %+v", w)
	}
	if Default().Tickets.Workflow != nil {
		t.Error("default workflow should be nil (built-in)")
	}
	_, err = resolve(t, []string{"--config", writeFile(t, "tickets:\n  workflow:\n    initial: a\n    states:\n      - {name: a, kind: started}\n")}, nil)
	wantErr(t, err, `tickets.workflow.states[0].kind: "started"`)
}

func TestStoreDSN(t *testing.T) {
	c := Default()
	c.Data = "/srv/deskmine"
	if got := c.StoreDSN(); got != "/srv/deskmine/deskmine.db" {
		t.Errorf("StoreDSN() = %q", got)
	}
	c.Store.DSN = "postgres://db/deskmine"
	if got := c.StoreDSN(); got != c.Store.DSN {
		t.Errorf("StoreDSN() = %q", got)
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	c := Default()
	c.Log.Level, c.Log.Format = "warn", "json"
	log := c.Logger(&buf)
	log.Info("hidden")
	log.Warn("shown", "k", 1)
	if got := buf.String(); strings.Contains(got, "hidden") || !strings.Contains(got, `"msg":"shown"`) {
		t.Errorf("json log = %q", got)
	}
	buf.Reset()
	c = Default()
	c.Logger(&buf).Debug("hidden")
	c.Logger(&buf).Info("shown")
	if got := buf.String(); strings.Contains(got, "hidden") || !strings.Contains(got, "msg=shown") {
		t.Errorf("text log = %q", got)
	}
}

func TestKBLocations(t *testing.T) {
	c := Default()
	c.Data = "/srv/dm"
	if got := c.KBDSN(); got != filepath.Join("/srv/dm", "kb.db") {
		t.Errorf("sqlite default: %q", got)
	}
	if got := c.KBIndexDir(); got != filepath.Join("/srv/dm", "kb", "index") {
		t.Errorf("index default: %q", got)
	}
	c.Store.DSN = "postgres://db/deskmine"
	if got := c.KBDSN(); got != c.Store.DSN {
		t.Errorf("with a PostgreSQL ticket store: %q", got)
	}
	c.KB.DSN, c.KB.Index = "/k/kb.db", "/k/ix"
	if c.KBDSN() != "/k/kb.db" || c.KBIndexDir() != "/k/ix" {
		t.Errorf("explicit: %q %q", c.KBDSN(), c.KBIndexDir())
	}
}
