package period

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5"

	"downline/graphstore"
	"downline/settle/engine"
)

// loadColumns reads a period's input straight into the engine's columns:
// the trees from the graph store as parent-index arrays (the sponsor
// export's order is the member order), and the volumes of the period's
// orders and returns (COPY of member id and volumes, one row per order,
// added up per member as they stream in). It is what readInput +
// engine.Builder compute, without a map lookup per order: `settle export`
// writes the per-order files through the builder path and the tests check
// that simulating them gives the same lines.
func loadColumns(ctx context.Context, tx pgx.Tx, store graphstore.Store, spec inputSpec, progress func(string)) (engine.Input, readStats, error) {
	var st readStats
	stage := func(s string) {
		if progress != nil {
			progress(s)
		}
	}
	stage("reading trees")
	codes, err := memberCodes(ctx, tx)
	if err != nil {
		return engine.Input{}, st, err
	}
	sp, err := store.Export(ctx, graphstore.Sponsor, spec.period.CutoffAt)
	if err != nil {
		return engine.Input{}, st, fmt.Errorf("sponsor tree as of %s: %w", spec.period.CutoffAt.Format(time.RFC3339), err)
	}
	pl, err := store.Export(ctx, graphstore.Placement, spec.period.CutoffAt)
	if err != nil {
		return engine.Input{}, st, fmt.Errorf("placement tree as of %s: %w", spec.period.CutoffAt.Format(time.RFC3339), err)
	}
	n := len(sp.IDs)
	if len(pl.IDs) != n {
		return engine.Input{}, st, fmt.Errorf("graph store: %d members in the sponsor tree but %d in the placement tree as of %s", n, len(pl.IDs), spec.period.CutoffAt)
	}
	at := newIndex(sp.IDs)
	ids := make([]string, n)
	sponsor, placement := make([]int32, n), make([]int32, n)
	side := make([]int8, n)
	for i, id := range sp.IDs {
		c, ok := codes[int64(id)]
		if !ok {
			return engine.Input{}, st, fmt.Errorf("graph store holds member %d, which the ledger does not know: rebuild the graph store", id)
		}
		ids[i], sponsor[i], placement[i] = c, sp.Parent[i], -1
	}
	codes = nil
	for j, id := range pl.IDs {
		i, ok := at.get(int64(id))
		if !ok {
			return engine.Input{}, st, fmt.Errorf("graph store: member %d is in the placement tree but not in the sponsor tree", id)
		}
		if p := pl.Parent[j]; p >= 0 {
			placement[i], _ = at.get(int64(pl.IDs[p]))
			side[i] = engine.Left
			if pl.Side[j] == graphstore.Right {
				side[i] = engine.Right
			}
		}
	}
	st.Members = n

	// The carry-in first: its scale decides the volumes' scale (orders have two decimals).
	type carryRow struct {
		i    int32
		l, r []byte
	}
	var carry []carryRow
	scale := int32(2)
	if spec.carryRun != 0 {
		lc, rc := "carry_left", "carry_right"
		if spec.carryIn {
			lc, rc = "carry_in_left", "carry_in_right"
		}
		err := copyOut(ctx, tx, `COPY (SELECT m.id, c.`+lc+`, c.`+rc+` FROM settle_run_members c JOIN members m ON m.code = c.member
			WHERE c.run_id = `+fmt.Sprint(spec.carryRun)+` AND (c.`+lc+` <> 0 OR c.`+rc+` <> 0)) TO STDOUT`, func(f [][]byte) error {
			i, ok := at.get(atoi(f[0]))
			if !ok {
				return fmt.Errorf("carry-in of member id %s, who is not in the trees as of %s", f[0], spec.period.CutoffAt)
			}
			carry = append(carry, carryRow{i, append([]byte(nil), f[1]...), append([]byte(nil), f[2]...)})
			scale = max(scale, decimals(f[1]), decimals(f[2]))
			return nil
		})
		if err != nil {
			return engine.Input{}, st, fmt.Errorf("read carry-in of period %s: %w", spec.period.Code, err)
		}
		st.Carry = len(carry)
	}
	cl, cr := make([]decimal128.Num, n), make([]decimal128.Num, n)
	for _, c := range carry {
		var ok1, ok2 bool
		cl[c.i], ok1 = parseScaled(c.l, scale)
		cr[c.i], ok2 = parseScaled(c.r, scale)
		if !ok1 || !ok2 {
			return engine.Input{}, st, fmt.Errorf("carry-in of %s: %s / %s is not a number", ids[c.i], c.l, c.r)
		}
	}

	stage("reading orders")
	var first time.Time
	if err := tx.QueryRow(ctx, `SELECT coalesce(min(starts_at), $1) FROM settle_periods`, spec.period.StartsAt).Scan(&first); err != nil {
		return engine.Input{}, st, err
	}
	pv, bv, reg := make([]decimal128.Num, n), make([]decimal128.Num, n), make([]decimal128.Num, n)
	// The rows are summed here rather than by Postgres: streaming two
	// million orders costs Postgres a third of the CPU of a million-group
	// aggregate of numerics, and adding them up in place costs little more
	// than parsing sums would.
	w := newPeriodSQL(spec, first)
	add := func(what string, f [][]byte, reg_ bool) error {
		i, ok := at.get(atoi(f[0]))
		if !ok {
			return fmt.Errorf("%s of member id %s, who is not in the trees as of %s", what, f[0], spec.period.CutoffAt)
		}
		p, ok1 := parseScaled(f[len(f)-2], scale)
		b, ok2 := parseScaled(f[len(f)-1], scale)
		if !ok1 || !ok2 {
			return fmt.Errorf("%s of member %s: volumes %s %s", what, ids[i], f[len(f)-2], f[len(f)-1])
		}
		pv[i], bv[i] = pv[i].Add(p), bv[i].Add(b)
		if reg_ {
			reg[i] = reg[i].Add(b)
		}
		st.Orders++
		return nil
	}
	err = copyOut(ctx, tx, `COPY (SELECT o.member_id, o.kind = 'registration', o.pv, o.bv FROM orders o WHERE `+w.orders+`) TO STDOUT`,
		func(f [][]byte) error {
			if len(f) != 4 {
				return fmt.Errorf("orders: %d columns from COPY", len(f))
			}
			return add("orders", f, f[1][0] == 't')
		})
	if err != nil {
		return engine.Input{}, st, fmt.Errorf("read orders of period %s: %w", spec.period.Code, err)
	}
	returns := func(where string) string {
		return `SELECT o.member_id, r.pv, r.bv FROM returns r JOIN orders o ON o.id = r.order_id WHERE ` + where
	}
	err = copyOut(ctx, tx, `COPY (`+returns(w.ownReturns)+` UNION ALL `+returns(w.oldReturns)+`) TO STDOUT`,
		func(f [][]byte) error {
			if len(f) != 3 {
				return fmt.Errorf("returns: %d columns from COPY", len(f))
			}
			return add("returns", f, false)
		})
	if err != nil {
		return engine.Input{}, st, fmt.Errorf("read returns of period %s: %w", spec.period.Code, err)
	}
	return engine.Input{
		Members: engine.NewMembers(ids, sponsor, placement, side),
		Volumes: engine.NewVolumes(scale, pv, bv, reg, cl, cr),
	}, st, nil
}

