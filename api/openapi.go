package api

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode"
)

// OpenAPI builds the OpenAPI 3 document of the route table.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{schemas: map[string]any{}, names: map[reflect.Type]string{}}
	paths := map[string]any{}
	for _, rt := range s.Routes() {
		item, _ := paths["/api/v1"+rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths["/api/v1"+rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = g.operation(rt)
	}
	g.schema(reflect.TypeFor[Problem](), false)
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "Downline API",
			"version": "1",
			"description": "Downline's HTTP API. Sign in with POST /api/v1/auth/login and send Authorization: Bearer TOKEN " +
				"(or use the session cookie, with the X-CSRF-Token header on writes). Errors are application/problem+json. " +
				"Members see only themselves and their downline, agencies only their own stock, orders and statements; anything " +
				"else answers 404. POSTs that move money or stock take an Idempotency-Key header: when an answer is lost or cut " +
				"short (a timeout, a dropped connection, a 503), send the same request again with the same key, which returns " +
				"the first result if it was done (never doing it twice) and does it if it was not.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
			"responses": problemResponses(),
		},
	}
}

func (s *Server) openAPIHandler(c *call) (any, error) { return s.OpenAPI(), nil }

var problemStatuses = []int{400, 401, 403, 404, 409, 413, 415, 422, 429}

func problemResponses() map[string]any {
	out := map[string]any{}
	for _, st := range problemStatuses {
		out[fmt.Sprint(st)] = map[string]any{
			"description": titles[st],
			"content":     map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
		}
	}
	return out
}

func (g *schemaGen) operation(rt Route) map[string]any {
	op := map[string]any{
		"summary":     rt.Summary,
		"tags":        []any{rt.Tag},
		"operationId": operationID(rt),
	}
	var params []any
	for _, p := range pathParams(rt.Path) {
		params = append(params, map[string]any{"name": p, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, p := range rt.Query {
		params = append(params, map[string]any{"name": p.Name, "in": "query", "description": p.Description, "schema": map[string]any{"type": p.Type}})
	}
	if rt.Idem != NoKey {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": rt.Idem == KeyRequired,
			"description": "a unique string per request; a retry with the same key and body returns the first result, " +
				"also when the first answer was lost after the work was done, and does the work when it was not",
			"schema": map[string]any{"type": "string", "maxLength": maxKey}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Upload != "" {
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "required": []any{rt.Upload},
				"properties": map[string]any{rt.Upload: map[string]any{"type": "string", "format": "binary"}}}}}}
	}
	if rt.Request != nil {
		op["requestBody"] = map[string]any{"required": false, "content": map[string]any{
			"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Request), true)}}}
	}
	status := rt.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	if rt.Produces != "" {
		ok["content"] = map[string]any{rt.Produces: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
	} else if rt.Response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.Response), false)}}
	} else if status != http.StatusNoContent {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
	}
	responses := map[string]any{fmt.Sprint(status): ok}
	for _, st := range problemStatuses {
		responses[fmt.Sprint(st)] = map[string]any{"$ref": fmt.Sprintf("#/components/responses/%d", st)}
	}
	op["responses"] = responses
	if rt.Public {
		op["security"] = []any{map[string]any{}, map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}}
	} else {
		op["security"] = []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}}
	}
	var rs []any
	for _, r := range rt.Roles {
		rs = append(rs, string(r))
	}
	op["x-roles"] = rs
	if rt.Public {
		op["x-public"] = true
	}
	return op
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, seg := range strings.Split(rt.Path, "/") {
		seg = strings.Trim(seg, "{}")
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
			rs := []rune(part)
			rs[0] = unicode.ToUpper(rs[0])
			b.WriteString(string(rs))
		}
	}
	return b.String()
}

type schemaGen struct {
	schemas map[string]any
	names   map[reflect.Type]string
}

var timeType = reflect.TypeFor[time.Time]()

func (g *schemaGen) schema(t reflect.Type, request bool) map[string]any {
	switch {
	case t == decimalType:
		return map[string]any{"type": "string", "format": "decimal", "example": "12.50", "description": "an exact decimal (a JSON number is accepted on input)"}
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == moneyType, t == volumeType:
		return map[string]any{"type": "string", "format": "decimal", "pattern": moneyPattern, "example": "1234.50",
			"description": "an amount of money: an exact decimal with two decimals"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.schema(t.Elem(), request)
		out := map[string]any{"nullable": true}
		for k, v := range s {
			out[k] = v
		}
		if ref, ok := s["$ref"]; ok {
			return map[string]any{"allOf": []any{map[string]any{"$ref": ref}}, "nullable": true}
		}
		return out
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Uint8:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), request)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), request)}
	case reflect.Struct:
		if t.NumField() == 0 {
			return map[string]any{"type": "object", "additionalProperties": false}
		}
		name := g.nameOf(t)
		if _, done := g.schemas[name]; !done {
			g.schemas[name] = map[string]any{} // placeholder against recursion
			props := map[string]any{}
			var required []string
			g.fields(t, request, props, &required)
			obj := map[string]any{"type": "object", "properties": props}
			if request {
				obj["additionalProperties"] = false
			}
			if len(required) > 0 {
				sort.Strings(required)
				obj["required"] = required
			}
			g.schemas[name] = obj
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) fields(t reflect.Type, request bool, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, skip := fieldName(f)
		if skip {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			g.fields(f.Type, request, props, required)
			continue
		}
		props[name] = g.schema(f.Type, request)
		optional := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") || f.Type.Kind() == reflect.Pointer
		if !optional {
			*required = append(*required, name)
		}
	}
}

// nameOf gives each Go type one schema name: the type's name, capitalised,
// prefixed with its package when two packages use the same name.
func (g *schemaGen) nameOf(t reflect.Type) string {
	if n, ok := g.names[t]; ok {
		return n
	}
	rs := []rune(t.Name())
	if len(rs) == 0 {
		rs = []rune("Object")
	}
	rs[0] = unicode.ToUpper(rs[0])
	name := string(rs)
	for other, n := range g.names {
		if n == name && other != t {
			pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
			name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
			break
		}
	}
	g.names[t] = name
	return name
}
