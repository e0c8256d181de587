package period_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/graphstore/neo4j"
	"downline/graphstore/neo4j/neo4jtest"
	"downline/ledger/goodstest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/network"
	"downline/projection"
	"downline/settle/period"
)

// The same period run reads its trees from the embedded store or from Neo4j
// and gives byte-identical lines, also when members moved after the cut-off.
func TestSameRunWithNeo4j(t *testing.T) {
	db := company(t)
	t0 := time.Now().Add(-time.Hour)
	uploadPlan(t, db, "testdata/plan.yaml", t0.Add(-24*time.Hour))
	buy(t, db, "a", "A01", order.Repeat, 10)
	buy(t, db, "b", "B01", order.Registration, 15)
	buy(t, db, "c", "C01", order.Registration, 10)
	buy(t, db, "d", "D01", order.Registration, 20)
	buy(t, db, "f", "F01", order.Registration, 12)
	buy(t, db, "g", "G01", order.Registration, 10)
	t1 := time.Now()
	define(t, db, "P1", t0, t1)
	time.Sleep(5 * time.Millisecond)
	// After the cut-off: G changes sponsor and placement; a newcomer joins.
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := member.Move(ctx, tx, member.MoveRequest{Member: "G01", Tree: network.Sponsor, To: "C01", By: "hq"}); err != nil {
			return err
		}
		if _, err := member.Move(ctx, tx, member.MoveRequest{Member: "G01", Tree: network.Placement, To: "F01", Side: "L", By: "hq"}); err != nil {
			return err
		}
		_, err := member.Register(ctx, tx, member.Registration{Code: "H01", Name: "Late", Phone: "+8613800000009", Sponsor: "A01", By: "test"})
		return err
	})

	embedded := must(runner(t, db).Run(ctx, "P1", "alice"))

	neo4jtest.Lock(t)
	store, err := neo4j.New(ctx, neo4jtest.URI(t), os.Getenv("NEO4J_USER"), os.Getenv("NEO4J_PASSWORD"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(ctx)
	if err := store.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		t.Fatal(err)
	}
	if rep, err := projection.Check(ctx, db, store, 5, nil); err != nil || rep.Total != 0 {
		t.Fatalf("Neo4j differs from the ledger: %+v %v", rep, err)
	}
	viaNeo4j := must((&period.Runner{DB: db, Graph: store}).Run(ctx, "P1", "alice"))
	if !viaNeo4j.Replaced || viaNeo4j.Run.Lines == 0 {
		t.Fatalf("second run: %+v", viaNeo4j.Run)
	}
	if viaNeo4j.Run.LinesSHA256 != embedded.Run.LinesSHA256 || viaNeo4j.Run.Members != embedded.Run.Members {
		t.Fatalf("lines differ: embedded %s (%d members), Neo4j %s (%d members)",
			embedded.Run.LinesSHA256, embedded.Run.Members, viaNeo4j.Run.LinesSHA256, viaNeo4j.Run.Members)
	}
	var joined int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM members WHERE joined_at <= $1`, t1).Scan(&joined); err != nil {
		t.Fatal(err)
	}
	if embedded.Run.Members != joined {
		t.Fatalf("the run settled %d members, %d had joined by the cut-off", embedded.Run.Members, joined)
	}
}
