package order

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/idempotency"
	"downline/ledger/journal"
	"downline/ledger/stock"
)

// An entry is one request of a batch: an order to place (Place) or a
// counter sale (PlaceAndPay, when sale is set).
type entry struct {
	r    Request
	sale *CounterSale
}

func (e entry) op() string {
	if e.sale != nil {
		return opCounter
	}
	return opPlace
}

// req is what the idempotency key guards: the same request as the one-order
// functions hash, so a request entered either way replays the other.
func (e entry) req() any {
	if e.sale != nil {
		return *e.sale
	}
	return e.r
}

// outcome is what one entry of a batch returns: an Order (Place), a
// PaidOrder (PlaceAndPay), or an error.
type outcome struct {
	out any
	err error
}

// placeBatch enters es in tx, as Place and PlaceAndPay would one by one in
// that order, but in three round trips for the whole batch: (1) the claims
// of all keys with every row the checks need, (2) the lock of every stock
// balance involved with the ids of the new rows, and, after the checks and
// the picking of lots in Go, (3) every write as one set-based statement per
// table. A request refused (bad input, no stock, a key reused for another
// request) gets its error and writes nothing, and the others go on; the
// returned error, a database error, fails the whole batch.
//
// Two requests with one key in a batch: the second gets the first's outcome
// when it is the same request, ledger.ErrIdempotencyConflict when not.
func placeBatch(ctx context.Context, tx pgx.Tx, es []entry) ([]outcome, error) {
	bt := batch{es: es, res: make([]outcome, len(es))}
	distinct := bt.claimKeys()
	if len(distinct) == 0 {
		return bt.res, nil
	}

	// Round trip 1: claims and reads.
	b := &pgx.Batch{}
	idempotency.QueueClaims(b, distinct)
	rd := queueBatchReads(b, es, bt.claims, bt.leader)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("enter %d orders: claim keys and read: %w", len(es), err)
	}

	pairs, payments, entries := bt.check(rd)
	var shelf *stock.Shelf
	var ids *newIDs
	if len(bt.work) > 0 {
		var err error
		if shelf, ids, err = bt.lockStock(ctx, tx, pairs, payments, entries); err != nil {
			return nil, err
		}
	}
	today := clock.Now(ctx)
	if ids != nil {
		ids.now = today
	}
	w := batchWrites{now: today}
	results := bt.pickLots(rd, shelf, ids, &w, today)
	if err := bt.write(ctx, tx, &w, shelf, results); err != nil {
		return nil, err
	}
	bt.answerRepeats()
	return bt.res, nil
}

// batch is the state of one placeBatch as it goes through its phases.
type batch struct {
	es      []entry
	res     []outcome
	claims  []*idempotency.Claim
	leader  []int // the entry whose claim decides, for a repeated key; -1 for none
	refused []string
	work    map[int]*priced // the entries that passed the checks, by index
}

// priced is an entry that passed the checks: its order, priced, and the
// stock it wants.
type priced struct {
	o      Order
	w      stock.Warehouse
	wants  []stock.Want
	agency string // counter sale in cash: the agency that took it
}

// claimKeys makes the claim of every entry and returns those of the distinct
// keys; an entry that repeats a key gets the index of the first as its leader.
func (bt *batch) claimKeys() []*idempotency.Claim {
	bt.claims = make([]*idempotency.Claim, len(bt.es))
	bt.leader = make([]int, len(bt.es))
	first := map[string]int{}
	var distinct []*idempotency.Claim
	for i, e := range bt.es {
		bt.leader[i] = -1
		c, err := idempotency.NewClaim(e.r.Key, e.op(), e.req())
		if err != nil {
			bt.res[i].err = err
			continue
		}
		bt.claims[i] = c
		if j, ok := first[c.Key]; ok {
			bt.leader[i] = j
			continue
		}
		first[c.Key] = i
		distinct = append(distinct, c)
	}
	return distinct
}

func (bt *batch) refuse(i int, err error) {
	bt.res[i].err = err
	bt.refused = append(bt.refused, bt.claims[i].Key)
}

