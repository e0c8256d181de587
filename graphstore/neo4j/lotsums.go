package neo4j

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
)

// A lot's sums per holder, kept as movements are recorded, in the same
// write as their MOVED edges (so a movement delivered again, skipped by
// its Seq, is not counted again):
//
//	(:LotHolder {id: "lot|kind:id", lot, kind, hid, in, out, moves, first, last,
//	             ord,   // 2*Seq (+1 when received) of its first movement of the lot
//	             stop,  // the lot, for a holder that passes goods on; else absent
//	             rank}) // for a member or customer: ord, plus RankReturned when it holds none
//	(:Lot {..., summed, ends, holding, endIn, endHolds, endMoves}) // the recipients' totals
//
// A trace then reads the lot's few stops (index on stop) and its totals,
// and a page of recipients in rank order from the index on (lot, rank),
// instead of summing every MOVED edge of the lot.

var lotSumSchema = []string{
	`CREATE CONSTRAINT lot_holder_id IF NOT EXISTS FOR (s:LotHolder) REQUIRE s.id IS UNIQUE`,
	`CREATE INDEX lot_holder_rank IF NOT EXISTS FOR (s:LotHolder) ON (s.lot, s.rank)`,
	`CREATE INDEX lot_holder_stop IF NOT EXISTS FOR (s:LotHolder) ON (s.stop)`,
	`CALL db.awaitIndexes(300)`,
}

// lotSumRows sums fresh movements per lot and holder, as qAddLotSums takes them.
func lotSumRows(moves []graphstore.Movement) []map[string]any {
	type key struct {
		lot string
		h   graphstore.Holder
	}
	at := map[key]int{}
	var rows []map[string]any
	touch := func(m graphstore.Movement, h graphstore.Holder, in, out, ord int64) {
		k := key{m.Lot, h}
		i, ok := at[k]
		if !ok {
			i = len(rows)
			at[k] = i
			rows = append(rows, map[string]any{"id": m.Lot + "|" + holderKey(h), "lot": m.Lot, "kind": string(h.Kind),
				"hid": h.ID, "end": h.IsRecipient(), "in": int64(0), "out": int64(0), "moves": int64(0),
				"first": m.At.UTC(), "last": m.At.UTC(), "ord": ord})
		}
		r := rows[i]
		r["in"] = r["in"].(int64) + in
		r["out"] = r["out"].(int64) + out
		r["moves"] = r["moves"].(int64) + 1
		if m.At.Before(r["first"].(time.Time)) {
			r["first"] = m.At.UTC()
		}
		if m.At.After(r["last"].(time.Time)) {
			r["last"] = m.At.UTC()
		}
		r["ord"] = min(r["ord"].(int64), ord)
	}
	for _, m := range moves {
		touch(m, m.From, 0, m.Qty, 2*m.Seq)
		touch(m, m.To, m.Qty, 0, 2*m.Seq+1)
	}
	return rows
}

// qAddLotSums adds one batch's sums (one row per lot and holder) to the
// kept ones, and the recipients' changes to their lot's totals.
const qAddLotSums = `
UNWIND $rows AS d
MERGE (s:LotHolder {id: d.id})
  ON CREATE SET s.lot = d.lot, s.kind = d.kind, s.hid = d.hid, s.in = 0, s.out = 0, s.moves = 0,
    s.first = d.first, s.last = d.last, s.ord = d.ord, s.stop = CASE WHEN d.end THEN null ELSE d.lot END
WITH s, d, s.moves = 0 AS fresh, s.in - s.out > 0 AS before
SET s.in = s.in + d.in, s.out = s.out + d.out, s.moves = s.moves + d.moves,
  s.first = CASE WHEN d.first < s.first THEN d.first ELSE s.first END,
  s.last = CASE WHEN d.last > s.last THEN d.last ELSE s.last END,
  s.ord = CASE WHEN d.ord < s.ord THEN d.ord ELSE s.ord END
WITH s, d, fresh, before, s.in - s.out > 0 AS after
SET s.rank = CASE WHEN d.end THEN s.ord + CASE WHEN after THEN 0 ELSE $returned END ELSE null END
WITH d, fresh, before, after WHERE d.end
WITH d.lot AS lot, sum(CASE WHEN fresh THEN 1 ELSE 0 END) AS ends,
  sum(CASE WHEN after THEN 1 ELSE 0 END) - sum(CASE WHEN before THEN 1 ELSE 0 END) AS holding,
  sum(d.in) AS received, sum(d.in - d.out) AS holds, sum(d.moves) AS moves
MATCH (l:Lot {id: lot})
SET l.ends = coalesce(l.ends, 0) + ends, l.holding = coalesce(l.holding, 0) + holding,
  l.endIn = coalesce(l.endIn, 0) + received, l.endHolds = coalesce(l.endHolds, 0) + holds,
  l.endMoves = coalesce(l.endMoves, 0) + moves`

// addLotSums adds fresh movements to their lots' kept sums, in tx.
func addLotSums(ctx context.Context, tx neo4j.ManagedTransaction, moves []graphstore.Movement) error {
	return run(ctx, tx, qAddLotSums, map[string]any{"rows": lotSumRows(moves), "returned": graphstore.RankReturned})
}

