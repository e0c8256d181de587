package neo4j

import (
	"context"
	"downline/network"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// An import (WriteImport, then Neo4j's offline importer through
// dev/neo4j import, on a private server) leaves the same graph, and the
// same answers, as applying the events one by one; the feed resumes after it.
func TestImportMatchesApply(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Neo4j server of its own: not in -short")
	}
	ctx := context.Background()
	s := freshStore(t)
	h := randomHistory(t, 2, 300)
	// Names the CSV must quote: a comma, quotes, a line break, non-ASCII.
	var ids []network.MemberID
	for _, e := range h.events {
		if e.Kind == network.EventRegistered {
			ids = append(ids, e.Member.ID)
		}
	}
	last := h.events[len(h.events)-1]
	for i, name := range []string{`Smith, "Jo"`, "two\nlines", "名 ü"} {
		id := ids[i*7]
		last.Seq++
		last.At = last.At.Add(time.Minute)
		last.Kind, last.Tree, last.Member = network.EventProfile, 0, network.Member{ID: id, Name: name}
		h.events = append(h.events, last)
	}
	if err := s.Apply(ctx, h.events); err != nil {
		t.Fatal(err)
	}
	applied, appliedView := graphDump(t, s), storeView(t, s, h)

	members, moves, lastSeq := h.snapshot()
	rand.New(rand.NewPCG(4, 4)).Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	dir := filepath.Join(t.TempDir(), "import")
	var calls []int
	if err := WriteImport(dir, members, moves, lastSeq, func(done int) { calls = append(calls, done) }); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != len(members) {
		t.Errorf("progress calls %v, want the last to be %d", calls, len(members))
	}
	args, err := os.ReadFile(filepath.Join(dir, ImportArgs))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--nodes=Member=", "--nodes=Meta=", "--relationships=SPONSOR=", "--relationships=PLACED_WAS=", "--multiline-fields=true"} {
		if !strings.Contains(string(args), want) {
			t.Errorf("%s lacks %s:\n%s", ImportArgs, want, args)
		}
	}

	srv := newPrivateServer(t)
	imp, err := New(ctx, srv.importFrom(dir), "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer imp.Close(ctx)
	imported := graphDump(t, imp)
	sameFilling(t, "the import", applied, imported, appliedView, storeView(t, imp, h))
	// New made the schema on the imported graph: the member_id constraint
	// holds for the imported members, the code index is online.
	if err := imp.writeParams(ctx, `CREATE (:Member {id: $id})`, map[string]any{"id": int64(members[0].ID)}); err == nil {
		t.Error("a second node with an imported member's id was created")
	}
	rec, err := read(ctx, imp, func(tx neo4j.ManagedTransaction) (*neo4j.Record, error) {
		return single(ctx, tx, `SHOW INDEXES YIELD name, state WHERE name = 'member_code' RETURN state`, nil)
	})
	if err != nil || rec == nil || rec.Values[0] != "ONLINE" {
		t.Errorf("member_code index after the import: %v, %v", rec, err)
	}

	// The feed resumes where the import ended: re-delivered events are
	// no-ops, new ones apply.
	if err := imp.Apply(ctx, h.events[len(h.events)-5:]); err != nil {
		t.Fatal(err)
	}
	if again := graphDump(t, imp); !slices.Equal(again, imported) {
		t.Fatal("re-delivering events after the import changed the graph")
	}
}

// A snapshot the ledger could not hold is refused before any file is written.
func TestWriteImportRejectsBadSnapshot(t *testing.T) {
	members := []network.Member{
		{ID: 1, Code: "A", Status: network.Active, Joined: t0},
		{ID: 2, Code: "B", Status: network.Active, Joined: t0.Add(time.Hour), Sponsor: 1, Parent: 1, Side: network.Left},
	}
	moves := []network.Event{{At: t0.Add(2 * time.Hour), Kind: network.EventMoved, Tree: network.Sponsor, Member: network.Member{ID: 1, Sponsor: 2}}}
	dir := filepath.Join(t.TempDir(), "import")
	if err := WriteImport(dir, members, moves, 9, nil); err == nil {
		t.Fatal("WriteImport of a cycle succeeded")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a refused WriteImport left %s (%v)", dir, err)
	}
}

// A ledger with no outbox event yet (a fresh seed) still imports with the
// aggregates marked as kept, so New does not recompute them for every
// member; the outbox position is then absent, as after Load.
func TestWriteImportMarksTeamsWithoutOutbox(t *testing.T) {
	members := []network.Member{
		{ID: 1, Code: "A", Status: network.Active, Joined: t0},
		{ID: 2, Code: "B", Status: network.Active, Joined: t0.Add(time.Hour), Sponsor: 1, Parent: 1, Side: network.Left},
	}
	for _, c := range []struct {
		seq  int64
		want string
	}{{0, `2,"graphstore",,1,1`}, {7, `2,"graphstore",7,1,1`}} {
		dir := filepath.Join(t.TempDir(), "import")
		if err := WriteImport(dir, members, nil, c.seq, nil); err != nil {
			t.Fatal(err)
		}
		meta, err := os.ReadFile(filepath.Join(dir, "meta.csv"))
		if err != nil {
			t.Fatalf("lastSeq %d: %v", c.seq, err)
		}
		if rows := strings.Split(strings.TrimSpace(string(meta)), "\n"); len(rows) != 2 || rows[1] != c.want {
			t.Errorf("lastSeq %d: meta.csv is\n%s\nwant the row %s", c.seq, meta, c.want)
		}
	}
}