// check replays the keys claimed before, checks and prices the others, in
// Go, and returns the (warehouse, product) pairs to lock with the number of
// payments and journal entries the batch will write.
func (bt *batch) check(rd *batchReads) (pairs [][2]int64, payments, entries int) {
	bt.work = map[int]*priced{}
	for i, e := range bt.es {
		c := bt.claims[i]
		if c == nil || bt.leader[i] >= 0 {
			continue
		}
		if !c.Claimed() {
			bt.res[i] = replay(e, c)
			continue
		}
		var agency string
		if e.sale != nil {
			code, err := e.sale.payer()
			if err != nil {
				bt.refuse(i, err)
				continue
			}
			if code != "" {
				if _, ok := rd.agencies[code]; !ok {
					bt.refuse(i, unknownAgency(code))
					continue
				}
			}
			agency = code
		}
		o, w, wants, err := price(e.r, rd.resolve(e.r), e.sale != nil)
		if err != nil {
			bt.refuse(i, err)
			continue
		}
		bt.work[i] = &priced{o: o, w: w, wants: wants, agency: agency}
		for _, x := range wants {
			pairs = append(pairs, [2]int64{w.ID, x.ProductID})
		}
		if e.sale != nil && !o.Total.IsZero() {
			payments++
			if o.SoldByHQ() {
				entries++
			}
		}
	}
	return pairs, payments, entries
}

// lockStock is round trip 2: the lock of the stock balances of pairs, in a
// fixed order, and ids for the new rows.
func (bt *batch) lockStock(ctx context.Context, tx pgx.Tx, pairs [][2]int64, payments, entries int) (*stock.Shelf, *newIDs, error) {
	slices.SortFunc(pairs, func(x, y [2]int64) int {
		if x[0] != y[0] {
			return int(x[0] - y[0])
		}
		return int(x[1] - y[1])
	})
	pairs = slices.Compact(pairs)
	ws, ps := make([]int64, len(pairs)), make([]int64, len(pairs))
	for k, p := range pairs {
		ws[k], ps[k] = p[0], p[1]
	}
	b := &pgx.Batch{}
	shelf := stock.QueueShelf(b, ws, ps)
	ids := queueNewIDs(b, len(bt.work), payments, entries)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, fmt.Errorf("enter %d orders: lock stock: %w", len(bt.es), err)
	}
	if err := shelf.Err(); err != nil {
		return nil, nil, fmt.Errorf("enter %d orders: lock stock: %w", len(bt.es), err)
	}
	if ids.err != nil {
		return nil, nil, fmt.Errorf("enter %d orders: take ids: %w", len(bt.es), ids.err)
	}
	return shelf, ids, nil
}

// pickLots picks the lots of each checked order in Go, order after order,
// against what the ones before left, and adds the order with its payment and
// journal entry to w. It returns the outcomes to store under the keys.
func (bt *batch) pickLots(rd *batchReads, shelf *stock.Shelf, ids *newIDs, w *batchWrites, today time.Time) map[string]any {
	results := map[string]any{}
	for i, e := range bt.es {
		p := bt.work[i]
		if p == nil {
			continue
		}
		allocs, err := shelf.Reserve(p.w, p.wants, e.r.Key, today)
		if err != nil {
			bt.refuse(i, err)
			continue
		}
		o := p.o
		o.Allocations = allocs
		ids.order(&o)
		w.order(o)
		if e.sale == nil {
			bt.res[i].out = o
			results[bt.claims[i].Key] = o
			continue
		}
		sold := PaidOrder{Order: o}
		if !o.Total.IsZero() {
			pay := e.sale.payment(o, p.agency)
			ids.payment(pay)
			w.payment(*pay, o, rd.agencies[p.agency])
			sold.Payment = pay
			if o.SoldByHQ() {
				je := confirmedEntry(*pay, o, e.r.Key, o.EnteredBy)
				je.ID = ids.entry()
				w.entries = append(w.entries, je)
			}
		}
		bt.res[i].out = sold
		results[bt.claims[i].Key] = sold
	}
	return results
}

