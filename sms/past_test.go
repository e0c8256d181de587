package sms_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/member"
	"downline/sms"
	"downline/sms/smstest"
)

// lastEvent is the newest outbox event, with its time as stored.
func lastEvent(t testing.TB, db *ledger.DB) ledger.OutboxEvent {
	t.Helper()
	head, err := db.OutboxHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := db.ReadOutbox(ctx, head-1, 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("outbox event %d: %v", head, err)
	}
	return evs[0]
}

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func catchUp(t testing.TB, e *env, n *sms.Notifier) int {
	t.Helper()
	k, err := n.CatchUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	return k
}

func status(t testing.TB, e *env) sms.NotifierStatus {
	t.Helper()
	s, err := sms.Status(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SMS turned on for a ledger with history texts nothing about it; the
// position it started from is kept, so a restart later resumes there and
// texts what happened while it was down (within the horizon).
func TestNotifierStartsAtHead(t *testing.T) {
	e := newEnvOff(t)
	registerNetwork(t, e.db) // three registrations before SMS is on
	appendEvent(t, e.db, sms.EventSettlementPaid, sms.SettlementEvent{Period: "2026-05", Members: []sms.SettlementMember{
		{Code: "ALICE", Amount: goodstest.D("1280.5")}}})
	head := lastEvent(t, e.db)
	if s := status(t, e); s.Start != nil || s.Position != 0 {
		t.Fatalf("before SMS was on: %+v", s)
	}

	clock := at(head.At.Add(time.Minute))
	n := &sms.Notifier{DB: e.db, Sender: e.sender, Now: clock}
	if k := catchUp(t, e, n); k != 0 || len(e.twilio.Messages()) != 0 {
		t.Fatalf("turning SMS on queued %d and sent %d messages about the past: %+v", k, len(e.twilio.Messages()), e.twilio.Messages())
	}
	s := status(t, e)
	if s.Start == nil || s.Start.Seq != head.Seq || !s.Start.At.Equal(clock()) || s.Position != head.Seq || s.Skipped != 0 {
		t.Fatalf("status %+v, want started and at %d (at %s)", s, head.Seq, clock())
	}

	// Down for a while: CAROL registers; a new notifier (the server
	// restarted) resumes from the stored position, not the head.
	register(t, e.db, "CAROL", "Carol", "+447700900004", "en", "ROOT")
	restarted := &sms.Notifier{DB: e.db, Sender: e.sender, Now: at(lastEvent(t, e.db).At.Add(time.Hour))}
	st, first, err := restarted.Start(ctx)
	if err != nil || first || st.Seq != head.Seq {
		t.Fatalf("restart: start %+v, first %v, %v; want the first start at %d kept", st, first, err, head.Seq)
	}
	catchUp(t, e, restarted)
	wantTo(t, e, "+447700900004", "Welcome, Carol!")
	wantTo(t, e, rootPhone, "your new member Carol (CAROL)")
	if got := len(e.twilio.Messages()); got != 2 {
		t.Fatalf("%d messages after the restart, want 2: %+v", got, e.twilio.Messages())
	}
}

// An event older than the horizon when the notifier reaches it is not
// texted; the skip is recorded and logged.
func TestHorizonSkipsStaleEvents(t *testing.T) {
	e := newEnv(t)
	register(t, e.db, "ROOT", "Rose", rootPhone, "en", "")
	root := lastEvent(t, e.db)
	register(t, e.db, "ALICE", "王丽", alicePhone, "zh-CN", "ROOT")
	alice := lastEvent(t, e.db)
	if !alice.At.After(root.At) {
		t.Fatalf("events at %s and %s: the second is not later", root.At, alice.At)
	}
	var logs bytes.Buffer
	now := alice.At.Add(time.Hour) // ALICE's event is exactly an hour old, ROOT's older
	n := &sms.Notifier{DB: e.db, Sender: e.sender, Horizon: time.Hour, Now: at(now), Log: slog.New(slog.NewTextHandler(&logs, nil))}
	catchUp(t, e, n)
	wantTo(t, e, alicePhone, "欢迎加入，王丽！")
	wantTo(t, e, rootPhone, "Rose, your new member 王丽 (ALICE) is registered") // no welcome for ROOT
	s := status(t, e)
	if s.Skipped != 1 || len(s.Skips) != 1 || s.Position != alice.Seq {
		t.Fatalf("status %+v, want ROOT's event skipped", s)
	}
	k := s.Skips[0]
	if k.FirstSeq != root.Seq || k.LastSeq != root.Seq || k.Events != 1 || k.Kinds[member.EventRegistered] != 1 ||
		!k.Oldest.Equal(root.At) || k.Horizon != "01:00:00" || !k.At.Equal(now) {
		t.Errorf("skip %+v", k)
	}
	if l := logs.String(); strings.Count(l, "events older than the horizon were not texted") != 1 || !strings.Contains(l, "events=1") {
		t.Errorf("log %q", l)
	}

	// The default horizon is a day.
	register(t, e.db, "BOB", "Bob", bobPhone, "en", "ALICE")
	bob := lastEvent(t, e.db)
	e.twilio.Reset()
	catchUp(t, e, &sms.Notifier{DB: e.db, Sender: e.sender, Now: at(bob.At.Add(sms.DefaultHorizon + time.Second))})
	if got := e.twilio.Messages(); len(got) != 0 {
		t.Fatalf("a day-old registration was texted: %+v", got)
	}
	if s := status(t, e); s.Skipped != 2 || len(s.Skips) != 2 || s.Skips[0].FirstSeq != bob.Seq || s.Skips[0].Horizon != "24:00:00" {
		t.Fatalf("status %+v", s)
	}
}

// A welcome queued after a bulk send of hundreds goes out among the first
// messages, not after the bulk.
func TestUrgentBeforeBulk(t *testing.T) {
	e := newEnv(t)
	gen := member.GenerateNetwork(600, 3, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := member.CopyNetwork(ctx, e.db, gen, nil); err != nil {
		t.Fatal(err)
	}
	bulk, p, err := sms.QueueBulk(ctx, e.db, sms.Bulk{BodyZH: "周年庆：全场九折。", BodyEN: "Anniversary sale.", By: "hq"}, goodstest.D("0.05"))
	if err != nil || p.Recipients < 500 {
		t.Fatalf("bulk %d to %d: %v", bulk, p.Recipients, err)
	}
	const newPhone = "+447700900777"
	register(t, e.db, "NEW1", "Nora", newPhone, "en", gen[0].Code)
	if k, err := (&sms.Notifier{DB: e.db}).CatchUp(ctx); err != nil || k != 2 { // welcome, and a note to the sponsor
		t.Fatalf("queued %d: %v", k, err)
	}

	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.sender.Run(run) }()
	for deadline := time.Now().Add(time.Minute); len(e.twilio.To(newPhone)) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no welcome after %d messages", len(e.twilio.Messages()))
		}
	}
	stop()
	<-done
	got := e.twilio.Messages()
	i := slices.IndexFunc(got, func(m smstest.Message) bool { return m.To == newPhone })
	// Two batches of 8 go at once (a claim-send pipeline of two): the
	// welcome is in the first claimed, so it arrives within the first few.
	if i < 0 || i >= 32 {
		t.Fatalf("the welcome arrived %dth of %d, behind the bulk of %d", i+1, len(got), p.Recipients)
	}
	if !strings.HasPrefix(got[i].Body, "Welcome, Nora!") {
		t.Errorf("welcome %q", got[i].Body)
	}
}
