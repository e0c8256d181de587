package sms_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/order"
	"downline/projection"
	"downline/settle/period"
	"downline/sms"
)

// rankPlan ranks on personal volume alone, so that the ranks of a period
// follow from its orders at a glance (VC-100 has PV 50), and pays nothing,
// so that approving a run sends no bonus messages.
const rankPlan = `name: Ranks by PV
currency: CNY
ranks:
  - name: Member
  - {name: Bronze, pv: 50}
  - {name: Silver, pv: 100}
  - {name: Gold, pv: 200}
`

// settlement settles member volumes with the rank plan: it defines periods,
// runs them (finance) and approves them (finance2).
type settlement struct {
	e     *env
	start time.Time
	n     int
}

func newSettlement(t *testing.T, e *env) *settlement {
	t.Helper()
	s := &settlement{e: e, start: time.Now().Add(-time.Hour)}
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := period.UploadPlan(ctx, tx, []byte(rankPlan), s.start.Add(-time.Hour), "finance")
		return err
	})
	return s
}

// buy places, pays and confirms an order of qty VC-100 for member code.
func (s *settlement) buy(t *testing.T, code string, qty int64) {
	t.Helper()
	s.n++
	key := "rank-order-" + strings.Repeat("i", s.n)
	goodstest.Tx(t, s.e.db, func(ctx context.Context, tx pgx.Tx) error {
		o, err := order.Place(ctx, tx, order.Request{Key: key, Kind: order.Repeat, Member: code, By: code,
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: qty}}})
		if err != nil {
			return err
		}
		p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: key + "-pay", Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "fin"})
		if err != nil {
			return err
		}
		_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: key + "-conf", Payment: p.No, By: "finance"})
		return err
	})
}

// settle defines period code up to now and runs it; approve approves it.
func (s *settlement) settle(t *testing.T, code string) {
	t.Helper()
	end := time.Now()
	goodstest.Tx(t, s.e.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := period.Define(ctx, tx, code, "custom", s.start, end, "finance")
		return err
	})
	s.start = end
	store := memory.New()
	if err := projection.Sync(ctx, s.e.db, store, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := (&period.Runner{DB: s.e.db, Graph: store}).Run(ctx, code, "finance"); err != nil {
		t.Fatal(err)
	}
}

func (s *settlement) approve(t *testing.T, code string) {
	t.Helper()
	if _, err := period.Approve(ctx, s.e.db, code, "finance2", "checked"); err != nil {
		t.Fatal(err)
	}
}

// Approving a run congratulates exactly the members whose rank rose, each
// in their language.
func TestRankAdvancedMessages(t *testing.T) {
	if sms.EventRankAdvanced != period.EventRankAdvanced {
		t.Fatalf("sms reads %q, settle/period writes %q", sms.EventRankAdvanced, period.EventRankAdvanced)
	}
	e := newEnv(t)
	registerNetwork(t, e.db) // ROOT (en) > ALICE (zh-CN) > BOB (en)
	register(t, e.db, "CAROL", "Carol", "+447700900004", "en", "ROOT")
	register(t, e.db, "DAN", "丹", "+8613800000005", "zh-CN", "ALICE")
	goodstest.World(t, e.db)
	s := newSettlement(t, e)
	s.buy(t, "ALICE", 1) // Bronze
	s.buy(t, "BOB", 2)   // Silver
	s.buy(t, "CAROL", 1) // Bronze
	e.notify(t)          // welcomes, launches, payments
	e.twilio.Reset()
	s.settle(t, "P1")
	s.approve(t, "P1")
	e.notify(t)
	wantTo(t, e, alicePhone, "恭喜！您在 P1 期晋升为 Bronze。")
	wantTo(t, e, bobPhone, "Congratulations! You advanced to Silver in P1.")
	wantTo(t, e, "+447700900004", "Congratulations! You advanced to Bronze in P1.")
	if got := e.twilio.Messages(); len(got) != 3 {
		t.Fatalf("P1: %d messages, want 3: %+v", len(got), got)
	}
	e.twilio.Reset()

	// P2: ALICE rises to Silver, DAN to Bronze, ROOT to Gold; BOB stays
	// Silver and CAROL falls back to Member: neither hears anything.
	s.buy(t, "ALICE", 2)
	s.buy(t, "BOB", 2)
	s.buy(t, "DAN", 1)
	s.buy(t, "ROOT", 4)
	e.notify(t)
	e.twilio.Reset()
	s.settle(t, "P2")
	s.approve(t, "P2")
	e.notify(t)
	wantTo(t, e, alicePhone, "恭喜！您在 P2 期晋升为 Silver。")
	wantTo(t, e, "+8613800000005", "恭喜！您在 P2 期晋升为 Bronze。")
	wantTo(t, e, rootPhone, "Congratulations! You advanced to Gold in P2.")
	if got := e.twilio.Messages(); len(got) != 3 {
		t.Fatalf("P2: %d messages, want 3: %+v", len(got), got)
	}
}

