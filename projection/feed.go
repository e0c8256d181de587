// Package projection keeps the graph stores (read models) current from the
// ledger (the system of record), and is the one package that knows both. A
// Feed reads member events from the outbox in seq order, turns them into
// network events and applies them, at least once and in order. A store
// remembers the last seq it applied (Store.LastSeq), so a restarted feed
// resumes where the store left off and a replayed event is a no-op. Sync
// fills an empty store from a ledger snapshot; Check compares a store with
// the ledger.
package projection

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/member"
	"downline/network"
)

// Convert turns outbox rows into graph store events. Rows of other kinds
// (orders, SMS, ...) are skipped: ok is false for them.
func Convert(e ledger.OutboxEvent) (ev network.Event, ok bool, err error) {
	kind := network.EventKind(e.Kind)
	switch kind {
	case network.EventRegistered, network.EventMoved, network.EventStatus, network.EventProfile:
	default:
		return network.Event{}, false, nil
	}
	var p member.EventPayload
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return network.Event{}, false, fmt.Errorf("outbox event %d (%s): %w", e.Seq, e.Kind, err)
	}
	ev = network.Event{Seq: e.Seq, At: p.At, Kind: kind}
	if ev.At.IsZero() {
		ev.At = e.At
	}
	side, _ := member.ParseSide(p.Side)
	ev.Member = network.Member{ID: network.MemberID(p.ID), Code: p.Code, Name: p.Name,
		Status: network.Status(p.Status), Joined: p.Joined,
		Sponsor: network.MemberID(p.Sponsor), Parent: network.MemberID(p.Parent), Side: side}
	if kind == network.EventMoved {
		ev.Tree, err = network.ParseTree(p.Tree)
		if err != nil {
			return network.Event{}, false, fmt.Errorf("outbox event %d: %w", e.Seq, err)
		}
	}
	return ev, true, nil
}

// Feed applies the outbox to one store.
type Feed struct {
	DB    *ledger.DB
	Store graphstore.Store
	// Batch is how many events are read at once (default 1000); Idle is how
	// long to wait when there is nothing new (default 200ms).
	Batch int
	Idle  time.Duration
	Log   *slog.Logger

	pos  atomic.Int64 // highest seq handled, member events or not
	head atomic.Int64 // highest seq seen in the outbox
	// applied is the highest member event the store has confirmed (its
	// LastSeq) or taken from us; a LastSeq below it means the store lost data.
	// Only CatchUp touches it, and CatchUp is not run concurrently.
	applied int64
}

// recover rebuilds a store that lost events: an empty store that can be
// bulk-loaded gets Sync (members, links and circulation up to a fresh
// snapshot); any other resumes from its own LastSeq, replaying the outbox.
func (f *Feed) recover(ctx context.Context, last int64) error {
	log := f.Log
	if log == nil {
		log = slog.Default()
	}
	n, err := f.Store.Count(ctx)
	if err != nil {
		return err
	}
	if _, ok := f.Store.(graphstore.Loader); ok && n == 0 && last == 0 {
		log.Warn("graph feed: the graph store is empty; syncing it from the ledger", "was", f.applied)
		if err := Sync(ctx, f.DB, f.Store, nil); err != nil {
			return err
		}
		if last, err = f.Store.LastSeq(ctx); err != nil {
			return err
		}
	} else {
		log.Warn("graph feed: the graph store lost events; replaying the outbox", "from", last, "was", f.applied)
	}
	f.pos.Store(last)
	f.applied = last
	return nil
}

// Lag is how many outbox events are written but not yet handled.
func (f *Feed) Lag() int64 { return max(0, f.head.Load()-f.pos.Load()) }

// Position is the highest outbox seq handled.
func (f *Feed) Position() int64 { return f.pos.Load() }

// CatchUp applies everything in the outbox now and returns how many member
// events it applied. When the store also implements graphstore.Circulation,
// lot.moved events go into it too; other stores skip them.
func (f *Feed) CatchUp(ctx context.Context) (int, error) {
	// The head first, so Lag tells the truth while the store is down.
	if head, err := f.DB.OutboxHead(ctx); err == nil && head > f.head.Load() {
		f.head.Store(head)
	}
	last, err := f.Store.LastSeq(ctx)
	if err != nil {
		return 0, err
	}
	switch {
	case f.pos.Load() == 0:
		f.pos.Store(last)
		f.applied = last
	case last < f.applied:
		// The store lost what it had applied: a Neo4j restarted without its
		// data, or a reset behind our back. Rebuild it rather than trust it.
		if err := f.recover(ctx, last); err != nil {
			return 0, fmt.Errorf("the graph store went back from seq %d to %d: %w", f.applied, last, err)
		}
	}
	batch := f.Batch
	if batch <= 0 {
		batch = 1000
	}
	applied := 0
	for {
		rows, err := f.DB.ReadOutbox(ctx, f.pos.Load(), batch)
		if err != nil {
			return applied, err
		}
		if len(rows) == 0 {
			if head, err := f.DB.OutboxHead(ctx); err == nil {
				f.head.Store(head)
			}
			return applied, nil
		}
		evs := make([]network.Event, 0, len(rows))
		var lots circulation
		cs, traces := f.Store.(graphstore.Circulation)
		for _, r := range rows {
			ev, ok, err := Convert(r)
			if err != nil {
				return applied, err
			}
			if ok {
				evs = append(evs, ev)
				continue
			}
			if traces {
				if _, err := lots.add(r); err != nil {
					return applied, err
				}
			}
		}
		if len(evs) > 0 {
			if err := f.Store.Apply(ctx, evs); err != nil {
				return applied, fmt.Errorf("apply events %d..%d: %w", evs[0].Seq, evs[len(evs)-1].Seq, err)
			}
			applied += len(evs)
			f.applied = evs[len(evs)-1].Seq
		}
		// After the members: a failure here retries the whole batch, and
		// both Apply and RecordMoves skip what they already hold.
		if traces {
			if err := lots.record(ctx, cs); err != nil {
				return applied, fmt.Errorf("lot movements %d..%d: %w", lots.moves[0].Seq, lots.moves[len(lots.moves)-1].Seq, err)
			}
		}
		last := rows[len(rows)-1].Seq
		f.pos.Store(last)
		if f.head.Load() < last {
			f.head.Store(last)
		}
	}
}

// Run catches up again and again until ctx ends. A failing store (Neo4j
// down, say) is retried with backoff; nothing is skipped meanwhile.
func (f *Feed) Run(ctx context.Context) error {
	idle := f.Idle
	if idle <= 0 {
		idle = 200 * time.Millisecond
	}
	log := f.Log
	if log == nil {
		log = slog.Default()
	}
	backoff := idle
	for {
		_, err := f.CatchUp(ctx)
		wait := idle
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			log.Warn("graph feed: will retry", "err", err, "lag", f.Lag(), "in", backoff)
			wait = backoff
			backoff = min(2*backoff, 30*time.Second)
		} else {
			backoff = idle
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}
