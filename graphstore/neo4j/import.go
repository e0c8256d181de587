package neo4j

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"downline/graphstore"
	"downline/network"
)

// ImportArgs is the file WriteImport leaves next to the CSV files: the
// arguments of Neo4j's offline importer, one a line, that name each file's
// label or relationship type. On a stopped server:
//
//	neo4j-admin database import full --overwrite-destination @DIR/import.args neo4j
//
// (dev/neo4j import DIR does the same for the development server).
const ImportArgs = "import.args"

// WriteImport writes the graph Load would build from the same snapshot as
// CSV files for Neo4j's offline importer (neo4j-admin database import full)
// into dir, and ImportArgs to go with them: the Member
// nodes with the same properties, both trees' current links, the closed
// links of moves and the outbox position. The importer writes store files
// directly, without transactions, which is what makes an initial load of
// millions of members fast; it needs an empty, stopped database. The
// constraints and indexes are not in the files: New creates them on the
// imported database, as on any other. Differences from Load: an empty code
// or name is no property (every read takes either as ""), and the nodes'
// internal ids are the members' positions in members (the importer's
// "actual" ids, which spare it an id map; nothing reads internal ids).
// progress is called with the number of members written. The members
// carry their team aggregates, as Load computes them.
//
// The files are written concurrently, one writer per tree beside the
// members'.
//
// The snapshot is checked as Load checks it (ErrInvalid), before any file is
// written.
func WriteImport(dir string, members []network.Member, moves []network.Event, lastSeq int64, progress func(done int)) error {
	h, err := replay(members, moves)
	if err != nil {
		return fmt.Errorf("neo4j.WriteImport: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("neo4j.WriteImport: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("neo4j.WriteImport: %w", err)
	}
	w := &importWriter{dir: abs}
	// Actual ids: node i is members[i], the Meta node comes after them (the
	// importer wants actual ids ascending over all node files).
	w.args = append(w.args, "--id-type=actual")
	// A linked member's node id is its position (replay checked it is there).
	node := func(id network.MemberID) string {
		i, _ := h.index.get(id)
		return strconv.Itoa(int(i))
	}

	// The aggregates are computed while the links' files are written.
	var teams [2][]teamAgg
	teamsDone := make(chan struct{})
	go func() {
		teams = h.teams(members)
		close(teamsDone)
	}()
	nodes := w.file("members.csv", "--nodes=Member=", ":ID,id:long,code,name,status,joined:long,sponsor:long,parent:long,side:long"+
		",spBelow:long,spActive:long,spHeight:long,plBelow:long,plActive:long,plHeight:long")
	// The Meta node always says the aggregates are kept (without it New
	// would recompute them all, as for a store from before they existed);
	// it holds an outbox position only when there is one, as after Load.
	meta := w.file("meta.csv", "--nodes=Meta=", ":ID,id,lastSeq:long,"+teamsMark+":long,"+timesMark+":long")
	var cur, was [2]*csvFile
	for t, names := range relTypes {
		cur[t] = w.file(strings.ToLower(names[0])+".csv", "--relationships="+names[0]+"=", ":START_ID,:END_ID,since:long,seq:long,side:long")
		was[t] = w.file(strings.ToLower(names[1])+".csv", "--relationships="+names[1]+"=", ":START_ID,:END_ID,since:long,until:long,seq:long,side:long")
	}
	if w.err != nil {
		<-teamsDone
		w.close()
		return fmt.Errorf("neo4j.WriteImport: %w", w.err)
	}

	var wg sync.WaitGroup
	multiline := false
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-teamsDone
		for i := range members {
			m := &members[i]
			st := m.Status
			if st == "" {
				st = network.Active
			}
			sp, pl := h.current[network.Sponsor][i], h.current[network.Placement][i]
			id := strconv.FormatInt(int64(m.ID), 10)
			multiline = multiline || hasNewline(m.Code) || hasNewline(m.Name)
			ts, tp := teams[network.Sponsor][i], teams[network.Placement][i]
			nodes.row(strconv.Itoa(i), id, quote(m.Code), quote(m.Name), quote(string(st)), nanos(m.Joined),
				strconv.FormatInt(int64(sp.to), 10), strconv.FormatInt(int64(pl.to), 10), strconv.Itoa(int(pl.side)),
				strconv.FormatInt(ts.below, 10), strconv.FormatInt(ts.active, 10), strconv.FormatInt(ts.height, 10),
				strconv.FormatInt(tp.below, 10), strconv.FormatInt(tp.active, 10), strconv.FormatInt(tp.height, 10))
			if progress != nil && (i+1)%loadBatch == 0 {
				progress(i + 1)
			}
		}
		seq := ""
		if lastSeq > 0 {
			seq = strconv.FormatInt(lastSeq, 10)
		}
		meta.row(strconv.Itoa(len(members)), quote(metaID), seq, "1", "1")
	}()
	for t := range relTypes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, l := range h.current[t] {
				if l.to != 0 {
					cur[t].row(strconv.Itoa(i), node(l.to),
						nanos(l.since), strconv.FormatInt(l.seq, 10), strconv.Itoa(int(l.side)))
				}
			}
			for _, c := range h.closed[t] {
				was[t].row(node(c.id), node(c.span.to),
					nanos(c.span.since), nanos(c.span.until), strconv.FormatInt(c.span.seq, 10), strconv.Itoa(int(c.span.side)))
			}
		}()
	}
	wg.Wait()
	if multiline {
		w.args = append(w.args, "--multiline-fields=true")
	}
	if err := w.close(); err != nil {
		return fmt.Errorf("neo4j.WriteImport: %w", err)
	}
	if progress != nil && len(members)%loadBatch != 0 {
		progress(len(members))
	}
	return nil
}