// write is round trip 3: every write of the batch, the stock it takes, the
// journal, the outcomes stored under their keys and the low-stock events.
func (bt *batch) write(ctx context.Context, tx pgx.Tx, w *batchWrites, shelf *stock.Shelf, results map[string]any) error {
	b := &pgx.Batch{}
	w.queue(b)
	var low []stock.LowStock
	if shelf != nil {
		low = shelf.Queue(b, "order")
	}
	if err := journal.QueueMany(b, w.entries); err != nil {
		return err
	}
	if err := idempotency.Finish(b, results, bt.refused); err != nil {
		return err
	}
	events := make([]ledger.NewEvent, len(low))
	for k, l := range low {
		events[k] = ledger.NewEvent{Kind: stock.EventLowStock, Key: l.Warehouse + "/" + l.SKU, Payload: l}
	}
	if err := ledger.QueueOutbox(b, events); err != nil {
		return err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("enter %d orders: write: %w", len(bt.es), err)
	}
	return nil
}

// answerRepeats gives the requests that repeat a key in the batch the
// outcome of the first, or a conflict when they are not the same request.
func (bt *batch) answerRepeats() {
	for i, j := range bt.leader {
		if j < 0 || bt.claims[i] == nil {
			continue
		}
		switch {
		case bt.claims[j] == nil:
			bt.res[i] = bt.res[j]
		case !bt.claims[j].Claimed():
			bt.claims[i].Follow(bt.claims[j])
			bt.res[i] = replay(bt.es[i], bt.claims[i])
		case bt.claims[i].Same(bt.claims[j]):
			bt.res[i] = bt.res[j]
		default:
			bt.res[i].err = fmt.Errorf("%w: key %q is used by another %s request entered at the same time; use a new key for a new request",
				ledger.ErrIdempotencyConflict, bt.claims[i].Key, bt.es[j].op())
		}
	}
}

func replay(e entry, c *idempotency.Claim) outcome {
	if e.sale != nil {
		out, err := idempotency.Replay[PaidOrder](c)
		return outcome{out, err}
	}
	out, err := idempotency.Replay[Order](c)
	return outcome{out, err}
}

// batchReads are the rows the checks of a batch need, read with the claims.
type batchReads struct {
	members  *ledger.Pending[map[string]int64]
	agencies map[string]agencyRow // filled when the batch is read
	agencyRd *ledger.Pending[map[string]agencyRow]
	whs      map[[2]string]*ledger.Pending[stock.Warehouse] // (warehouse, seller)
	products *ledger.Pending[map[string]catalog.Product]
	lots     *ledger.Pending[map[catalog.LotRef]int64]
}

type agencyRow struct {
	id     int64
	active bool
}

