package desk

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
)

// Sort is the order of a list.
type Sort string

const (
	// ByDue: tickets not closed first, the earliest due first (so the
	// overdue lead), then the closed ones.
	ByDue    Sort = "due"
	ByNewest Sort = "newest"
	ByOldest Sort = "oldest"
)

// Filter selects tickets. Zero fields select everything.
type Filter struct {
	Owner    Owner    // only this owner's (members and customers)
	State    string   // open, assigned, waiting, closed, escalated (not closed), or "" for any
	Category Category // "" for any
	Assignee string
	Overdue  bool   // only overdue ones
	Query    string // a ticket number, a member code or part of the subject
	Sort     Sort
	Cursor   string // a Page.Next, "" for the first page
	Limit    int
}

// Page is a page of tickets.
type Page struct {
	Items []Ticket `json:"items"`
	// Next is the cursor of the following page, "" at the end.
	Next string `json:"next,omitempty"`
}

// List returns a page of tickets by f (without their histories).
func List(ctx context.Context, q ledger.Querier, f Filter) (Page, error) {
	now := clock.Now(ctx)
	if f.Limit <= 0 {
		f.Limit = 50
	}
	// The keyset: (rank, at, id), ascending or descending.
	rank, at, desc := `0::int`, `t.opened_at`, false
	switch f.Sort {
	case "", ByDue:
		f.Sort, rank, at = ByDue, `(t.state = 'closed')::int`, `t.due_at`
	case ByNewest:
		desc = true
	case ByOldest:
	default:
		return Page{}, fmt.Errorf("%w: sort %q must be due, newest or oldest", ledger.ErrInvalid, f.Sort)
	}
	var where []string
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Owner.Member != 0 {
		where = append(where, `t.member_id = `+arg(f.Owner.Member))
	}
	if f.Owner.Customer != 0 {
		where = append(where, `t.customer_id = `+arg(f.Owner.Customer))
	}
	switch f.State {
	case "":
	case "escalated":
		where = append(where, `t.escalated AND t.state <> 'closed'`)
	case string(StateOpen), string(StateAssigned), string(StateWaiting), string(StateClosed):
		where = append(where, `t.state = `+arg(f.State))
	default:
		return Page{}, fmt.Errorf("%w: state %q must be open, assigned, waiting, escalated or closed", ledger.ErrInvalid, f.State)
	}
	if f.Category != "" {
		if !f.Category.valid() {
			return Page{}, fmt.Errorf("%w: category %q must be one of complaint, quality, delivery, bonus, account, other", ledger.ErrInvalid, f.Category)
		}
		where = append(where, `t.category = `+arg(f.Category))
	}
	if f.Assignee != "" {
		where = append(where, `t.assignee = `+arg(f.Assignee))
	}
	if f.Overdue {
		where = append(where, `t.state <> 'closed' AND t.due_at < `+arg(now))
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		cond := `(m.code = ` + arg(strings.ToUpper(s)) + ` OR t.subject ILIKE ` + arg("%"+likeEscape(s)+"%")
		if id, ok := ParseNo(s); ok {
			cond += ` OR t.id = ` + arg(id)
		}
		where = append(where, cond+`)`)
	}
	cmp, dir := ">", "ASC"
	if desc {
		cmp, dir = "<", "DESC"
	}
	if f.Cursor != "" {
		r, ts, id, err := parseCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		where = append(where, fmt.Sprintf(`(%s, %s, t.id) %s (%s, %s, %s)`, rank, at, cmp, arg(r), arg(ts), arg(id)))
	}
	sql := `SELECT ` + ticketCols + `, ` + rank + `, ` + at + ticketFrom
	if len(where) > 0 {
		sql += ` WHERE ` + strings.Join(where, ` AND `)
	}
	sql += fmt.Sprintf(` ORDER BY %s %s, %s %s, t.id %s LIMIT %s`, rank, dir, at, dir, dir, arg(f.Limit+1))
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return Page{}, err
	}
	type row struct {
		t    Ticket
		rank int
		at   time.Time
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		var err error
		x.t, err = scanTicket(r, now, &x.rank, &x.at)
		return x, err
	})
	if err != nil {
		return Page{}, err
	}
	out := Page{Items: make([]Ticket, 0, len(rs))}
	for i, x := range rs {
		if i == f.Limit {
			last := rs[i-1]
			out.Next = fmt.Sprintf("%d.%d.%d", last.rank, last.at.UnixMicro(), last.t.ID)
			break
		}
		out.Items = append(out.Items, x.t)
	}
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func parseCursor(s string) (int, time.Time, int64, error) {
	p := strings.Split(s, ".")
	bad := fmt.Errorf("%w: cursor %q is not one this list gave out", ledger.ErrInvalid, s)
	if len(p) != 3 {
		return 0, time.Time{}, 0, bad
	}
	r, err1 := strconv.Atoi(p[0])
	us, err2 := strconv.ParseInt(p[1], 10, 64)
	id, err3 := strconv.ParseInt(p[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, time.Time{}, 0, bad
	}
	return r, time.UnixMicro(us).UTC(), id, nil
}
