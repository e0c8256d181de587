package engine

import (
	"fmt"
	"strings"

	"downline/settle/internal/hugemem"
)

// trees holds the validated sponsor and placement forests in the shapes the passes
// need: a parent-before-child order for each, sponsor children in CSR form, and
// the two placement children of each member.
type trees struct {
	n int
	// sponsorOrder and placementOrder list members parents first.
	sponsorOrder, placementOrder []int32
	// children of m are child[childStart[m]:childStart[m+1]].
	childStart, child []int32
	left, right       []int32
}

// TreeError is an invalid tree in an Input; it names the member.
type TreeError struct {
	Member string
	Msg    string
}

func (e *TreeError) Error() string { return fmt.Sprintf("member %q: %s", e.Member, e.Msg) }

func buildTrees(c *columns) (*trees, error) {
	n := c.n
	t := &trees{n: n}
	for i := 0; i < n; i++ {
		if p := c.sponsor[i]; p < -1 || int(p) >= n {
			return nil, &TreeError{c.ids.Value(i), fmt.Sprintf("sponsor index %d out of range", p)}
		}
		if p := c.placement[i]; p < -1 || int(p) >= n {
			return nil, &TreeError{c.ids.Value(i), fmt.Sprintf("placement index %d out of range", p)}
		}
	}
	// The two trees are independent: each is built on its own core. A sponsor
	// error is reported before a placement one, as one pass after the other
	// would.
	placementErr := make(chan error, 1)
	go func() { placementErr <- buildPlacement(c, t) }()
	if err := buildSponsor(c, t); err != nil {
		<-placementErr
		return nil, err
	}
	if err := <-placementErr; err != nil {
		return nil, err
	}
	return t, nil
}

// buildSponsor fills the sponsor children (CSR) and the breadth-first sponsor
// order, or finds a cycle.
func buildSponsor(c *columns, t *trees) error {
	n := c.n
	t.childStart = hugemem.Slice[int32](n + 1)
	for _, p := range c.sponsor {
		if p >= 0 {
			t.childStart[p+1]++
		}
	}
	for i := 0; i < n; i++ {
		t.childStart[i+1] += t.childStart[i]
	}
	t.child = hugemem.Slice[int32](int(t.childStart[n]))
	fill := hugemem.Slice[int32](n)
	copy(fill, t.childStart[:n])
	for i, p := range c.sponsor {
		if p >= 0 {
			t.child[fill[p]] = int32(i)
			fill[p]++
		}
	}
	order := fill[:0]
	for i, p := range c.sponsor {
		if p < 0 {
			order = append(order, int32(i))
		}
	}
	for h := 0; h < len(order); h++ {
		m := order[h]
		order = append(order, t.child[t.childStart[m]:t.childStart[m+1]]...)
	}
	if len(order) < n {
		return cycleError(c, c.sponsor, "sponsor")
	}
	t.sponsorOrder = order
	return nil
}

// buildPlacement fills the placement slots and the breadth-first placement
// order, or reports the first bad side, taken slot or cycle.
func buildPlacement(c *columns, t *trees) error {
	n := c.n
	t.left = hugemem.Slice[int32](n)
	t.right = hugemem.Slice[int32](n)
	for i := range t.left {
		t.left[i], t.right[i] = -1, -1
	}
	for i, p := range c.placement {
		s := c.side[i]
		if p < 0 {
			if s != NoSide {
				return &TreeError{c.ids.Value(i), "has a side but no placement parent"}
			}
			continue
		}
		slot := &t.left[p]
		switch s {
		case Left:
		case Right:
			slot = &t.right[p]
		default:
			return &TreeError{c.ids.Value(i), fmt.Sprintf("bad side %d under placement parent %q", s, c.ids.Value(int(p)))}
		}
		if *slot >= 0 {
			return &TreeError{c.ids.Value(i), fmt.Sprintf("slot %s of %q is already taken by %q", sideName(s), c.ids.Value(int(p)), c.ids.Value(int(*slot)))}
		}
		*slot = int32(i)
	}
	porder := hugemem.Slice[int32](n)[:0]
	for i, p := range c.placement {
		if p < 0 {
			porder = append(porder, int32(i))
		}
	}
	for h := 0; h < len(porder); h++ {
		m := porder[h]
		if l := t.left[m]; l >= 0 {
			porder = append(porder, l)
		}
		if r := t.right[m]; r >= 0 {
			porder = append(porder, r)
		}
	}
	if len(porder) < n {
		return cycleError(c, c.placement, "placement")
	}
	t.placementOrder = porder
	return nil
}

func sideName(s Side) string {
	if s == Right {
		return "R"
	}
	return "L"
}

// cycleError names the members of a cycle in parent. Called only when one exists:
// every member not reached from a root leads up into a cycle.
func cycleError(c *columns, parent []int32, tree string) error {
	m := findCycle(parent)
	return &TreeError{Member: c.ids.Value(int(m)), Msg: tree + " cycle: " + cyclePath(c, parent, m)}
}

// findCycle returns a member on a cycle of parent, or -1.
func findCycle(parent []int32) int32 {
	state := make([]uint8, len(parent)) // 0 unseen, 1 on the current walk, 2 done
	for i := range parent {
		j := int32(i)
		for j >= 0 && state[j] == 0 {
			state[j] = 1
			j = parent[j]
		}
		hit := j >= 0 && state[j] == 1
		for k := int32(i); k >= 0 && state[k] == 1; k = parent[k] {
			state[k] = 2
		}
		if hit {
			return j
		}
	}
	return -1
}

func cyclePath(c *columns, parent []int32, start int32) string {
	ids := []string{fmt.Sprintf("%q", c.ids.Value(int(start)))}
	for j := parent[start]; j != start && len(ids) < 10; j = parent[j] {
		ids = append(ids, fmt.Sprintf("%q", c.ids.Value(int(j))))
	}
	if len(ids) == 10 {
		ids = append(ids, "...")
	}
	ids = append(ids, fmt.Sprintf("%q", c.ids.Value(int(start))))
	return strings.Join(ids, " -> ")
}
