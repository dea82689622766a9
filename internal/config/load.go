package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Environment variable names that are not settings.
const (
	// EnvPrefix starts every deskmine environment variable.
	EnvPrefix = "DESKMINE_"
	// EnvConfigFile names the YAML file when --config is not given.
	EnvConfigFile = "DESKMINE_CONFIG"
	// envTestPrefix is reserved for tests and never reported as unknown.
	envTestPrefix = "DESKMINE_TEST_"
)

// FlagConfig is the flag naming the YAML file.
const FlagConfig = "config"

// flagSpec binds a command-line flag to a setting by its YAML key path.
type flagSpec struct {
	name, path, usage string
}

// flagSpecs lists the flags RegisterFlags defines, besides --config.
func flagSpecs() []flagSpec {
	return []flagSpec{
		{"data", "data", "data `directory`"},
		{"addr", "http.addr", "HTTP listen `address` (host:port)"},
		{"dsn", "store.dsn", "database: postgres:// URL or SQLite file `path` (default <data>/deskmine.db)"},
		{"log-level", "log.level", "log `level`: debug, info, warn or error"},
		{"log-format", "log.format", "log `format`: text or json"},
		{"demo", "demo", "load demo data on start when the store is empty"},
		{"kafka-brokers", "stream.kafka_brokers", "Kafka broker `addresses` (comma-separated); empty: the store's event log is the stream"},
		{"topic", "stream.topic", "Kafka `topic` of ticket change events"},
		{"analytics-dsn", "analytics.dsn", "analytics store: clickhouse:// URL or DuckDB file `path` (default <data>/analytics.duckdb)"},
		{"spike-watch-interval", "analytics.spike_watch.interval", "how often serve looks for ticket volume spikes (`duration`; 0: no spike alerts)"},
		{"spike-watch-dimensions", "analytics.spike_watch.dimensions", "analytics `dimensions` watched for spikes (comma-separated)"},
		{"spike-watch-bucket", "analytics.spike_watch.bucket", "time `bucket` of a spike: hour or day"},
		{"spike-watch-tz", "analytics.spike_watch.tz", "IANA time `zone` of the spike buckets"},
		{"spike-watch-lookback", "analytics.spike_watch.lookback", "recent complete `buckets` each spike look examines"},
		{"kb-dsn", "kb.dsn", "knowledge-base store: postgres:// URL or SQLite file `path` (default: the PostgreSQL ticket store, else <data>/kb.db)"},
		{"kb-index", "kb.index", "`directory` of the knowledge-base search index (default <data>/kb/index)"},
		{"mine-interval", "kb.mine_interval", "how often serve runs the KB miner (`duration`; 0: only on demand)"},
		{"ui-time-zone", "ui.time_zone", "IANA time `zone` the dashboards show times and cut periods in"},
	}
}

// RegisterFlags defines --config, --data, --addr, --dsn, --log-level,
// --log-format and --demo on fs. Parsing fs writes the flags into cfg, and
// the help shows cfg's current values as defaults, so pass Default() or
// another base. Resolve re-applies the flags that were set after the file and
// the environment, which is what gives flags the last word.
func RegisterFlags(fs *flag.FlagSet, cfg *Config) {
	fs.String(FlagConfig, "", "YAML configuration `file` (default $"+EnvConfigFile+")")
	fields := leafMap(cfg)
	for _, s := range flagSpecs() {
		l, ok := fields[s.path]
		if !ok {
			panic("config: flag " + s.name + " names unknown setting " + s.path) // programming error, caught by tests
		}
		if l.v.Kind() == reflect.Bool {
			fs.Var(&boolFieldFlag{fieldFlag{v: l.v}}, s.name, s.usage)
		} else {
			fs.Var(&fieldFlag{v: l.v}, s.name, s.usage)
		}
	}
}

