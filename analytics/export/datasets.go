package export

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Dataset is one kind of export: its columns, the filters it takes and the
// query behind it.
type Dataset struct {
	Name    string   `json:"name"`
	Doc     string   `json:"doc"`
	Filters []string `json:"filters"`
	Columns []Column `json:"columns"`
	// Lookups are queries of (id bigint, text) pairs, by name, for the
	// columns that look their text up (Column.Lookup).
	Lookups map[string]string `json:"-"`
	// sql builds the query; its columns are Columns, in order, each cast to
	// its kind's SQL type (money as bigint cents, see cents).
	sql func(ctx context.Context, tx pgx.Tx, q *query) (string, []any, error)
}

func (d *Dataset) takes(filter string) bool {
	for _, f := range d.Filters {
		if f == filter {
			return true
		}
	}
	return false
}

// The datasets' names.
const (
	Members    = "members"
	Links      = "links"
	Orders     = "orders"
	OrderLines = "order_lines"
	LotMoves   = "lot_moves"
	BonusLines = "bonus_lines"
)

// Lookup finds a dataset by name.
func Lookup(name string) (*Dataset, error) {
	for _, d := range Datasets {
		if d.Name == name {
			return d, nil
		}
	}
	names := make([]string, len(Datasets))
	for i, d := range Datasets {
		names[i] = d.Name
	}
	return nil, fmt.Errorf("%w: no dataset %q (there are %s)", ErrInvalid, name, strings.Join(names, ", "))
}

// cents is an amount of money in SQL as bigint cents, exactly: NULL (which
// fails the export, money columns being NOT NULL) rather than a rounded
// amount when it has more than two decimals.
func cents(x string) string {
	return "CASE WHEN (" + x + ")*100 = trunc((" + x + ")*100) THEN ((" + x + ")*100)::bigint END"
}

func col(name string, k Kind, nullable bool, doc string) Column {
	return Column{Name: name, Kind: k, Type: k.String(), Nullable: nullable, Doc: doc}
}

// day is the company-zone day of the moment column of, computed.
func day(name, of, doc string) Column {
	c := col(name, Date, false, doc)
	c.DayOf, c.Dict = of, true
	return c
}

// dict asks for dictionary encoding in Parquet (few distinct values).
func dict(c Column) Column {
	c.Dict = true
	return c
}

// lookup is a text column the query gives as an id of the named lookup.
func lookup(name, from string, nullable bool, doc string) Column {
	c := col(name, Text, nullable, doc)
	c.Lookup, c.Dict = from, true
	return c
}

