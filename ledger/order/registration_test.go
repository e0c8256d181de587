package order_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
)

func register(db *ledger.DB, r order.RegistrationRequest) (order.Registered, error) {
	return run(db, func(ctx context.Context, tx pgx.Tx) (order.Registered, error) {
		return order.PlaceRegistration(ctx, tx, r)
	})
}

func TestRegistrationOrder(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	req := order.RegistrationRequest{Key: "reg-1",
		Member: member.Registration{Code: "NEW-001", Name: "王芳", Phone: "+8613911112222", Sponsor: "M001"},
		Order:  order.Request{By: "M001", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 4}}}}
	got := must(register(db, req))
	if got.Member.Code != "NEW-001" || got.Order.Kind != order.Registration || got.Order.Member != "NEW-001" || !got.Order.PV.Equal(d("200")) {
		t.Fatalf("registered %+v", got)
	}
	again := must(register(db, req))
	if again.Order.No != got.Order.No {
		t.Fatalf("replay placed %s, first %s", again.Order.No, got.Order.No)
	}
	// A bad first purchase rolls the registration back with it.
	bad := order.RegistrationRequest{Key: "reg-2",
		Member: member.Registration{Code: "NEW-002", Name: "李雷", Phone: "+8613911113333", Sponsor: "M001"},
		Order:  order.Request{By: "M001", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 9999}}}}
	if _, err := register(db, bad); !errors.Is(err, ledger.ErrInsufficientStock) {
		t.Fatalf("err = %v", err)
	}
	if _, err := member.Get(context.Background(), db.Pool, "NEW-002"); err == nil {
		t.Fatal("the member of a failed registration order exists")
	}
	// And a bad registration places no order.
	bad.Key, bad.Member.Phone, bad.Order.Lines[0].Qty = "reg-3", "12345", 1
	if _, err := register(db, bad); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("bad phone: %v", err)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM orders`); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
}