// ensureLotSums sums the lots recorded before the sums were kept (a lot
// not marked summed), from their movements: their LotHolder nodes are
// deleted and counted again, the lot marked summed when done, so that an
// interrupted pass starts over at the next start.
func (s *Store) ensureLotSums(ctx context.Context) error {
	lots, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]string, error) {
		var out []string
		err := each(ctx, tx, `MATCH (l:Lot) WHERE l.summed IS NULL RETURN l.id`, nil,
			func(r *neo4j.Record) error { out = append(out, asString(r.Values[0])); return nil })
		return out, err
	})
	if err != nil {
		return err
	}
	for _, lot := range lots {
		moves, err := s.LotPath(ctx, lot)
		if err != nil {
			return err
		}
		_, err = write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
			return struct{}{}, run(ctx, tx, `MATCH (s:LotHolder {lot: $lot}) DETACH DELETE s
WITH count(*) AS gone MATCH (l:Lot {id: $lot})
SET l.ends = 0, l.holding = 0, l.endIn = 0, l.endHolds = 0, l.endMoves = 0`, map[string]any{"lot": lot})
		})
		if err != nil {
			return fmt.Errorf("lot %q: %w", lot, err)
		}
		for len(moves) > 0 {
			n := min(len(moves), 10_000)
			_, err = write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
				return struct{}{}, addLotSums(ctx, tx, moves[:n])
			})
			if err != nil {
				return fmt.Errorf("lot %q: %w", lot, err)
			}
			moves = moves[n:]
		}
		_, err = write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
			return struct{}{}, run(ctx, tx, `MATCH (l:Lot {id: $lot}) SET l.summed = true`, map[string]any{"lot": lot})
		})
		if err != nil {
			return fmt.Errorf("lot %q: %w", lot, err)
		}
	}
	return nil
}

func holderFlowOf(v []any) graphstore.HolderFlow {
	f := graphstore.HolderFlow{
		Holder: graphstore.Holder{Kind: graphstore.HolderKind(asString(v[0])), ID: asString(v[1])},
		In:     asInt(v[2]), Out: asInt(v[3]), Moves: asInt(v[4]),
	}
	if t, ok := v[5].(time.Time); ok {
		f.First = t.UTC()
	}
	if t, ok := v[6].(time.Time); ok {
		f.Last = t.UTC()
	}
	return f
}

const lotHolderColumns = `s.kind, s.hid, s.in, s.out, s.moves, s.first, s.last`

// LotSummary reads the lot's kept totals and its stops, in the order the
// lot reached them. Errors: ErrNotFound.
func (s *Store) LotSummary(ctx context.Context, lot string) (graphstore.LotSummary, error) {
	type answer struct {
		sum    graphstore.LotSummary
		summed bool
	}
	a, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (answer, error) {
		var a answer
		rec, err := single(ctx, tx, `MATCH (l:Lot {id: $lot}) RETURN l.summed, l.ends, l.holding, l.endIn, l.endHolds, l.endMoves`,
			map[string]any{"lot": lot})
		if err != nil {
			return a, err
		}
		if rec == nil {
			return a, fmt.Errorf("lot %q: %w", lot, graphstore.ErrNotFound)
		}
		if a.summed, _ = rec.Values[0].(bool); !a.summed {
			return a, nil
		}
		v, sum := rec.Values, &a.sum
		sum.Recipients, sum.Holding, sum.Received, sum.Holds, sum.Moves = asInt(v[1]), asInt(v[2]), asInt(v[3]), asInt(v[4]), asInt(v[5])
		err = each(ctx, tx, `MATCH (s:LotHolder {stop: $lot}) RETURN `+lotHolderColumns+` ORDER BY s.ord`,
			map[string]any{"lot": lot}, func(r *neo4j.Record) error { sum.Stops = append(sum.Stops, holderFlowOf(r.Values)); return nil })
		return a, err
	})
	sum, summed := a.sum, a.summed
	if err == nil && !summed {
		var flows []graphstore.HolderFlow
		if flows, err = s.LotHolders(ctx, lot); err == nil {
			sum, _ = graphstore.SummaryOf(flows)
		}
	}
	if err != nil {
		return graphstore.LotSummary{}, fmt.Errorf("neo4j.LotSummary(%q): %w", lot, err)
	}
	return sum, nil
}

// LotRecipients reads a page of the lot's recipients in rank order, from
// the index on (lot, rank), ordered and limited in Cypher: ordered by both
// properties, the index gives the order, so a page reads its rows alone.
// Errors: ErrNotFound.
func (s *Store) LotRecipients(ctx context.Context, lot string, after int64, limit int) ([]graphstore.Recipient, error) {
	q := `MATCH (s:LotHolder) WHERE s.lot = $lot AND s.rank > $after RETURN ` + lotHolderColumns + `, s.rank ORDER BY s.lot, s.rank`
	if limit > 0 {
		q += ` LIMIT $limit`
	}
	type answer struct {
		out    []graphstore.Recipient
		summed bool
	}
	a, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (answer, error) {
		var a answer
		rec, err := single(ctx, tx, `MATCH (l:Lot {id: $lot}) RETURN l.summed`, map[string]any{"lot": lot})
		if err != nil {
			return a, err
		}
		if rec == nil {
			return a, fmt.Errorf("lot %q: %w", lot, graphstore.ErrNotFound)
		}
		if a.summed, _ = rec.Values[0].(bool); !a.summed {
			return a, nil
		}
		a.out = []graphstore.Recipient{}
		err = each(ctx, tx, q, map[string]any{"lot": lot, "after": after, "limit": int64(limit)}, func(r *neo4j.Record) error {
			a.out = append(a.out, graphstore.Recipient{HolderFlow: holderFlowOf(r.Values), Rank: asInt(r.Values[7])})
			return nil
		})
		return a, err
	})
	out, summed := a.out, a.summed
	if err == nil && !summed {
		var flows []graphstore.HolderFlow
		if flows, err = s.LotHolders(ctx, lot); err == nil {
			_, rs := graphstore.SummaryOf(flows)
			out = graphstore.PageAfter(rs, after, limit)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("neo4j.LotRecipients(%q): %w", lot, err)
	}
	return out, nil
}
