package order_test

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
)

// BenchmarkOrderEntry measures what an order costs at the domain layer: three
// transactions, as three API requests would run them: place (one line,
// reserving stock), record the payment, confirm it (journal entry). Workers
// run in parallel against the real Postgres.
//
// "skus=1" sends every order to the same product (a bestseller: every order
// waits for the one before it on the lot's balance row); "skus=50" spreads
// them over fifty.
func BenchmarkOrderEntry(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("skus=%d", n), func(b *testing.B) { benchmarkOrderEntry(b, n) })
	}
}

// BenchmarkCounterSale measures the same orders entered as counter sales:
// placed, paid and confirmed in one transaction (order.PlaceAndPay).
func BenchmarkCounterSale(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("skus=%d", n), func(b *testing.B) {
			benchmarkOrders(b, n, func(ctx context.Context, db *ledger.DB, k, sku string) error {
				return db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
					_, err := order.PlaceAndPay(ctx, tx, order.CounterSale{Method: order.BankTransfer, Order: order.Request{
						Key: k, Kind: order.Repeat, Member: "M001", By: "fin", Lines: []order.LineRequest{{SKU: sku, Qty: 1}}}})
					return err
				})
			})
		})
	}
}

// BenchmarkDesk enters the same orders through order.Desk, from 64
// concurrent callers (b.SetParallelism(32) on 2 CPUs), so that concurrent
// requests share transactions: "counter" as counter sales (placed, paid and
// confirmed: the order with its payment and journal entry), "place" as
// orders awaiting payment (the HTTP order entry).
func BenchmarkDesk(b *testing.B) {
	for _, kind := range []string{"counter", "place"} {
		for _, n := range []int{1, 50} {
			b.Run(fmt.Sprintf("%s/skus=%d", kind, n), func(b *testing.B) {
				var desk *order.Desk
				var once sync.Once
				benchmarkOrdersAt(b, n, 32, func(ctx context.Context, db *ledger.DB, k, sku string) error {
					once.Do(func() { desk = order.NewDesk(db, order.DeskOptions{MaxBatch: *deskMax, InFlight: *deskInFlight}) })
					r := order.Request{Key: k, Kind: order.Repeat, Member: "M001", By: "fin", Lines: []order.LineRequest{{SKU: sku, Qty: 1}}}
					if kind == "place" {
						_, err := desk.Place(ctx, r)
						return err
					}
					_, err := desk.PlaceAndPay(ctx, order.CounterSale{Method: order.BankTransfer, Order: r})
					return err
				})
				if batches, n := desk.Stats(); batches > 0 {
					b.ReportMetric(float64(n)/float64(batches), "orders/batch")
				}
			})
		}
	}
}

var (
	deskMax      = flag.Int("desk-max", 0, "BenchmarkDesk: order.DeskOptions.MaxBatch (0: the default)")
	deskInFlight = flag.Int("desk-inflight", 0, "BenchmarkDesk: order.DeskOptions.InFlight (0: the default)")
)

func benchmarkOrderEntry(b *testing.B, skus int) {
	benchmarkOrders(b, skus, func(ctx context.Context, db *ledger.DB, k, sku string) error {
		var o order.Order
		var p order.Payment
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
			o, err = order.Place(ctx, tx, order.Request{Key: k, Kind: order.Repeat, Member: "M001", By: "M001",
				Lines: []order.LineRequest{{SKU: sku, Qty: 1}}})
			return err
		})
		if err == nil {
			err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
				p, err = order.RecordPayment(ctx, tx, order.PaymentRequest{Key: k + "p", Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "fin"})
				return err
			})
		}
		if err == nil {
			err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
				_, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: k + "c", Payment: p.No, By: "fin"})
				return err
			})
		}
		return err
	})
}

// benchmarkOrders runs one order through enter per iteration, from 8
// parallel workers (4 per CPU on 2 CPUs), over the given number of products.
func benchmarkOrders(b *testing.B, skus int, enter func(ctx context.Context, db *ledger.DB, key, sku string) error) {
	benchmarkOrdersAt(b, skus, 4, enter)
}

// benchmarkOrdersAt is benchmarkOrders with parallelism workers per CPU.
func benchmarkOrdersAt(b *testing.B, skus, parallelism int, enter func(ctx context.Context, db *ledger.DB, key, sku string) error) {
	db := ledgertest.DB(b)
	goodstest.World(b, db)
	for i := 0; i < skus; i++ {
		sku := fmt.Sprintf("BENCH-%d", i)
		goodstest.Product(b, db, sku, "35.50", "20")
		goodstest.Lot(b, db, sku, "L1", 365, 10_000_000)
	}
	ctx := context.Background()
	var seq atomic.Int64
	b.SetParallelism(parallelism)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			k := fmt.Sprint("b", n)
			sku := fmt.Sprintf("BENCH-%d", n%int64(skus))
			if err := enter(ctx, db, k, sku); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "orders/s")
}
