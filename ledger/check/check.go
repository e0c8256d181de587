// Package check verifies the ledger's invariants from the rows themselves,
// for `downline ledger check`: every journal entry balances and every line
// names an existing entry and account, every stock
// balance equals the sum of its moves and is not negative, reservations
// match the open orders, nothing shipped without a confirmed payment, and
// every approved settlement is in the journal (and no draft is).
package check

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Problem is one thing wrong, said so that a person can look into it.
type Problem struct {
	Check  string
	Detail string
}

func (p Problem) String() string { return p.Check + ": " + p.Detail }

type rule struct {
	name string
	sql  string // each row is one problem, described by its single text column
}

var rules = []rule{
	{"unbalanced entry", `
		SELECT format('journal entry %s (%s %s) has %s lines summing to %s', e.id, e.kind, e.ref, count(l.id), coalesce(sum(l.amount), 0))
		FROM journal_entries e LEFT JOIN journal_lines l ON l.entry_id = e.id
		GROUP BY e.id HAVING count(l.id) < 2 OR coalesce(sum(l.amount), 0) <> 0 ORDER BY e.id`},
	{"line without its entry or account", `
		SELECT format('journal line %s names %s', l.id, concat_ws(' and ',
			CASE WHEN e.id IS NULL THEN format('entry %s, which does not exist', l.entry_id) END,
			CASE WHEN a.code IS NULL THEN format('account %s, which is not in the chart of accounts', l.account) END))
		FROM journal_lines l LEFT JOIN journal_entries e ON e.id = l.entry_id LEFT JOIN accounts a ON a.code = l.account
		WHERE e.id IS NULL OR a.code IS NULL ORDER BY l.id`},
	{"stock differs from moves", `
		WITH m AS (SELECT warehouse_id, lot_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
		           FROM stock_moves GROUP BY 1, 2)
		SELECT format('warehouse %s lot %s: balance %s on hand, %s reserved; moves add up to %s on hand, %s reserved',
			coalesce(b.warehouse_id, m.warehouse_id), coalesce(b.lot_id, m.lot_id),
			coalesce(b.on_hand, 0), coalesce(b.reserved, 0), coalesce(m.on_hand, 0), coalesce(m.reserved, 0))
		FROM stock_balances b FULL JOIN m ON m.warehouse_id = b.warehouse_id AND m.lot_id = b.lot_id
		WHERE coalesce(b.on_hand, 0) <> coalesce(m.on_hand, 0) OR coalesce(b.reserved, 0) <> coalesce(m.reserved, 0)`},
	{"negative stock", `
		SELECT format('warehouse %s lot %s: %s on hand, %s reserved', warehouse_id, lot_id, on_hand, reserved)
		FROM stock_balances WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand`},
	{"reservations differ from open orders", `
		WITH a AS (SELECT a.warehouse_id, a.lot_id, sum(a.qty) AS qty FROM order_allocations a
		           JOIN orders o ON o.id = a.order_id WHERE o.status IN ('placed', 'paid', 'confirmed') GROUP BY 1, 2)
		SELECT format('warehouse %s lot %s: %s reserved, open orders hold %s',
			coalesce(b.warehouse_id, a.warehouse_id), coalesce(b.lot_id, a.lot_id), coalesce(b.reserved, 0), coalesce(a.qty, 0))
		FROM stock_balances b FULL JOIN a ON a.warehouse_id = b.warehouse_id AND a.lot_id = b.lot_id
		WHERE coalesce(b.reserved, 0) <> coalesce(a.qty, 0)`},
	{"shipped unconfirmed", `
		SELECT format('order %s is %s but %s of %s is confirmed', o.order_no, o.status,
			coalesce((SELECT sum(amount) FROM payments p WHERE p.order_id = o.id AND p.status = 'confirmed'), 0), o.total)
		FROM orders o
		WHERE (o.status IN ('shipped', 'delivered') OR EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id))
		  AND (o.confirmed_at IS NULL OR
		       o.total <> coalesce((SELECT sum(amount) FROM payments p WHERE p.order_id = o.id AND p.status = 'confirmed'), 0))`},
	{"order status", `
		SELECT format('order %s is %s, payments: %s recorded, %s confirmed of %s; shipments %s', o.order_no, o.status,
			coalesce(sum(p.amount) FILTER (WHERE p.status <> 'rejected'), 0), coalesce(sum(p.amount) FILTER (WHERE p.status = 'confirmed'), 0),
			o.total, (SELECT count(*) FROM shipments s WHERE s.order_id = o.id))
		FROM orders o LEFT JOIN payments p ON p.order_id = o.id
		GROUP BY o.id
		HAVING coalesce(sum(p.amount) FILTER (WHERE p.status <> 'rejected'), 0) > o.total
		    OR (o.status = 'paid' AND coalesce(sum(p.amount) FILTER (WHERE p.status <> 'rejected'), 0) <> o.total)
		    OR (o.status IN ('shipped', 'delivered')) <> ((SELECT count(*) FROM shipments s WHERE s.order_id = o.id) = 1)`},
	{"shipment differs from order", `
		SELECT format('order %s line %s: %s ordered, %s shipped', o.order_no, l.line_no, l.qty, coalesce(sum(sl.qty), 0))
		FROM orders o JOIN order_lines l ON l.order_id = o.id LEFT JOIN shipment_lots sl ON sl.order_id = o.id AND sl.line_no = l.line_no
		WHERE o.status IN ('shipped', 'delivered') GROUP BY o.order_no, l.line_no, l.qty HAVING coalesce(sum(sl.qty), 0) <> l.qty`},
	{"settlement postings", `
		SELECT format('settlement %s (%s): journal postings %s, but lines %s + clawbacks %s + manual adjustments %s',
			p.code, r.status, coalesce(s.total, 0), r.bonus_total, r.adjust_total, coalesce(m.total, 0))
		FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id
		LEFT JOIN (SELECT run_id, sum(amount) AS total FROM settle_postings GROUP BY 1) s ON s.run_id = r.id
		LEFT JOIN (SELECT period_id, sum(amount) AS total FROM settle_manual_adjustments GROUP BY 1) m ON m.period_id = r.period_id
		WHERE CASE WHEN r.status = 'draft' THEN s.total IS NOT NULL
		           ELSE coalesce(s.total, 0) <> r.bonus_total + r.adjust_total + coalesce(m.total, 0) END`},
	{"over-returned", `
		WITH s AS (SELECT order_id, line_no, lot_id, sum(qty) AS qty FROM shipment_lots GROUP BY 1, 2, 3),
		     r AS (SELECT order_id, line_no, lot_id, sum(qty) AS qty FROM return_lines GROUP BY 1, 2, 3)
		SELECT format('order %s line %s lot %s: %s returned, %s shipped', r.order_id, r.line_no, r.lot_id, r.qty, coalesce(s.qty, 0))
		FROM r LEFT JOIN s USING (order_id, line_no, lot_id) WHERE r.qty > coalesce(s.qty, 0)`},
}

// Run checks every invariant and returns what is wrong (nothing when all is well).
func Run(ctx context.Context, db *ledger.DB) ([]Problem, error) {
	var out []Problem
	// One snapshot for all the checks, so that concurrent writers cannot
	// make consistent data look inconsistent.
	err := db.Transact(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		out = out[:0]
		for _, r := range rules {
			rows, err := tx.Query(ctx, r.sql)
			if err != nil {
				return fmt.Errorf("check %s: %w", r.name, err)
			}
			var detail string
			_, err = pgx.ForEachRow(rows, []any{&detail}, func() error {
				out = append(out, Problem{Check: r.name, Detail: detail})
				return nil
			})
			if err != nil {
				return fmt.Errorf("check %s: %w", r.name, err)
			}
		}
		return nil
	})
	return out, err
}
