package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/api/explorer"
	"downline/clock"
	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/user"
	"downline/projection"
	"downline/settle/jobs"
)

// world is a small company: the network R -> (A -> A1, B -> B1), agencies
// AG1 and AG2, products from goodstest.World, orders of A1, B1, a shop
// customer and AG1, and one user per role.
type world struct {
	t      testing.TB
	db     *ledger.DB
	srv    *api.Server
	h      http.Handler
	users  map[string]user.User // by role name
	orders map[string]string    // by buyer: A1, B1, shop, AG1, AG2sale
	pay    map[string]string    // payment numbers by buyer
	// stopWorker stops the settlement worker startWorker started.
	stopWorker func()
}

const password = "correct horse battery"

func newWorld(t testing.TB) *world {
	t.Helper()
	return newWorldAt(t, time.Time{})
}

// newWorldAt is newWorld with the members joining at joined (zero: now).
func newWorldAt(t testing.TB, joined time.Time) *world {
	t.Helper()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	w := &world{t: t, db: db, users: map[string]user.User{}, orders: map[string]string{}, pay: map[string]string{}}
	ctx := context.Background()
	joinAt := ctx
	if !joined.IsZero() {
		joinAt = clock.With(ctx, clock.Fixed(joined))
	}
	txAt(t, db, joinAt, func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range []member.Registration{
			{Code: "ROOT1", Name: "Root", Phone: "+8613800000001"},
			{Code: "AAA", Name: "Alice", Phone: "+8613800000002", Sponsor: "ROOT1"},
			{Code: "BBB", Name: "Bob", Phone: "+8613800000003", Sponsor: "ROOT1"},
			{Code: "AAA1", Name: "Ann", Phone: "+8613800000004", Sponsor: "AAA"},
			{Code: "BBB1", Name: "Ben", Phone: "+8613800000005", Sponsor: "BBB"},
		} {
			r.By = "test"
			if _, err := member.Register(ctx, tx, r); err != nil {
				return err
			}
		}
		for _, code := range []string{"AG1", "AG2"} {
			if _, err := agency.Create(ctx, tx, code, "Agency "+code, "", ""); err != nil {
				return err
			}
		}
		return nil
	})
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		for _, n := range []user.New{
			{Login: "admin", Role: user.Admin}, {Login: "finance", Role: user.Finance}, {Login: "warehouse", Role: user.Warehouse},
			{Login: "agency1", Role: user.Agency, Agency: "AG1"}, {Login: "agency2", Role: user.Agency, Agency: "AG2"},
			{Login: "AAA", Role: user.Member, Member: "AAA"}, {Login: "BBB", Role: user.Member, Member: "BBB"},
			{Login: "shopper", Role: user.Customer}, {Login: "analyst", Role: user.Analyst},
			{Login: "editor", Role: user.Editor},
		} {
			n.Password = password
			u, err := user.Create(ctx, tx, n)
			if err != nil {
				return err
			}
			w.users[u.Login] = u
		}
		return nil
	})
	// Stock for the agencies: AG2 gets goods delivered so it can sell.
	place := func(key string, r order.Request) order.Order {
		var o order.Order
		goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
			r.Key = key
			o, err = order.Place(ctx, tx, r)
			return err
		})
		return o
	}
	pay := func(o order.Order, key string) string {
		var p order.Payment
		goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
			method := order.BankTransfer
			if o.Kind == order.Agency {
				method = order.OnAccount
			}
			p, err = order.RecordPayment(ctx, tx, order.PaymentRequest{Key: key, Order: o.No, Method: method, Amount: o.Total, By: "test"})
			return err
		})
		return p.No
	}
	line := []order.LineRequest{{SKU: "VC-100", Qty: 1}}
	w.orders["AAA1"] = place("o1", order.Request{Kind: order.Repeat, Member: "AAA1", Lines: line, By: "test"}).No
	w.pay["AAA1"] = pay(mustGet(t, db, w.orders["AAA1"]), "p1")
	w.orders["BBB1"] = place("o2", order.Request{Kind: order.Repeat, Member: "BBB1", Lines: line, By: "test"}).No
	w.pay["BBB1"] = pay(mustGet(t, db, w.orders["BBB1"]), "p2")
	w.orders["AAA"] = place("o3", order.Request{Kind: order.Repeat, Member: "AAA", Lines: line, By: "test"}).No
	w.orders["shop"] = place("o4", order.Request{Kind: order.Shop, Customer: &order.Customer{Name: "Walk In"}, Lines: line, By: "user:shopper"}).No
	ag := place("o5", order.Request{Kind: order.Agency, BuyerAgency: "AG1", Lines: []order.LineRequest{{SKU: "TEA-200", Qty: 10}}, By: "test"})
	w.orders["AG1"] = ag.No
	w.pay["AG1"] = pay(ag, "p5")
	ag2 := place("o6", order.Request{Kind: order.Agency, BuyerAgency: "AG2", Lines: []order.LineRequest{{SKU: "TEA-200", Qty: 10}}, By: "test"})
	w.orders["AG2"] = ag2.No
	w.pay["AG2"] = pay(ag2, "p6")
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		for _, a := range []string{"AG1", "AG2"} {
			if _, err := agency.Issue(ctx, tx, a, time.Now().AddDate(0, -1, 0), time.Now().Add(time.Hour), "test"); err != nil {
				return err
			}
		}
		return nil
	})

	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		t.Fatal(err)
	}
	// The explorer's figures are rebuilt before answering whenever the
	// ledger moved, however long a build takes on a busy machine.
	w.srv = &api.Server{DB: db, Graph: store, Feed: &projection.Feed{DB: db, Store: store}, Explorer: &explorer.Cache{SyncBelow: time.Hour}}
	w.h = w.srv.Handler()
	return w
}

// startWorker runs a settlement worker on the world's database and graph
// store (as `downline serve` embeds one) until stopWorker is called or the
// test ends.
func (w *world) startWorker(t testing.TB) {
	t.Helper()
	w.stopWorker = runWorker(t, w.db, w.srv.Graph, w.srv.Feed)
}

// runWorker runs a settlement worker until the returned stop is called or
// the test ends.
func runWorker(t testing.TB, db *ledger.DB, store graphstore.Store, f *projection.Feed) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	wk := &jobs.Worker{DB: db, Graph: store, Describe: api.Describe, CatchUp: func(ctx context.Context) { _, _ = f.CatchUp(ctx) }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = wk.Run(ctx)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

// txAt runs fn in a transaction under ctx (whose clock it reads).
func txAt(t testing.TB, db *ledger.DB, ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t testing.TB, db *ledger.DB, no string) order.Order {
	t.Helper()
	o, err := order.Get(context.Background(), db.Pool, no)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// token starts a fresh session for login (no password hashing: fast).
func (w *world) token(login string) string {
	w.t.Helper()
	tok, _, err := user.StartSession(context.Background(), w.db.Pool, w.users[login], time.Hour, "test", "")
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not a JSON object (%d): %s", r.status, r.body)
	}
	return m
}

// call sends a request; token "" is anonymous; body may be a string or a value.
func (w *world) call(method, path, token string, body any, hdr ...string) resp {
	return w.callOn(context.Background(), w.h, method, path, token, body, hdr...)
}

// callOn sends a request to handler h under ctx, as call does.
func (w *world) callOn(ctx context.Context, h http.Handler, method, path, token string, body any, hdr ...string) resp {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequestWithContext(ctx, method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}
