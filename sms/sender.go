package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"downline/ledger"
)

// Sender sends stored messages, each at most once.
//
// The policy, since Twilio's Messages API has no idempotency key:
//   - A message is claimed (FOR UPDATE SKIP LOCKED) and marked "sending",
//     with its attempt counted, in its own committed transaction before the
//     HTTP call. Several senders never claim the same message.
//   - Twilio accepted it: "sent" with Twilio's SID.
//   - Twilio answered 429 or 5xx, or could not be reached at all: nothing was
//     sent, so the same message (same id) goes back to "retry" with an
//     exponential backoff, up to MaxAttempts, then "failed".
//   - Twilio refused it (other 4xx): "failed", never retried.
//   - The outcome is unknown (a timeout, a connection broken after the
//     request went, a crash between "sending" and recording the answer):
//     "unknown". Such a message is never resent automatically; admins see it
//     among the failures and may resend it (Resend) knowing it may arrive twice.
//     Reconcile turns messages left in "sending" by a crashed sender into
//     "unknown"; a later status callback naming the message (the callback URL
//     carries our id) turns it into "sent" after all.
type Sender struct {
	DB     *ledger.DB
	Client *Client
	// Rate is the most messages per second (default 10); Concurrency how
	// many calls run at once (default 8).
	Rate        float64
	Concurrency int
	// MaxAttempts bounds retries (default 8); Backoff is the wait after the
	// n-th failed attempt (default 1s·2^(n-1), at most 10 minutes).
	MaxAttempts int
	Backoff     func(attempt int) time.Duration
	// StaleAfter is how long a message may stay "sending" before Reconcile
	// calls it unknown (default: the client timeout plus a minute).
	StaleAfter time.Duration
	// Idle is how long Run waits when nothing is due (default 500ms).
	Idle time.Duration
	// StatusCallback is the base URL of the status webhook (PUBLIC_URL +
	// "/sms/status"); empty: no callbacks.
	StatusCallback string
	Log            *slog.Logger

	once    sync.Once
	limiter *rate.Limiter
	kick    chan struct{}
	sent    atomic.Int64
	failed  atomic.Int64
	retried atomic.Int64
	unknown atomic.Int64
}

func (s *Sender) init() {
	s.once.Do(func() {
		if s.Rate <= 0 {
			s.Rate = 10
		}
		if s.Concurrency <= 0 {
			s.Concurrency = 8
		}
		if s.MaxAttempts <= 0 {
			s.MaxAttempts = 8
		}
		if s.Backoff == nil {
			s.Backoff = func(n int) time.Duration {
				return min(time.Second<<min(n-1, 20), 10*time.Minute)
			}
		}
		if s.StaleAfter <= 0 {
			s.StaleAfter = time.Minute
			if s.Client != nil {
				s.StaleAfter += s.Client.cfg.Timeout
			}
		}
		if s.Idle <= 0 {
			s.Idle = 500 * time.Millisecond
		}
		if s.Log == nil {
			s.Log = slog.Default()
		}
		s.limiter = rate.NewLimiter(rate.Limit(s.Rate), s.batch())
		s.kick = make(chan struct{}, 1)
	})
}

// batch is how many messages are claimed at once: no more than can go in
// parallel, and no more than a second's worth, so few messages wait in
// "sending" before their call.
func (s *Sender) batch() int { return max(1, min(s.Concurrency, int(s.Rate))) }

// Stats are the sender's counts since it started.
type Stats struct{ Sent, Failed, Retried, Unknown int64 }

// Stats returns the counts so far.
func (s *Sender) Stats() Stats {
	return Stats{s.sent.Load(), s.failed.Load(), s.retried.Load(), s.unknown.Load()}
}

