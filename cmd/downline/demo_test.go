package main

import (
	"context"
	"io"
	"testing"
	"time"

	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/user"
)

func TestDemoCompany(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	gen := member.GenerateNetwork(60, 1, time.Now().AddDate(-1, 0, 0))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		t.Fatal(err)
	}
	codes := make([]string, len(gen))
	for i, g := range gen {
		codes[i] = g.Code
	}
	if err := demoCompany(ctx, db, codes, "demo-password-1", 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"admin", "finance", "finance2", "warehouse", "agency1", gen[0].Code, gen[59].Code} {
		if _, err := user.Authenticate(ctx, db.Pool, login, "demo-password-1"); err != nil {
			t.Errorf("%s cannot sign in: %v", login, err)
		}
	}
	var orders, shipped, months int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'shipped'),
		count(DISTINCT date_trunc('month', placed_at)) FROM orders`).Scan(&orders, &shipped, &months); err != nil {
		t.Fatal(err)
	}
	if orders < 300 || shipped < orders/2 || months < 3 {
		t.Errorf("demo orders: %d, %d shipped, over %d months", orders, shipped, months)
	}
}
