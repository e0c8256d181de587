package neo4j

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"downline/internal/repo"
	"downline/ledger/ledgertest"
	"downline/projection"
)

// privateServer is a Neo4j of the test's own (dev/neo4j with its own data
// directory and port), so the test can stop and start it without touching
// the server the other tests share.
type privateServer struct {
	t    *testing.T
	root string
	env  []string
}

func newPrivateServer(t *testing.T) *privateServer {
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p := &privateServer{t: t, root: root, env: append(os.Environ(),
		"NEO4J_DATA="+filepath.Join(t.TempDir(), "neo4j"), "NEO4J_PORT="+strconv.Itoa(port),
		"NEO4J_HEAP=512m", "NEO4J_PAGECACHE_MIB=64")}
	t.Cleanup(func() { p.run("down") })
	return p
}

func (p *privateServer) run(args ...string) string {
	p.t.Helper()
	out, err := p.try(args...)
	if err != nil {
		p.t.Fatalf("dev/neo4j %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (p *privateServer) try(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(p.root, "dev", "neo4j"), args...)
	cmd.Dir, cmd.Env = p.root, p.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, errOut.String())
	}
	return out.String(), nil
}

// up starts the server and returns its URI. A start right after a stop
// has been seen to fail once on a loaded machine; it is tried again.
func (p *privateServer) up() string {
	p.t.Helper()
	var out string
	var err error
	for try := 0; try < 3; try++ {
		if out, err = p.try("up"); err == nil {
			break
		}
		p.t.Logf("dev/neo4j up: %v", err)
		time.Sleep(3 * time.Second)
	}
	if err != nil {
		p.t.Fatal("dev/neo4j up failed 3 times")
	}
	return p.uriOf(out)
}

// importFrom stops the server, imports the files of dir into its database
// and starts it on that (dev/neo4j import), and returns its URI.
func (p *privateServer) importFrom(dir string) string {
	p.t.Helper()
	return p.uriOf(p.run("import", dir))
}

func (p *privateServer) uriOf(out string) string {
	p.t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if uri, ok := strings.CutPrefix(sc.Text(), "NEO4J_URI="); ok {
			return uri
		}
	}
	p.t.Fatalf("dev/neo4j printed no NEO4J_URI: %q", out)
	return ""
}

// Neo4j goes down while members keep registering; the ledger takes every
// registration, the feed fails and retries, and once Neo4j is back (empty:
// the dev server keeps no data across restarts) the feed notices the store
// lost its events, syncs it from the ledger and catches up. feed.Check then
// finds no difference, and Cypher finds no duplicate node or link.
func TestFeedSurvivesNeo4jRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops a Neo4j server: not in -short")
	}
	ctx := context.Background()
	start := time.Now()
	step := func(what string) { t.Logf("%6.1fs %s", time.Since(start).Seconds(), what) }
	srv := newPrivateServer(t)
	uri := srv.up()
	step("server up")
	s, err := New(ctx, uri, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	db := ledgertest.DB(t)
	register(t, db, "ROOT", "")
	first := registerTeam(t, db, "A", 20, []string{"ROOT"})
	f := &projection.Feed{DB: db, Store: s}
	if _, err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	checkClean(t, db, s)

	step("fed 21 members")
	srv.run("down")
	step("server down")
	// Registration writes only Postgres: it goes on regardless.
	registerTeam(t, db, "B", 15, first)
	// The driver retries a lost server for up to 30 s; a bounded try is enough.
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = f.CatchUp(short)
	cancel()
	if err == nil {
		t.Fatal("CatchUp succeeded with Neo4j down")
	}
	step("catch-up failed while down: " + err.Error())
	if f.Lag() == 0 {
		t.Error("no lag reported while Neo4j is down")
	}

	if again := srv.up(); again != uri {
		t.Fatalf("the server came back on %s, not %s", again, uri)
	}
	step("server up again")
	registerTeam(t, db, "C", 5, []string{"B001"})
	// The driver reconnects on its own; give the first tries some slack.
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := f.CatchUp(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("CatchUp after the restart: %v", err)
		}
		time.Sleep(time.Second)
	}
	step("caught up")
	if f.Lag() != 0 {
		t.Errorf("lag %d after catching up", f.Lag())
	}
	checkClean(t, db, s)
	noDuplicates(t, s, 41)

	// More traffic and a re-read of everything change nothing twice.
	registerTeam(t, db, "D", 3, []string{"C004"})
	if _, err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := (&projection.Feed{DB: db, Store: s}).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	checkClean(t, db, s)
	noDuplicates(t, s, 44)
}