// A rank segment selects the holders of the rank in the latest approved run.
func TestRankSegment(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db) // ROOT (en) > ALICE (zh-CN) > BOB (en)
	register(t, e.db, "CAROL", "Carol", "+447700900004", "en", "ROOT")
	goodstest.World(t, e.db)
	price := decimal.RequireFromString("0.05")
	b := sms.Bulk{BodyZH: "恭喜铜牌会员：本周专享九折。", BodyEN: "Bronze members: 10% off for you this week.", By: "hq", Segment: sms.Segment{Rank: "Bronze"}}
	if _, err := sms.PreviewBulk(ctx, e.db.Pool, b, price); !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), "no settlement run has been approved") {
		t.Fatalf("a rank segment before any approval: %v", err)
	}
	s := newSettlement(t, e)
	s.buy(t, "ALICE", 1) // Bronze
	s.buy(t, "BOB", 2)   // Silver
	s.buy(t, "CAROL", 1) // Bronze
	s.settle(t, "P1")
	if _, err := sms.PreviewBulk(ctx, e.db.Pool, b, price); err == nil {
		t.Fatal("a rank segment used a draft run")
	}
	s.approve(t, "P1")

	zh, en := sms.Count(b.BodyZH).Count, sms.Count(b.BodyEN).Count
	for _, c := range []struct {
		seg    sms.Segment
		zh, en int
	}{
		{sms.Segment{Rank: "Bronze"}, 1, 1},
		{sms.Segment{Rank: "Silver"}, 0, 1},
		{sms.Segment{Rank: "Gold"}, 0, 0},
		{sms.Segment{Rank: "Member"}, 1, 1}, // ROOT, and M001..M003 (goodstest), who share one phone
		{sms.Segment{Rank: "Bronze", Lang: "en"}, 0, 1},
		{sms.Segment{Rank: "Bronze", Team: "ALICE"}, 1, 0},
	} {
		b.Segment = c.seg
		p, err := sms.PreviewBulk(ctx, e.db.Pool, b, price)
		if err != nil {
			t.Fatal(err)
		}
		segs := int64(c.zh*zh + c.en*en)
		if p.Recipients != c.zh+c.en || p.ByLang["zh-CN"] != c.zh || p.ByLang["en"] != c.en || p.Segments != segs ||
			!p.Cost.Equal(price.Mul(decimal.NewFromInt(segs))) {
			t.Errorf("%+v: preview %+v, want %d zh-CN and %d en recipients, %d segments", c.seg, p, c.zh, c.en, segs)
		}
	}
	b.Segment = sms.Segment{Rank: "Platinum"}
	if _, err := sms.PreviewBulk(ctx, e.db.Pool, b, price); !errors.Is(err, ledger.ErrInvalid) ||
		!strings.Contains(err.Error(), `rank "Platinum"`) || !strings.Contains(err.Error(), "Member, Bronze, Silver, Gold") {
		t.Fatalf("an unknown rank: %v", err)
	}

	// A later draft changes nothing until it is approved.
	s.buy(t, "BOB", 1) // Bronze in P2
	s.settle(t, "P2")
	b.Segment = sms.Segment{Rank: "Silver"}
	if p, err := sms.PreviewBulk(ctx, e.db.Pool, b, price); err != nil || p.Recipients != 1 {
		t.Fatalf("Silver while P2 is a draft: %+v, %v", p, err)
	}
	s.approve(t, "P2")
	if p, err := sms.PreviewBulk(ctx, e.db.Pool, b, price); err != nil || p.Recipients != 0 {
		t.Fatalf("Silver after P2: %+v, %v", p, err)
	}

	// Queued and sent: BOB, the only Bronze of P2, gets it in English.
	e.notify(t)
	e.twilio.Reset()
	b.Segment = sms.Segment{Rank: "Bronze"}
	id, p, err := sms.QueueBulk(ctx, e.db, b, price)
	if err != nil || p.Recipients != 1 {
		t.Fatalf("queue: %d, %+v, %v", id, p, err)
	}
	e.drain(t)
	wantTo(t, e, bobPhone, "Bronze members: 10% off")
	if got := e.twilio.Messages(); len(got) != 1 {
		t.Fatalf("%d messages sent, want 1: %+v", len(got), got)
	}
}
