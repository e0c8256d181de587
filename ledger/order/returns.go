package order

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/idempotency"
	"downline/ledger/journal"
	"downline/ledger/stock"
)

// ReturnLine gives back Qty units of an order line from lot Batch, back on
// the shelf or (WriteOff) destroyed.
type ReturnLine struct {
	Line     int
	Batch    string
	Qty      int64
	WriteOff bool `json:",omitempty"`
}

// ReturnRequest returns part or all of a shipped order.
type ReturnRequest struct {
	Key    string // idempotency key
	Order  string
	Lines  []ReturnLine
	Reason string `json:",omitempty"`
	By     string
}

// ReturnedLine is one line of a return with what it refunds and takes back.
type ReturnedLine struct {
	Line     int
	SKU      string
	LotID    int64
	Batch    string
	Qty      int64
	WriteOff bool `json:",omitempty"`
	Refund   decimal.Decimal
	PV       decimal.Decimal // zero or negative
	BV       decimal.Decimal // zero or negative
}

// Return is goods coming back, confirmed when recorded; its PV and BV
// (negative) count in the period of ConfirmedAt.
type Return struct {
	ID          int64
	No          string
	Order       string
	Refund      decimal.Decimal
	PV          decimal.Decimal
	BV          decimal.Decimal
	Lines       []ReturnedLine
	Reason      string `json:",omitempty"`
	By          string
	ConfirmedAt time.Time
}

// ReturnWindow is how many days after delivery (or shipment, when delivery
// was not recorded) goods may be returned.
func ReturnWindow(ctx context.Context, q ledger.Querier) (int, error) {
	var v string
	if err := q.QueryRow(ctx, `SELECT value FROM ledger_settings WHERE key = 'return_window_days'`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read return window: %w", err)
	}
	return strconv.Atoi(v)
}

