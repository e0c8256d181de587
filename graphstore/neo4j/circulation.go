package neo4j

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
)

// Circulation graph:
//
//	(:Lot {id, sku, batch})
//	(:Holder {key: "kind:id", kind, id})
//	(from:Holder)-[:MOVED {seq, lot, qty, at, shipment, order}]->(to:Holder)
//
// The lot is a property of the movement (indexed) rather than a node on the
// path, so a lot's path and an agency's traffic are both one index lookup
// plus the edges themselves.

var _ graphstore.Circulation = (*Store)(nil)

// AddLots registers lots. Errors: ErrInvalid.
func (s *Store) AddLots(ctx context.Context, lots []graphstore.Lot) error {
	rows := make([]map[string]any, len(lots))
	for i, l := range lots {
		if l.ID == "" || l.SKU == "" {
			return fmt.Errorf("neo4j.AddLots: lot %q sku %q: %w", l.ID, l.SKU, graphstore.ErrInvalid)
		}
		rows[i] = map[string]any{"id": l.ID, "sku": l.SKU, "batch": l.Batch}
	}
	_, err := write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		return struct{}{}, run(ctx, tx, `UNWIND $rows AS row MERGE (l:Lot {id: row.id})
ON CREATE SET l.summed = true, l.ends = 0, l.holding = 0, l.endIn = 0, l.endHolds = 0, l.endMoves = 0
SET l.sku = row.sku, l.batch = row.batch`,
			map[string]any{"rows": rows})
	})
	if err != nil {
		return fmt.Errorf("neo4j.AddLots: %w", err)
	}
	return nil
}

func holderKey(h graphstore.Holder) string { return string(h.Kind) + ":" + h.ID }

// RecordMoves records movements, skipping those already stored. Errors: ErrInvalid.
func (s *Store) RecordMoves(ctx context.Context, moves []graphstore.Movement) error {
	if len(moves) == 0 {
		return nil
	}
	rows := make([]map[string]any, len(moves))
	seqs := make([]int64, len(moves))
	lots := map[string]bool{}
	for i, m := range moves {
		switch {
		case m.Seq <= 0 || m.Qty <= 0 || m.Lot == "":
			return fmt.Errorf("neo4j.RecordMoves: seq %d lot %q qty %d: %w", m.Seq, m.Lot, m.Qty, graphstore.ErrInvalid)
		case !m.From.Valid() || !m.To.Valid() || m.From == m.To:
			return fmt.Errorf("neo4j.RecordMoves: seq %d from %v to %v: %w", m.Seq, m.From, m.To, graphstore.ErrInvalid)
		}
		seqs[i] = m.Seq
		lots[m.Lot] = true
		rows[i] = map[string]any{
			"seq": m.Seq, "lot": m.Lot, "qty": m.Qty, "at": m.At.UTC(), "shipment": m.Shipment, "order": m.Order,
			"from": holderKey(m.From), "fromKind": string(m.From.Kind), "fromID": m.From.ID,
			"to": holderKey(m.To), "toKind": string(m.To.Kind), "toID": m.To.ID,
		}
	}
	lotList := make([]string, 0, len(lots))
	for l := range lots {
		lotList = append(lotList, l)
	}
	_, err := write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		found := 0
		err := each(ctx, tx, `UNWIND $lots AS id MATCH (l:Lot {id: id}) RETURN count(l)`, map[string]any{"lots": lotList},
			func(r *neo4j.Record) error { found = int(asInt(r.Values[0])); return nil })
		if err != nil {
			return struct{}{}, err
		}
		if found != len(lotList) {
			return struct{}{}, fmt.Errorf("a movement names a lot never added: %w", graphstore.ErrInvalid)
		}
		// Seq makes re-delivery a no-op: stored movements are left out.
		stored := map[int64]bool{}
		err = each(ctx, tx, `UNWIND $seqs AS seq MATCH ()-[r:MOVED {seq: seq}]->() RETURN r.seq`, map[string]any{"seqs": seqs},
			func(r *neo4j.Record) error { stored[asInt(r.Values[0])] = true; return nil })
		if err != nil {
			return struct{}{}, err
		}
		fresh := rows[:0:0]
		var freshMoves []graphstore.Movement
		for k, row := range rows {
			if !stored[row["seq"].(int64)] {
				fresh = append(fresh, row)
				freshMoves = append(freshMoves, moves[k])
			}
		}
		if len(fresh) == 0 {
			return struct{}{}, nil
		}
		if err := run(ctx, tx, qRecordMoves, map[string]any{"rows": fresh}); err != nil {
			return struct{}{}, err
		}
		// The lot's kept sums, in the same transaction as the edges.
		return struct{}{}, addLotSums(ctx, tx, freshMoves)
	})
	if err != nil {
		return fmt.Errorf("neo4j.RecordMoves: %w", err)
	}
	return nil
}