// Load is Default, RegisterFlags, fs.Parse(args) and Resolve in one call. A
// help request returns flag.ErrHelp, as fs.Parse does.
func Load(fs *flag.FlagSet, args, env []string) (Config, error) {
	cfg := Default()
	RegisterFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if err := Resolve(&cfg, fs, env); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Resolve completes cfg, which holds defaults and parsed flags, in precedence
// order: it applies the YAML file (from --config, else $DESKMINE_CONFIG, else
// none), then the DESKMINE_* variables in env (os.Environ() form), then the
// flags explicitly set on fs once more, and finally runs Validate. fs may be
// nil when there are no flags; it must have been parsed otherwise. All
// problems of a stage are reported together.
func Resolve(cfg *Config, fs *flag.FlagSet, env []string) error {
	var setFlags []*flag.Flag
	path, pathSet := "", false
	if fs != nil {
		if !fs.Parsed() {
			return errors.New("config: flags must be parsed before Resolve")
		}
		fs.Visit(func(f *flag.Flag) {
			if f.Name == FlagConfig {
				path, pathSet = f.Value.String(), true
			}
			setFlags = append(setFlags, f)
		})
	}
	if !pathSet {
		path = lookupEnv(env, EnvConfigFile)
	}
	if path != "" {
		if err := applyFile(cfg, path); err != nil {
			return err
		}
	}
	if err := applyEnv(cfg, env); err != nil {
		return err
	}
	if err := applyFlags(cfg, setFlags); err != nil {
		return err
	}
	return cfg.Validate()
}

// applyFlags re-applies the raw text of explicitly set flags to cfg. Going
// through the setting path rather than the pointer the flag was bound to
// means the flags land in cfg even if it is not the Config that was
// registered.
func applyFlags(cfg *Config, set []*flag.Flag) error {
	fields := leafMap(cfg)
	specs := flagSpecs()
	var errs []error
	for _, f := range set {
		var raw string
		switch v := f.Value.(type) {
		case *fieldFlag:
			raw = v.raw
		case *boolFieldFlag:
			raw = v.raw
		default:
			continue // --config, or a flag of the caller's own
		}
		i := slices.IndexFunc(specs, func(s flagSpec) bool { return s.name == f.Name })
		if i < 0 {
			continue
		}
		if err := setValue(fields[specs[i].path].v, raw); err != nil {
			errs = append(errs, fmt.Errorf("flag --%s: %w", f.Name, err))
		}
	}
	return errors.Join(errs...)
}

// fieldFlag is a flag.Value that writes into one Config field and keeps the
// text it was given, so that Resolve can apply it again.
type fieldFlag struct {
	v   reflect.Value
	raw string
}

func (f *fieldFlag) String() string {
	if f == nil || !f.v.IsValid() {
		return "" // the flag package calls String on a zero value
	}
	return formatValue(f.v)
}

func (f *fieldFlag) Set(s string) error {
	if err := setValue(f.v, s); err != nil {
		return flagError(err)
	}
	f.raw = s
	return nil
}

// boolFieldFlag is a fieldFlag that may be given without a value (--demo).
type boolFieldFlag struct{ fieldFlag }

func (f *boolFieldFlag) String() string {
	if f == nil || !f.v.IsValid() {
		return "false"
	}
	return f.fieldFlag.String()
}

func (f *boolFieldFlag) IsBoolFlag() bool { return true }

// applyFile decodes the YAML file at path over cfg. Keys absent from the file
// keep their value; lists given in the file replace the list, not extend it.
func applyFile(cfg *Config, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	errs := decodeYAML(cfg, data)
	for i, e := range errs {
		errs[i] = fmt.Errorf("config file %s: %w", path, e) // one line per problem
	}
	return errors.Join(errs...)
}

// decodeYAML decodes one YAML document over cfg, refusing unknown keys, and
// returns every problem, each type error with its key path
// (http.read_timeout) as well as its line.
func decodeYAML(cfg *Config, data []byte) []error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(cfg)
	if errors.Is(err, io.EOF) {
		return nil // empty file
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		ix := indexYAML(data)
		errs := make([]error, len(te.Errors))
		for i, msg := range te.Errors {
			errs[i] = annotate(msg, ix)
		}
		return errs
	}
	if err != nil {
		return []error{err}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return []error{errors.New("more than one YAML document; put everything in one")}
	}
	return nil
}

var (
	yamlLineMsg    = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlUnknownKey = regexp.MustCompile(`^field (\S+) not found in type`)
	yamlBadValue   = regexp.MustCompile(`^cannot unmarshal (.*) into `)
)

// annotate rewrites a yaml.v3 type error ("line 3: cannot unmarshal ...")
// to start with the key path of the node it is about.
func annotate(msg string, ix yamlIndex) error {
	m := yamlLineMsg.FindStringSubmatch(msg)
	if m == nil {
		return errors.New(msg)
	}
	line, _ := strconv.Atoi(m[1])
	rest, path := m[2], ""
	if u := yamlUnknownKey.FindStringSubmatch(rest); u != nil {
		rest = "unknown key " + strconv.Quote(u[1])
		path = findPath(ix.keys[line], u[1])
	} else if b := yamlBadValue.FindStringSubmatch(rest); b != nil {
		path = findPath(ix.values[line], b[1])
	}
	if path == "" {
		return fmt.Errorf("line %d: %s", line, rest)
	}
	return fmt.Errorf("%s (line %d): %s", path, line, rest)
}

// yamlIndex lists, line by line and in document order, the keys and values
// of a YAML document with their key paths, so that yaml.v3's line-numbered
// errors can name the setting even when a line holds several nodes
// (`- name: x`, `http: {addr: a, read_timeout: b}`).
type yamlIndex struct {
	keys, values map[int][]yamlNodeAt
}

// yamlNodeAt is a node as yaml.v3 describes it in errors: the key name for a
// key; "!!seq", "!!map" or "!!str `value`" for a value.
type yamlNodeAt struct{ path, desc string }

// findPath returns the path of the last (deepest) node described by desc, else
// of the first node on the line, else "".
func findPath(nodes []yamlNodeAt, desc string) string {
	for i := len(nodes) - 1; i >= 0; i-- {
		if nodes[i].desc == desc {
			return nodes[i].path
		}
	}
	if len(nodes) > 0 {
		return nodes[0].path
	}
	return ""
}

