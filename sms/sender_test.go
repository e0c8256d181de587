package sms_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/sms"
	"downline/sms/smstest"
)

var ctx = context.Background()

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "0123456789abcdef0123456789abcdef"
	testFrom  = "+15005550006"
)

type env struct {
	db     *ledger.DB
	twilio *smstest.Server
	cfg    sms.Config
	client *sms.Client
	sender *sms.Sender
}

// newEnv is an environment with SMS on from the ledger's first event.
func newEnv(t testing.TB) *env {
	t.Helper()
	e := newEnvOff(t)
	if _, _, err := (&sms.Notifier{DB: e.db}).Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// newEnvOff is an environment whose ledger has never had SMS on.
func newEnvOff(t testing.TB) *env {
	t.Helper()
	e := &env{db: ledgertest.DB(t), twilio: smstest.New(t, testSID, testToken)}
	e.cfg = sms.Config{AccountSID: testSID, AuthToken: testToken, From: testFrom, APIURL: e.twilio.URL,
		PublicURL: "https://downline.example.com", Rate: 1000, Timeout: 2 * time.Second}
	var err error
	if e.client, err = sms.NewClient(e.cfg); err != nil {
		t.Fatal(err)
	}
	e.sender = &sms.Sender{DB: e.db, Client: e.client, Rate: e.cfg.Rate, StatusCallback: e.cfg.PublicURL + "/sms/status",
		Backoff: func(int) time.Duration { return 5 * time.Millisecond }, MaxAttempts: 4}
	return e
}

func (e *env) enqueue(t testing.TB, msgs ...sms.Outgoing) {
	t.Helper()
	if _, err := sms.Enqueue(ctx, e.db.Pool, msgs); err != nil {
		t.Fatal(err)
	}
}

func (e *env) drain(t testing.TB) {
	t.Helper()
	if _, err := e.sender.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *env) message(t testing.TB, to string) sms.Message {
	t.Helper()
	ms, err := sms.List(ctx, e.db.Pool, sms.Filter{To: to})
	if err != nil || len(ms) != 1 {
		t.Fatalf("messages to %s: %d, %v; want 1", to, len(ms), err)
	}
	return ms[0]
}

func TestSendThroughTwilio(t *testing.T) {
	e := newEnv(t)
	e.enqueue(t,
		sms.Outgoing{Key: "a", Kind: "test", To: "+8613800000001", Lang: "zh-CN", Body: "您好"},
		sms.Outgoing{Key: "b", Kind: "test", To: "+447700900002", Lang: "en", Body: "Hello"},
		sms.Outgoing{Key: "a", Kind: "test", To: "+8613800000001", Lang: "zh-CN", Body: "您好"}, // same key: stored once
	)
	e.drain(t)
	got := e.twilio.Messages()
	if len(got) != 2 {
		t.Fatalf("Twilio got %d messages, want 2: %+v", len(got), got)
	}
	for _, g := range got {
		if g.From != testFrom {
			t.Errorf("from %q", g.From)
		}
		m := e.message(t, g.To)
		if m.Body != g.Body || m.State != sms.Sent || m.TwilioSID != g.SID || m.Attempts != 1 || m.Delivery != "queued" {
			t.Errorf("stored %+v for %+v", m, g)
		}
		if want := fmt.Sprintf("https://downline.example.com/sms/status?m=%d", m.ID); g.StatusCallback != want {
			t.Errorf("status callback %q, want %q", g.StatusCallback, want)
		}
	}
}

// 429 and 5xx are retried with the same message id until Twilio accepts;
// 400 is not retried; retries stop after MaxAttempts.
func TestRetries(t *testing.T) {
	e := newEnv(t)
	e.twilio.FailTo("+8613800000001", 429, 500)
	e.twilio.FailTo("+8613800000002", 400)
	e.twilio.FailTo("+8613800000003", 503, 503, 503, 503, 503)
	e.twilio.FailTo("+8613800000004", 502)
	for i := 1; i <= 4; i++ {
		e.enqueue(t, sms.Outgoing{Key: fmt.Sprint(i), Kind: "test", To: fmt.Sprintf("+861380000000%d", i), Body: "hi"})
	}
	e.drain(t)
	for _, c := range []struct {
		to       string
		state    sms.State
		attempts int
		accepted int
		code     int
	}{
		{"+8613800000001", sms.Sent, 3, 1, 0},
		{"+8613800000002", sms.Failed, 1, 0, 21211},
		{"+8613800000003", sms.Failed, 4, 0, 20500},
		{"+8613800000004", sms.Sent, 2, 1, 0},
	} {
		m := e.message(t, c.to)
		if m.State != c.state || m.Attempts != c.attempts || m.ErrorCode != c.code {
			t.Errorf("%s: %s after %d attempts (code %d, %q), want %s after %d (code %d)", c.to, m.State, m.Attempts, m.ErrorCode, m.Error, c.state, c.attempts, c.code)
		}
		if n := len(e.twilio.To(c.to)); n != c.accepted {
			t.Errorf("%s: Twilio accepted %d, want %d", c.to, n, c.accepted)
		}
	}
	if n := e.twilio.Requests(); n != 3+1+4+2 {
		t.Errorf("%d requests, want 10", n)
	}
	if st := e.sender.Stats(); st.Sent != 2 || st.Failed != 2 || st.Retried != 2+3+1 {
		t.Errorf("stats %+v", st)
	}
}

// A crash between marking a message "sending" and recording Twilio's answer
// leaves it "sending"; it is never sent again by itself, and Reconcile
// surfaces it as "unknown".
func TestCrashBetweenStoreAndSend(t *testing.T) {
	e := newEnv(t)
	e.enqueue(t, sms.Outgoing{Key: "x", Kind: "test", To: "+8613800000001", Body: "once"})
	// The crashed sender: it claimed the message (committed) and died.
	if _, err := e.db.Pool.Exec(ctx, `UPDATE sms_messages SET state = 'sending', attempts = 1, sending_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	if n := e.twilio.Requests(); n != 0 {
		t.Fatalf("a message left sending was sent again (%d requests)", n)
	}
	n, err := e.sender.Reconcile(ctx)
	if err != nil || n != 1 {
		t.Fatalf("reconciled %d, %v", n, err)
	}
	m := e.message(t, "+8613800000001")
	if m.State != sms.Uncertain {
		t.Fatalf("state %s, want unknown", m.State)
	}
	e.drain(t)
	if n := e.twilio.Requests(); n != 0 {
		t.Fatalf("an unknown message was resent (%d requests)", n)
	}
	// An admin decides to resend it: same id.
	if err := sms.Resend(ctx, e.db.Pool, m.ID); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	if m2 := e.message(t, "+8613800000001"); m2.ID != m.ID || m2.State != sms.Sent || m2.Attempts != 2 {
		t.Fatalf("after resend: %+v", m2)
	}
	if err := sms.Resend(ctx, e.db.Pool, m.ID); err == nil {
		t.Fatal("a sent message was queued again")
	}
}

// A call that times out may have reached Twilio: unknown, never retried.
func TestTimeoutIsUnknown(t *testing.T) {
	e := newEnv(t)
	cfg := e.cfg
	cfg.Timeout = 100 * time.Millisecond
	c, err := sms.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.sender.Client = c
	e.twilio.Delay(300 * time.Millisecond)
	e.enqueue(t, sms.Outgoing{Key: "x", Kind: "test", To: "+8613800000001", Body: "slow"})
	e.drain(t)
	if m := e.message(t, "+8613800000001"); m.State != sms.Uncertain || m.Attempts != 1 {
		t.Fatalf("after a timeout: %s, %d attempts (%s)", m.State, m.Attempts, m.Error)
	}
	if n := e.twilio.Requests(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// Twilio not reachable at all: nothing went, so it is retried.
func TestUnreachableIsRetried(t *testing.T) {
	e := newEnv(t)
	cfg := e.cfg
	cfg.APIURL = "http://127.0.0.1:1"
	c, err := sms.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send("+8613800000001", "x", "")
	if se, ok := err.(*sms.SendError); !ok || se.Outcome != sms.Retry {
		t.Fatalf("unreachable: %v, want a retry", err)
	}
}

// Two senders drain one queue: every message goes exactly once.
func TestConcurrentSenders(t *testing.T) {
	e := newEnv(t)
	var msgs []sms.Outgoing
	for i := range 300 {
		msgs = append(msgs, sms.Outgoing{Key: fmt.Sprint(i), Kind: "test", To: fmt.Sprintf("+86138%08d", i), Body: fmt.Sprint("m", i)})
	}
	e.enqueue(t, msgs...)
	e.twilio.Fail(500, 429, 500) // some retries on the way
	other := &sms.Sender{DB: e.db, Client: e.client, Rate: 1000, Backoff: e.sender.Backoff}
	var wg sync.WaitGroup
	for _, s := range []*sms.Sender{e.sender, other} {
		wg.Go(func() {
			if _, err := s.Drain(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, m := range e.twilio.Messages() {
		seen[m.To]++
	}
	if len(seen) != 300 {
		t.Fatalf("%d numbers reached, want 300", len(seen))
	}
	for to, n := range seen {
		if n != 1 {
			t.Fatalf("%s got %d messages", to, n)
		}
	}
	if a, b := e.sender.Stats().Sent, other.Stats().Sent; a+b != 300 || a == 0 || b == 0 {
		t.Logf("split %d/%d", a, b)
	}
}

// The sender keeps to its rate.
func TestThrottle(t *testing.T) {
	e := newEnv(t)
	const n, perSecond = 120, 40
	e.sender = &sms.Sender{DB: e.db, Client: e.client, Rate: perSecond, Concurrency: 8}
	var msgs []sms.Outgoing
	for i := range n {
		msgs = append(msgs, sms.Outgoing{Key: fmt.Sprint(i), Kind: "test", To: fmt.Sprintf("+86138%08d", i), Body: "x"})
	}
	e.enqueue(t, msgs...)
	start := time.Now()
	e.drain(t)
	took := time.Since(start)
	burst := 8
	if min := time.Duration(float64(n-burst)/perSecond*float64(time.Second)) * 95 / 100; took < min {
		t.Fatalf("%d messages in %s at %d/s: faster than %s", n, took, perSecond, min)
	}
	got := e.twilio.Messages()
	if len(got) != n {
		t.Fatalf("%d sent", len(got))
	}
	// No one-second window holds more than the rate plus one burst.
	for i := range got {
		j := i
		for j < len(got) && got[j].At.Sub(got[i].At) < time.Second {
			j++
		}
		if j-i > perSecond+burst {
			t.Fatalf("%d messages within one second from #%d", j-i, i)
		}
	}
	t.Logf("%d messages in %s (%.1f/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
}

func TestConfigValidate(t *testing.T) {
	err := (sms.Config{APIURL: "ftp://x"}).Validate()
	for _, want := range []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_API_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validate: %v, want it to name %s", err, want)
		}
	}
	_ = http.StatusOK

	// Credentials in a form Twilio never issues are refused, in words, and
	// the auth token is never quoted.
	ok := sms.Config{AccountSID: testSID, AuthToken: testToken, From: testFrom}.Defaults()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, c := range []struct {
		change func(*sms.Config)
		want   string
	}{
		{func(c *sms.Config) { c.AuthToken = "0123456789abcdef0123456789abcde!" },
			"TWILIO_AUTH_TOKEN must be 32 letters and digits (Twilio refuses other tokens with error 21224); it has 32 characters, 1 of them neither a letter nor a digit"},
		{func(c *sms.Config) { c.AuthToken = testToken + "\n" }, "it has 33 characters, 1 of them neither"},
		{func(c *sms.Config) { c.AuthToken = "short" }, "it has 5 characters, 0 of them"},
		{func(c *sms.Config) { c.AccountSID = "SK0123456789abcdef0123456789abcdef" }, `TWILIO_ACCOUNT_SID "SK0123456789abcdef0123456789abcdef" must be AC followed by 32 hexadecimal digits`},
		{func(c *sms.Config) { c.AccountSID = testSID + " " }, "must be AC followed by 32 hexadecimal digits"},
		{func(c *sms.Config) { c.From = "" }, "set TWILIO_FROM (a number) or TWILIO_MESSAGING_SERVICE_SID: messages need a sender"},
		{func(c *sms.Config) { c.From, c.MessagingService = "", "MGxyz" }, `TWILIO_MESSAGING_SERVICE_SID "MGxyz" must be MG followed by 32 hexadecimal digits`},
	} {
		cfg := ok
		c.change(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("validate: %v, want %q", err, c.want)
		}
		if err != nil && cfg.AuthToken != testToken && strings.Contains(err.Error(), cfg.AuthToken) {
			t.Errorf("the auth token is quoted: %v", err)
		}
	}
	cfg := ok
	cfg.From, cfg.MessagingService = "", "MG0123456789abcdef0123456789abcdef"
	if err := cfg.Validate(); err != nil {
		t.Errorf("messaging service: %v", err)
	}

	// SMS_HORIZON: a duration, 24 hours when not set.
	t.Setenv("SMS_HORIZON", "")
	if h := sms.Env().Horizon; h != 24*time.Hour {
		t.Errorf("default horizon %s", h)
	}
	t.Setenv("SMS_HORIZON", "90m")
	if h := sms.Env().Horizon; h != 90*time.Minute {
		t.Errorf("horizon %s", h)
	}
	t.Setenv("SMS_HORIZON", "1 day")
	if err := sms.Env().Validate(); err == nil || !strings.Contains(err.Error(), `SMS_HORIZON "1 day" must be a positive duration such as 24h or 90m`) {
		t.Errorf("validate: %v", err)
	}
}
