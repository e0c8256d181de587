package sms_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/sms"
)

// BenchmarkBulk100k queues a bulk message to 100,000 members and drains it
// through twilio-go into the local fake Twilio at SMS_BENCH_RATE messages per
// second (default 1000). Run it once: go test -run '^$' -bench Bulk100k -benchtime 1x ./sms/
func BenchmarkBulk100k(b *testing.B) {
	const members = 100_000
	ratePerSecond := 1000.0
	if v, err := strconv.ParseFloat(os.Getenv("SMS_BENCH_RATE"), 64); err == nil && v > 0 {
		ratePerSecond = v
	}
	e := newEnv(b)
	rows := make([][]any, members)
	for i := range rows {
		lang := "zh-CN"
		if i%5 == 0 {
			lang = "en"
		}
		rows[i] = []any{fmt.Sprintf("B%08d", i), fmt.Sprintf("Member %d", i), fmt.Sprintf("+86139%08d", i), lang}
	}
	if _, err := e.db.Pool.CopyFrom(ctx, pgx.Identifier{"members"}, []string{"code", "name", "phone", "lang"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	e.sender = &sms.Sender{DB: e.db, Client: e.client, Rate: ratePerSecond, Concurrency: 16}
	bulk := sms.Bulk{BodyZH: "周年庆：本周全场九折，详询您的服务中心。", BodyEN: "Anniversary week: 10% off everything. Ask your service centre.", By: "bench"}
	for b.Loop() {
		start := time.Now()
		id, p, err := sms.QueueBulk(ctx, e.db, bulk, decimal.RequireFromString("0.05"))
		if err != nil || p.Recipients != members {
			b.Fatalf("queue: %+v, %v", p, err)
		}
		queued := time.Since(start)
		start = time.Now()
		if _, err := e.sender.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		drained := time.Since(start)
		pr, err := sms.BulkProgress(ctx, e.db.Pool, id)
		if err != nil || pr.ByState[sms.Sent] != members || len(e.twilio.Messages()) != members {
			b.Fatalf("progress %+v, Twilio got %d", pr, len(e.twilio.Messages()))
		}
		b.ReportMetric(queued.Seconds(), "queue-s")
		b.ReportMetric(drained.Seconds(), "drain-s")
		b.ReportMetric(members/drained.Seconds(), "msgs/s")
		b.ReportMetric(float64(p.Segments), "segments")
		b.Logf("queued %d messages (%d segments, cost %s) in %s; drained at %.0f/s configured in %s = %.1f msgs/s",
			members, p.Segments, p.Cost, queued.Round(time.Millisecond), ratePerSecond, drained.Round(time.Millisecond), members/drained.Seconds())
	}
}
