package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"downline/graphstore/neo4j"
	"downline/ledger"
	"downline/ledger/member"
	"downline/projection"
)

// syncImport is graph sync --import: the ledger snapshot as the offline
// importer's CSV files, the importer (which replaces Neo4j's database and
// starts the server on it), then the schema, a count check and the
// circulation backfill on the imported graph.
func syncImport(ctx context.Context, cmd *cobra.Command, db *ledger.DB, cfg Config, dir, importer string, reset bool) error {
	if dir == "" || importer == "" {
		return fmt.Errorf("--import DIR and --importer CMD go together (dev/neo4j: --import DIR --importer \"dev/neo4j import\")")
	}
	out, log := cmd.OutOrStdout(), cmd.ErrOrStderr()
	started := time.Now()
	phase := started
	step := func(what string) {
		now := time.Now()
		fmt.Fprintf(log, "%s in %s\n", what, now.Sub(phase).Round(time.Millisecond))
		phase = now
	}
	// The import replaces the database: one that answers and holds members
	// is only replaced when asked to.
	if cfg.Neo4j.URI != "" && !reset {
		probe, cancel := context.WithTimeout(ctx, 10*time.Second)
		store, err := cfg.openNeo4j(probe)
		if err == nil {
			n, cerr := store.Count(probe)
			store.Close(context.Background())
			if cerr == nil && n > 0 {
				cancel()
				return fmt.Errorf("Neo4j at %s holds %d members: the import would replace them (--reset to do so)", cfg.Neo4j.URI, n)
			}
		}
		cancel()
	}

	snap, err := member.TakeSnapshot(ctx, db, func(n int) {
		if n%100_000 == 0 {
			fmt.Fprintf(log, "reading ledger: %d members\n", n)
		}
	})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	step(fmt.Sprintf("read %d members and %d moves from the ledger", len(snap.Members), len(snap.Moves)))
	err = neo4j.WriteImport(dir, snap.Members, snap.Moves, snap.LastSeq, func(done int) {
		if done%200_000 == 0 || done == len(snap.Members) {
			fmt.Fprintf(log, "writing CSV: %d of %d members\n", done, len(snap.Members))
		}
	})
	if err != nil {
		return err
	}
	step("wrote the import files into " + dir)

	// The importer's output goes to stderr as it runs; a NEO4J_URI=... line
	// (dev/neo4j prints one) names the server to use afterwards.
	run := exec.CommandContext(ctx, "sh", "-c", importer+` "$0"`, dir)
	run.Stderr = log
	stdout, err := run.StdoutPipe()
	if err != nil {
		return err
	}
	if err := run.Start(); err != nil {
		return fmt.Errorf("importer %q: %w", importer, err)
	}
	uri := cfg.Neo4j.URI
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		fmt.Fprintln(log, sc.Text())
		if u, ok := strings.CutPrefix(sc.Text(), "NEO4J_URI="); ok {
			uri = u
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	if err := run.Wait(); err != nil {
		return fmt.Errorf("importer %q: %w", importer, err)
	}
	step("imported")
	if uri == "" {
		return fmt.Errorf("imported, but no Neo4j to check: set NEO4J_URI or --neo4j-uri")
	}
	if uri != cfg.Neo4j.URI {
		fmt.Fprintf(log, "the importer started Neo4j at %s\n", uri)
	}
	// New creates the constraints and indexes and waits for them.
	store, err := cfg.openNeo4jAt(ctx, uri)
	if err != nil {
		return err
	}
	defer store.Close(context.Background())
	step("created the schema")
	n, err := store.Count(ctx)
	if err != nil {
		return err
	}
	seq, err := store.LastSeq(ctx)
	if err != nil {
		return err
	}
	if n != int64(len(snap.Members)) || seq != snap.LastSeq {
		return fmt.Errorf("after the import Neo4j holds %d members at outbox position %d, the snapshot %d at %d", n, seq, len(snap.Members), snap.LastSeq)
	}
	if err := projection.Backfill(ctx, db, store, snap.LastSeq); err != nil {
		return err
	}
	step("backfilled circulation")
	fmt.Fprintf(out, "imported %d members into Neo4j in %s (outbox position %d)\n", n, time.Since(started).Round(time.Millisecond), seq)
	if os.Getenv("NEO4J_URI") != uri && uri != cfg.Neo4j.URI {
		fmt.Fprintf(out, "NEO4J_URI=%s\n", uri)
	}
	return nil
}