const qRecordMoves = `
UNWIND $rows AS row
MERGE (f:Holder {key: row.from}) ON CREATE SET f.kind = row.fromKind, f.id = row.fromID
MERGE (t:Holder {key: row.to}) ON CREATE SET t.kind = row.toKind, t.id = row.toID
CREATE (f)-[:MOVED {seq: row.seq, lot: row.lot, qty: row.qty, at: row.at, shipment: row.shipment, order: row.order}]->(t)`

func movementOf(r *neo4j.Record) graphstore.Movement {
	m := graphstore.Movement{
		Seq:      asInt(r.Values[0]),
		Lot:      asString(r.Values[1]),
		From:     graphstore.Holder{Kind: graphstore.HolderKind(asString(r.Values[2])), ID: asString(r.Values[3])},
		To:       graphstore.Holder{Kind: graphstore.HolderKind(asString(r.Values[4])), ID: asString(r.Values[5])},
		Qty:      asInt(r.Values[6]),
		Shipment: asString(r.Values[8]),
		Order:    asString(r.Values[9]),
	}
	if t, ok := r.Values[7].(time.Time); ok {
		m.At = t.UTC()
	}
	return m
}

const movementColumns = `r.seq, r.lot, f.kind, f.id, t.kind, t.id, r.qty, r.at, r.shipment, r.order`

// LotPath returns every movement of one lot in Seq order. Errors: ErrNotFound.
func (s *Store) LotPath(ctx context.Context, lot string) ([]graphstore.Movement, error) {
	moves, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]graphstore.Movement, error) {
		rec, err := single(ctx, tx, `MATCH (l:Lot {id: $lot}) RETURN l.id`, map[string]any{"lot": lot})
		if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, fmt.Errorf("lot %q: %w", lot, graphstore.ErrNotFound)
		}
		var out []graphstore.Movement
		err = each(ctx, tx, `MATCH (f:Holder)-[r:MOVED {lot: $lot}]->(t:Holder) RETURN `+movementColumns+` ORDER BY r.seq`,
			map[string]any{"lot": lot}, func(r *neo4j.Record) error { out = append(out, movementOf(r)); return nil })
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.LotPath(%q): %w", lot, err)
	}
	return moves, nil
}

// PassedThrough returns every movement into or out of h, in Seq order.
func (s *Store) PassedThrough(ctx context.Context, h graphstore.Holder) ([]graphstore.Movement, error) {
	if !h.Valid() {
		return nil, fmt.Errorf("neo4j.PassedThrough(%v): %w", h, graphstore.ErrInvalid)
	}
	moves, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]graphstore.Movement, error) {
		var out []graphstore.Movement
		err := each(ctx, tx, `
MATCH (h:Holder {key: $key})
CALL (h) {
  MATCH (h)-[r:MOVED]->(t:Holder) RETURN r, h AS f, t
  UNION ALL
  MATCH (f:Holder)-[r:MOVED]->(h) RETURN r, f, h AS t
}
RETURN `+movementColumns+` ORDER BY r.seq`,
			map[string]any{"key": holderKey(h)}, func(r *neo4j.Record) error { out = append(out, movementOf(r)); return nil })
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.PassedThrough(%v): %w", h, err)
	}
	return moves, nil
}

