package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/settle/jobs"
	"downline/settle/period"
)

// TestWorkerCommand: `downline worker` runs a run queued by another process
// (here, jobs.Start as an API server with --no-worker does) and stops when
// its context ends.
func TestWorkerCommand(t *testing.T) {
	for _, k := range []string{"NEO4J_URI", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID"} {
		t.Setenv(k, "")
	}
	url := ledgertest.NewDatabase(t)
	ctx := context.Background()
	db, err := ledger.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	doc, err := os.ReadFile("../../settle/period/testdata/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := period.UploadPlan(ctx, tx, doc, start, "finance"); err != nil {
			return err
		}
		_, err := period.Define(ctx, tx, "C1", "custom", start, start.AddDate(0, 1, 0), "finance")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	id, _, err := jobs.Start(ctx, db, jobs.Request{Period: "C1", By: "finance"})
	if err != nil {
		t.Fatal(err)
	}

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var j jobs.Job
	go func() {
		defer stop()
		j, err = jobs.Wait(wctx, db.Pool, id, time.Now().Add(2*time.Minute), 50*time.Millisecond)
	}()
	root := newRootCmd()
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"worker", "--database-url", url})
	if err := root.ExecuteContext(wctx); err != nil {
		t.Fatalf("worker: %v", err)
	}
	<-wctx.Done()
	if err != nil || j.Status != jobs.Succeeded {
		t.Errorf("the job after the worker: %+v, %v", j, err)
	}
}
