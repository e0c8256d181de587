package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/demo"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/network"
	"downline/sms"
	"downline/sms/smstest"
)

const (
	testTwilioSID   = "AC0123456789abcdef0123456789abcdef"
	testTwilioToken = "0123456789abcdef0123456789abcdef"
	testTwilioFrom  = "+15005550006"
)

// syncBuffer is a bytes.Buffer that goroutines may write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// SMS turned on for the demo company, months of orders and two settled
// months in its ledger, texts nothing about that history; the first member
// registered afterwards gets the welcome.
func TestSMSOnForTheDemoTextsNoHistory(t *testing.T) {
	db := ledgertest.DB(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // before the database closes (cleanups run last first)
	gen := member.GenerateNetwork(60, 1, time.Now().AddDate(-2, 0, 0))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Company(ctx, db, "demo-password-1", 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	history, err := db.OutboxHead(ctx)
	if err != nil || history < 300 {
		t.Fatalf("the demo wrote %d outbox events (%v), want its months of orders", history, err)
	}

	twilio := smstest.New(t, testTwilioSID, testTwilioToken)
	var logs syncBuffer
	cfg := sms.Config{AccountSID: testTwilioSID, AuthToken: testTwilioToken, From: testTwilioFrom, APIURL: twilio.URL, Rate: 1000}
	if startSMS(ctx, db, cfg, slog.New(slog.NewTextHandler(&logs, nil)), true) == nil {
		t.Fatalf("SMS did not start: %s", logs.String())
	}

	const phone = "+447700900777"
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := member.Register(ctx, tx, member.Registration{Code: "NEW0001", Name: "Nora", Phone: phone, Lang: "en",
			Sponsor: gen[0].Code, Auto: network.Balanced, By: "test"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the welcome", func() bool { return len(twilio.To(phone)) > 0 })
	if got := twilio.To(phone); !strings.HasPrefix(got[0], "Welcome, Nora! Your member number is NEW0001.") {
		t.Errorf("welcome %q", got)
	}
	// Only texts about the new member: the welcome and its sponsor's note.
	var past []string
	for _, m := range twilio.Messages() {
		if !strings.Contains(m.Body, "NEW0001") {
			past = append(past, m.Body)
		}
	}
	if len(past) > 0 {
		t.Errorf("%d texts about the past, the first: %q", len(past), past[:min(3, len(past))])
	}
	if s, err := sms.Status(ctx, db); err != nil || s.Start == nil || s.Start.Seq != history || s.Skipped != 0 {
		t.Errorf("notifier status %+v, %v; want started at %d", s, err, history)
	}
}

// A malformed auth token is said once, in words, when the server starts;
// SMS stays off and the server serves.
func TestServeRefusesMalformedTwilioToken(t *testing.T) {
	url := ledgertest.NewDatabase(t)
	t.Setenv("NEO4J_URI", "")
	t.Setenv("TWILIO_ACCOUNT_SID", testTwilioSID)
	t.Setenv("TWILIO_AUTH_TOKEN", "0123456789abcdef-0123456789abcdef") // a dash, say, pasted in
	t.Setenv("TWILIO_FROM", testTwilioFrom)
	t.Setenv("TWILIO_MESSAGING_SERVICE_SID", "")
	t.Setenv("TWILIO_API_URL", "")
	t.Setenv("PUBLIC_URL", "https://downline.example.com")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	cmd := newServeCmd()
	var out, errs syncBuffer
	cmd.SetOut(&out)
	cmd.SetErr(&errs)
	cmd.SetArgs([]string{"--database-url", url, "--listen", addr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	waitFor(t, "the server", func() bool {
		res, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	// No webhooks without SMS.
	res, err := http.Post("http://"+addr+"/sms/inbound", "application/x-www-form-urlencoded", strings.NewReader("From=%2B8613800000002&Body=BAL"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("/sms/inbound answered %d with SMS off", res.StatusCode)
	}
	log := errs.String()
	const want = "SMS disabled: TWILIO_AUTH_TOKEN must be 32 letters and digits (Twilio refuses other tokens with error 21224); it has 33 characters, 1 of them neither a letter nor a digit"
	if strings.Count(log, "TWILIO_AUTH_TOKEN") != 1 || !strings.Contains(log, want) || strings.Contains(log, "SMS on") {
		t.Errorf("serve said:\n%s\nwant once: %s", log, want)
	}
	if strings.Contains(log, "0123456789abcdef-0123456789abcdef") {
		t.Errorf("the auth token is in the log:\n%s", log)
	}
}
