package period

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5"

	"downline/graphstore"
	"downline/network"
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
	stage("reading trees and orders")
	// The trees come from the graph store while this connection reads the
	// member codes and the volumes: the two do not wait for each other. The
	// volumes are added up per ledger member (a slot per member code read),
	// and moved to the engine's rows once the trees say which those are.
	type trees struct {
		sp, pl graphstore.Export
		err    error
	}
	treesDone := make(chan trees, 1)
	go func() {
		var t trees
		cut := spec.period.CutoffAt
		if t.sp, t.err = store.Export(ctx, network.Sponsor, cut); t.err != nil {
			t.err = fmt.Errorf("sponsor tree as of %s: %w", cut.Format(time.RFC3339), t.err)
		} else if t.pl, t.err = store.Export(ctx, network.Placement, cut); t.err != nil {
			t.err = fmt.Errorf("placement tree as of %s: %w", cut.Format(time.RFC3339), t.err)
		}
		treesDone <- t
	}()
	ledgerIDs, codes, err := memberCodes(ctx, tx)
	if err != nil {
		<-treesDone
		return engine.Input{}, st, err
	}
	slots := newIndex(ledgerIDs)
	vols, err := readVolumes(ctx, tx, spec, slots, codes, &st)
	t := <-treesDone
	if err != nil {
		return engine.Input{}, st, err
	}
	if t.err != nil {
		return engine.Input{}, st, t.err
	}
	sp, pl := t.sp, t.pl
	n := len(sp.IDs)
	if len(pl.IDs) != n {
		return engine.Input{}, st, fmt.Errorf("graph store: %d members in the sponsor tree but %d in the placement tree as of %s", n, len(pl.IDs), spec.period.CutoffAt)
	}
	// row[slot] is the engine row of a ledger member (-1: not in the trees).
	row := make([]int32, len(ledgerIDs))
	for i := range row {
		row[i] = -1
	}
	ids := make([]string, n)
	sponsor, placement := make([]int32, n), make([]int32, n)
	side := make([]int8, n)
	pv, bv, reg := make([]decimal128.Num, n), make([]decimal128.Num, n), make([]decimal128.Num, n)
	cl, cr := make([]decimal128.Num, n), make([]decimal128.Num, n)
	for i, id := range sp.IDs {
		k, ok := slots.get(int64(id))
		if !ok {
			return engine.Input{}, st, fmt.Errorf("graph store holds member %d, which the ledger does not know: rebuild the graph store", id)
		}
		row[k] = int32(i)
		ids[i], sponsor[i], placement[i] = codes[k], sp.Parent[i], -1
		pv[i], bv[i], reg[i], cl[i], cr[i] = vols.pv[k], vols.bv[k], vols.reg[k], vols.cl[k], vols.cr[k]
	}
	codes = nil
	for k, r := range row {
		if r < 0 && vols.what[k] != "" {
			return engine.Input{}, st, fmt.Errorf("%s of member id %d, who is not in the trees as of %s", vols.what[k], ledgerIDs[k], spec.period.CutoffAt)
		}
	}
	engineRow := func(id network.MemberID) (int32, bool) {
		k, ok := slots.get(int64(id))
		if !ok || row[k] < 0 {
			return 0, false
		}
		return row[k], true
	}
	for j, id := range pl.IDs {
		i, ok := engineRow(id)
		if !ok {
			return engine.Input{}, st, fmt.Errorf("graph store: member %d is in the placement tree but not in the sponsor tree", id)
		}
		if p := pl.Parent[j]; p >= 0 {
			placement[i], _ = engineRow(pl.IDs[p])
			side[i] = engine.Left
			if pl.Side[j] == network.Right {
				side[i] = engine.Right
			}
		}
	}
	st.Members = n
	return engine.Input{
		Members: engine.NewMembers(ids, sponsor, placement, side),
		Volumes: engine.NewVolumes(vols.scale, pv, bv, reg, cl, cr),
	}, st, nil
}

// volumes are a period's volumes and carry-in per ledger member slot; what
// names the first row read of a member ("orders", "returns", "carry-in"),
// so that one missing from the trees can be reported.
type volumes struct {
	scale               int32
	pv, bv, reg, cl, cr []decimal128.Num
	what                []string
}

