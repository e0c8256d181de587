package neo4j

import (
	"context"
	"errors"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

const metaID = "graphstore"

// LastSeq is the highest event Seq applied (0 = none).
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	seq, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (int64, error) { return lastSeq(ctx, tx) })
	if err != nil {
		return 0, fmt.Errorf("neo4j.LastSeq: %w", err)
	}
	return seq, nil
}

func lastSeq(ctx context.Context, tx neo4j.ManagedTransaction) (int64, error) {
	rec, err := single(ctx, tx, `MATCH (m:Meta {id: $id}) RETURN m.lastSeq`, map[string]any{"id": metaID})
	if err != nil || rec == nil {
		return 0, err
	}
	return asInt(rec.Values[0]), nil
}

// Apply applies outbox events in order. The applied events and the new
// LastSeq commit in one transaction, so a crash or a re-delivery never
// applies an event twice; events at or below LastSeq are skipped. A bad
// event stops the batch: the events before it stay applied (LastSeq is the
// last of them) and Apply returns ErrInvalid naming the bad one.
func (s *Store) Apply(ctx context.Context, events []network.Event) error {
	if len(events) == 0 {
		return nil
	}
	_, err := write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		return struct{}{}, applyTx(ctx, tx, events)
	})
	var bad *rejected
	if errors.As(err, &bad) && bad.index > 0 {
		// The failed transaction rolled back; the prefix before the bad event
		// passed every check once and applies the same way again.
		_, err2 := write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
			return struct{}{}, applyTx(ctx, tx, events[:bad.index])
		})
		if err2 != nil {
			return fmt.Errorf("neo4j.Apply: the events before seq %d: %w", events[bad.index].Seq, err2)
		}
	}
	if err != nil {
		return fmt.Errorf("neo4j.Apply: %w", err)
	}
	return nil
}

// rejected is an event that cannot apply, at index of the batch.
type rejected struct {
	index int
	seq   int64
	err   error
}

func (r *rejected) Error() string { return fmt.Sprintf("event seq %d: %v", r.seq, r.err) }
func (r *rejected) Unwrap() error { return r.err }

func reject(index int, ev network.Event, format string, args ...any) *rejected {
	return &rejected{index: index, seq: ev.Seq, err: fmt.Errorf(format+": %w", append(args, graphstore.ErrInvalid)...)}
}

// step is one event and its index in the batch.
type step struct {
	index int
	ev    network.Event
}

// applyTx splits the pending events into chunks that one UNWIND per kind of
// write can apply: within a chunk no member appears twice, so the rows of a
// query are independent and their order inside the query does not matter.
// A move goes alone: its cycle check must see the tree as it is just before.
func applyTx(ctx context.Context, tx neo4j.ManagedTransaction, events []network.Event) error {
	last, err := lastSeq(ctx, tx)
	if err != nil {
		return err
	}
	known, err := existing(ctx, tx, events)
	if err != nil {
		return err
	}
	c := chunker{touched: map[network.MemberID]bool{}}
	prev, applied := last, last
	for k, ev := range events {
		if ev.Seq <= last {
			continue // applied before: re-delivery is a no-op
		}
		if ev.Seq <= prev {
			return reject(k, ev, "seq %d after %d is out of order", ev.Seq, prev)
		}
		prev = ev.Seq
		if err := checkEvent(k, ev, known); err != nil {
			return err
		}
		if err := c.add(ctx, tx, step{k, ev}); err != nil {
			return err
		}
		if ev.Kind == network.EventRegistered {
			known[ev.Member.ID] = true
		}
		applied = ev.Seq
	}
	if err := c.flush(ctx, tx); err != nil {
		return err
	}
	if applied == last {
		return nil
	}
	return run(ctx, tx, `MERGE (m:Meta {id: $id}) SET m.lastSeq = $seq`, map[string]any{"id": metaID, "seq": applied})
}

// chunker gathers the steps of the chunk being built.
type chunker struct {
	chunk   []step
	touched map[network.MemberID]bool // the members of the chunk
}

// add puts st in the chunk, first applying the chunk when st's member is in
// it already, and applying a move at once, alone.
func (c *chunker) add(ctx context.Context, tx neo4j.ManagedTransaction, st step) error {
	solo := st.ev.Kind == network.EventMoved
	if solo || c.touched[st.ev.Member.ID] {
		if err := c.flush(ctx, tx); err != nil {
			return err
		}
	}
	c.chunk = append(c.chunk, st)
	c.touched[st.ev.Member.ID] = true
	if solo {
		return c.flush(ctx, tx)
	}
	return nil
}

// flush applies the chunk and starts a new one.
func (c *chunker) flush(ctx context.Context, tx neo4j.ManagedTransaction) error {
	if len(c.chunk) == 0 {
		return nil
	}
	err := applyChunk(ctx, tx, c.chunk)
	c.chunk, c.touched = c.chunk[:0], map[network.MemberID]bool{}
	return err
}

// checkEvent rejects event k if its shape is wrong or it names members that
// are not stored (known) or registers one that is.
func checkEvent(k int, ev network.Event, known map[network.MemberID]bool) error {
	if err := checkShape(ev); err != nil {
		return &rejected{index: k, seq: ev.Seq, err: err}
	}
	m := ev.Member
	need := func(id network.MemberID, what string) error {
		if id != 0 && !known[id] {
			return reject(k, ev, "%s %d is not a member", what, id)
		}
		return nil
	}
	switch ev.Kind {
	case network.EventRegistered:
		if known[m.ID] {
			return reject(k, ev, "member %d is already registered", m.ID)
		}
		if err := need(m.Sponsor, "sponsor"); err != nil {
			return err
		}
		return need(m.Parent, "placement parent")
	case network.EventMoved:
		if err := need(m.ID, "moved member"); err != nil {
			return err
		}
		return need(target(ev), "new parent")
	default:
		return need(m.ID, "member")
	}
}

func target(ev network.Event) network.MemberID {
	if ev.Tree == network.Placement {
		return ev.Member.Parent
	}
	return ev.Member.Sponsor
}

// existing returns which of the members the events name are already stored.
func existing(ctx context.Context, tx neo4j.ManagedTransaction, events []network.Event) (map[network.MemberID]bool, error) {
	seen := map[network.MemberID]bool{}
	var ids []int64
	for _, ev := range events {
		for _, id := range []network.MemberID{ev.Member.ID, ev.Member.Sponsor, ev.Member.Parent} {
			if id != 0 && !seen[id] {
				seen[id] = true
				ids = append(ids, int64(id))
			}
		}
	}
	known := make(map[network.MemberID]bool, len(ids))
	err := each(ctx, tx, `UNWIND $ids AS id MATCH (m:Member {id: id}) RETURN m.id`, map[string]any{"ids": ids},
		func(r *neo4j.Record) error { known[network.MemberID(asInt(r.Values[0]))] = true; return nil })
	return known, err
}

func run(ctx context.Context, tx neo4j.ManagedTransaction, q string, params map[string]any) error {
	res, err := tx.Run(ctx, q, params)
	if err != nil {
		return err
	}
	_, err = res.Consume(ctx)
	return err
}