// Kick wakes Run when new messages were queued.
func (s *Sender) Kick() {
	s.init()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// pipeline is how many claim-send cycles run at once: while one batch waits
// for Twilio the next is claimed, so the database's time does not eat into
// the configured rate. The shared limiter still caps the total, and claims
// skip each other's rows (FOR UPDATE SKIP LOCKED).
const pipeline = 2

// Run sends until ctx ends: it reconciles stale "sending" messages, then
// sends what is due, waiting Idle (or a Kick) when nothing is.
func (s *Sender) Run(ctx context.Context) error {
	s.init()
	var wg sync.WaitGroup
	for range pipeline - 1 {
		wg.Go(func() { s.sendLoop(ctx) })
	}
	lastReconcile := time.Time{}
	defer wg.Wait()
	for {
		if time.Since(lastReconcile) > s.StaleAfter/2 {
			if n, err := s.Reconcile(ctx); err != nil {
				s.Log.Warn("sms: reconcile", "err", err)
			} else if n > 0 {
				s.Log.Warn("sms: messages of unknown outcome (left sending by a crash)", "count", n)
			}
			lastReconcile = time.Now()
		}
		if !s.sendOnce(ctx) {
			return ctx.Err()
		}
	}
}

func (s *Sender) sendLoop(ctx context.Context) {
	for s.sendOnce(ctx) {
	}
}

// sendOnce sends one batch, or waits Idle (or a Kick) when nothing is due;
// it reports false when ctx has ended.
func (s *Sender) sendOnce(ctx context.Context) bool {
	n, err := s.SendDue(ctx)
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		s.Log.Warn("sms: send", "err", err)
	}
	if n == 0 || err != nil {
		select {
		case <-ctx.Done():
			return false
		case <-s.kick:
		case <-time.After(s.Idle):
		}
	}
	return true
}

// Drain sends until no message is queued or waiting for a retry, waiting
// out retry backoffs; it returns how many calls it made.
func (s *Sender) Drain(ctx context.Context) (int, error) {
	s.init()
	var wg sync.WaitGroup
	totals := make([]int, pipeline)
	errs := make([]error, pipeline)
	for w := range pipeline {
		wg.Go(func() { totals[w], errs[w] = s.drainOne(ctx) })
	}
	wg.Wait()
	total := 0
	for _, n := range totals {
		total += n
	}
	return total, errors.Join(errs...)
}

func (s *Sender) drainOne(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.SendDue(ctx)
		total += n
		if err != nil {
			return total, err
		}
		if n > 0 {
			continue
		}
		var next *time.Time
		if err := s.DB.Pool.QueryRow(ctx, `SELECT min(next_attempt_at) FROM sms_messages WHERE state IN ('queued', 'retry')`).Scan(&next); err != nil {
			return total, err
		}
		if next == nil {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(max(time.Until(*next), time.Millisecond)):
		}
	}
}

type claimed struct {
	id       int64
	to, body string
	attempts int
}

// SendDue claims one batch of due messages and sends them; it returns how
// many it claimed (suppressed ones included).
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	s.init()
	b := s.batch()
	if err := s.limiter.WaitN(ctx, b); err != nil {
		return 0, err
	}
	batch, n, err := s.claim(ctx, b)
	if err != nil || len(batch) == 0 {
		return n, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(batch))
	for i, m := range batch {
		wg.Go(func() { errs[i] = s.send(ctx, m) })
	}
	wg.Wait()
	return n, errors.Join(errs...)
}

// claim marks up to n due messages "sending" (or "suppressed", for an
// opted-out number) in one committed statement, the highest priority first
// (see Priority): a welcome queued behind a bulk send of thousands is in
// the next batch claimed.
func (s *Sender) claim(ctx context.Context, n int) ([]claimed, int, error) {
	rows, err := s.DB.Pool.Query(ctx, `
		WITH c AS (
			SELECT m.id, (NOT m.essential AND EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.phone = m.to_phone)) AS blocked
			FROM sms_messages m
			WHERE m.state IN ('queued', 'retry') AND m.next_attempt_at <= now()
			ORDER BY m.priority DESC, m.next_attempt_at, m.id LIMIT $1
			FOR UPDATE OF m SKIP LOCKED)
		UPDATE sms_messages m SET
			state = CASE WHEN c.blocked THEN 'suppressed' ELSE 'sending' END,
			attempts = m.attempts + CASE WHEN c.blocked THEN 0 ELSE 1 END,
			sending_at = CASE WHEN c.blocked THEN m.sending_at ELSE now() END,
			updated_at = now()
		FROM c WHERE m.id = c.id
		RETURNING m.id, m.to_phone, m.body, m.attempts, c.blocked`, n)
	if err != nil {
		return nil, 0, fmt.Errorf("claim messages: %w", err)
	}
	defer rows.Close()
	var out []claimed
	total := 0
	for rows.Next() {
		var m claimed
		var blocked bool
		if err := rows.Scan(&m.id, &m.to, &m.body, &m.attempts, &blocked); err != nil {
			return nil, 0, err
		}
		total++
		if !blocked {
			out = append(out, m)
		}
	}
	return out, total, rows.Err()
}