// queueBatchReads queues the reads for the entries that hold a claim of
// their own.
func queueBatchReads(b *pgx.Batch, es []entry, claims []*idempotency.Claim, leader []int) *batchReads {
	rd := &batchReads{whs: map[[2]string]*ledger.Pending[stock.Warehouse]{}}
	var members, agencies, skus []string
	var lots []catalog.LotRef
	for i, e := range es {
		if claims[i] == nil || leader[i] >= 0 {
			continue
		}
		r := e.r
		if r.Member != "" {
			members = append(members, r.Member)
		}
		if r.BuyerAgency != "" {
			agencies = append(agencies, r.BuyerAgency)
		}
		if e.sale != nil {
			if code, err := e.sale.payer(); err == nil && code != "" {
				agencies = append(agencies, code)
			}
		}
		wk := [2]string{r.Warehouse, r.Seller}
		if r.Warehouse != "" {
			wk[1] = ""
		}
		if rd.whs[wk] == nil {
			rd.whs[wk] = stock.QueueWarehouse(b, wk[0], wk[1])
		}
		for _, l := range r.Lines {
			skus = append(skus, l.SKU)
			if l.Batch != "" {
				lots = append(lots, catalog.LotRef{SKU: l.SKU, Batch: l.Batch})
			}
		}
	}
	rd.members = &ledger.Pending[map[string]int64]{Value: map[string]int64{}}
	if len(members) > 0 {
		b.Queue(`SELECT code, id FROM members WHERE code = ANY($1)`, dedupe(members)).Query(func(rows pgx.Rows) error {
			rd.members.Err = collectIDs(rows, rd.members.Value)
			return nil
		})
	}
	rd.agencyRd = &ledger.Pending[map[string]agencyRow]{Value: map[string]agencyRow{}}
	if len(agencies) > 0 {
		b.Queue(`SELECT code, id, status = 'active' FROM agencies WHERE code = ANY($1)`, dedupe(agencies)).Query(func(rows pgx.Rows) error {
			var code string
			var a agencyRow
			_, rd.agencyRd.Err = pgx.ForEachRow(rows, []any{&code, &a.id, &a.active}, func() error {
				rd.agencyRd.Value[code] = a
				return nil
			})
			return nil
		})
	}
	rd.agencies = rd.agencyRd.Value
	rd.products = catalog.QueueFind(b, dedupe(skus))
	rd.lots = &ledger.Pending[map[catalog.LotRef]int64]{}
	if len(lots) > 0 {
		rd.lots = catalog.QueueLotIDs(b, lots)
	}
	return rd
}

func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func collectIDs(rows pgx.Rows, into map[string]int64) error {
	var code string
	var id int64
	_, err := pgx.ForEachRow(rows, []any{&code, &id}, func() error {
		into[code] = id
		return nil
	})
	return err
}

// resolve is what price needs for r, from the batch's reads, with the
// errors Place gives.
func (rd *batchReads) resolve(r Request) resolved {
	wk := [2]string{r.Warehouse, r.Seller}
	if r.Warehouse != "" {
		wk[1] = ""
	}
	return resolved{
		buyer: func() (buyerRow, error) {
			switch {
			case rd.members.Err != nil:
				return buyerRow{}, rd.members.Err
			case rd.agencyRd.Err != nil:
				return buyerRow{}, rd.agencyRd.Err
			}
			if r.Kind == Agency {
				a, ok := rd.agencies[r.BuyerAgency]
				if !ok || !a.active {
					return buyerRow{}, fmt.Errorf("%w: unknown or closed agency %q", ledger.ErrNotFound, r.BuyerAgency)
				}
				return buyerRow{id: a.id, code: r.BuyerAgency}, nil
			}
			id, ok := rd.members.Value[r.Member]
			if !ok {
				return buyerRow{}, fmt.Errorf("%w: unknown member %q", ledger.ErrNotFound, r.Member)
			}
			return buyerRow{id: id, code: r.Member}, nil
		},
		warehouse: rd.whs[wk].Get,
		product: func(sku string) (catalog.Product, error) {
			ps, err := rd.products.Get()
			if err != nil {
				return catalog.Product{}, err
			}
			p, ok := ps[sku]
			if !ok {
				return catalog.Product{}, catalog.UnknownSKU(sku)
			}
			return p, nil
		},
		lot: func(sku, batch string) (int64, error) {
			ids, err := rd.lots.Get()
			if err != nil {
				return 0, err
			}
			id, ok := ids[catalog.LotRef{SKU: sku, Batch: batch}]
			if !ok {
				return 0, catalog.UnknownLot(sku, batch)
			}
			return id, nil
		},
	}
}

// newIDs are ids and numbers taken from the sequences for the rows a batch
// inserts, with the time of the clock (see package clock), so that every
// row, and the results stored under the keys, can be written in one round
// trip. Numbers taken and not used (orders refused for stock) are gaps, as
// after any rollback.
type newIDs struct {
	orders, payments, entries []int64
	orderNos, paymentNos      []string
	now                       time.Time
	err                       error
}