// indexYAML builds the yamlIndex of data; a document that does not parse
// gives an empty index (the decoder reports the syntax error).
func indexYAML(data []byte) yamlIndex {
	ix := yamlIndex{keys: map[int][]yamlNodeAt{}, values: map[int][]yamlNodeAt{}}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return ix
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			ix.values[n.Line] = append(ix.values[n.Line], yamlNodeAt{path, "!!map"})
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				p := k.Value
				if path != "" {
					p = path + "." + p
				}
				ix.keys[k.Line] = append(ix.keys[k.Line], yamlNodeAt{p, k.Value})
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			ix.values[n.Line] = append(ix.values[n.Line], yamlNodeAt{path, "!!seq"})
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.ScalarNode:
			v := n.Value // shortened as yaml.v3's decoder does
			if len(v) > 10 {
				v = v[:7] + "..."
			}
			ix.values[n.Line] = append(ix.values[n.Line], yamlNodeAt{path, n.ShortTag() + " `" + v + "`"})
		}
	}
	walk(&doc, "")
	return ix
}

// applyEnv sets cfg from the DESKMINE_* entries of env ("KEY=value"), and
// reports every bad value and unknown variable.
func applyEnv(cfg *Config, env []string) error {
	byName := map[string]leaf{}
	for _, l := range leaves(cfg) {
		byName[l.env] = l
	}
	var errs, unknown []error
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		if name == EnvConfigFile || strings.HasPrefix(name, envTestPrefix) {
			continue
		}
		l, known := byName[name]
		if !known {
			unknown = append(unknown, unknownEnv(name, byName))
			continue
		}
		if err := setValue(l.v, value); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", name, l.path, err))
		}
	}
	slices.SortFunc(unknown, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(append(errs, unknown...)...)
}

// unknownEnv describes an unknown variable, suggesting the known one it
// most likely meant (same letters, different underscores or case).
func unknownEnv(name string, known map[string]leaf) error {
	squash := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "_", "")) }
	for k := range known {
		if squash(k) == squash(name) {
			return fmt.Errorf("%s: unknown environment variable; did you mean %s?", name, k)
		}
	}
	return fmt.Errorf("%s: unknown environment variable (see docs/configuration.md)", name)
}

// lookupEnv returns the last value of name in env, or "".
func lookupEnv(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
}

// leaf is one setting: a field that holds a value rather than a section.
type leaf struct {
	path string        // YAML key path, "http.read_timeout"
	env  string        // environment variable, "DESKMINE_HTTP__READ_TIMEOUT"
	v    reflect.Value // the field, settable
}

// leaves lists the settings of cfg that have an environment variable, in
// declaration order. Fields tagged env:"-" are skipped.
func leaves(cfg *Config) []leaf {
	var out []leaf
	var walk func(v reflect.Value, path, env string)
	walk = func(v reflect.Value, path, env string) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Tag.Get("env") == "-" {
				continue
			}
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			p, e := key, EnvPrefix+strings.ToUpper(key)
			if path != "" {
				p, e = path+"."+key, env+"__"+strings.ToUpper(key)
			}
			if f.Type.Kind() == reflect.Struct {
				walk(v.Field(i), p, e)
				continue
			}
			out = append(out, leaf{path: p, env: e, v: v.Field(i)})
		}
	}
	walk(reflect.ValueOf(cfg).Elem(), "", "")
	return out
}

func leafMap(cfg *Config) map[string]leaf {
	m := map[string]leaf{}
	for _, l := range leaves(cfg) {
		m[l.path] = l
	}
	return m
}

var durationType = reflect.TypeFor[time.Duration]()

// setValue parses s into v by v's type: string, bool, any int size,
// float64, time.Duration (Go syntax, 30s) or []string (comma-separated, items
// trimmed, empty items dropped). A bad value gives a *valueError.
func setValue(v reflect.Value, s string) error {
	if v.Type() == durationType {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return &valueError{"duration", s, "use a number with a unit, such as 30s, 5m or 12h"}
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return &valueError{"boolean", s, "use true or false"}
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if errors.Is(err, strconv.ErrRange) {
			return &valueError{"integer", s, "out of range"}
		}
		if err != nil {
			return &valueError{"integer", s, "use digits only, without units"}
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return &valueError{"number", s, "use a decimal number such as 0.9"}
		}
		v.SetFloat(f)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported setting type %s", v.Type())
		}
		var items []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				items = append(items, item)
			}
		}
		v.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported setting type %s", v.Type())
	}
	return nil
}

// valueError is a value that does not parse as its setting's type.
type valueError struct {
	kind  string // duration, boolean, integer
	value string
	hint  string
}

func (e *valueError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.kind, e.value, e.hint)
}

// flagError drops the value, which the flag package already quotes.
func flagError(err error) error {
	var ve *valueError
	if errors.As(err, &ve) {
		return fmt.Errorf("not a %s: %s", ve.kind, ve.hint)
	}
	return err
}

// formatValue is the inverse of setValue, for flag defaults in help text.
func formatValue(v reflect.Value) string {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.Slice:
		if s, ok := v.Interface().([]string); ok {
			return strings.Join(s, ",")
		}
	case reflect.String:
		return v.String()
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	return fmt.Sprint(v.Interface())
}