// SetReturnWindow sets the return window in days.
func SetReturnWindow(ctx context.Context, tx pgx.Tx, days int) error {
	if days < 0 {
		return fmt.Errorf("%w: return window of %d days is negative", ledger.ErrInvalid, days)
	}
	_, err := tx.Exec(ctx, `INSERT INTO ledger_settings (key, value) VALUES ('return_window_days', $1)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, strconv.Itoa(days))
	return err
}

// ReturnDeadline is when the return window of shipped order o ends: the
// window's days after delivery, or after shipment when delivery was not
// recorded. Errors: ledger.ErrInvalid for an order not shipped.
func ReturnDeadline(ctx context.Context, q ledger.Querier, o Order) (time.Time, int, error) {
	if o.ShippedAt == nil || (o.Status != Shipped && o.Status != Delivered) {
		return time.Time{}, 0, fmt.Errorf("%w: order %s is %s: nothing was shipped, so nothing can be returned", ledger.ErrInvalid, o.No, o.Status)
	}
	days, err := ReturnWindow(ctx, q)
	if err != nil {
		return time.Time{}, 0, err
	}
	from := *o.ShippedAt
	if o.DeliveredAt != nil {
		from = *o.DeliveredAt
	}
	return from.AddDate(0, 0, days), days, nil
}

// ReturnOpen refuses, with ledger.ErrInvalid, a return of order o after
// its window (by the clock of ctx) or of an order not shipped.
func ReturnOpen(ctx context.Context, q ledger.Querier, o Order) error {
	end, days, err := ReturnDeadline(ctx, q, o)
	if err != nil {
		return err
	}
	if clock.Now(ctx).After(end) {
		return fmt.Errorf("%w: the %d-day return window of order %s ended on %s", ledger.ErrInvalid, days, o.No, end.Format(time.DateOnly))
	}
	return nil
}

// CreateReturn records and confirms a return of shipped goods: returned lots
// go back into the selling warehouse or are written off, the buyer is
// refunded at the price paid (for orders HQ sells, through the journal), and
// the order's PV and BV are reversed in the current period. An agency
// returning goods to HQ sends them from its own warehouse.
//
// Errors: ledger.ErrInvalid for an order not shipped, a return after the
// window, a quantity that is not positive, a line or lot that was never
// shipped, more than was shipped less what came back before;
// ledger.ErrNotFound for an unknown order; ledger.ErrInsufficientStock for
// an agency no longer holding what it returns; ledger.ErrIdempotencyConflict.
func CreateReturn(ctx context.Context, tx pgx.Tx, r ReturnRequest) (Return, error) {
	return idempotency.Do(ctx, tx, r.Key, "order.return", r, func() (Return, error) {
		return createReturn(ctx, tx, r)
	})
}

func createReturn(ctx context.Context, tx pgx.Tx, r ReturnRequest) (Return, error) {
	if strings.TrimSpace(r.By) == "" {
		return Return{}, fmt.Errorf("%w: a return must say who took it", ledger.ErrInvalid)
	}
	if len(r.Lines) == 0 {
		return Return{}, fmt.Errorf("%w: a return needs at least one line", ledger.ErrInvalid)
	}
	o, err := lock(ctx, tx, r.Order)
	if err != nil {
		return Return{}, err
	}
	if o.Status != Shipped && o.Status != Delivered {
		return Return{}, fmt.Errorf("%w: order %s is %s: nothing was shipped, so nothing can be returned", ledger.ErrInvalid, o.No, o.Status)
	}
	if err := ReturnOpen(ctx, tx, o); err != nil {
		return Return{}, err
	}

	type lineLot struct {
		line int
		lot  int64
	}
	shipped, err := shippedLots(ctx, tx, o.ID)
	if err != nil {
		return Return{}, err
	}
	left := map[lineLot]int64{}
	lotOf := map[[2]string]ShippedLot{} // (line, batch)
	for _, s := range shipped {
		left[lineLot{s.Line, s.LotID}] += s.Qty
		lotOf[[2]string{strconv.Itoa(s.Line), s.Batch}] = s
	}
	rows, err := tx.Query(ctx, `SELECT line_no, lot_id, sum(qty)::bigint FROM return_lines WHERE order_id = $1 GROUP BY 1, 2`, o.ID)
	if err != nil {
		return Return{}, err
	}
	var ln int
	var lot, q int64
	if _, err := pgx.ForEachRow(rows, []any{&ln, &lot, &q}, func() error { left[lineLot{ln, lot}] -= q; return nil }); err != nil {
		return Return{}, err
	}
	lines := map[int]Line{}
	for _, l := range o.Lines {
		lines[l.No] = l
	}

	ret := Return{Order: o.No, Refund: decimal.Zero, PV: decimal.Zero, BV: decimal.Zero, Reason: r.Reason, By: r.By}
	restockCost, writeoffCost := decimal.Zero, decimal.Zero
	for _, rl := range r.Lines {
		l, ok := lines[rl.Line]
		if !ok {
			return Return{}, fmt.Errorf("%w: order %s has no line %d", ledger.ErrInvalid, o.No, rl.Line)
		}
		if rl.Qty <= 0 {
			return Return{}, fmt.Errorf("%w: return of line %d (%s) lot %s: quantity %d must be positive", ledger.ErrInvalid, rl.Line, l.SKU, rl.Batch, rl.Qty)
		}
		s, ok := lotOf[[2]string{strconv.Itoa(rl.Line), rl.Batch}]
		if !ok {
			return Return{}, fmt.Errorf("%w: lot %q of %s was never shipped on line %d of order %s", ledger.ErrInvalid, rl.Batch, l.SKU, rl.Line, o.No)
		}
		k := lineLot{rl.Line, s.LotID}
		if rl.Qty > left[k] {
			return Return{}, fmt.Errorf("%w: over-return: line %d (%s) lot %s of order %s has %d units left to return, %d requested",
				ledger.ErrInvalid, rl.Line, l.SKU, rl.Batch, o.No, left[k], rl.Qty)
		}
		left[k] -= rl.Qty
		qd := decimal.NewFromInt(rl.Qty)
		rline := ReturnedLine{Line: rl.Line, SKU: l.SKU, LotID: s.LotID, Batch: s.Batch, Qty: rl.Qty, WriteOff: rl.WriteOff,
			Refund: l.UnitPrice.Mul(qd), PV: l.UnitPV.Mul(qd).Neg(), BV: l.UnitBV.Mul(qd).Neg()}
		ret.Lines = append(ret.Lines, rline)
		ret.Refund = ret.Refund.Add(rline.Refund)
		ret.PV = ret.PV.Add(rline.PV)
		ret.BV = ret.BV.Add(rline.BV)
		if rl.WriteOff {
			writeoffCost = writeoffCost.Add(l.UnitCost.Mul(qd))
		} else {
			restockCost = restockCost.Add(l.UnitCost.Mul(qd))
		}
	}

	if err := insertReturn(ctx, tx, o, &ret); err != nil {
		return Return{}, err
	}
	ref := ret.No + " " + o.No
	src, err := o.buyer(ctx, tx)
	if err != nil {
		return Return{}, err
	}
	if o.Kind == Agency && o.Status == Delivered {
		// The goods went into the agency's warehouse: they come out of it.
		aw, err := stock.AgencyWarehouse(ctx, tx, o.BuyerAgency)
		if err != nil {
			return Return{}, err
		}
		out := make([]stock.Move, len(ret.Lines))
		for i, x := range ret.Lines {
			out[i] = stock.Move{Warehouse: aw.ID, Lot: x.LotID, OnHand: -x.Qty}
		}
		if _, err := stock.Apply(ctx, tx, stock.KindReturnOut, "return "+ref, r.Key, out); err != nil {
			return Return{}, err
		}
	}
	w, err := stock.GetWarehouseByID(ctx, tx, o.warehouseID)
	if err != nil {
		return Return{}, err
	}
	var in []stock.Move
	events := make([]stock.LotMoved, len(ret.Lines))
	for i, x := range ret.Lines {
		to := w.Holder()
		if x.WriteOff {
			to = stock.Holder{Kind: "writeoff"}
		} else {
			in = append(in, stock.Move{Warehouse: w.ID, Lot: x.LotID, OnHand: x.Qty})
		}
		events[i] = stock.LotMoved{Lot: x.LotID, SKU: x.SKU, Batch: x.Batch, From: src, To: to, Qty: x.Qty,
			Order: o.No, Return: ret.No, At: ret.ConfirmedAt}
	}
	if len(in) > 0 {
		if _, err := stock.Apply(ctx, tx, stock.KindRestock, "return "+ref, r.Key, in); err != nil {
			return Return{}, err
		}
	}
	if o.SoldByHQ() {
		acct, holder, err := refundAccount(ctx, tx, o)
		if err != nil {
			return Return{}, err
		}
		if _, err := journal.Post(ctx, tx, journal.Entry{Kind: "return", Ref: ref, OpKey: r.Key, By: r.By, Lines: []journal.Line{
			journal.Dr(journal.SalesReturns, "", ret.Refund), journal.Cr(acct, holder, ret.Refund),
			journal.Dr(journal.Inventory, "", restockCost), journal.Cr(journal.CostOfGoods, "", restockCost),
			journal.Dr(journal.WriteOffs, "", writeoffCost), journal.Cr(journal.CostOfGoods, "", writeoffCost),
		}}); err != nil {
			return Return{}, err
		}
	}
	if err := stock.EmitLotMoved(ctx, tx, events); err != nil {
		return Return{}, err
	}
	return ret, emitOrderEvent(ctx, tx, EventReturned, o, OrderEvent{Return: ret.No, Amount: ret.Refund, At: ret.ConfirmedAt})
}

func insertReturn(ctx context.Context, tx pgx.Tx, o Order, ret *Return) error {
	n := len(ret.Lines)
	ls, lots, qtys := make([]int32, n), make([]int64, n), make([]int64, n)
	disp := make([]string, n)
	whs := make([]*int64, n)
	for i, x := range ret.Lines {
		ls[i], lots[i], qtys[i], disp[i] = int32(x.Line), x.LotID, x.Qty, "restock"
		w := o.warehouseID
		whs[i] = &w
		if x.WriteOff {
			disp[i], whs[i] = "writeoff", nil
		}
	}
	err := tx.QueryRow(ctx, `WITH r AS (
			INSERT INTO returns (order_id, refund, pv, bv, reason, confirmed_by, confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $12)
			RETURNING id, return_no, confirmed_at),
		l AS (
			INSERT INTO return_lines (return_id, order_id, line_no, lot_id, qty, disposition, warehouse_id)
			SELECT r.id, $1, u.* FROM r, unnest($7::int[], $8::bigint[], $9::bigint[], $10::text[], $11::bigint[]) AS u)
		SELECT id, return_no, confirmed_at FROM r`,
		o.ID, ret.Refund, ret.PV, ret.BV, ret.Reason, ret.By, ls, lots, qtys, disp, whs, clock.Now(ctx)).Scan(&ret.ID, &ret.No, &ret.ConfirmedAt)
	if c, ok := ledger.IsUniqueViolation(err); ok && c == "return_lines_pkey" {
		return fmt.Errorf("%w: a return names the same line and lot twice; add the quantities up", ledger.ErrInvalid)
	}
	if err != nil {
		return fmt.Errorf("record return of %s: %w", o.No, err)
	}
	return nil
}

// refundAccount is where a refund is paid from: an agency's account for its
// own orders, otherwise the account of the order's first confirmed payment
// (cash taken at an agency is refunded by that agency, on HQ's account).
func refundAccount(ctx context.Context, tx pgx.Tx, o Order) (journal.Account, string, error) {
	if o.Kind == Agency {
		return journal.AgencyReceivable, o.BuyerAgency, nil
	}
	ps, err := Payments(ctx, tx, o.No)
	if err != nil {
		return "", "", err
	}
	for _, p := range ps {
		if p.Status == PaymentAccepted {
			a, h := p.account()
			return a, h, nil
		}
	}
	return journal.Bank, "", nil
}