func queueNewIDs(b *pgx.Batch, orders, payments, entries int) *newIDs {
	ids := &newIDs{}
	b.Queue(`SELECT nextval('orders_id_seq'), 'SO' || lpad(nextval('order_no_seq')::text, 9, '0'),
			CASE WHEN i <= $2 THEN nextval('payments_id_seq') END,
			CASE WHEN i <= $2 THEN 'PAY' || lpad(nextval('payment_no_seq')::text, 9, '0') END,
			CASE WHEN i <= $3 THEN `+journal.IDSequence+` END
		FROM generate_series(1, $1) AS i ORDER BY i`, orders, payments, entries).Query(func(rows pgx.Rows) error {
		var (
			oid      int64
			ono      string
			pid, eid *int64
			pno      *string
		)
		_, ids.err = pgx.ForEachRow(rows, []any{&oid, &ono, &pid, &pno, &eid}, func() error {
			ids.orders, ids.orderNos = append(ids.orders, oid), append(ids.orderNos, ono)
			if pid != nil {
				ids.payments, ids.paymentNos = append(ids.payments, *pid), append(ids.paymentNos, *pno)
			}
			if eid != nil {
				ids.entries = append(ids.entries, *eid)
			}
			return nil
		})
		return nil
	})
	return ids
}

// order gives o the next order id and number, and its time.
func (ids *newIDs) order(o *Order) {
	o.ID, o.No, o.PlacedAt = ids.orders[0], ids.orderNos[0], ids.now
	ids.orders, ids.orderNos = ids.orders[1:], ids.orderNos[1:]
	if o.Status == Confirmed {
		at := ids.now
		o.PaidAt, o.ConfirmedAt = &at, &at
	}
}

// payment gives p the next payment id and number, and its time.
func (ids *newIDs) payment(p *Payment) {
	p.ID, p.No = ids.payments[0], ids.paymentNos[0]
	ids.payments, ids.paymentNos = ids.payments[1:], ids.paymentNos[1:]
	at := ids.now
	p.RecordedAt, p.DecidedAt = at, &at
}

func (ids *newIDs) entry() int64 {
	id := ids.entries[0]
	ids.entries = ids.entries[1:]
	return id
}

// batchWrites collects the rows of a batch, column by column, for one
// insert per table.
type batchWrites struct {
	now time.Time // when the orders are placed (and paid, when paid at once)
	// orders
	oID                                  []int64
	oNo, oKind, oCName, oCPhone, oStatus []string
	oMember, oBuyer, oSeller             []*int64
	oWh                                  []int64
	oTotal, oPV, oBV                     []string
	oShipTo, oBy                         []string
	oConfirmed                           []bool
	// lines
	lOrder                           []int64
	lNo                              []int32
	lProduct, lQty                   []int64
	lPrice, lPV, lBV, lCost          []string
	aOrder, aWh, aLot, aQty          []int64
	aLine                            []int32
	pID, pOrder                      []int64
	pNo, pMethod, pAmount, pRef, pBy []string
	pAgency                          []*int64
	entries                          []journal.Entry
}

func (w *batchWrites) order(o Order) {
	nz := func(id int64) *int64 {
		if id == 0 {
			return nil
		}
		return &id
	}
	var cname, cphone string
	if o.Customer != nil {
		cname, cphone = o.Customer.Name, o.Customer.Phone
	}
	w.oID, w.oNo, w.oKind = append(w.oID, o.ID), append(w.oNo, o.No), append(w.oKind, string(o.Kind))
	w.oMember, w.oBuyer, w.oSeller = append(w.oMember, nz(o.memberID)), append(w.oBuyer, nz(o.buyerAgencyID)), append(w.oSeller, nz(o.sellerAgencyID))
	w.oCName, w.oCPhone, w.oWh = append(w.oCName, cname), append(w.oCPhone, cphone), append(w.oWh, o.warehouseID)
	w.oStatus, w.oTotal, w.oPV, w.oBV = append(w.oStatus, string(o.Status)), append(w.oTotal, o.Total.String()), append(w.oPV, o.PV.String()), append(w.oBV, o.BV.String())
	w.oShipTo, w.oBy, w.oConfirmed = append(w.oShipTo, o.ShipTo), append(w.oBy, o.EnteredBy), append(w.oConfirmed, o.Status == Confirmed)
	for _, l := range o.Lines {
		w.lOrder, w.lNo, w.lProduct, w.lQty = append(w.lOrder, o.ID), append(w.lNo, int32(l.No)), append(w.lProduct, l.ProductID), append(w.lQty, l.Qty)
		w.lPrice, w.lPV, w.lBV, w.lCost = append(w.lPrice, l.UnitPrice.String()), append(w.lPV, l.UnitPV.String()), append(w.lBV, l.UnitBV.String()), append(w.lCost, l.UnitCost.String())
	}
	for _, a := range o.Allocations {
		w.aOrder, w.aLine, w.aWh, w.aLot, w.aQty = append(w.aOrder, o.ID), append(w.aLine, int32(a.Line)), append(w.aWh, a.WarehouseID), append(w.aLot, a.LotID), append(w.aQty, a.Qty)
	}
}

