package period_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"downline/ledger"
	"downline/ledger/journal"
	"downline/ledger/order"
	"downline/settle/csvio"
	"downline/settle/period"
	"downline/settle/simulate"
)

// sameAsSimulate exports the period, simulates the files and compares
// bonuses.csv with the run's lines, byte for byte.
func sameAsSimulate(t *testing.T, r *period.Runner, code string) {
	t.Helper()
	dir := t.TempDir()
	if err := period.Export(ctx, r.DB, r.Graph, code, dir); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	err := simulate.Run(simulate.Config{Plan: filepath.Join(dir, "plan.yaml"), Out: out, Files: csvio.Files{
		Members: filepath.Join(dir, "members.csv"), Orders: filepath.Join(dir, "orders.csv"), Carry: filepath.Join(dir, "carry.csv")}}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("simulate the export of %s: %v", code, err)
	}
	want, err := os.ReadFile(filepath.Join(out, "bonuses.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := period.WriteLinesCSV(ctx, r.DB.Pool, code, &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("period %s: run lines differ from simulate:\nrun:\n%s\nsimulate:\n%s", code, got.String(), want)
	}
	if strings.Count(got.String(), "\n") < 2 {
		t.Fatalf("period %s: no lines at all:\n%s", code, got.String())
	}
}

func payable(t *testing.T, db *ledger.DB, code string) decimal.Decimal {
	t.Helper()
	b := must(journal.Balance(ctx, db.Pool, journal.BonusPayable, code, time.Time{}))
	return b.Neg()
}

func TestLifecycle(t *testing.T) {
	// Every run here writes its lines in two parts.
	defer period.SetPartLines(2)()
	db := company(t)
	t0 := time.Now().Add(-time.Hour)
	uploadPlan(t, db, "testdata/plan.yaml", t0.Add(-24*time.Hour))
	buy(t, db, "a", "A01", order.Repeat, 10)
	buy(t, db, "b", "B01", order.Registration, 15)
	buy(t, db, "c", "C01", order.Registration, 10)
	d := buy(t, db, "d", "D01", order.Registration, 20)
	buy(t, db, "e", "E01", order.Repeat, 5)
	f := buy(t, db, "f", "F01", order.Registration, 12)
	buy(t, db, "g", "G01", order.Registration, 10)
	giveBack(t, db, "d-ret", d.No, 2) // returned within the period: counts in it
	t1 := time.Now()
	define(t, db, "P1", t0, t1)
	r := runner(t, db)

	// Draft, and a re-run that replaces it with the same lines.
	first := must(r.Run(ctx, "P1", "alice"))
	if first.Run.Status != period.Draft || first.Run.Lines == 0 || first.Replaced {
		t.Fatalf("first run: %+v", first.Run)
	}
	sameAsSimulate(t, r, "P1")
	again := must(r.Run(ctx, "P1", "alice"))
	if !again.Replaced || again.Run.Attempt != 2 || again.Run.LinesSHA256 != first.Run.LinesSHA256 || again.Run.ID != first.Run.ID {
		t.Fatalf("re-run: %+v, first %+v", again.Run, first.Run)
	}
	var n int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM settle_run_lines`).Scan(&n)
	if int64(n) != first.Run.Lines {
		t.Fatalf("%d lines stored after the re-run, want %d", n, first.Run.Lines)
	}
	lineTables(t, db, again.Run)
	var entries int
	db.Pool.QueryRow(ctx, `SELECT count(*) FROM journal_entries WHERE kind LIKE 'settlement.%'`).Scan(&entries)
	if entries != 0 {
		t.Fatalf("a draft posted %d journal entries", entries)
	}
	ledgerClean(t, db, "the draft")

	// Four eyes.
	if _, err := period.Approve(ctx, db, "P1", "alice", "checked"); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("the runner approved: %v", err)
	}
	if _, err := period.Approve(ctx, db, "P1", "bob", ""); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("approved without a reason: %v", err)
	}
	ap := must(period.Approve(ctx, db, "P1", "bob", "totals checked against last month"))
	announced(t, db, period.EventApproved, `SELECT member, amount FROM settle_postings WHERE amount > 0`)
	if ap.Status != period.Approved || ap.ApprovedBy != "bob" {
		t.Fatalf("approved: %+v", ap)
	}
	if _, err := period.Approve(ctx, db, "P1", "carol", "again"); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("approved twice: %v", err)
	}
	if _, err := r.Run(ctx, "P1", "alice"); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("re-ran an approved period: %v", err)
	}
	if _, err := period.Adjust(ctx, db, "P1", "A01", decimal.NewFromInt(5), "late", "alice"); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("adjusted an approved period: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM settle_run_lines`); err == nil {
		t.Fatal("deleted the lines of an approved run")
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE settle_runs SET status = 'paid', paid_by = 'x', paid_at = now(), lines_set = lines_set + 1000`); err == nil {
		t.Fatal("an approved run changed its lines")
	}
	ledgerClean(t, db, "approval")
	var earnA decimal.Decimal
	db.Pool.QueryRow(ctx, `SELECT earnings FROM settle_run_members m JOIN settle_runs r ON r.id = m.run_id WHERE m.member = 'A01'`).Scan(&earnA)
	if got := payable(t, db, "A01"); !got.Equal(earnA) || earnA.IsZero() {
		t.Fatalf("A01 payable %s, earnings %s", got, earnA)
	}
	expense := must(journal.Balance(ctx, db.Pool, journal.CommissionExpense, "", time.Time{}))
	if !expense.Equal(ap.BonusTotal) {
		t.Fatalf("commission expense %s, run total %s", expense, ap.BonusTotal)
	}

	// Pay: members below 30.00 are carried.
	po := must(period.Pay(ctx, db, "P1", decimal.NewFromInt(30), "bob"))
	announced(t, db, period.EventPaid, `SELECT member, amount FROM settle_payout_items WHERE NOT carried`)
	if po.PaidCount == 0 || po.CarriedCount == 0 || !po.PaidTotal.Add(po.CarriedTotal).Equal(ap.BonusTotal) {
		t.Fatalf("payout %+v, run total %s", po, ap.BonusTotal)
	}
	if _, err := period.Pay(ctx, db, "P1", decimal.NewFromInt(30), "bob"); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("paid twice: %v", err)
	}
	ledgerClean(t, db, "payment")
	if got := payable(t, db, "A01"); !got.IsZero() {
		t.Fatalf("A01 still has %s payable after the payout", got)
	}
	_, items, err := period.GetPayout(ctx, db.Pool, "P1")
	if err != nil {
		t.Fatal(err)
	}
	var csvOut, xlsx bytes.Buffer
	if err := period.WritePayoutCSV(&csvOut, po, items); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(csvOut.String(), "member_id,name,phone,amount,currency,period,status\nA01,") || !strings.Contains(csvOut.String(), ",carried\n") {
		t.Fatalf("payout CSV:\n%s", csvOut.String())
	}
	if err := period.WritePayoutXLSX(&xlsx, po, items); err != nil {
		t.Fatal(err)
	}
	xf := must(excelize.OpenReader(&xlsx))
	if v, _ := xf.GetCellValue("Payout", "A2"); v != "A01" {
		t.Fatalf("xlsx A2 = %q", v)
	}

	// Next period: F01's registration order of P1 comes back, which takes
	// C01's referral from it and volume from everyone above.
	carriedC := payable(t, db, "C01")
	giveBack(t, db, "f-ret", f.No, 12)
	buy(t, db, "a2", "A01", order.Repeat, 10)
	buy(t, db, "g2", "G01", order.Repeat, 10)
	t2 := time.Now()
	define(t, db, "P2", t1, t2)
	second := must(r.Run(ctx, "P2", "alice"))
	if len(second.Clawbacks) != 1 || second.Clawbacks[0].Period != "P1" || !second.Clawbacks[0].Total.IsNegative() {
		t.Fatalf("clawbacks %+v", second.Clawbacks)
	}
	sameAsSimulate(t, r, "P2")
	// By the rules a return is not a registration order, so the referral
	// stays; F01's BV is gone from its uplines' unilevel (5% and 3% of 120)
	// and from A01's binary pair (10% of 120).
	rows, _ := db.Pool.Query(ctx, `SELECT member || ' ' || bonus || ' ' || amount FROM settle_run_adjustments ORDER BY 1`)
	adjs, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	if strings.Join(adjs, ", ") != "A01 binary -12.00, A01 unilevel -3.60, C01 unilevel -6.00" {
		t.Fatalf("clawback adjustments %v", adjs)
	}
	ap2 := must(period.Approve(ctx, db, "P2", "carol", "clawback reviewed"))
	ledgerClean(t, db, "the clawback")
	var earnC decimal.Decimal
	db.Pool.QueryRow(ctx, `SELECT earnings FROM settle_run_members WHERE run_id = $1 AND member = 'C01'`, ap2.ID).Scan(&earnC)
	var adjC decimal.Decimal
	db.Pool.QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM settle_run_adjustments WHERE run_id = $1 AND member = 'C01'`, ap2.ID).Scan(&adjC)
	if got, want := payable(t, db, "C01"), carriedC.Add(earnC).Add(adjC); !got.Equal(want) || !adjC.IsNegative() {
		t.Fatalf("C01 payable %s, want carried %s + earnings %s + clawback %s", got, carriedC, earnC, adjC)
	}

	// Statements, in both languages.
	en := must(period.MemberStatement(ctx, db.Pool, "P1", "A01", "en"))
	zh := must(period.MemberStatement(ctx, db.Pool, "P1", "A01", "zh-CN"))
	cb := must(period.MemberStatement(ctx, db.Pool, "P2", "C01", "en"))
	t.Logf("\n%s\n%s\n%s", en.Text(), zh.Text(), cb.Text())
	if !en.Total.Equal(earnA) || !strings.Contains(en.Text(), "20% of B01's registration BV 150") ||
		!strings.Contains(zh.Text(), "B01 的注册 BV 150 的 20%") || !strings.Contains(cb.Text(), "period P1 recomputed") {
		t.Fatalf("statements:\n%s\n%s\n%s", en.Text(), zh.Text(), cb.Text())
	}

	// A third period with no new returns claws back nothing again.
	t3 := time.Now()
	define(t, db, "P3", t2, t3)
	third := must(r.Run(ctx, "P3", "alice"))
	if len(third.Clawbacks) != 0 {
		t.Fatalf("P3 clawbacks %+v", third.Clawbacks)
	}
}

