package plan

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/shopspring/decimal"
)

// Error is a plan that cannot be read or is invalid. It names the file, the line
// (0 when unknown), the key path and the offending value.
type Error struct {
	File string
	Line int
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	}
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "line %d", e.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ReadFile reads and validates the plan in the file at path.
func ReadFile(path string) (*Plan, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := Parse(src)
	if err != nil {
		if pe, ok := err.(*Error); ok {
			pe.File = path
		}
		return nil, err
	}
	return p, nil
}

// Parse reads and validates a plan document. Errors are *Error.
func Parse(src []byte) (p *Plan, err error) {
	// The YAML library is third-party code fed with user input: a panic in it must
	// become an error naming the plan, never a crash.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, &Error{Msg: fmt.Sprintf("not a valid YAML or JSON document (%v)", r)}
		}
	}()
	f, perr := parser.ParseBytes(src, 0)
	if perr != nil {
		return nil, &Error{Msg: "not a valid YAML or JSON document: " + firstLine(perr.Error())}
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			return nil, &Error{Line: line(d.Body), Msg: "more than one document"}
		}
		body = d.Body
	}
	if body == nil {
		return nil, &Error{Msg: "empty document"}
	}
	return decodePlan(body)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func line(n ast.Node) int {
	if n == nil {
		return 0
	}
	if t := n.GetToken(); t != nil && t.Position != nil {
		return t.Position.Line
	}
	return 0
}

// mapping is a YAML mapping, its keys in document order.
type mapping struct {
	path   string
	node   ast.Node
	keys   []string
	values []ast.Node
	lines  []int
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func asMapping(n ast.Node, path string) (*mapping, error) {
	n = unwrap(n)
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		return nil, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("%s is not a mapping", show(n))}
	}
	m := &mapping{path: path, node: n}
	for _, kv := range values {
		if kv == nil || kv.Key == nil {
			continue
		}
		k, ok := scalarText(kv.Key)
		if !ok {
			return nil, &Error{Line: line(kv.Key), Path: path, Msg: fmt.Sprintf("key %s is not a string", show(kv.Key))}
		}
		for _, prev := range m.keys {
			if prev == k {
				return nil, &Error{Line: line(kv.Key), Path: join(path, k), Msg: "duplicate key"}
			}
		}
		m.keys = append(m.keys, k)
		m.values = append(m.values, kv.Value)
		m.lines = append(m.lines, line(kv.Key))
	}
	return m, nil
}

// fields reads the mapping at path whose keys must be among known. An unknown
// key is reported before anything else of the mapping is read, with the known
// key it most likely stands for: a misspelt "levels" is an unknown key, not a
// missing "levels".
func fields(n ast.Node, path string, known ...string) (*mapping, error) {
	m, err := asMapping(n, path)
	if err != nil {
		return nil, err
	}
	for i, k := range m.keys {
		if !slices.Contains(known, k) {
			return nil, &Error{Line: m.lines[i], Path: join(path, k), Msg: "unknown key" + didYouMean(k, known, true)}
		}
	}
	return m, nil
}

// get returns the value of key, or nil when absent.
func (m *mapping) get(key string) ast.Node {
	for i, k := range m.keys {
		if k == key {
			if m.values[i] == nil {
				return &ast.NullNode{BaseNode: &ast.BaseNode{}}
			}
			return m.values[i]
		}
	}
	return nil
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

func asSequence(n ast.Node, path string) ([]ast.Node, error) {
	n = unwrap(n)
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		return nil, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("%s is not a list", show(n))}
	}
	return s.Values, nil
}

// scalarText returns the text of a plain or quoted scalar as written (numbers are
// never converted through float64).
func scalarText(n ast.Node) (string, bool) {
	n = unwrap(n)
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.IntegerNode, *ast.FloatNode:
		if t := v.GetToken(); t != nil {
			return t.Value, true
		}
	}
	return "", false
}

// show renders a node for an error message, shortened.
func show(n ast.Node) string {
	n = unwrap(n)
	if n == nil {
		return "nothing"
	}
	if _, ok := n.(*ast.NullNode); ok {
		return "null"
	}
	if s, ok := scalarText(n); ok {
		return strconv.Quote(short(s))
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	return strconv.Quote(short(strings.TrimSpace(n.String())))
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

var numberSyntax = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)

// parseDecimal reads an exact decimal; exponents are bounded so that a hostile
// plan cannot ask for a number with a billion digits.
func parseDecimal(s string) (decimal.Decimal, bool) {
	if !numberSyntax.MatchString(s) || len(s) > 80 {
		return decimal.Decimal{}, false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 40 || e < -40 {
			return decimal.Decimal{}, false
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, false
	}
	return d, true
}

func number(n ast.Node, path string) (decimal.Decimal, error) {
	s, ok := scalarText(n)
	if !ok {
		return decimal.Decimal{}, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("%s is not a number", show(n))}
	}
	d, ok := parseDecimal(s)
	if !ok {
		return decimal.Decimal{}, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("%q is not a number", short(s))}
	}
	return d, nil
}

var hundred = decimal.NewFromInt(100)

func percent(n ast.Node, path string) (decimal.Decimal, error) {
	d, err := number(n, path)
	if err != nil {
		return d, err
	}
	if d.Sign() < 0 || d.GreaterThan(hundred) {
		return d, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("%s is not a percentage in [0, 100]", d.String())}
	}
	return d, nil
}

func nonNegative(n ast.Node, path string) (decimal.Decimal, error) {
	d, err := number(n, path)
	if err != nil {
		return d, err
	}
	if d.Sign() < 0 {
		return d, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("%s is negative", d.String())}
	}
	return d, nil
}

// integer reads an integer in [lo, hi].
func integer(n ast.Node, path string, lo, hi int64, what string) (int64, error) {
	d, err := number(n, path)
	if err != nil {
		return 0, err
	}
	if !d.IsInteger() || d.LessThan(decimal.NewFromInt(lo)) || d.GreaterThan(decimal.NewFromInt(hi)) {
		return 0, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("%s is not %s", d.String(), what)}
	}
	return d.IntPart(), nil
}

func text(n ast.Node, path string) (string, error) {
	s, ok := scalarText(n)
	if !ok {
		return "", &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("%s is not a string", show(n))}
	}
	return s, nil
}
