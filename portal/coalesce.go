package portal

import (
	"context"
	"sync"
)

// coalescer builds a page once for every request of the same key that
// arrived while the build before it was running. A request never gets a
// page built before it arrived: it waits for the running build to end and
// takes the next, which starts after it came. Under many visitors at once
// the home is built a few times a second instead of once per visit (two
// reads and a template each), and every answer is still as fresh as
// building it for that request alone would make it.
type coalescer[K comparable] struct {
	mu      sync.Mutex
	next    map[K]*building // the build not yet started, gathering requests
	running map[K]*building // the build under way
}

type building struct {
	done chan struct{}
	body []byte
	err  error
}

// do answers what build makes for key k, sharing the build with the
// requests of k that arrive before it starts. build runs with ctx's values
// (its clock among them) but not its cancellation: those sharing it may
// still want the page when the first to ask has gone.
func (c *coalescer[K]) do(ctx context.Context, k K, build func(context.Context) ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if c.next == nil {
		c.next, c.running = map[K]*building{}, map[K]*building{}
	}
	b := c.next[k]
	if b != nil { // another request leads the next build: share it
		c.mu.Unlock()
		select {
		case <-b.done:
			return b.body, b.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	b = &building{done: make(chan struct{})}
	c.next[k] = b
	prev := c.running[k]
	c.mu.Unlock()
	if prev != nil {
		<-prev.done // what arrives meanwhile joins b
	}
	c.mu.Lock()
	delete(c.next, k) // from here on, arrivals gather for the build after b
	c.running[k] = b
	c.mu.Unlock()
	b.body, b.err = build(context.WithoutCancel(ctx))
	c.mu.Lock()
	if c.running[k] == b {
		delete(c.running, k)
	}
	c.mu.Unlock()
	close(b.done)
	return b.body, b.err
}
