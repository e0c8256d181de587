package check_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/check"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/ledger/stock"
)

var workloadOps = flag.Int("workload-ops", 3000, "operations in TestRandomWorkload")

var errInjected = errors.New("injected failure after the operation")

// A randomized mix of every operation, run by concurrent workers: some
// requests are replayed under the same key, some transactions fail after the
// operation has done its work (and roll back), some requests are wrong.
// Whatever happens, `ledger check` must find nothing wrong afterwards.
func TestRandomWorkload(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Agency(t, db, "AG1")
	goodstest.Agency(t, db, "AG2")
	goodstest.Lot(t, db, "VC-100", "B3", 30, 200)
	goodstest.Lot(t, db, "TEA-200", "T2", 10, 300)
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	var (
		stats   sync.Map // outcome -> *atomic.Int64
		workers = 6
		keySeq  atomic.Int64
	)
	count := func(k string) {
		v, _ := stats.LoadOrStore(k, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for i := 0; i < *workloadOps/workers; i++ {
				key := fmt.Sprintf("w%d-%d", w, keySeq.Add(1))
				name, op := pickOp(ctx, db, rng, key)
				if op == nil {
					continue
				}
				fail := rng.IntN(10) == 0
				err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
					if err := op(ctx, tx); err != nil {
						return err
					}
					if fail {
						return errInjected
					}
					return nil
				})
				outcome := classify(err)
				if outcome == "unexpected" {
					t.Errorf("%s: %v", name, err)
				}
				count(name + " " + outcome)
				// Replay: the same request under the same key, as a client
				// whose connection dropped would.
				if rng.IntN(5) == 0 {
					err2 := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return op(ctx, tx) })
					if err == nil && err2 != nil {
						t.Errorf("%s: replay of a success failed: %v", name, err2)
					}
					count(name + " replay " + classify(err2))
				}
			}
		}()
	}
	wg.Wait()
	var lines []string
	stats.Range(func(k, v any) bool {
		lines = append(lines, fmt.Sprintf("%-32s %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	slices.Sort(lines)
	t.Logf("outcomes:\n%s", strings.Join(lines, "\n"))
	problems, err := check.Run(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	var shipped int
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE status IN ('shipped', 'delivered')`).Scan(&shipped)
	if shipped == 0 {
		t.Error("the workload shipped nothing; it exercises too little")
	}
}

func classify(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errInjected):
		return "rolled back"
	case errors.Is(err, ledger.ErrInsufficientStock):
		return "insufficient"
	case errors.Is(err, ledger.ErrInvalid), errors.Is(err, ledger.ErrConflict), errors.Is(err, ledger.ErrNotFound),
		errors.Is(err, ledger.ErrForbidden):
		return "refused"
	}
	return "unexpected"
}

type op func(ctx context.Context, tx pgx.Tx) error

func pick(ctx context.Context, db *ledger.DB, sql string) string {
	var s string
	_ = db.Pool.QueryRow(ctx, sql).Scan(&s)
	return s
}

// pickOp chooses an operation and its arguments from the current state.
func pickOp(ctx context.Context, db *ledger.DB, rng *rand.Rand, key string) (string, op) {
	skus := []string{"VC-100", "TEA-200"}
	lines := func() []order.LineRequest {
		n := 1 + rng.IntN(2)
		var ls []order.LineRequest
		for i := 0; i < n; i++ {
			ls = append(ls, order.LineRequest{SKU: skus[(i+rng.IntN(2))%2], Qty: int64(rng.IntN(6))}) // 0 is refused
		}
		return ls
	}
	switch r := rng.IntN(100); {
	case r < 30:
		req := order.Request{Key: key, Lines: lines(), By: "w"}
		switch rng.IntN(4) {
		case 0:
			req.Kind, req.Member = order.Repeat, fmt.Sprintf("M%03d", 1+rng.IntN(3))
		case 1:
			req.Kind, req.Customer = order.Shop, &order.Customer{Name: "Customer"}
		case 2:
			req.Kind, req.BuyerAgency = order.Agency, []string{"AG1", "AG2"}[rng.IntN(2)]
		default:
			req.Kind, req.Member, req.Seller = order.Repeat, "M001", []string{"AG1", "AG2"}[rng.IntN(2)]
			if rng.IntN(10) == 0 {
				req.Warehouse = "AG1-WH" // sometimes another agency's
			}
		}
		return "place", func(ctx context.Context, tx pgx.Tx) error { _, err := order.Place(ctx, tx, req); return err }
	case r < 50:
		no := pick(ctx, db, `SELECT order_no FROM orders WHERE status IN ('placed', 'paid') ORDER BY random() LIMIT 1`)
		if no == "" {
			return "", nil
		}
		var owed decimal.Decimal
		_ = db.Pool.QueryRow(ctx, `SELECT o.total - coalesce((SELECT sum(amount) FROM payments p WHERE p.order_id = o.id AND p.status <> 'rejected'), 0)
			FROM orders o WHERE order_no = $1`, no).Scan(&owed)
		amount := owed
		switch rng.IntN(5) {
		case 0:
			amount = owed.Div(decimal.NewFromInt(2)).Round(2)
		case 1:
			amount = owed.Add(decimal.NewFromInt(1)) // too much
		}
		methods := []order.Method{order.BankTransfer, order.Online, order.CashAtAgency, order.OnAccount}
		req := order.PaymentRequest{Key: key, Order: no, Method: methods[rng.IntN(4)], Amount: amount, Agency: "AG2", By: "fin"}
		return "pay", func(ctx context.Context, tx pgx.Tx) error { _, err := order.RecordPayment(ctx, tx, req); return err }
	case r < 68:
		no := pick(ctx, db, `SELECT payment_no FROM payments WHERE status = 'recorded' ORDER BY random() LIMIT 1`)
		if rng.IntN(8) == 0 {
			no = pick(ctx, db, `SELECT payment_no FROM payments ORDER BY random() LIMIT 1`) // maybe decided already
		}
		if no == "" {
			return "", nil
		}
		d := order.Decision{Key: key, Payment: no, By: "fin", Reason: "not received"}
		if rng.IntN(6) == 0 {
			return "reject", func(ctx context.Context, tx pgx.Tx) error { _, err := order.RejectPayment(ctx, tx, d); return err }
		}
		return "confirm", func(ctx context.Context, tx pgx.Tx) error { _, err := order.ConfirmPayment(ctx, tx, d); return err }
	case r < 82:
		no := pick(ctx, db, `SELECT order_no FROM orders WHERE status = 'confirmed' ORDER BY random() LIMIT 1`)
		if rng.IntN(5) == 0 {
			no = pick(ctx, db, `SELECT order_no FROM orders ORDER BY random() LIMIT 1`) // maybe unconfirmed
		}
		if no == "" {
			return "", nil
		}
		req := order.ShipRequest{Key: key, Order: no, Tracking: "T-" + key, By: "wh"}
		return "ship", func(ctx context.Context, tx pgx.Tx) error { _, err := order.Ship(ctx, tx, req); return err }
	case r < 87:
		no := pick(ctx, db, `SELECT order_no FROM orders WHERE status = 'shipped' ORDER BY random() LIMIT 1`)
		if no == "" {
			return "", nil
		}
		c := order.StatusChange{Key: key, Order: no, By: "courier"}
		return "deliver", func(ctx context.Context, tx pgx.Tx) error { _, err := order.Deliver(ctx, tx, c); return err }
	case r < 91:
		no := pick(ctx, db, `SELECT order_no FROM orders WHERE status IN ('placed', 'paid', 'confirmed') ORDER BY random() LIMIT 1`)
		if no == "" {
			return "", nil
		}
		c := order.StatusChange{Key: key, Order: no, By: "cs", Reason: "random"}
		return "cancel", func(ctx context.Context, tx pgx.Tx) error { _, err := order.Cancel(ctx, tx, c); return err }
	case r < 97:
		var no, batch string
		var line int
		var qty int64
		_ = db.Pool.QueryRow(ctx, `SELECT o.order_no, sl.line_no, l.batch, sl.qty FROM shipment_lots sl
			JOIN orders o ON o.id = sl.order_id JOIN lots l ON l.id = sl.lot_id ORDER BY random() LIMIT 1`).Scan(&no, &line, &batch, &qty)
		if no == "" {
			return "", nil
		}
		req := order.ReturnRequest{Key: key, Order: no, By: "cs",
			Lines: []order.ReturnLine{{Line: line, Batch: batch, Qty: 1 + rng.Int64N(qty+1), WriteOff: rng.IntN(3) == 0}}}
		return "return", func(ctx context.Context, tx pgx.Tx) error { _, err := order.CreateReturn(ctx, tx, req); return err }
	case r < 99:
		batch := []string{"B1", "B2", "B3"}[rng.IntN(3)]
		req := stock.Receipt{Key: key, Warehouse: goodstest.HQ, SKU: "VC-100", Batch: batch, Qty: 1 + rng.Int64N(20), By: "wh"}
		return "receive", func(ctx context.Context, tx pgx.Tx) error { _, err := stock.Receive(ctx, tx, req); return err }
	default:
		p := agency.AccountPayment{Key: key, Agency: "AG1", Amount: decimal.NewFromInt(int64(rng.IntN(200) - 50)), By: "fin"}
		return "agency pay", func(ctx context.Context, tx pgx.Tx) error { _, err := agency.PayAccount(ctx, tx, p); return err }
	}
}