// readVolumes reads the carry-in and adds up the orders and returns of the
// period per member slot.
func readVolumes(ctx context.Context, tx pgx.Tx, spec inputSpec, slots *memberIndex, codes []string, st *readStats) (*volumes, error) {
	n := len(codes)
	v := &volumes{scale: 2, what: make([]string, n)}
	slot := func(what string, id []byte) (int32, error) {
		k, ok := slots.get(atoi(id))
		if !ok {
			return 0, fmt.Errorf("%s of member id %s, who is not in the ledger", what, id)
		}
		if v.what[k] == "" {
			v.what[k] = what
		}
		return k, nil
	}
	// The carry-in first: its scale decides the volumes' scale (orders have two decimals).
	type carryRow struct {
		k    int32
		l, r []byte
	}
	var carry []carryRow
	if spec.carryRun != 0 {
		lc, rc := "carry_left", "carry_right"
		if spec.carryIn {
			lc, rc = "carry_in_left", "carry_in_right"
		}
		err := copyOut(ctx, tx, `COPY (SELECT m.id, c.`+lc+`, c.`+rc+` FROM settle_run_members c JOIN members m ON m.code = c.member
			WHERE c.run_id = `+fmt.Sprint(spec.carryRun)+` AND (c.`+lc+` <> 0 OR c.`+rc+` <> 0)) TO STDOUT`, func(f [][]byte) error {
			k, err := slot("carry-in", f[0])
			if err != nil {
				return err
			}
			carry = append(carry, carryRow{k, append([]byte(nil), f[1]...), append([]byte(nil), f[2]...)})
			v.scale = max(v.scale, decimals(f[1]), decimals(f[2]))
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read carry-in of period %s: %w", spec.period.Code, err)
		}
		st.Carry = len(carry)
	}
	scale := v.scale
	v.cl, v.cr = make([]decimal128.Num, n), make([]decimal128.Num, n)
	for _, c := range carry {
		var ok1, ok2 bool
		v.cl[c.k], ok1 = parseScaled(c.l, scale)
		v.cr[c.k], ok2 = parseScaled(c.r, scale)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("carry-in of %s: %s / %s is not a number", codes[c.k], c.l, c.r)
		}
	}

	var first time.Time
	if err := tx.QueryRow(ctx, `SELECT coalesce(min(starts_at), $1) FROM settle_periods`, spec.period.StartsAt).Scan(&first); err != nil {
		return nil, err
	}
	pv, bv, reg := make([]decimal128.Num, n), make([]decimal128.Num, n), make([]decimal128.Num, n)
	v.pv, v.bv, v.reg = pv, bv, reg
	// The rows are summed here rather than by Postgres: streaming two
	// million orders costs Postgres a third of the CPU of a million-group
	// aggregate of numerics, and adding them up in place costs little more
	// than parsing sums would.
	w := newPeriodSQL(spec, first)
	add := func(what string, f [][]byte, reg_ bool) error {
		i, err := slot(what, f[0])
		if err != nil {
			return err
		}
		p, ok1 := parseScaled(f[len(f)-2], scale)
		b, ok2 := parseScaled(f[len(f)-1], scale)
		if !ok1 || !ok2 {
			return fmt.Errorf("%s of member %s: volumes %s %s", what, codes[i], f[len(f)-2], f[len(f)-1])
		}
		pv[i], bv[i] = pv[i].Add(p), bv[i].Add(b)
		if reg_ {
			reg[i] = reg[i].Add(b)
		}
		st.Orders++
		return nil
	}
	err := copyOut(ctx, tx, `COPY (SELECT o.member_id, o.kind = 'registration', o.pv, o.bv FROM orders o WHERE `+w.orders+`) TO STDOUT`,
		func(f [][]byte) error {
			if len(f) != 4 {
				return fmt.Errorf("orders: %d columns from COPY", len(f))
			}
			return add("orders", f, f[1][0] == 't')
		})
	if err != nil {
		return nil, fmt.Errorf("read orders of period %s: %w", spec.period.Code, err)
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
		return nil, fmt.Errorf("read returns of period %s: %w", spec.period.Code, err)
	}
	return v, nil
}

// memberIndex maps ledger member ids to engine rows: a slice when the ids
// are dense (identity columns usually are), a map otherwise.
type memberIndex struct {
	dense []int32
	m     map[int64]int32
}

func newIndex[ID ~int64](ids []ID) *memberIndex {
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