// importWriter writes the CSV files and collects the importer's arguments;
// each file's first error sticks and close reports it.
type importWriter struct {
	dir   string
	args  []string
	files []*csvFile
	err   error // of opening a file
}

type csvFile struct {
	f   *os.File
	buf *bufio.Writer
	err error
}

func (w *importWriter) file(name, arg, header string) *csvFile {
	path := filepath.Join(w.dir, name)
	c := &csvFile{}
	if w.err == nil {
		c.f, w.err = os.Create(path)
	}
	if w.err == nil {
		c.buf = bufio.NewWriterSize(c.f, 1<<20)
		w.files = append(w.files, c)
		w.args = append(w.args, arg+path)
		c.row(header)
	} else {
		c.err = w.err
	}
	return c
}

func (c *csvFile) row(fields ...string) {
	if c.err != nil {
		return
	}
	for i, f := range fields {
		if i > 0 {
			c.buf.WriteByte(',')
		}
		c.buf.WriteString(f)
	}
	_, c.err = c.buf.WriteString("\n")
}

func (w *importWriter) close() error {
	for _, c := range w.files {
		if c.err == nil {
			c.err = c.buf.Flush()
		}
		if err := c.f.Close(); err != nil && c.err == nil {
			c.err = err
		}
		if c.err != nil && w.err == nil {
			w.err = c.err
		}
	}
	if w.err != nil {
		return w.err
	}
	return os.WriteFile(filepath.Join(w.dir, ImportArgs), []byte(strings.Join(w.args, "\n")+"\n"), 0o644)
}

// quote is a CSV field in double quotes, inner quotes doubled, as the
// importer reads them.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func hasNewline(s string) bool { return strings.ContainsAny(s, "\r\n") }

// nanos is t as the stores keep it (graphstore.UnixNanos), in decimal. An
// integer rather than a datetime column: the importer parses every datetime
// with a general ISO 8601 pattern, which made the times alone a third of
// the import of a million members.
func nanos(t time.Time) string {
	return strconv.FormatInt(graphstore.UnixNanos(t), 10)
}
