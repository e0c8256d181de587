package order

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"downline/ledger"
)

// Desk enters orders and counter sales that arrive at the same time in
// shared transactions (group commit): it gathers concurrent requests for a
// moment, or until it holds MaxBatch of them, and enters them together with
// set-based statements (see placeBatch). Each caller gets its own result or
// its own error, exactly as Place and PlaceAndPay in a transaction of their
// own would give it; a request refused for stock or bad input does not
// affect the others. The statements of an order cost far more than the
// order itself, and a batch pays them once.
//
// A Desk has no goroutine of its own while idle; the zero value is not
// usable, create one with NewDesk.
type Desk struct {
	db       *ledger.DB
	maxBatch int
	wait     time.Duration
	inFlight int

	batches, entries atomic.Int64 // entered so far, for Stats

	mu        sync.Mutex
	queue     []*deskItem
	gathering bool // a goroutine is gathering the next batch
	running   int  // batches being entered
	full      chan struct{}
}

// DeskOptions tune a Desk; zero fields take the defaults.
type DeskOptions struct {
	// MaxBatch is the most requests in one transaction (default 128).
	MaxBatch int
	// Wait is how long a request waits for others to share its
	// transaction when the desk is idle (default 500µs). Under load,
	// requests gather while the batches before them run, without waiting.
	Wait time.Duration
	// InFlight is how many batches run at once (default 2).
	InFlight int
}

// NewDesk returns a desk entering orders into db.
func NewDesk(db *ledger.DB, opt DeskOptions) *Desk {
	d := &Desk{db: db, maxBatch: opt.MaxBatch, wait: opt.Wait, inFlight: opt.InFlight, full: make(chan struct{}, 1)}
	if d.maxBatch <= 0 {
		d.maxBatch = 128
	}
	if d.wait <= 0 {
		d.wait = 500 * time.Microsecond
	}
	if d.inFlight <= 0 {
		d.inFlight = 2
	}
	return d
}

type deskItem struct {
	e    entry
	out  outcome
	done chan struct{}
}

// Place places r as Place does, in a transaction shared with the orders
// entered at the same time.
//
// A caller that gives up (ctx ends) before the answer never loses an order
// it cannot find: a request still waiting for its batch is withdrawn and
// entered not at all (ErrNotEntered); one whose batch has started is
// entered or not as the batch commits, and the caller gets ErrMaybeEntered;
// a retry under the same key then returns the order, entered once, or
// enters it.
//
// Errors: those of Place; a database error (which fails the whole batch);
// ErrNotEntered or ErrMaybeEntered, wrapping ctx's error.
func (d *Desk) Place(ctx context.Context, r Request) (Order, error) {
	out, err := d.enter(ctx, entry{r: r})
	o, _ := out.(Order)
	return o, err
}

// PlaceAndPay enters counter sale s as PlaceAndPay does, in a transaction
// shared with the orders entered at the same time.
//
// Errors: those of PlaceAndPay, and as Desk.Place.
func (d *Desk) PlaceAndPay(ctx context.Context, s CounterSale) (PaidOrder, error) {
	if s.Method == OnCredit {
		// Sales on credit are few: each goes in a transaction of its own.
		var out PaidOrder
		err := d.db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
			out, err = PlaceAndPay(ctx, tx, s)
			return err
		})
		return out, err
	}
	out, err := d.enter(ctx, entry{r: s.Order, sale: &s})
	p, _ := out.(PaidOrder)
	return p, err
}

func (d *Desk) enter(ctx context.Context, e entry) (any, error) {
	it := &deskItem{e: e, done: make(chan struct{})}
	d.mu.Lock()
	d.queue = append(d.queue, it)
	if len(d.queue) >= d.maxBatch && d.gathering {
		select {
		case d.full <- struct{}{}:
		default:
		}
	}
	d.startLocked(true)
	d.mu.Unlock()
	select {
	case <-it.done:
		return it.out.out, it.out.err
	case <-ctx.Done():
		return nil, d.giveUp(ctx, it)
	}
}

