package ledger

import "strings"

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Contains is an ILIKE or LIKE pattern matching q anywhere, its wildcards
// taken literally; "" when q is blank.
func Contains(q string) string {
	q = strings.TrimSpace(q)
	if q == "" {
		return ""
	}
	return "%" + likeEscaper.Replace(q) + "%"
}
