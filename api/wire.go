package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"unicode"

	"github.com/shopspring/decimal"
)

// wire turns a response value into what is sent: the ledger's Go structs
// become JSON objects with snake_case keys (ExpiresAt -> expires_at), the
// one naming the whole API uses. Explicit json tags win; omitempty and
// omitzero are honoured; types that marshal themselves (decimals, times)
// are left to do so, except decimals: they are written as strings with at
// least two decimals ("239.00", "0.0075"), as money is everywhere else in
// the API, whatever scale a value happened to be computed at.
func wire(v any) any { return wireValue(reflect.ValueOf(v)) }

// decimalString is a decimal as the API writes it: exact, trailing zeros
// beyond the second decimal dropped, at least two decimals.
func decimalString(d decimal.Decimal) string {
	s := d.String()
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 >= 2 {
		return s
	}
	return d.StringFixed(2)
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

func wireValue(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Kind() == reflect.Pointer && v.Type().Elem() == decimalType {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Type() == decimalType {
		return decimalString(v.Interface().(decimal.Decimal))
	}
	if native(v.Type()) {
		return v.Interface()
	}
	if v.Type().Implements(marshalerType) {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return nil
		}
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return wireValue(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return []any{}
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Interface()
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = wireValue(v.Index(i))
		}
		return out
	case reflect.Map:
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[keyString(it.Key())] = wireValue(it.Value())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		wireStruct(v, out)
		return out
	}
	return v.Interface()
}

func keyString(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	b, _ := json.Marshal(k.Interface())
	return strings.Trim(string(b), `"`)
}

func wireStruct(v reflect.Value, out map[string]any) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, skip := fieldName(f)
		if skip {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			wireStruct(fv, out)
			continue
		}
		if (strings.Contains(opts, "omitempty") && isEmpty(fv)) || (strings.Contains(opts, "omitzero") && fv.IsZero()) {
			continue
		}
		out[name] = wireValue(fv)
	}
}

// fieldName is the wire name of a struct field.
func fieldName(f reflect.StructField) (name, opts string, skip bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", "", true
	}
	name, opts, _ = strings.Cut(tag, ",")
	if name == "" {
		name = snake(f.Name)
	}
	return name, opts, false
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return v.IsZero()
}

// snake turns a Go name into snake_case: SponsorCode -> sponsor_code,
// PV -> pv, HQConfirmedAt -> hq_confirmed_at, ID -> id.
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var nativeTypes sync.Map // reflect.Type -> bool

// native reports whether t already marshals as the API wants: every struct
// field in it, however deep, has an explicit json tag (the API's own view
// types). Those skip the conversion, which matters on hot pages.
func native(t reflect.Type) bool {
	if v, ok := nativeTypes.Load(t); ok {
		return v.(bool)
	}
	ok := nativeWalk(t, map[reflect.Type]*bool{})
	nativeTypes.Store(t, ok)
	return ok
}

// nativeWalk is native for t, met while walking the types in seen (true:
// answered; false: being walked). A type met again inside itself counts as
// native for the walk: a mark kept to the walk, never stored where
// concurrent callers could read it before the answer is known (a
// provisional answer in nativeTypes once sent a struct to encoding/json,
// Go field names and all, under concurrent first use). Only the walk's
// outermost answer is cached.
func nativeWalk(t reflect.Type, seen map[reflect.Type]*bool) bool {
	if v, ok := nativeTypes.Load(t); ok {
		return v.(bool)
	}
	if a, ok := seen[t]; ok {
		return a == nil || *a
	}
	seen[t] = nil
	ok := nativeUncached(t, seen)
	seen[t] = &ok
	return ok
}

func nativeUncached(t reflect.Type, seen map[reflect.Type]*bool) bool {
	if t == decimalType || t.Kind() == reflect.Pointer && t.Elem() == decimalType {
		return false // written by wireValue, with two decimals at least
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice {
			return false // a nil slice must become [], not null
		}
		return nativeWalk(t.Elem(), seen)
	case reflect.Map:
		return t.Key().Kind() == reflect.String && nativeWalk(t.Elem(), seen)
	case reflect.Interface:
		return false
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Tag.Get("json") == "" || !nativeWalk(f.Type, seen) {
				return false
			}
		}
	}
	return true
}
