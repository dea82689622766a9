package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/api"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

// The OpenAPI document is written by hand; these tests keep it true to the
// route table and to the Go types it describes, so it cannot drift.

// oaOperation is the part of an OpenAPI operation the tests look at.
type oaOperation struct {
	Security    *[]map[string][]string `json:"security"`
	XRoles      []string               `json:"x-roles"`
	Description string                 `json:"description"`
	Parameters  []map[string]any       `json:"parameters"`
	Responses   map[string]any         `json:"responses"`
}

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// servedOpenAPI fetches the document through the real server.
func servedOpenAPI(t *testing.T) (*env, []byte) {
	t.Helper()
	e := newEnv(t, testdb.Backends()[0])
	r := e.do("", http.MethodGet, "/api/v1/openapi.json", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("served as %q, want application/json", ct)
	}
	return e, r.Body
}

func TestOpenAPIDocument(t *testing.T) {
	e, raw := servedOpenAPI(t)
	if !json.Valid(raw) {
		t.Fatal("the document is not valid JSON")
	}
	if err := noDuplicateKeys(json.NewDecoder(bytes.NewReader(raw)), "$"); err != nil {
		t.Fatal(err) // encoding/json would silently keep the last of two keys
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Fatalf("openapi is %q, want 3.0.x", v)
	}
	var top struct {
		Security []map[string][]string                 `json:"security"`
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	ops := map[string]oaOperation{} // "METHOD /path/{param}"
	for path, item := range top.Paths {
		for key, v := range item {
			if !slices.Contains(oaMethods, key) {
				continue
			}
			var op oaOperation
			if err := json.Unmarshal(v, &op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	routes := map[string]api.Route{}
	for _, r := range e.api.Routes() {
		routes[r.Method+" "+openAPIPath(r.Path)] = r
	}

	t.Run("operations equal routes", func(t *testing.T) {
		for k := range routes {
			if _, ok := ops[k]; !ok {
				t.Errorf("route %s is not documented", k)
			}
		}
		for k := range ops {
			// The knowledge-base API (kb/httpapi, which the ticket core may
			// not import) is mounted only by deskmine serve; its tests hold
			// these operations to its route table.
			if strings.Contains(k, " /api/v1/kb/") {
				continue
			}
			if _, ok := routes[k]; !ok {
				t.Errorf("documented operation %s is not a route", k)
			}
		}
	})

	t.Run("roles and security", func(t *testing.T) {
		if len(top.Security) == 0 {
			t.Fatal("no global security requirement: operations would default to public")
		}
		for k, r := range routes {
			op, ok := ops[k]
			if !ok {
				continue
			}
			if r.Public {
				if op.Security == nil || len(*op.Security) != 0 {
					t.Errorf("%s is public: want security: []", k)
				}
				if len(op.XRoles) != 0 {
					t.Errorf("%s is public: want no x-roles, got %v", k, op.XRoles)
				}
				if !strings.Contains(op.Description, "Public: no authentication required.") {
					t.Errorf("%s: description does not say it is public: %q", k, op.Description)
				}
				continue
			}
			if op.Security != nil && len(*op.Security) == 0 {
				t.Errorf("%s needs a login but is documented with security: []", k)
			}
			want := make([]string, len(r.Roles))
			for i, role := range r.Roles {
				want[i] = string(role)
			}
			if !slices.Equal(op.XRoles, want) {
				t.Errorf("%s: x-roles %v, route allows %v", k, op.XRoles, want)
			}
			if s := "Allowed roles: " + strings.Join(want, ", ") + "."; !strings.Contains(op.Description, s) {
				t.Errorf("%s: description lacks %q: %q", k, s, op.Description)
			}
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s needs a login but documents no 401", k)
			}
			if len(r.Roles) < len(auth.Roles) {
				if _, ok := op.Responses["403"]; !ok {
					t.Errorf("%s is closed to some roles but documents no 403", k)
				}
			}
		}
		schemes, _ := lookup(doc, "#/components/securitySchemes")
		bearer, _ := lookup(doc, "#/components/securitySchemes/bearerToken")
		if b, _ := bearer.(map[string]any); b["type"] != "http" || b["scheme"] != "bearer" {
			t.Errorf("bearerToken scheme: %v", bearer)
		}
		cookie, _ := lookup(doc, "#/components/securitySchemes/sessionCookie")
		if c, _ := cookie.(map[string]any); c["in"] != "cookie" || c["name"] != "deskmine_session" {
			t.Errorf("sessionCookie scheme: %v", cookie)
		}
		for _, req := range top.Security {
			for name := range req {
				if _, ok := schemes.(map[string]any)[name]; !ok {
					t.Errorf("security names unknown scheme %q", name)
				}
			}
		}
	})

	t.Run("path parameters", func(t *testing.T) {
		param := regexp.MustCompile(`\{([^}]+)\}`)
		for k, op := range ops {
			path := strings.SplitN(k, " ", 2)[1]
			var inPath []string
			params := slices.Clone(op.Parameters)
			var common []map[string]any
			if rawCommon, ok := top.Paths[path]["parameters"]; ok {
				if err := json.Unmarshal(rawCommon, &common); err != nil {
					t.Fatal(err)
				}
			}
			params = append(params, common...)
			for _, p := range params {
				p = resolveRef(t, doc, p)
				if p["in"] == "path" {
					if p["required"] != true {
						t.Errorf("%s: path parameter %v is not required", k, p["name"])
					}
					inPath = append(inPath, p["name"].(string))
				}
			}
			var want []string
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				want = append(want, m[1])
			}
			sort.Strings(inPath)
			sort.Strings(want)
			if !slices.Equal(inPath, want) {
				t.Errorf("%s: path parameters %v, template has %v", k, inPath, want)
			}
		}
	})

	t.Run("refs resolve", func(t *testing.T) {
		used := map[string]bool{}
		walkRefs(doc, "$", func(at, ref string) {
			if !strings.HasPrefix(ref, "#/") {
				t.Errorf("%s: $ref %q is not local", at, ref)
				return
			}
			if _, ok := lookup(doc, ref); !ok {
				t.Errorf("%s: $ref %q does not resolve", at, ref)
			}
			used[ref] = true
		})
		for _, section := range []string{"schemas", "parameters", "responses", "headers"} {
			m, _ := lookup(doc, "#/components/"+section)
			for name := range m.(map[string]any) {
				if ref := "#/components/" + section + "/" + name; !used[ref] {
					t.Errorf("%s is never referenced", ref)
				}
			}
		}
	})

	t.Run("schemas equal Go types", func(t *testing.T) {
		for _, c := range goSchemas {
			t.Run(c.schema, func(t *testing.T) {
				checkSchema(t, doc, c.schema, c.typ, c.output)
			})
		}
	})

	t.Run("notification kinds", func(t *testing.T) {
		v, _ := lookup(doc, "#/components/schemas/NotificationKind/enum")
		var documented []string
		for _, k := range v.([]any) {
			documented = append(documented, k.(string))
		}
		var want []string
		for _, k := range notify.Kinds() {
			want = append(want, string(k))
		}
		if !slices.Equal(documented, want) {
			t.Errorf("NotificationKind enum %v, notify.Kinds() %v", documented, want)
		}
	})

	t.Run("link types", func(t *testing.T) {
		v, _ := lookup(doc, "#/components/schemas/LinkType/enum")
		var documented []string
		for _, k := range v.([]any) {
			documented = append(documented, k.(string))
		}
		if !slices.Equal(documented, events.LinkTypes) {
			t.Errorf("LinkType enum %v, events.LinkTypes %v", documented, events.LinkTypes)
		}
	})

	t.Run("responses are JSON errors", func(t *testing.T) {
		for k, op := range ops {
			for code, resp := range op.Responses {
				if code[0] != '4' && code[0] != '5' {
					continue
				}
				r := resolveRef(t, doc, resp.(map[string]any))
				schema, ok := lookup(r, "#/content/application~1json/schema/$ref")
				if k != "GET /healthz" && (!ok || schema != "#/components/schemas/Error") {
					t.Errorf("%s %s: error response is not the Error schema", k, code)
				}
			}
		}
	})
}

// goSchemas ties component schemas to the Go types whose JSON they describe.
// output schemas are written by the server, so every field without omitempty
// must be required and every omitempty field optional.
var goSchemas = []struct {
	schema string
	typ    reflect.Type
	output bool
}{
	{"Ticket", reflect.TypeFor[events.Ticket](), true},
	{"Customer", reflect.TypeFor[events.Customer](), true},
	{"Event", reflect.TypeFor[events.Event](), true},
	{"Change", reflect.TypeFor[events.Change](), true},
	{"Actor", reflect.TypeFor[events.Actor](), true},
	{"Comment", reflect.TypeFor[events.Comment](), true},
	{"HistoryEntry", reflect.TypeFor[ticketcore.HistoryEntry](), true},
	{"ListPage", reflect.TypeFor[ticketcore.ListPage](), true},
	{"CustomerWithHistory", reflect.TypeFor[ticketcore.CustomerWithHistory](), true},
	{"Workflow", reflect.TypeFor[ticketcore.Workflow](), true},
	{"WorkflowState", reflect.TypeFor[ticketcore.State](), true},
	{"WorkflowTransition", reflect.TypeFor[ticketcore.Transition](), true},
	{"User", reflect.TypeFor[auth.User](), true},
	{"Token", reflect.TypeFor[auth.Token](), true},
	{"Link", reflect.TypeFor[events.Link](), true},
	{"CSAT", reflect.TypeFor[events.CSAT](), true},
	{"CreateInput", reflect.TypeFor[ticketcore.CreateInput](), false},
	{"LinkInput", reflect.TypeFor[ticketcore.LinkInput](), false},
	{"CustomerInput", reflect.TypeFor[ticketcore.CustomerInput](), false},
	{"Patch", reflect.TypeFor[ticketcore.Patch](), false},
	{"TransitionInput", reflect.TypeFor[ticketcore.TransitionInput](), false},
	{"FieldDef", reflect.TypeFor[ticketcore.FieldDef](), false},
	{"NewUser", reflect.TypeFor[auth.NewUser](), false},
	{"Notification", reflect.TypeFor[notify.Notification](), true},
	{"NotificationPage", reflect.TypeFor[notify.Page](), true},
	{"Endpoint", reflect.TypeFor[notify.Endpoint](), true},
}

func schemaOfType(typ reflect.Type) (string, bool) {
	for _, c := range goSchemas {
		if c.typ == typ {
			return c.schema, true
		}
	}
	return "", false
}

type jsonField struct {
	name      string
	omitempty bool
	typ       reflect.Type
}

func jsonFields(typ reflect.Type) []jsonField {
	var out []jsonField
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty"), typ: f.Type})
	}
	return out
}

func checkSchema(t *testing.T, doc map[string]any, name string, typ reflect.Type, output bool) {
	t.Helper()
	v, ok := lookup(doc, "#/components/schemas/"+name)
	if !ok {
		t.Fatalf("schema %s is missing", name)
	}
	schema := v.(map[string]any)
	if schema["type"] != "object" {
		t.Errorf("type is %v, want object", schema["type"])
	}
	props, _ := schema["properties"].(map[string]any)
	var docNames, goNames []string
	for p := range props {
		docNames = append(docNames, p)
	}
	fields := jsonFields(typ)
	var wantRequired []string
	for _, f := range fields {
		goNames = append(goNames, f.name)
		if !f.omitempty {
			wantRequired = append(wantRequired, f.name)
		}
	}
	sort.Strings(docNames)
	sort.Strings(goNames)
	if !slices.Equal(docNames, goNames) {
		t.Errorf("properties %v, %s has JSON fields %v", docNames, typ, goNames)
	}
	var required []string
	if rs, ok := schema["required"].([]any); ok {
		for _, r := range rs {
			required = append(required, r.(string))
		}
	}
	sort.Strings(required)
	sort.Strings(wantRequired)
	if output && !slices.Equal(required, wantRequired) {
		t.Errorf("required %v, but %s always writes %v", required, typ, wantRequired)
	}
	for _, r := range required {
		if _, ok := props[r]; !ok {
			t.Errorf("required %q is not a property", r)
		}
	}
	for _, f := range fields {
		p, ok := props[f.name].(map[string]any)
		if !ok {
			continue
		}
		checkKind(t, doc, name+"."+f.name, p, f.typ)
	}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// checkKind compares a property's schema type with the Go type of the field.
func checkKind(t *testing.T, doc map[string]any, at string, prop map[string]any, typ reflect.Type) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if ref, ok := prop["$ref"].(string); ok {
		target, ok := lookup(doc, ref)
		if !ok {
			t.Errorf("%s: $ref %s does not resolve", at, ref)
			return
		}
		if name, known := schemaOfType(typ); known && ref != "#/components/schemas/"+name {
			t.Errorf("%s: refers to %s, want the schema of %s, %s", at, ref, typ, name)
		}
		prop = target.(map[string]any)
	}
	var want string
	switch {
	case typ == rawType || typ.Kind() == reflect.Interface:
		if _, typed := prop["type"]; typed {
			t.Errorf("%s holds any JSON value, but the schema says type %v", at, prop["type"])
		}
		return
	case typ == timeType:
		want = "string"
		if prop["format"] != "date-time" {
			t.Errorf("%s: a time, want format date-time", at)
		}
	default:
		switch typ.Kind() {
		case reflect.String:
			want = "string"
		case reflect.Bool:
			want = "boolean"
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			want = "integer"
		case reflect.Float32, reflect.Float64:
			want = "number"
		case reflect.Slice, reflect.Array:
			want = "array"
		case reflect.Map, reflect.Struct:
			want = "object"
		default:
			t.Errorf("%s: no schema type for %s", at, typ)
			return
		}
	}
	if prop["type"] != want {
		t.Errorf("%s: schema type %v, Go type %s wants %s", at, prop["type"], typ, want)
	}
	if want == "array" {
		items, _ := prop["items"].(map[string]any)
		if items == nil {
			t.Errorf("%s: array without items", at)
			return
		}
		checkKind(t, doc, at+"[]", items, typ.Elem())
	}
}

func openAPIPath(echoPath string) string {
	return regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`).ReplaceAllString(echoPath, "{$1}")
}

// lookup resolves a local JSON pointer ("#/a/b") in a decoded document.
func lookup(doc any, ref string) (any, bool) {
	cur := doc
	rest := strings.TrimPrefix(ref, "#")
	if rest == "" {
		return cur, true
	}
	for _, part := range strings.Split(strings.TrimPrefix(rest, "/"), "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func resolveRef(t *testing.T, doc map[string]any, v map[string]any) map[string]any {
	t.Helper()
	ref, ok := v["$ref"].(string)
	if !ok {
		return v
	}
	target, ok := lookup(doc, ref)
	if !ok {
		t.Fatalf("$ref %s does not resolve", ref)
	}
	return target.(map[string]any)
}

func walkRefs(v any, at string, fn func(at, ref string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if k == "$ref" {
				if s, ok := child.(string); ok {
					fn(at, s)
				}
				continue
			}
			walkRefs(child, at+"/"+k, fn)
		}
	case []any:
		for i, child := range x {
			walkRefs(child, fmt.Sprintf("%s/%d", at, i), fn)
		}
	}
}

// noDuplicateKeys walks a JSON value token by token and refuses an object
// with the same key twice.
func noDuplicateKeys(dec *json.Decoder, at string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key := kt.(string)
			if seen[key] {
				return fmt.Errorf("%s: key %q appears twice", at, key)
			}
			seen[key] = true
			if err := noDuplicateKeys(dec, at+"/"+key); err != nil {
				return err
			}
		}
		_, err = dec.Token() // }
		return err
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := noDuplicateKeys(dec, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ]
		return err
	}
	return nil
}

// TestOpenAPITicketMatchesResponse checks the Ticket schema against a real
// response: a created ticket carries every required property and no
// undocumented one, with the documented headers.
func TestOpenAPITicketMatchesResponse(t *testing.T) {
	e, raw := servedOpenAPI(t)
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	r := e.do(auth.RoleAgent, http.MethodPost, "/api/v1/tickets", ticketBody(), "Idempotency-Key", "doc-check")
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var got map[string]any
	r.json(t, &got)
	schema, _ := lookup(doc, "#/components/schemas/Ticket")
	props := schema.(map[string]any)["properties"].(map[string]any)
	for k := range got {
		if _, ok := props[k]; !ok {
			t.Errorf("response field %q is not documented", k)
		}
	}
	for _, req := range schema.(map[string]any)["required"].([]any) {
		if _, ok := got[req.(string)]; !ok {
			t.Errorf("required %q is missing from a real response", req)
		}
	}
	for _, h := range []string{"ETag", "Location"} {
		if r.Header.Get(h) == "" {
			t.Errorf("documented header %s is missing", h)
		}
	}
}

// loadOpenAPI parses the document with kin-openapi and validates it against
// the OpenAPI 3.0 rules, examples and defaults included.
func loadOpenAPI(t *testing.T, raw []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	return doc
}

func TestOpenAPIValidates(t *testing.T) {
	_, raw := servedOpenAPI(t)
	loadOpenAPI(t, raw)
}

// conformance checks real exchanges against the document.
type conformance struct {
	t   *testing.T
	e   *env
	doc *openapi3.T
}

// call makes a request and checks that it got the wanted status, that the
// status is documented for the operation, that the body validates against
// the documented schema and has no undocumented field, and, when the server
// accepted a JSON body, that the documented request schema accepts it too.
func (c *conformance) call(want int, role auth.Role, method, route, path string, body any, headers ...string) resp {
	c.t.Helper()
	r := c.e.do(role, method, path, body, headers...)
	at := fmt.Sprintf("%s %s as %q", method, path, role)
	if r.Status != want {
		c.t.Errorf("%s: want %d, got %d %.300s", at, want, r.Status, r.Body)
	}
	item := c.doc.Paths.Value(route)
	if item == nil || item.GetOperation(method) == nil {
		c.t.Errorf("%s: %s %s is not documented", at, method, route)
		return r
	}
	op := item.GetOperation(method)
	ref := op.Responses.Status(r.Status)
	if ref == nil {
		c.t.Errorf("%s: status %d is not documented", at, r.Status)
		return r
	}
	documented := ref.Value
	if len(r.Body) == 0 {
		if len(documented.Content) > 0 {
			c.t.Errorf("%s: %d is documented with a body, got none", at, r.Status)
		}
	} else {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		media := documented.Content.Get(mt)
		if err != nil || media == nil {
			c.t.Errorf("%s: %d is not documented as %q", at, r.Status, r.Header.Get("Content-Type"))
		} else if mt == "application/json" {
			var v any
			if err := json.Unmarshal(r.Body, &v); err != nil {
				c.t.Errorf("%s: %v", at, err)
			} else {
				if err := media.Schema.Value.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
					c.t.Errorf("%s: %d body does not match the document: %v\n%.500s", at, r.Status, err, r.Body)
				}
				for _, k := range undocumentedKeys(media.Schema.Value, v, "$") {
					c.t.Errorf("%s: %d body has undocumented %s", at, r.Status, k)
				}
			}
		}
	}
	if _, isRaw := body.(string); body != nil && !isRaw && r.Status < 300 && op.RequestBody != nil {
		b, _ := json.Marshal(body)
		var v any
		_ = json.Unmarshal(b, &v)
		schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
		if err := schema.VisitJSON(v, openapi3.VisitAsRequest(), openapi3.MultiErrors()); err != nil {
			c.t.Errorf("%s: the server accepted a body the document refuses: %v\n%s", at, err, b)
		}
	}
	return r
}

// undocumentedKeys lists object keys in v that the schema does not name.
// Objects without declared properties (custom_fields, error fields) are free.
func undocumentedKeys(s *openapi3.Schema, v any, at string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if len(s.Properties) == 0 {
			return nil
		}
		for k, val := range x {
			p, ok := s.Properties[k]
			if !ok {
				out = append(out, at+"."+k)
				continue
			}
			out = append(out, undocumentedKeys(p.Value, val, at+"."+k)...)
		}
	case []any:
		if s.Items == nil {
			return nil
		}
		for i, val := range x {
			out = append(out, undocumentedKeys(s.Items.Value, val, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	return out
}

// TestOpenAPIResponsesConform walks every operation through success and
// error paths and checks each exchange against the document.
func TestOpenAPIResponsesConform(t *testing.T) {
	e, raw := servedOpenAPI(t)
	c := &conformance{t: t, e: e, doc: loadOpenAPI(t, raw)}
	const (
		admin    = auth.RoleAdmin
		manager  = auth.RoleManager
		agent    = auth.RoleAgent
		reviewer = auth.RoleReviewer
		client   = auth.RoleClient
		anon     = auth.Role("")
		get      = http.MethodGet
		post     = http.MethodPost
		patch    = http.MethodPatch
		put      = http.MethodPut
		del      = http.MethodDelete
	)

	c.call(200, anon, get, "/healthz", "/healthz", nil)
	c.call(200, anon, get, "/metrics", "/metrics", nil)
	c.call(200, anon, get, "/api/v1/openapi.json", "/api/v1/openapi.json", nil)

	login := "/api/v1/auth/login"
	c.call(200, anon, post, login, login, map[string]any{"login": "u-agent", "password": "correct horse"})
	c.call(401, anon, post, login, login, map[string]any{"login": "u-agent", "password": "wrong password"})
	c.call(400, anon, post, login, login, `{"login": "u-agent", "pass": "x"}`)
	c.call(415, anon, post, login, login, `{}`, "Content-Type", "text/plain")
	c.call(200, reviewer, get, "/api/v1/auth/me", "/api/v1/auth/me", nil)
	c.call(401, anon, get, "/api/v1/auth/me", "/api/v1/auth/me", nil)
	c.call(204, client, post, "/api/v1/auth/logout", "/api/v1/auth/logout", nil)

	field := "/api/v1/fields/{name}"
	c.call(200, admin, put, field, "/api/v1/fields/device", map[string]any{"label": "Device", "kind": "enum", "options": []string{"router", "camera"}})
	c.call(200, admin, put, field, "/api/v1/fields/refund", map[string]any{"name": "refund", "label": "Refund", "kind": "number",
		"min": 0, "max": 10000, "required_for": []string{"complaint"}})
	c.call(200, admin, put, field, "/api/v1/fields/os_version", map[string]any{"kind": "text", "max_length": 20})
	c.call(400, admin, put, field, "/api/v1/fields/device", map[string]any{"name": "other", "kind": "text"})
	c.call(422, admin, put, field, "/api/v1/fields/colour", map[string]any{"kind": "colour"})
	c.call(403, manager, put, field, "/api/v1/fields/colour", map[string]any{"kind": "text"})
	c.call(200, client, get, "/api/v1/fields", "/api/v1/fields", nil)
	c.call(204, admin, del, field, "/api/v1/fields/os_version", nil)
	c.call(404, admin, del, field, "/api/v1/fields/os_version", nil)
	c.call(200, client, get, "/api/v1/workflow", "/api/v1/workflow", nil)

	tickets := "/api/v1/tickets"
	full := map[string]any{"external_id": "zd-1001", "subject": "Router drops Wi-Fi", "description": "Every evening",
		"type": "complaint", "category": "network", "product": "AX-3000", "channel": "email", "urgency": "critical", "priority": "P1",
		"customer": map[string]any{"email": "li.wei@example.cn", "phone": "+86 138-0013-8000", "external_id": "c-77", "name": "Li Wei",
			"tier": "vip", "region": "cn-north", "organisation": "Example Ltd"},
		"order_ref": "SO-1", "tags": []string{"wifi", "Router"}, "custom_fields": map[string]any{"device": "router", "refund": 20},
		"assignee": "wang.fang", "team": "network", "region": "cn-north"}
	var tk ticketcore.Ticket
	c.call(201, agent, post, tickets, tickets, full).json(t, &tk)
	c.call(201, agent, post, tickets, tickets, ticketBody(), "Idempotency-Key", "conform-1")
	if r := c.call(201, agent, post, tickets, tickets, ticketBody(), "Idempotency-Key", "conform-1"); r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay lacks Idempotent-Replayed: true")
	}
	other := ticketBody()
	other["subject"] = "another request"
	c.call(422, agent, post, tickets, tickets, other, "Idempotency-Key", "conform-1")
	c.call(400, agent, post, tickets, tickets, ticketBody(), "Idempotency-Key", strings.Repeat("k", 201))
	c.call(403, reviewer, post, tickets, tickets, ticketBody())
	c.call(400, agent, post, tickets, tickets, `{"subject": `)
	c.call(422, agent, post, tickets, tickets, map[string]any{"subject": "no customer"})
	c.call(415, agent, post, tickets, tickets, `{}`, "Content-Type", "application/x-www-form-urlencoded")
	c.call(413, agent, post, tickets, tickets, `{"subject": "`+strings.Repeat("a", 3<<20)+`"}`)
	var mine ticketcore.Ticket
	c.call(201, client, post, tickets, tickets, ticketBody()).json(t, &mine)

	var page ticketcore.ListPage
	c.call(200, agent, get, tickets, tickets+"?status=new,open&status=pending&sort=-updated_at&limit=1", nil).json(t, &page)
	if page.NextCursor == "" {
		t.Errorf("a page of 1 out of several lacks next_cursor")
	}
	c.call(200, agent, get, tickets, tickets+"?status=new,open&status=pending&sort=-updated_at&limit=1&cursor="+page.NextCursor, nil)
	c.call(200, reviewer, get, tickets, fmt.Sprintf("%s?team=network&assignee=wang.fang&priority=P1&customer=%d&q=Wi-Fi", tickets, tk.Customer.ID), nil)
	c.call(200, client, get, tickets, tickets, nil)
	c.call(400, agent, get, tickets, tickets+"?limit=ten", nil)
	c.call(422, agent, get, tickets, tickets+"?sort=colour", nil)
	c.call(422, agent, get, tickets, tickets+"?cursor=garbage", nil)
	c.call(401, anon, get, tickets, tickets, nil)

	ticket := "/api/v1/tickets/{id}"
	path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
	c.call(200, reviewer, get, ticket, path, nil)
	c.call(400, agent, get, ticket, "/api/v1/tickets/abc", nil)
	c.call(404, agent, get, ticket, "/api/v1/tickets/999999", nil)
	c.call(404, client, get, ticket, path, nil)
	c.call(428, agent, patch, ticket, path, map[string]any{"team": "billing"})
	c.call(200, agent, patch, ticket, path, map[string]any{"team": "billing", "tags": []string{"wifi"}, "sla_breached": true,
		"custom_fields": map[string]any{"device": nil, "refund": 25}}, "If-Match", `W/"1"`)
	c.call(409, agent, patch, ticket, path, map[string]any{"team": "network"}, "If-Match", `"1"`)
	c.call(400, agent, patch, ticket, path, map[string]any{"team": "network"}, "If-Match", "latest")
	c.call(400, agent, patch, ticket, path, map[string]any{"status": "open"}, "If-Match", "2")
	c.call(422, agent, patch, ticket, path, map[string]any{"channel": "pigeon"}, "If-Match", "2")
	c.call(403, reviewer, patch, ticket, path, map[string]any{"team": "network"}, "If-Match", "2")
	c.call(404, agent, patch, ticket, "/api/v1/tickets/999999", map[string]any{"team": "network"}, "If-Match", "1")

	transitions := "/api/v1/tickets/{id}/transitions"
	c.call(200, agent, post, transitions, path+"/transitions", map[string]any{"to": "pending", "pending_reason": "waiting_on_customer",
		"comment": "asked for router logs"}, "If-Match", "2")
	c.call(409, agent, post, transitions, path+"/transitions", map[string]any{"to": "open"}, "If-Match", "2")
	c.call(422, agent, post, transitions, path+"/transitions", map[string]any{"to": "new"})
	c.call(422, agent, post, transitions, path+"/transitions", map[string]any{})
	c.call(200, manager, post, transitions, path+"/transitions", map[string]any{"to": "resolved", "resolution": "firmware update"})
	c.call(200, agent, post, transitions, path+"/transitions", map[string]any{"to": "open"})
	c.call(403, client, post, transitions, fmt.Sprintf("/api/v1/tickets/%d/transitions", mine.ID), map[string]any{"to": "open"})

	comments := "/api/v1/tickets/{id}/comments"
	c.call(201, agent, post, comments, path+"/comments", map[string]any{"body": "Please update the firmware."})
	c.call(201, agent, post, comments, path+"/comments", map[string]any{"body": "Customer is a reseller.", "public": false})
	c.call(201, client, post, comments, fmt.Sprintf("/api/v1/tickets/%d/comments", mine.ID), map[string]any{"body": "Any news?", "public": true})
	c.call(403, client, post, comments, fmt.Sprintf("/api/v1/tickets/%d/comments", mine.ID), map[string]any{"body": "x", "public": false})
	c.call(404, client, post, comments, path+"/comments", map[string]any{"body": "x"})
	c.call(422, agent, post, comments, path+"/comments", map[string]any{"body": " "})

	links := "/api/v1/tickets/{id}/links"
	var second ticketcore.Ticket
	c.call(201, agent, post, tickets, tickets, ticketBody()).json(t, &second)
	linked := c.call(201, agent, post, links, path+"/links", map[string]any{"type": "duplicate_of", "ticket_id": second.ID})
	c.call(201, manager, post, links, path+"/links", map[string]any{"type": "related_to", "ticket_id": mine.ID}, "If-Match", linked.Header.Get("ETag"))
	c.call(409, agent, post, links, path+"/links", map[string]any{"type": "related_to", "ticket_id": second.ID}, "If-Match", linked.Header.Get("ETag"))
	c.call(422, agent, post, links, path+"/links", map[string]any{"type": "blocks", "ticket_id": second.ID})
	c.call(422, agent, post, links, path+"/links", map[string]any{"type": "related_to", "ticket_id": 999999})
	c.call(422, agent, post, links, fmt.Sprintf("/api/v1/tickets/%d/links", second.ID), map[string]any{"type": "caused_by", "ticket_id": tk.ID})
	c.call(400, agent, post, links, path+"/links", `{"type": "related_to", "ticket_id": "17"}`)
	c.call(400, agent, post, links, path+"/links", `{"type": "related_to", "ticket": 17}`)
	c.call(404, agent, post, links, "/api/v1/tickets/999999/links", map[string]any{"type": "related_to", "ticket_id": tk.ID})
	c.call(403, reviewer, post, links, path+"/links", map[string]any{"type": "related_to", "ticket_id": second.ID})
	c.call(403, client, post, links, fmt.Sprintf("/api/v1/tickets/%d/links", mine.ID), map[string]any{"type": "related_to", "ticket_id": second.ID})
	unlink := fmt.Sprintf("%s/links?type=related_to&ticket_id=%d", path, mine.ID)
	c.call(200, agent, del, links, unlink, nil)
	c.call(404, agent, del, links, unlink, nil)
	c.call(422, agent, del, links, path+"/links?type=blocks&ticket_id=1", nil)
	c.call(422, agent, del, links, path+"/links?type=related_to", nil)
	c.call(400, agent, del, links, path+"/links?type=related_to&ticket_id=seventeen", nil)
	c.call(409, agent, del, links, fmt.Sprintf("%s/links?type=duplicate_of&ticket_id=%d", path, second.ID), nil, "If-Match", `"1"`)
	c.call(403, client, del, links, unlink, nil)

	csat := "/api/v1/tickets/{id}/csat"
	c.call(422, agent, put, csat, path+"/csat", map[string]any{"score": 4}) // still open
	c.call(200, agent, post, transitions, path+"/transitions", map[string]any{"to": "resolved", "resolution": "firmware update"})
	phoneCall := tk.CreatedAt.In(time.FixedZone("", 8*3600)).Format(time.RFC3339Nano) // a time zone other than UTC
	c.call(200, agent, put, csat, path+"/csat", map[string]any{"score": 4, "comment": "快 / quick", "at": phoneCall})
	c.call(200, manager, put, csat, path+"/csat", map[string]any{"score": 5})
	c.call(409, agent, put, csat, path+"/csat", map[string]any{"score": 3}, "If-Match", `"2"`)
	c.call(422, agent, put, csat, path+"/csat", map[string]any{"score": 9})
	c.call(422, agent, put, csat, path+"/csat", map[string]any{"score": 3, "at": "2999-01-01T00:00:00Z"})
	c.call(400, agent, put, csat, path+"/csat", map[string]any{"score": "4"})
	c.call(400, agent, put, csat, path+"/csat", map[string]any{"score": 4, "at": "yesterday"})
	c.call(400, agent, put, csat, path+"/csat", map[string]any{"score": 4, "stars": 4})
	c.call(404, agent, put, csat, "/api/v1/tickets/999999/csat", map[string]any{"score": 4})
	c.call(404, client, put, csat, path+"/csat", map[string]any{"score": 4})
	c.call(403, reviewer, put, csat, path+"/csat", map[string]any{"score": 4})
	minePath := fmt.Sprintf("/api/v1/tickets/%d", mine.ID)
	c.call(422, client, put, csat, minePath+"/csat", map[string]any{"score": 4})
	c.call(200, agent, post, transitions, minePath+"/transitions", map[string]any{"to": "closed"})
	c.call(200, client, put, csat, minePath+"/csat", map[string]any{"score": 2, "comment": "took a while"})

	history := "/api/v1/tickets/{id}/history"
	c.call(200, reviewer, get, history, path+"/history", nil)
	c.call(403, client, get, history, path+"/history", nil)
	c.call(404, agent, get, history, "/api/v1/tickets/999999/history", nil)

	evs := "/api/v1/events"
	c.call(200, manager, get, evs, evs+"?after=0&limit=1000", nil)
	c.call(200, admin, get, evs, evs+"?after=999999", nil)
	c.call(422, manager, get, evs, evs+"?after=-1", nil)
	c.call(400, manager, get, evs, evs+"?after=first", nil)
	c.call(403, agent, get, evs, evs, nil)

	customer := "/api/v1/customers/{id}"
	c.call(200, agent, get, customer, fmt.Sprintf("/api/v1/customers/%d?limit=5", tk.Customer.ID), nil)
	c.call(400, agent, get, customer, fmt.Sprintf("/api/v1/customers/%d?limit=0", tk.Customer.ID), nil)
	c.call(404, agent, get, customer, "/api/v1/customers/999999", nil)
	c.call(403, reviewer, get, customer, fmt.Sprintf("/api/v1/customers/%d", tk.Customer.ID), nil)

	users := "/api/v1/users"
	c.call(200, admin, get, users, users, nil)
	var bot auth.User
	c.call(201, admin, post, users, users, map[string]any{"login": "shop-bot", "name": "Shop bot", "email": "bot@example.com", "role": "client"}).json(t, &bot)
	c.call(201, admin, post, users, users, map[string]any{"login": "zhang.min", "role": "agent", "password": "long enough"})
	c.call(422, admin, post, users, users, map[string]any{"login": "shop-bot", "role": "client"})
	c.call(403, manager, get, users, users, nil)

	tokens := "/api/v1/users/{id}/tokens"
	tokensPath := fmt.Sprintf("/api/v1/users/%d/tokens", bot.ID)
	var created struct {
		Meta auth.Token `json:"meta"`
	}
	c.call(201, admin, post, tokens, tokensPath, map[string]any{"name": "shop integration"}).json(t, &created)
	c.call(200, admin, get, tokens, tokensPath, nil)
	c.call(404, admin, post, tokens, "/api/v1/users/999999/tokens", map[string]any{"name": "x"})
	c.call(422, admin, post, tokens, tokensPath, map[string]any{"name": ""})
	c.call(400, admin, get, tokens, "/api/v1/users/abc/tokens", nil)
	token := "/api/v1/users/{id}/tokens/{token_id}"
	c.call(204, admin, del, token, fmt.Sprintf("%s/%d", tokensPath, created.Meta.ID), nil)
	c.call(200, admin, get, tokens, tokensPath, nil) // now with revoked_at
	c.call(404, admin, del, token, fmt.Sprintf("%s/%d", tokensPath, created.Meta.ID+1000), nil)

	e.notifyUsers(notify.KindAssignment, tk.ID, "Ticket assigned to you", agent, manager)
	e.notifyUsers(notify.KindMention, tk.ID, "wang.fang mentioned you", agent)
	sla := notify.Message{Kind: notify.KindSLABreach, TicketID: tk.ID, Title: "First reply overdue", Body: "Due 10:00, now 10:05.",
		UserIDs: []int64{e.users[agent].ID}}
	if _, err := e.notes.Notify(context.Background(), sla); err != nil {
		t.Fatal(err)
	}
	notifications := "/api/v1/notifications"
	var notes notify.Page
	c.call(200, agent, get, notifications, notifications+"?limit=2", nil).json(t, &notes)
	if len(notes.Notifications) != 2 || notes.NextCursor == "" || notes.Unread != 3 {
		t.Errorf("first page of notifications: %+v", notes)
	}
	c.call(200, agent, get, notifications, notifications+"?unread=true&limit=2&cursor="+notes.NextCursor, nil)
	c.call(200, reviewer, get, notifications, notifications, nil)
	c.call(400, agent, get, notifications, notifications+"?unread=maybe", nil)
	c.call(400, agent, get, notifications, notifications+"?limit=ten", nil)
	c.call(422, agent, get, notifications, notifications+"?limit=500", nil)
	c.call(422, agent, get, notifications, notifications+"?cursor=garbage", nil)
	c.call(403, client, get, notifications, notifications, nil)
	c.call(401, anon, get, notifications, notifications, nil)

	read := "/api/v1/notifications/{id}/read"
	c.call(204, agent, post, read, fmt.Sprintf("%s/%d/read", notifications, notes.Notifications[0].ID), nil)
	c.call(200, agent, get, notifications, notifications, nil) // now with read_at
	c.call(404, manager, post, read, fmt.Sprintf("%s/%d/read", notifications, notes.Notifications[0].ID), nil)
	c.call(400, agent, post, read, notifications+"/abc/read", nil)
	c.call(403, client, post, read, fmt.Sprintf("%s/%d/read", notifications, notes.Notifications[0].ID), nil)

	readAll := "/api/v1/notifications/read-all"
	c.call(200, agent, post, readAll, readAll, map[string]any{"up_to_id": notes.Notifications[0].ID})
	c.call(200, manager, post, readAll, readAll, map[string]any{})
	c.call(400, agent, post, readAll, readAll, map[string]any{"up_to": 1})
	c.call(422, agent, post, readAll, readAll, map[string]any{"up_to_id": -1})
	c.call(415, agent, post, readAll, readAll, `{}`, "Content-Type", "text/plain")
	c.call(403, client, post, readAll, readAll, map[string]any{})

	webhooks := "/api/v1/webhooks"
	var hook struct {
		Endpoint notify.Endpoint `json:"endpoint"`
	}
	c.call(201, admin, post, webhooks, webhooks, map[string]any{"url": "https://hooks.example.com/deskmine", "kinds": []string{"assignment", "sla_breach"},
		"active": true}).json(t, &hook)
	c.call(201, admin, post, webhooks, webhooks, map[string]any{"url": "http://10.1.2.3:9000/in"})
	c.call(422, admin, post, webhooks, webhooks, map[string]any{"url": "ftp://example.com/in", "kinds": []string{"birthday"}})
	c.call(400, admin, post, webhooks, webhooks, map[string]any{"url": "https://example.com/in", "secret": "chosen-by-me-0123"})
	c.call(403, manager, post, webhooks, webhooks, map[string]any{"url": "https://example.com/in"})
	c.call(200, admin, get, webhooks, webhooks, nil)
	c.call(403, agent, get, webhooks, webhooks, nil)

	webhook := "/api/v1/webhooks/{id}"
	hookPath := fmt.Sprintf("%s/%d", webhooks, hook.Endpoint.ID)
	c.call(200, admin, put, webhook, hookPath, map[string]any{"url": "https://hooks.example.com/v2", "kinds": []string{"mention"}, "active": false})
	c.call(200, admin, put, webhook, hookPath, map[string]any{"url": "https://hooks.example.com/v2"})
	c.call(422, admin, put, webhook, hookPath, map[string]any{"url": ""})
	c.call(400, admin, put, webhook, webhooks+"/abc", map[string]any{"url": "https://example.com/in"})
	c.call(404, admin, put, webhook, webhooks+"/999999", map[string]any{"url": "https://example.com/in"})
	c.call(403, manager, put, webhook, hookPath, map[string]any{"url": "https://example.com/in"})

	rotate := "/api/v1/webhooks/{id}/rotate-secret"
	c.call(200, admin, post, rotate, hookPath+"/rotate-secret", nil)
	c.call(404, admin, post, rotate, webhooks+"/999999/rotate-secret", nil)
	c.call(400, admin, post, rotate, webhooks+"/0/rotate-secret", nil)
	c.call(403, reviewer, post, rotate, hookPath+"/rotate-secret", nil)

	c.call(204, admin, del, webhook, hookPath, nil)
	c.call(404, admin, del, webhook, hookPath, nil)
	c.call(400, admin, del, webhook, webhooks+"/abc", nil)
	c.call(403, manager, del, webhook, hookPath, nil)
}

// TestAPIGuideRoleMatrix keeps the role table of docs/api.md equal to
// expectedRoles, the matrix TestRoleMatrix checks against the server.
func TestAPIGuideRoleMatrix(t *testing.T) {
	raw, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([A-Z]+) (/[^`]*)` \\|(.*)\\|$")
	param := regexp.MustCompile(`\{([^}]+)\}`)
	roleColumns := []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleAgent, auth.RoleReviewer, auth.RoleClient}
	documented := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := m[1] + " " + param.ReplaceAllString(m[2], ":$1")
		cells := strings.Split(m[3], "|")
		if len(cells) != len(roleColumns) {
			t.Errorf("docs/api.md: %s has %d role cells, want %d", key, len(cells), len(roleColumns))
			continue
		}
		var allowed []string
		public := 0
		for i, c := range cells {
			switch strings.TrimSpace(c) {
			case "public":
				public++
			case "✓":
				allowed = append(allowed, string(roleColumns[i]))
			case "—":
			default:
				t.Errorf("docs/api.md: %s: cell %q is not ✓, — or public", key, c)
			}
		}
		switch {
		case public == len(cells):
			documented[key] = "public"
		case public > 0:
			t.Errorf("docs/api.md: %s is public for some roles only", key)
		default:
			documented[key] = strings.Join(allowed, " ")
		}
	}
	for k, want := range expectedRoles {
		if got, ok := documented[k]; !ok {
			t.Errorf("docs/api.md: the role matrix lacks %s", k)
		} else if got != want {
			t.Errorf("docs/api.md: %s is %q, the matrix says %q", k, got, want)
		}
	}
	for k := range documented {
		if _, ok := expectedRoles[k]; !ok {
			t.Errorf("docs/api.md: %s is not a route", k)
		}
	}
}