// FindLot returns the lot of a SKU and batch (with several, the one whose ID
// sorts first). Errors: ErrNotFound.
func (s *Store) FindLot(ctx context.Context, sku, batch string) (graphstore.Lot, error) {
	lot, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (graphstore.Lot, error) {
		rec, err := single(ctx, tx, `MATCH (l:Lot {sku: $sku, batch: $batch}) RETURN l.id ORDER BY l.id LIMIT 1`,
			map[string]any{"sku": sku, "batch": batch})
		if err != nil {
			return graphstore.Lot{}, err
		}
		if rec == nil {
			return graphstore.Lot{}, fmt.Errorf("SKU %q batch %q: %w", sku, batch, graphstore.ErrNotFound)
		}
		return graphstore.Lot{ID: asString(rec.Values[0]), SKU: sku, Batch: batch}, nil
	})
	if err != nil {
		return graphstore.Lot{}, fmt.Errorf("neo4j.FindLot: %w", err)
	}
	return lot, nil
}

// LotHolders sums one lot's movements per holder. Neo4j sums them per pair
// of holders (one pass over the lot's MOVED edges through their index); the
// pairs are folded per holder here.
func (s *Store) LotHolders(ctx context.Context, lot string) ([]graphstore.HolderFlow, error) {
	type pair struct {
		from, to        graphstore.Holder
		qty, moves, seq int64
		first, last     time.Time
	}
	pairs, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]pair, error) {
		rec, err := single(ctx, tx, `MATCH (l:Lot {id: $lot}) RETURN l.id`, map[string]any{"lot": lot})
		if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, fmt.Errorf("lot %q: %w", lot, graphstore.ErrNotFound)
		}
		var out []pair
		err = each(ctx, tx, `MATCH (f:Holder)-[r:MOVED {lot: $lot}]->(t:Holder)
RETURN f.kind, f.id, t.kind, t.id, sum(r.qty), count(r), min(r.seq), min(r.at), max(r.at)`,
			map[string]any{"lot": lot}, func(r *neo4j.Record) error {
				p := pair{
					from:  graphstore.Holder{Kind: graphstore.HolderKind(asString(r.Values[0])), ID: asString(r.Values[1])},
					to:    graphstore.Holder{Kind: graphstore.HolderKind(asString(r.Values[2])), ID: asString(r.Values[3])},
					qty:   asInt(r.Values[4]),
					moves: asInt(r.Values[5]),
					seq:   asInt(r.Values[6]),
				}
				p.first, _ = r.Values[7].(time.Time)
				p.last, _ = r.Values[8].(time.Time)
				out = append(out, p)
				return nil
			})
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.LotHolders(%q): %w", lot, err)
	}
	type acc struct {
		graphstore.HolderFlow
		seq      int64 // the first movement's seq
		received bool  // the holder received in that movement
	}
	by := map[graphstore.Holder]*acc{}
	add := func(h graphstore.Holder, p pair, received bool) {
		a := by[h]
		if a == nil {
			a = &acc{HolderFlow: graphstore.HolderFlow{Holder: h, First: p.first.UTC(), Last: p.last.UTC()}, seq: p.seq, received: received}
			by[h] = a
		}
		if received {
			a.In += p.qty
		} else {
			a.Out += p.qty
		}
		a.Moves += p.moves
		if p.first.Before(a.First) {
			a.First = p.first.UTC()
		}
		if p.last.After(a.Last) {
			a.Last = p.last.UTC()
		}
		if p.seq < a.seq {
			a.seq, a.received = p.seq, received
		}
	}
	for _, p := range pairs {
		add(p.from, p, false)
		add(p.to, p, true)
	}
	all := make([]*acc, 0, len(by))
	for _, a := range by {
		all = append(all, a)
	}
	slices.SortFunc(all, func(a, b *acc) int {
		if c := cmp.Compare(a.seq, b.seq); c != 0 {
			return c
		}
		if a.received == b.received {
			return 0
		}
		if b.received {
			return -1
		}
		return 1
	})
	out := make([]graphstore.HolderFlow, len(all))
	for k, a := range all {
		out[k] = a.HolderFlow
	}
	return out, nil
}

