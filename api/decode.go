package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// maxString is the longest string accepted in a body, a path or a query.
const maxString = 4096

// decodeJSON reads the body of c into v: JSON only, at most MaxBody bytes,
// no unknown fields, one value, no NUL characters, numbers of sane size. An
// empty body decodes as {}.
func decodeJSON(c *gin.Context, v any) error {
	r := c.Request
	if r.ContentLength > MaxBody {
		return errStatus(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body has %d bytes; at most %d are accepted", r.ContentLength, MaxBody))
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errStatus(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes", MaxBody))
		}
		return errStatus(http.StatusBadRequest, "could not read the body: "+err.Error())
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	} else if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return errStatus(http.StatusUnsupportedMediaType, fmt.Sprintf("send the body as application/json, not %q", ct))
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errStatus(http.StatusBadRequest, describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errStatus(http.StatusBadRequest, "the body must hold exactly one JSON object; there is more after it")
	}
	if err := checkValues(reflect.ValueOf(v), ""); err != nil {
		return errStatus(http.StatusUnprocessableEntity, err.Error())
	}
	return nil
}

func describeJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("the body is not valid JSON (at byte %d): %v", se.Offset, se)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %q must be a %s, not a JSON %s", te.Field, jsonKind(te.Type), te.Value)
		}
		return fmt.Sprintf("the body must be a JSON object, not a %s", te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is truncated JSON"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("unknown field %s; see /api/v1/openapi.json for the fields this route takes", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return "the body could not be read as this route's JSON: " + strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(t reflect.Type) string {
	if t == reflect.TypeFor[decimal.Decimal]() {
		return "decimal number (e.g. \"12.50\")"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "whole number in range"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return t.String()
}

var decimalType = reflect.TypeFor[decimal.Decimal]()

// checkValues walks a decoded request: strings must be valid UTF-8 without
// NUL and not too long; decimals must have a sane number of digits.
func checkValues(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkValues(v.Elem(), path)
	case reflect.String:
		return checkString(path, v.String())
	case reflect.Slice, reflect.Array:
		if v.Len() > 1000 {
			return fmt.Errorf("%s has %d entries; at most 1000 are accepted", path, v.Len())
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkValues(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if v.Type() == decimalType {
			d := v.Interface().(decimal.Decimal)
			if d.Exponent() < -12 || d.NumDigits()+int(d.Exponent()) > 18 {
				return fmt.Errorf("%s: %s has too many digits; amounts take at most 16 digits before the point and 2 after", path, abbreviate(d.String()))
			}
			return nil
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
			if name == "" {
				name = t.Field(i).Name
			}
			if path != "" {
				name = path + "." + name
			}
			// A field may take longer text than maxString (a plan document).
			if n, err := strconv.Atoi(t.Field(i).Tag.Get("maxlen")); err == nil && v.Field(i).Kind() == reflect.String {
				if err := checkStringMax(name, v.Field(i).String(), n); err != nil {
					return err
				}
				continue
			}
			if err := checkValues(v.Field(i), name); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkString(name, s string) error { return checkStringMax(name, s, maxString) }

func checkStringMax(name, s string, max int) error {
	if name == "" {
		name = "a value"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s contains a NUL character, which no field accepts", name)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", name)
	}
	if len(s) > max {
		return fmt.Errorf("%s is %d bytes long; at most %d are accepted", name, len(s), max)
	}
	return nil
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:20] + "..." + s[len(s)-10:]
	}
	return s
}
