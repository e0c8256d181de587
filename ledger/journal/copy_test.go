package journal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/journal"
	"downline/ledger/ledgertest"
)

// Copied entries are the entries Post would write, in order; one that does
// not balance fails them all.
func TestCopy(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	entries := []journal.Entry{
		{Kind: "payment.confirmed", Ref: "P1", OpKey: "k1", By: "fin", Lines: []journal.Line{
			journal.Dr(journal.AgencyReceivable, "AG1", d("10.50")), journal.Cr(journal.DeferredRevenue, "", d("10.50"))}},
		{Kind: "nothing", Ref: "P2", By: "fin", Lines: []journal.Line{journal.Dr(journal.Bank, "", d("0"))}},
		{Kind: "shipment", Ref: "S1", By: "wh", Lines: []journal.Line{
			journal.Dr(journal.DeferredRevenue, "", d("10.50")), journal.Cr(journal.Revenue, "", d("10.50")),
			journal.Dr(journal.CostOfGoods, "", d("4.20")), journal.Cr(journal.Inventory, "", d("4.20"))}},
	}
	var n int
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		n, err = journal.Copy(ctx, tx, entries)
		return err
	})
	if err != nil || n != 2 {
		t.Fatalf("copied %d entries: %v", n, err)
	}
	var ids []int64
	rows, err := db.Pool.Query(ctx, `SELECT id FROM journal_entries ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil || len(ids) != 2 {
		t.Fatalf("entries %v: %v", ids, err)
	}
	first, err := journal.Get(ctx, db.Pool, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	second, err := journal.Get(ctx, db.Pool, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if first.Ref != "P1" || first.OpKey != "k1" || len(first.Lines) != 2 || first.Lines[0].Holder != "AG1" || !first.Lines[0].Amount.Equal(d("10.50")) ||
		second.Ref != "S1" || len(second.Lines) != 4 || !second.Lines[3].Amount.Equal(d("-4.20")) {
		t.Errorf("copied %+v and %+v", first, second)
	}
	if b, _ := journal.Balance(ctx, db.Pool, journal.Revenue, "", time.Time{}); !b.Equal(d("-10.50")) {
		t.Errorf("revenue %s", b)
	}

	bad := append(entries[:1:1], journal.Entry{Kind: "bad", Ref: "B", By: "fin", Lines: []journal.Line{
		journal.Dr(journal.Bank, "", d("1")), journal.Cr(journal.Revenue, "", d("0.99"))}})
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := journal.Copy(ctx, tx, bad)
		return err
	})
	if !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("an unbalanced entry: %v", err)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM journal_entries`); n != 2 {
		t.Errorf("%d entries after the refused copy", n)
	}
}