var (
	// ErrNotEntered: the caller gave up before its request was entered,
	// and it was withdrawn: nothing was written.
	ErrNotEntered = errors.New("not entered")
	// ErrMaybeEntered: the caller gave up while its request was being
	// entered: it is entered if its batch commits; a retry under the same
	// idempotency key returns it (or enters it, if the batch failed).
	ErrMaybeEntered = errors.New("may have been entered: retry under the same idempotency key to learn the outcome")
)

// giveUp withdraws it, whose caller gave up, unless a batch has taken it,
// and says which happened. The caller's answer then goes unread.
func (d *Desk) giveUp(ctx context.Context, it *deskItem) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if i := slices.Index(d.queue, it); i >= 0 {
		d.queue = slices.Delete(d.queue, i, i+1)
		return fmt.Errorf("order %s: %w: %w", it.e.r.Key, ErrNotEntered, ctx.Err())
	}
	return fmt.Errorf("order %s: %w: %w", it.e.r.Key, ErrMaybeEntered, ctx.Err())
}

// startLocked starts gathering the next batch when requests are waiting, no
// one is gathering and a batch may start. fresh: the desk was idle, so the
// gatherer waits a moment for company.
func (d *Desk) startLocked(fresh bool) {
	if len(d.queue) == 0 || d.gathering || d.running >= d.inFlight {
		return
	}
	d.gathering = true
	go d.gather(fresh && len(d.queue) < d.maxBatch)
}

func (d *Desk) gather(wait bool) {
	if wait {
		t := time.NewTimer(d.wait)
		select {
		case <-t.C:
		case <-d.full:
			t.Stop()
		}
	}
	d.mu.Lock()
	n := min(len(d.queue), d.maxBatch)
	batch := d.queue[:n:n]
	d.queue = append([]*deskItem(nil), d.queue[n:]...)
	d.gathering = false
	d.running++
	select { // a full signal meant for this batch
	case <-d.full:
	default:
	}
	d.startLocked(false)
	d.mu.Unlock()

	if len(batch) > 0 { // none when every caller gave up while it gathered
		d.run(batch)
	}

	d.mu.Lock()
	d.running--
	d.startLocked(false)
	d.mu.Unlock()
}

// Stats returns how many batches the desk has entered and how many
// requests they held.
func (d *Desk) Stats() (batches, requests int64) { return d.batches.Load(), d.entries.Load() }

// run enters batch and answers its callers.
func (d *Desk) run(batch []*deskItem) {
	d.batches.Add(1)
	d.entries.Add(int64(len(batch)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	es := make([]entry, len(batch))
	for i, it := range batch {
		es[i] = it.e
	}
	var res []outcome
	err := d.db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		res, err = placeBatch(ctx, tx, es)
		return err
	})
	switch {
	case err == nil:
		for i, it := range batch {
			it.out = res[i]
		}
	case len(batch) > 1 && refusedData(err):
		// The database refused a value: one request may be to blame, so
		// each is entered on its own and gets its own answer.
		for _, it := range batch {
			it.out = enterAlone(ctx, d.db, it.e)
		}
	default:
		for _, it := range batch {
			it.out.err = fmt.Errorf("enter order %s (in a batch of %d): %w", it.e.r.Key, len(batch), err)
		}
	}
	for _, it := range batch {
		close(it.done)
	}
}

// refusedData reports whether err is the database refusing data (SQLSTATE
// classes 22, data exception, and 23, integrity constraint violation).
func refusedData(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && len(pe.Code) == 5 && (pe.Code[:2] == "22" || pe.Code[:2] == "23")
}

// enterAlone enters e in a transaction of its own.
func enterAlone(ctx context.Context, db *ledger.DB, e entry) outcome {
	var o outcome
	o.err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		if e.sale != nil {
			o.out, err = PlaceAndPay(ctx, tx, *e.sale)
		} else {
			o.out, err = Place(ctx, tx, e.r)
		}
		return err
	})
	return o
}