// LotEdges sums one lot's movements per pair of holders, in Cypher: one
// pass over the lot's MOVED edges through their index. Errors: ErrNotFound.
func (s *Store) LotEdges(ctx context.Context, lot string) ([]graphstore.Edge, error) {
	edges, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]graphstore.Edge, error) {
		rec, err := single(ctx, tx, `MATCH (l:Lot {id: $lot}) RETURN l.id`, map[string]any{"lot": lot})
		if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, fmt.Errorf("lot %q: %w", lot, graphstore.ErrNotFound)
		}
		var out []graphstore.Edge
		err = each(ctx, tx, `MATCH (f:Holder)-[r:MOVED {lot: $lot}]->(t:Holder)
WITH f, t, sum(r.qty) AS qty, count(r) AS moves, min(r.seq) AS seq, min(r.at) AS first, max(r.at) AS last
RETURN f.kind, f.id, t.kind, t.id, qty, moves, seq, first, last ORDER BY seq`,
			map[string]any{"lot": lot}, func(r *neo4j.Record) error {
				e := graphstore.Edge{
					From:     graphstore.Holder{Kind: graphstore.HolderKind(asString(r.Values[0])), ID: asString(r.Values[1])},
					To:       graphstore.Holder{Kind: graphstore.HolderKind(asString(r.Values[2])), ID: asString(r.Values[3])},
					Qty:      asInt(r.Values[4]),
					Moves:    asInt(r.Values[5]),
					FirstSeq: asInt(r.Values[6]),
				}
				if t, ok := r.Values[7].(time.Time); ok {
					e.First = t.UTC()
				}
				if t, ok := r.Values[8].(time.Time); ok {
					e.Last = t.UTC()
				}
				out = append(out, e)
				return nil
			})
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.LotEdges(%q): %w", lot, err)
	}
	return edges, nil
}

// Lots returns every lot, ordered by SKU, batch and ID.
func (s *Store) Lots(ctx context.Context) ([]graphstore.Lot, error) {
	lots, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]graphstore.Lot, error) {
		var out []graphstore.Lot
		err := each(ctx, tx, `MATCH (l:Lot) RETURN l.id, l.sku, l.batch ORDER BY l.sku, l.batch, l.id`, nil,
			func(r *neo4j.Record) error {
				out = append(out, graphstore.Lot{ID: asString(r.Values[0]), SKU: asString(r.Values[1]), Batch: asString(r.Values[2])})
				return nil
			})
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.Lots: %w", err)
	}
	return lots, nil
}

// Downstream walks the graph from h one step at a time: each step is one
// Cypher query that follows, from every holder reached so far (with the lot
// and the Seq at which the lot reached it), the later MOVED edges of that
// lot. A holder reached again earlier than before is walked again from
// there, so the walk ends when no step reaches anything sooner.
func (s *Store) Downstream(ctx context.Context, h graphstore.Holder) ([]graphstore.Movement, error) {
	if !h.Valid() {
		return nil, fmt.Errorf("neo4j.Downstream(%v): %w", h, graphstore.ErrInvalid)
	}
	moves, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]graphstore.Movement, error) {
		type reach struct{ lot, key string }
		// reached[lot, holder] is the lowest Seq at which the lot reached the holder.
		reached := map[reach]int64{}
		picked := map[int64]bool{}
		frontier := []map[string]any{{"key": holderKey(h), "lot": nil, "seq": int64(0)}}
		for len(frontier) > 0 {
			var next []map[string]any
			err := each(ctx, tx, qDownstream, map[string]any{"frontier": frontier}, func(r *neo4j.Record) error {
				seq := asInt(r.Values[1])
				picked[seq] = true
				k := reach{asString(r.Values[0]), asString(r.Values[2])}
				if at, ok := reached[k]; !ok || seq < at {
					reached[k] = seq
					next = append(next, map[string]any{"key": k.key, "lot": k.lot, "seq": seq})
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			frontier = next
		}
		// The walk carried Seqs alone; the movements are read once at the end.
		seqs := make([]int64, 0, len(picked))
		for seq := range picked {
			seqs = append(seqs, seq)
		}
		out := make([]graphstore.Movement, 0, len(seqs))
		err := each(ctx, tx, `UNWIND $seqs AS seq MATCH (f:Holder)-[r:MOVED {seq: seq}]->(t:Holder) RETURN `+movementColumns+` ORDER BY r.seq`,
			map[string]any{"seqs": seqs}, func(r *neo4j.Record) error { out = append(out, movementOf(r)); return nil })
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.Downstream(%v): %w", h, err)
	}
	return moves, nil
}

const qDownstream = `
UNWIND $frontier AS x
MATCH (:Holder {key: x.key})-[r:MOVED]->(t:Holder)
WHERE r.seq > x.seq AND (x.lot IS NULL OR r.lot = x.lot)
RETURN r.lot, r.seq, t.key`