// memberIndex maps ledger member ids to engine rows: a slice when the ids
// are dense (identity columns usually are), a map otherwise.
type memberIndex struct {
	dense []int32
	m     map[int64]int32
}

func newIndex(ids []graphstore.MemberID) *memberIndex {
	var hi int64
	for _, id := range ids {
		hi = max(hi, int64(id))
	}
	x := &memberIndex{}
	if hi <= 4*int64(len(ids))+1024 {
		x.dense = make([]int32, hi+1)
		for i := range x.dense {
			x.dense[i] = -1
		}
		for i, id := range ids {
			x.dense[id] = int32(i)
		}
		return x
	}
	x.m = make(map[int64]int32, len(ids))
	for i, id := range ids {
		x.m[int64(id)] = int32(i)
	}
	return x
}

func (x *memberIndex) get(id int64) (int32, bool) {
	if x.dense != nil {
		if id < 0 || id >= int64(len(x.dense)) || x.dense[id] < 0 {
			return 0, false
		}
		return x.dense[id], true
	}
	i, ok := x.m[id]
	return i, ok
}

func atoi(b []byte) int64 {
	var v int64
	for _, c := range b {
		v = v*10 + int64(c-'0')
	}
	return v
}

// decimals counts the digits after the point of a plain decimal.
func decimals(b []byte) int32 {
	for i, c := range b {
		if c == '.' {
			return int32(len(b) - i - 1)
		}
	}
	return 0
}

// parseScaled reads a plain decimal (as Postgres prints numeric) as an
// integer of units of 10^-scale; it refuses more decimals than scale.
func parseScaled(b []byte, scale int32) (decimal128.Num, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return decimal128.Num{}, false
	}
	frac := int32(-1)
	digits := 0
	var v int64
	var big_ *big.Int
	for _, c := range b {
		if c == '.' {
			if frac >= 0 {
				return decimal128.Num{}, false
			}
			frac = 0
			continue
		}
		if c < '0' || c > '9' {
			return decimal128.Num{}, false
		}
		if frac >= 0 {
			frac++
		}
		digits++
		if big_ == nil && digits <= 18 {
			v = v*10 + int64(c-'0')
			continue
		}
		if big_ == nil {
			big_ = big.NewInt(v)
		}
		big_.Mul(big_, big.NewInt(10)).Add(big_, big.NewInt(int64(c-'0')))
	}
	frac = max(frac, 0)
	if frac > scale {
		return decimal128.Num{}, false
	}
	for k := frac; k < scale; k++ {
		if big_ == nil && v < 1e17 {
			v *= 10
			continue
		}
		if big_ == nil {
			big_ = big.NewInt(v)
		}
		big_.Mul(big_, big.NewInt(10))
	}
	if big_ != nil {
		if neg {
			big_.Neg(big_)
		}
		if big_.BitLen() > 126 {
			return decimal128.Num{}, false
		}
		return decimal128.FromBigInt(big_), true
	}
	if neg {
		v = -v
	}
	return decimal128.FromI64(v), true
}
