package period_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/order"
	"downline/settle/period"
)

// TestLinesPages: paging through a run's lines, any page size, gives
// bonuses.csv exactly; a member filter gives that member's rows of it.
func TestLinesPages(t *testing.T) {
	// Pages cross the boundary of the set's two parts.
	defer period.SetPartLines(2)()
	db := company(t)
	t0 := time.Now().Add(-time.Hour)
	sp := uploadPlan(t, db, "testdata/plan.yaml", t0.Add(-24*time.Hour))
	for i, m := range []string{"A01", "B01", "C01", "D01", "E01", "F01", "G01"} {
		buy(t, db, fmt.Sprint("o", i), m, order.Registration, int64(10+i))
	}
	define(t, db, "P1", t0, time.Now())
	if _, _, err := period.Lines(ctx, db.Pool, "P1", period.LineQuery{Limit: 10}); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("lines of a period not run: %v", err)
	}
	must(runner(t, db).Run(ctx, "P1", "alice"))

	var want bytes.Buffer
	if err := period.WriteLinesCSV(ctx, db.Pool, "P1", &want); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&want).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows = rows[1:]
	if len(rows) < 5 {
		t.Fatalf("only %d lines", len(rows))
	}
	for _, size := range []int{1, 2, 3, len(rows), 10000} {
		var got [][]string
		var after *period.LineKey
		for pages := 0; ; pages++ {
			ls, r, err := period.Lines(ctx, db.Pool, "P1", period.LineQuery{After: after, Limit: size})
			if err != nil {
				t.Fatal(err)
			}
			if r.Period.Code != "P1" || r.Status != period.Draft {
				t.Fatalf("run %+v", r)
			}
			for _, l := range ls {
				got = append(got, lineRow(l))
			}
			if len(ls) < size || pages > len(rows) {
				break
			}
			k := ls[len(ls)-1].Key()
			after = &k
		}
		if fmt.Sprint(got) != fmt.Sprint(rows) {
			t.Fatalf("pages of %d:\n%v\nbonuses.csv:\n%v", size, got, rows)
		}
	}
	var d01 [][]string
	for _, r := range rows {
		if r[0] == "D01" {
			d01 = append(d01, r)
		}
	}
	ls, _ := must2(period.Lines(ctx, db.Pool, "P1", period.LineQuery{Member: "D01", Limit: 100}))
	var got [][]string
	for _, l := range ls {
		got = append(got, lineRow(l))
	}
	if len(d01) == 0 || fmt.Sprint(got) != fmt.Sprint(d01) {
		t.Fatalf("D01's lines %v, in bonuses.csv %v", got, d01)
	}
	for _, bad := range []int{0, -1, 10001} {
		if _, _, err := period.Lines(ctx, db.Pool, "P1", period.LineQuery{Limit: bad}); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("limit %d: %v", bad, err)
		}
	}

	got1 := must(period.GetPlan(ctx, db.Pool, sp.ID))
	if got1.Document != sp.Document || got1.Version != 1 {
		t.Errorf("GetPlan: %+v", got1)
	}
	if _, err := period.GetPlan(ctx, db.Pool, sp.ID+100); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("a missing plan: %v", err)
	}
}

// lineRow is a line as bonuses.csv writes it (member, bonus, amount, source,
// level), for this plan of scale 2.
func lineRow(l period.Line) []string {
	return []string{l.Member, l.Bonus, l.Amount.StringFixed(2), l.Source, fmt.Sprint(l.Level)}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// TestAdjustOnce: a retry under the key enters nothing and answers the
// first adjustment; another request under the key is refused; the rules of
// Adjust hold; the adjustments list in order.
func TestAdjustOnce(t *testing.T) {
	db := company(t)
	t0 := time.Now().Add(-time.Hour)
	define(t, db, "P1", t0, time.Now())
	five := decimal.RequireFromString("5.00")
	first := must(period.AdjustOnce(ctx, db, "k1", "P1", "A01", five, "late order", "alice"))
	again := must(period.AdjustOnce(ctx, db, "k1", "P1", "A01", five, "late order", "alice"))
	if again.ID != first.ID || !again.Amount.Equal(five) || again.EnteredBy != "alice" {
		t.Fatalf("replay %+v, first %+v", again, first)
	}
	if _, err := period.AdjustOnce(ctx, db, "k1", "P1", "A01", decimal.NewFromInt(6), "late order", "alice"); !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Fatalf("another adjustment under the key: %v", err)
	}
	second := must(period.AdjustOnce(ctx, db, "k2", "P1", "B01", decimal.RequireFromString("-2.50"), "overpaid", "alice"))
	for _, c := range []struct {
		key, period, member, amount, reason string
		want                                error
	}{
		{"k3", "P1", "A01", "0", "zero", ledger.ErrInvalid},
		{"k3", "P1", "A01", "1.005", "cents", ledger.ErrInvalid},
		{"k3", "P1", "A01", "1", " ", ledger.ErrInvalid},
		{"", "P1", "A01", "1", "no key", ledger.ErrInvalid},
		{"k3", "P9", "A01", "1", "no period", ledger.ErrNotFound},
		{"k3", "P1", "Z99", "1", "no member", ledger.ErrNotFound},
	} {
		if _, err := period.AdjustOnce(ctx, db, c.key, c.period, c.member, decimal.RequireFromString(c.amount), c.reason, "alice"); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.reason, err, c.want)
		}
	}
	as := must(period.ManualAdjustments(ctx, db.Pool, "P1"))
	if len(as) != 2 || as[0].ID != first.ID || as[1].ID != second.ID || as[1].Member != "B01" || as[0].Period != "P1" {
		t.Fatalf("adjustments: %+v", as)
	}
	if _, err := period.ManualAdjustments(ctx, db.Pool, "P9"); !errors.Is(err, ledger.ErrNotFound) || !strings.Contains(err.Error(), "P9") {
		t.Fatalf("adjustments of a missing period: %v", err)
	}
}
