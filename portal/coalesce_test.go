package portal

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Requests that arrive while a build runs share the next one; none gets a
// page whose build started before it arrived; keys do not mix.
func TestCoalescerSharesOnlyLaterBuilds(t *testing.T) {
	var c coalescer[string]
	var builds atomic.Int64
	var mu sync.Mutex
	started := map[string]time.Time{} // body -> when its build started
	build := func(key string) func(context.Context) ([]byte, error) {
		return func(context.Context) ([]byte, error) {
			n := builds.Add(1)
			body := key + "#" + strconv.FormatInt(n, 10)
			mu.Lock()
			started[body] = time.Now()
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			return []byte(body), nil
		}
	}
	const callers = 200
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"zh-CN", "en"}[i%2]
			arrived := time.Now()
			body, err := c.do(context.Background(), key, build(key))
			if err != nil {
				t.Error(err)
				return
			}
			got := string(body)
			if got[:len(key)] != key {
				t.Errorf("caller for %s got %s", key, got)
			}
			mu.Lock()
			at := started[got]
			mu.Unlock()
			if at.Before(arrived) {
				t.Errorf("caller arrived at %v got %s, built from %v", arrived, got, at)
			}
		}()
		if i%20 == 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	wg.Wait()
	if n := builds.Load(); n >= callers {
		t.Errorf("%d builds for %d callers: nothing was shared", n, callers)
	}
	// A caller that gives up does not spoil the build for the others.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.do(ctx, "zh-CN", build("zh-CN")); err != nil {
		t.Errorf("the leader's build ran under a cancelled context: %v", err)
	}
}