func (w *batchWrites) payment(p Payment, o Order, agency agencyRow) {
	var aid *int64
	if p.Agency != "" {
		aid = &agency.id
	}
	w.pID, w.pNo, w.pOrder, w.pMethod = append(w.pID, p.ID), append(w.pNo, p.No), append(w.pOrder, o.ID), append(w.pMethod, string(p.Method))
	w.pAgency, w.pAmount, w.pRef, w.pBy = append(w.pAgency, aid), append(w.pAmount, p.Amount.String()), append(w.pRef, p.Reference), append(w.pBy, p.RecordedBy)
}

// queue queues the inserts of the orders, lines, allocations and payments.
func (w *batchWrites) queue(b *pgx.Batch) {
	if len(w.oID) == 0 {
		return
	}
	b.Queue(`INSERT INTO orders (id, order_no, kind, member_id, customer_name, customer_phone, buyer_agency_id, seller_agency_id,
			warehouse_id, status, total, pv, bv, ship_to, entered_by, placed_at, paid_at, confirmed_at) OVERRIDING SYSTEM VALUE
		SELECT id, no, kind, m, cn, cp, ba, sa, wh, st, t, pv, bv, sh, eb, $17, CASE WHEN c THEN $17::timestamptz END, CASE WHEN c THEN $17::timestamptz END
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
			$9::bigint[], $10::text[], $11::numeric[], $12::numeric[], $13::numeric[], $14::text[], $15::text[], $16::bool[])
			AS u(id, no, kind, m, cn, cp, ba, sa, wh, st, t, pv, bv, sh, eb, c)`,
		w.oID, w.oNo, w.oKind, w.oMember, w.oCName, w.oCPhone, w.oBuyer, w.oSeller,
		w.oWh, w.oStatus, w.oTotal, w.oPV, w.oBV, w.oShipTo, w.oBy, w.oConfirmed, w.now)
	b.Queue(`INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price, unit_pv, unit_bv, unit_cost)
		SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[])`,
		w.lOrder, w.lNo, w.lProduct, w.lQty, w.lPrice, w.lPV, w.lBV, w.lCost)
	b.Queue(`INSERT INTO order_allocations (order_id, line_no, warehouse_id, lot_id, qty)
		SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[])`,
		w.aOrder, w.aLine, w.aWh, w.aLot, w.aQty)
	if len(w.pID) > 0 {
		b.Queue(`INSERT INTO payments (id, payment_no, order_id, method, agency_id, amount, reference, recorded_by, status, decided_by, decided_at, recorded_at)
			OVERRIDING SYSTEM VALUE
			SELECT id, no, o, m, a, amt, ref, by, 'confirmed', by, $9, $9
			FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::numeric[], $7::text[], $8::text[])
				AS u(id, no, o, m, a, amt, ref, by)`,
			w.pID, w.pNo, w.pOrder, w.pMethod, w.pAgency, w.pAmount, w.pRef, w.pBy, w.now)
	}
}
