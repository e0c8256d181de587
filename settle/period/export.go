package period

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"downline/graphstore"
	"downline/ledger"
)

// csvSink writes a period's input as simulate's members, orders and carry files.
type csvSink struct {
	mw, ow, cw *csv.Writer
}

func (s *csvSink) member(code, sponsor, placement, side string) error {
	return s.mw.Write([]string{code, sponsor, placement, side})
}

func (s *csvSink) order(id, member, kind, pv, bv string) error {
	return s.ow.Write([]string{id, member, kind, pv, bv})
}

func (s *csvSink) carry(member, left, right string) error {
	return s.cw.Write([]string{member, left, right})
}

// Export writes the input of period code's run into dir: plan.yaml (the
// plan in force), members.csv (both trees as of the cut-off), orders.csv
// (its volumes, returns included) and carry.csv (the carry-in), exactly
// what `settle run` reads, in `settle simulate`'s formats. Simulating them
// gives the run's lines.
func Export(ctx context.Context, db *ledger.DB, store graphstore.Store, code, dir string) error {
	p, err := Get(ctx, db.Pool, code)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return db.Transact(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		carryRun, err := previousApproved(ctx, tx, p)
		if err != nil {
			return err
		}
		sp, err := PlanInForce(ctx, tx, p.StartsAt)
		if err != nil {
			return err
		}
		// An approved run keeps its plan even if a later upload took effect.
		var planID int64
		if err := tx.QueryRow(ctx, `SELECT plan_id FROM settle_runs WHERE period_id = $1`, p.ID).Scan(&planID); err == nil {
			if sp, err = planByID(ctx, tx, planID); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "plan.yaml"), []byte(sp.Document), 0o644); err != nil {
			return err
		}
		files := map[string]*os.File{}
		for _, n := range []string{"members.csv", "orders.csv", "carry.csv"} {
			f, err := os.Create(filepath.Join(dir, n))
			if err != nil {
				return err
			}
			defer f.Close()
			files[n] = f
		}
		s := &csvSink{mw: csv.NewWriter(files["members.csv"]), ow: csv.NewWriter(files["orders.csv"]), cw: csv.NewWriter(files["carry.csv"])}
		s.mw.Write([]string{"member_id", "sponsor_id", "placement_id", "side"})
		s.ow.Write([]string{"order_id", "member_id", "kind", "pv", "bv"})
		s.cw.Write([]string{"member_id", "left", "right"})
		if _, err := readInput(ctx, tx, store, inputSpec{period: p, asOf: p.CutoffAt, carryRun: carryRun, sorted: true}, s, nil); err != nil {
			return err
		}
		for n, w := range map[string]*csv.Writer{"members.csv": s.mw, "orders.csv": s.ow, "carry.csv": s.cw} {
			w.Flush()
			if err := w.Error(); err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
			if err := files[n].Close(); err != nil {
				return err
			}
		}
		return nil
	})
}