// announced checks that the outbox tells each member of exactly the amounts
// the query lists (what sms turns into messages).
func announced(t *testing.T, db *ledger.DB, kind, query string) {
	t.Helper()
	want := map[string]string{}
	rows, err := db.Pool.Query(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m string
		var a decimal.Decimal
		if err := rows.Scan(&m, &a); err != nil {
			t.Fatal(err)
		}
		want[m] = a.String()
	}
	evs, err := db.ReadOutbox(ctx, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range evs {
		if e.Kind != kind {
			continue
		}
		var p struct {
			Members []struct {
				Code   string          `json:"code"`
				Amount decimal.Decimal `json:"amount"`
			} `json:"members"`
		}
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Members {
			got[m.Code] = m.Amount.String()
		}
	}
	if len(want) == 0 || !maps.Equal(got, want) {
		t.Fatalf("%s events announce %v, want %v", kind, got, want)
	}
}

// lineTables checks that the only line set left of run's period is the run's
// own, attached in its parts: re-runs drop the set they replace, and nothing
// unpublished remains.
func lineTables(t *testing.T, db *ledger.DB, run period.Run) {
	t.Helper()
	var sets, parts, attached int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), max(parts) FROM settle_line_sets WHERE period_id = $1`, run.Period.ID).Scan(&sets, &parts); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_partition_tree('settle_run_lines_' || $1::bigint) WHERE isleaf`, run.LinesSet).Scan(&attached); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_class WHERE relname ~ '^settle_run_lines_[0-9]' AND relkind IN ('r', 'p')`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if sets != 1 || parts != 2 || attached != 2 || tables != 3 {
		t.Fatalf("period %s: %d line sets (parts %d), %d parts attached to set %d, %d line tables; want 1 set of 2 parts, 3 tables",
			run.Period.Code, sets, parts, attached, run.LinesSet, tables)
	}
}