func (s *Sender) callbackURL(id int64) string {
	if s.StatusCallback == "" {
		return ""
	}
	return s.StatusCallback + "?m=" + strconv.FormatInt(id, 10)
}

// send makes the call for one claimed message and records the outcome. If
// recording fails the message stays "sending" and Reconcile makes it unknown.
func (s *Sender) send(ctx context.Context, m claimed) error {
	acc, err := s.Client.Send(m.to, m.body, s.callbackURL(m.id))
	// The outcome is recorded even when ctx ended meanwhile: the call happened.
	rctx := context.WithoutCancel(ctx)
	if err == nil {
		s.sent.Add(1)
		_, err := s.DB.Pool.Exec(rctx, `UPDATE sms_messages SET state = 'sent', twilio_sid = $2, delivery = $3,
			sent_at = now(), updated_at = now(), error = '', error_code = NULL WHERE id = $1 AND state IN ('sending', 'unknown')`, m.id, acc.SID, acc.Status)
		return err
	}
	var se *SendError
	if !errors.As(err, &se) {
		se = &SendError{Outcome: Unknown, Err: err}
	}
	state, next := Failed, time.Time{}
	switch se.Outcome {
	case Retry:
		if m.attempts < s.MaxAttempts {
			state, next = Retrying, time.Now().Add(s.Backoff(m.attempts))
			s.retried.Add(1)
		} else {
			s.failed.Add(1)
		}
	case Permanent:
		s.failed.Add(1)
	default:
		state = Uncertain
		s.unknown.Add(1)
		if acc.SID != "" {
			_, _ = s.DB.Pool.Exec(rctx, `UPDATE sms_messages SET twilio_sid = $2 WHERE id = $1`, m.id, acc.SID)
		}
	}
	var code *int
	if se.Code != 0 {
		code = &se.Code
	}
	_, dbErr := s.DB.Pool.Exec(rctx, `UPDATE sms_messages SET state = $2, next_attempt_at = coalesce($3, next_attempt_at),
		error_code = $4, error = $5, updated_at = now() WHERE id = $1 AND state = 'sending'`,
		m.id, string(state), nullTime(next), code, se.Error())
	return dbErr
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Reconcile marks messages left "sending" for longer than StaleAfter as
// "unknown": their sender died between claiming and recording the answer,
// so whether Twilio got them cannot be told. It returns how many.
func (s *Sender) Reconcile(ctx context.Context) (int, error) {
	s.init()
	tag, err := s.DB.Pool.Exec(ctx, `UPDATE sms_messages SET state = 'unknown', updated_at = now(),
		error = 'the sender stopped between claiming and recording the answer; it may or may not have been sent'
		WHERE state = 'sending' AND sending_at < now() - make_interval(secs => $1)`, s.StaleAfter.Seconds())
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// Resend queues failed or unknown message id again, same id. For an
// unknown message this is a person's decision that a duplicate is better
// than nothing. Errors: ledger.ErrNotFound; ledger.ErrConflict for a message
// in another state.
func Resend(ctx context.Context, q ledger.Querier, id int64) error {
	tag, err := q.Exec(ctx, `UPDATE sms_messages SET state = 'queued', next_attempt_at = now(), updated_at = now()
		WHERE id = $1 AND state IN ('failed', 'unknown')`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		if _, err := Get(ctx, q, id); err != nil {
			return err
		}
		return fmt.Errorf("%w: message %d is neither failed nor unknown", ledger.ErrConflict, id)
	}
	return nil
}
