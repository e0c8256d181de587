package projection

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/stock"
)

// ConvertLotMoved turns a lot.moved outbox row into a lot and its movement;
// ok is false for rows of other kinds. The movement's Seq is the outbox seq,
// so re-delivery is a no-op (Circulation.RecordMoves skips stored seqs).
func ConvertLotMoved(e ledger.OutboxEvent) (lot graphstore.Lot, mv graphstore.Movement, ok bool, err error) {
	if e.Kind != stock.EventLotMoved {
		return lot, mv, false, nil
	}
	var p stock.LotMoved
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return lot, mv, false, fmt.Errorf("outbox event %d (%s): %w", e.Seq, e.Kind, err)
	}
	lot = graphstore.Lot{ID: strconv.FormatInt(p.Lot, 10), SKU: p.SKU, Batch: p.Batch}
	mv = graphstore.Movement{Seq: e.Seq, Lot: lot.ID, From: HolderOf(p.From), To: HolderOf(p.To), Qty: p.Qty, At: p.At, Shipment: p.Shipment, Order: p.Order}
	if mv.At.IsZero() {
		mv.At = e.At
	}
	return lot, mv, true, nil
}

// HolderOf names a ledger holder in the graph: warehouses (HQ's and the
// agencies') by code, members by code, shop customers by order number; the
// supplier and write-offs are one holder each.
func HolderOf(h stock.Holder) graphstore.Holder {
	id := h.Code
	if id == "" && h.ID != 0 {
		id = strconv.FormatInt(h.ID, 10)
	}
	switch h.Kind {
	case "warehouse":
		return graphstore.Holder{Kind: graphstore.Warehouse, ID: id}
	case "agency_warehouse":
		return graphstore.Holder{Kind: graphstore.Agency, ID: id}
	case "member":
		return graphstore.Holder{Kind: graphstore.MemberHolder, ID: id}
	case "customer":
		return graphstore.Holder{Kind: graphstore.Customer, ID: id}
	case "supplier":
		return graphstore.Holder{Kind: graphstore.Supplier, ID: "supplier"}
	case "writeoff":
		return graphstore.Holder{Kind: graphstore.WriteOff, ID: "writeoff"}
	}
	// An unknown kind fails RecordMoves' validation: the feed stops on it
	// rather than dropping goods from the trace.
	return graphstore.Holder{Kind: graphstore.HolderKind(h.Kind), ID: id}
}

// circulation collects the lot movements of a batch of outbox rows.
type circulation struct {
	lots  []graphstore.Lot
	seen  map[string]bool
	moves []graphstore.Movement
}

func (c *circulation) add(r ledger.OutboxEvent) (bool, error) {
	lot, mv, ok, err := ConvertLotMoved(r)
	if !ok || err != nil {
		return ok, err
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if !c.seen[lot.ID] {
		c.seen[lot.ID] = true
		c.lots = append(c.lots, lot)
	}
	c.moves = append(c.moves, mv)
	return true, nil
}

// record writes the movements into cs: lots first (an upsert), then the
// movements (stored seqs skipped), so a retried batch changes nothing twice.
func (c *circulation) record(ctx context.Context, cs graphstore.Circulation) error {
	if len(c.moves) == 0 {
		return nil
	}
	if err := cs.AddLots(ctx, c.lots); err != nil {
		return err
	}
	return cs.RecordMoves(ctx, c.moves)
}

// backfillCirculation records every lot movement in the outbox up to seq:
// a bulk load carries only the member networks, and a feed resumes after it.
func backfillCirculation(ctx context.Context, db *ledger.DB, cs graphstore.Circulation, upTo int64) error {
	const batch = 5000
	after := int64(0)
	for after < upTo {
		rows, err := db.Pool.Query(ctx, `SELECT seq, kind, key, payload, created_at FROM outbox
			WHERE kind = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`, stock.EventLotMoved, after, upTo, batch)
		if err != nil {
			return err
		}
		var c circulation
		n := 0
		for rows.Next() {
			var e ledger.OutboxEvent
			if err := rows.Scan(&e.Seq, &e.Kind, &e.Key, &e.Payload, &e.At); err != nil {
				rows.Close()
				return err
			}
			if _, err := c.add(e); err != nil {
				rows.Close()
				return err
			}
			after = e.Seq
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := c.record(ctx, cs); err != nil {
			return fmt.Errorf("lot movements up to %d: %w", after, err)
		}
		if n < batch {
			return nil
		}
	}
	return nil
}