// Datasets are every dataset, in the order they are offered.
var Datasets = []*Dataset{
	{
		Name:    Members,
		Doc:     "Every member who joined in the range (all without one), by id. Phone numbers stay in Downline.",
		Filters: []string{"from", "to"},
		Columns: []Column{
			col("member_id", Int64, false, "the member's id in the ledger"),
			col("code", Text, false, "the member's code (CN0000001)"),
			col("name", Text, false, "the member's name"),
			dict(col("lang", Text, false, "the member's language: zh-CN or en")),
			dict(col("status", Text, false, "active, suspended or terminated (now)")),
			col("joined_at", Time, false, "when the member joined"),
			day("joined_on", "joined_at", "the day the member joined, in the company zone"),
		},
		sql: func(ctx context.Context, tx pgx.Tx, q *query) (string, []any, error) {
			var args []any
			return `SELECT id, code, name, lang, status, joined_at
				FROM members WHERE true` + q.between("joined_at", &args) + ` ORDER BY id`, args, nil
		},
	},
	{
		Name: Links,
		Doc: "Both trees as they stood at as_of (default now): every member who had joined by then with its sponsor " +
			"and its placement parent and leg; moves made later are undone from the move history.",
		Filters: []string{"as_of"},
		Columns: []Column{
			col("member_id", Int64, false, "the member's id"),
			col("member_code", Text, false, "the member's code"),
			col("sponsor_id", Int64, true, "the sponsor's id (null: a root of the sponsor tree)"),
			col("sponsor_code", Text, true, "the sponsor's code"),
			col("placement_parent_id", Int64, true, "the placement parent's id (null: a root of the placement tree)"),
			col("placement_parent_code", Text, true, "the placement parent's code"),
			dict(col("placement_side", Text, true, "the leg under the placement parent: L or R")),
			col("as_of", Time, false, "the moment the links are those of"),
		},
		sql: func(ctx context.Context, tx pgx.Tx, q *query) (string, []any, error) {
			// The first move after as_of of each member and tree holds
			// where it was before: its link at as_of.
			return `WITH mv AS (
					SELECT DISTINCT ON (member_id, tree) member_id, tree, from_parent_id, from_side
					FROM member_moves WHERE moved_at > $1 ORDER BY member_id, tree, moved_at, id),
				l AS (
					SELECT m.id, m.code,
						CASE WHEN ms.member_id IS NULL THEN m.sponsor_id ELSE ms.from_parent_id END AS sponsor,
						CASE WHEN mp.member_id IS NULL THEN m.placement_parent_id ELSE mp.from_parent_id END AS parent,
						CASE WHEN mp.member_id IS NULL THEN m.placement_side ELSE mp.from_side END AS side
					FROM members m
					LEFT JOIN mv ms ON ms.member_id = m.id AND ms.tree = 'sponsor'
					LEFT JOIN mv mp ON mp.member_id = m.id AND mp.tree = 'placement'
					WHERE m.joined_at <= $1)
				SELECT l.id, l.code, l.sponsor, s.code, l.parent, p.code, l.side::text, $1::timestamptz
				FROM l LEFT JOIN members s ON s.id = l.sponsor LEFT JOIN members p ON p.id = l.parent
				ORDER BY l.id`, []any{q.asOf}, nil
		},
	},
	{
		Name:    Orders,
		Doc:     "Orders placed in the range (period: a month YYYY-MM; from/to: dates, inclusive; all without one), by id. Customers' names and phones stay in Downline.",
		Filters: []string{"period", "from", "to"},
		Columns: []Column{
			col("order_id", Int64, false, "the order's id"),
			col("order_no", Text, false, "the order number (SO000000001)"),
			dict(col("kind", Text, false, "registration, repeat, shop or agency")),
			dict(col("status", Text, false, "placed, paid, confirmed, shipped, delivered or cancelled (now)")),
			col("member_code", Text, true, "the buying member (registration and repeat orders)"),
			dict(col("buyer_agency_code", Text, true, "the buying agency (agency orders)")),
			dict(col("seller_agency_code", Text, true, "the agency that sold it, if one did")),
			dict(col("warehouse_code", Text, false, "the warehouse it ships from")),
			col("total", Money, false, "the amount, in yuan"),
			col("pv", Money, false, "its point value"),
			col("bv", Money, false, "its business value"),
			col("placed_at", Time, false, "when it was placed"),
			day("placed_on", "placed_at", "the day it was placed, in the company zone"),
			col("paid_at", Time, true, "when its payment was recorded"),
			col("confirmed_at", Time, true, "when finance confirmed its payment"),
			col("shipped_at", Time, true, "when it was shipped"),
			col("delivered_at", Time, true, "when it was delivered"),
			col("cancelled_at", Time, true, "when it was cancelled"),
		},
		sql: func(ctx context.Context, tx pgx.Tx, q *query) (string, []any, error) {
			var args []any
			return `SELECT o.id, o.order_no, o.kind, o.status, m.code, ba.code, sa.code, w.code,
					` + cents("o.total") + `, ` + cents("o.pv") + `, ` + cents("o.bv") + `,
					o.placed_at, o.paid_at, o.confirmed_at, o.shipped_at, o.delivered_at, o.cancelled_at
				FROM orders o
				LEFT JOIN members m ON m.id = o.member_id
				LEFT JOIN agencies ba ON ba.id = o.buyer_agency_id
				LEFT JOIN agencies sa ON sa.id = o.seller_agency_id
				JOIN warehouses w ON w.id = o.warehouse_id
				WHERE true` + q.between("o.placed_at", &args) + ` ORDER BY o.id`, args, nil
		},
	},
	{
		Name:    OrderLines,
		Doc:     "The lines of the orders placed in the range (as orders), by order id and line number.",
		Filters: []string{"period", "from", "to"},
		Columns: []Column{
			col("order_id", Int64, false, "the order's id"),
			col("order_no", Text, false, "the order number"),
			col("line_no", Int32, false, "the line's number in the order, from 1"),
			dict(col("sku", Text, false, "the product")),
			col("qty", Int64, false, "units"),
			col("unit_price", Money, false, "the price of a unit"),
			col("unit_pv", Money, false, "the point value of a unit"),
			col("unit_bv", Money, false, "the business value of a unit"),
			col("unit_cost", Money, false, "the cost of a unit"),
			col("amount", Money, false, "qty × unit_price"),
			col("placed_at", Time, false, "when the order was placed"),
			day("placed_on", "placed_at", "the day the order was placed, in the company zone"),
		},
		sql: func(ctx context.Context, tx pgx.Tx, q *query) (string, []any, error) {
			var args []any
			return `SELECT o.id, o.order_no, l.line_no, p.sku, l.qty,
					` + cents("l.unit_price") + `, ` + cents("l.unit_pv") + `, ` + cents("l.unit_bv") + `, ` + cents("l.unit_cost") + `,
					` + cents("l.qty * l.unit_price") + `, o.placed_at
				FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.id = l.product_id
				WHERE true` + q.between("o.placed_at", &args) + ` ORDER BY o.id, l.line_no`, args, nil
		},
	},
	{
		Name: LotMoves,
		Doc: "The ledger's stock moves in the range (period, from/to as orders; sku and batch narrow it to a product or a lot), by id: " +
			"each a change of a warehouse's on-hand or reserved quantity of one lot.",
		Filters: []string{"period", "from", "to", "sku", "batch"},
		Columns: []Column{
			col("move_id", Int64, false, "the move's id, in the order moves were made"),
			col("moved_at", Time, false, "when"),
			day("moved_on", "moved_at", "the day, in the company zone"),
			lookup("warehouse_code", "warehouse", false, "the warehouse (HQ's or an agency's)"),
			lookup("agency_code", "agency", true, "the agency whose warehouse it is (null: HQ's)"),
			lookup("sku", "sku", false, "the product"),
			lookup("batch", "batch", false, "the lot's batch"),
			col("lot_id", Int64, false, "the lot's id"),
			dict(col("kind", Text, false, "receipt, reserve, release, ship, restock, return_out or adjust")),
			col("on_hand_delta", Int64, false, "the change of units on hand"),
			col("reserved_delta", Int64, false, "the change of units reserved for orders"),
			col("ref", Text, false, "what caused it: an order, return, transfer or receipt reference"),
		},
		Lookups: map[string]string{
			"warehouse": `SELECT id, code FROM warehouses`,
			"agency":    `SELECT w.id, a.code FROM warehouses w JOIN agencies a ON a.id = w.agency_id`,
			"sku":       `SELECT l.id, p.sku FROM lots l JOIN products p ON p.id = l.product_id`,
			"batch":     `SELECT id, batch FROM lots`,
		},
		sql: func(ctx context.Context, tx pgx.Tx, q *query) (string, []any, error) {
			var args []any
			where := q.between("sm.moved_at", &args)
			if q.sku != "" {
				args = append(args, q.sku)
				where += fmt.Sprintf(" AND sm.lot_id IN (SELECT l.id FROM lots l JOIN products p ON p.id = l.product_id WHERE p.sku = $%d", len(args))
				if q.batch != "" {
					args = append(args, q.batch)
					where += fmt.Sprintf(" AND l.batch = $%d", len(args))
				}
				where += ")"
			}
			// The codes of warehouses, agencies, products and lots are
			// looked up (Lookups), the same id given once per column.
			return `SELECT sm.id, sm.moved_at, sm.warehouse_id, sm.warehouse_id, sm.lot_id, sm.lot_id, sm.lot_id,
					sm.kind, sm.on_hand_delta, sm.reserved_delta, sm.ref
				FROM stock_moves sm
				WHERE true` + where + ` ORDER BY sm.id`, args, nil
		},
	},
	{
		Name: BonusLines,
		Doc: "The bonus lines of one settlement run: run (its id, any status) or period (the period's code: " +
			"its approved or paid run). In the order the run stored them (by member).",
		Filters: []string{"run", "period"},
		Columns: []Column{
			col("run_id", Int64, false, "the settlement run"),
			dict(col("period", Text, false, "its period's code")),
			dict(col("run_status", Text, false, "draft, approved or paid (now)")),
			col("member_code", Text, false, "who earns the line"),
			dict(col("bonus", Text, false, "binary, matching, pool, referral or unilevel")),
			col("source_code", Text, true, "the member whose volume or earnings it comes from (null for binary and pool)"),
			col("level", Int32, false, "the generation or level it is paid on (0 where none)"),
			col("amount", Money, false, "the amount paid, after the payout cap"),
			col("before_cap", Money, false, "the amount before the payout cap"),
		},
		sql: func(ctx context.Context, tx pgx.Tx, q *query) (string, []any, error) {
			run := q.run
			if run == 0 {
				var status string
				err := tx.QueryRow(ctx, `SELECT r.id, r.status FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id
					WHERE p.code = $1`, q.period).Scan(&run, &status)
				if isNotFound(err) {
					return "", nil, fmt.Errorf("%w: period %q has no settlement run", ErrNotFound, q.period)
				}
				if err != nil {
					return "", nil, err
				}
				if status == "draft" {
					return "", nil, fmt.Errorf("%w: period %q: its run %d is a draft, not approved (give run=%d for the draft)", ErrNotFound, q.period, run, run)
				}
			} else {
				var n int
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM settle_runs WHERE id = $1`, run).Scan(&n); err != nil {
					return "", nil, err
				}
				if n == 0 {
					return "", nil, fmt.Errorf("%w: no settlement run %d", ErrNotFound, run)
				}
			}
			return `SELECT r.id, p.code, r.status, l.member::text, l.bonus::text, l.source::text, l.level,
					` + cents("l.amount") + `, ` + cents("l.before_cap") + `
				FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id
				JOIN settle_run_lines l ON l.set_id = r.lines_set
				WHERE r.id = $1`, []any{run}, nil
		},
	},
}
