package sms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/stock"
	"downline/network"
	"downline/sms"
)

const (
	rootPhone  = "+447700900001"  // en
	alicePhone = "+8613800000002" // zh-CN, sponsored by root
	bobPhone   = "+447700900003"  // en, sponsored by alice
	staffPhone = "+8613900000009"
)

func register(t testing.TB, db *ledger.DB, code, name, phone, lang, sponsor string) {
	t.Helper()
	goodstest.Register(t, db, member.Registration{Code: code, Name: name, Phone: phone, Lang: lang,
		Sponsor: sponsor, Auto: network.Balanced, By: "test"})
}

func appendEvent(t testing.TB, db *ledger.DB, kind string, payload any) {
	t.Helper()
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := ledger.AppendOutbox(ctx, tx, kind, "test", payload)
		return err
	})
}

// registerNetwork registers ROOT (en), ALICE (zh-CN, under ROOT) and BOB (en, under ALICE).
func registerNetwork(t testing.TB, db *ledger.DB) {
	register(t, db, "ROOT", "Rose", rootPhone, "en", "")
	register(t, db, "ALICE", "王丽", alicePhone, "zh-CN", "ROOT")
	register(t, db, "BOB", "Bob", bobPhone, "en", "ALICE")
}

func (e *env) notify(t testing.TB) int {
	t.Helper()
	n := &sms.Notifier{DB: e.db, Sender: e.sender}
	k, err := n.CatchUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	return k
}

func wantTo(t testing.TB, e *env, phone string, want ...string) {
	t.Helper()
	got := e.twilio.To(phone)
	if len(got) != len(want) {
		t.Fatalf("%s got %d messages %q, want %d", phone, len(got), got, len(want))
	}
	// Messages go out in parallel: match each wanted text to a distinct message.
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && strings.Contains(g, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("%s got %q, none containing %q", phone, got, w)
		}
	}
}

// Every ledger event sends the right text, in the recipient's language, to
// the right numbers; catching up again sends nothing more.
func TestNotifications(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db)
	e.notify(t)
	wantTo(t, e, rootPhone, "Welcome, Rose! Your member number is ROOT", "Rose, your new member 王丽 (ALICE) is registered")
	wantTo(t, e, alicePhone, "欢迎加入，王丽！您的会员编号是 ALICE", "王丽，您推荐的新会员 Bob（BOB）已注册成功")
	wantTo(t, e, bobPhone, "Welcome, Bob!")
	e.twilio.Reset()

	// Goods: products launched today are announced once to every member.
	goodstest.World(t, e.db)
	e.notify(t)
	wantTo(t, e, alicePhone, "新品上市：", "新品上市：")
	wantTo(t, e, bobPhone, "New product:", "New product:")
	e.twilio.Reset()

	// Payment confirmed, shipped, return received: to the buying member.
	var o order.Order
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		o, err = order.Place(ctx, tx, order.Request{Key: "o1", Kind: order.Repeat, Member: "ALICE", By: "ALICE",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 2}}})
		return err
	})
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "p1", Order: o.No, Method: order.BankTransfer, Amount: goodstest.D("200"), By: "fin"})
		if err != nil {
			return err
		}
		_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: "c1", Payment: p.No, By: "finance"})
		return err
	})
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.Ship(ctx, tx, order.ShipRequest{Key: "s1", Order: o.No, Tracking: "SF100200300", By: "wh"})
		return err
	})
	var shipped order.Order
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		shipped, err = order.Get(ctx, tx, o.No)
		return err
	})
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.CreateReturn(ctx, tx, order.ReturnRequest{Key: "r1", Order: o.No, By: "wh",
			Lines: []order.ReturnLine{{Line: 1, Batch: shipped.Allocations[0].Batch, Qty: 1}}})
		return err
	})
	e.notify(t)
	wantTo(t, e, alicePhone, "订单 "+o.No+" 的付款 200.00 元已确认", "订单 "+o.No+" 已发货，快递单号 SF100200300", "退款 100.00 元")
	wantTo(t, e, bobPhone)
	e.twilio.Reset()

	// Settlement (events as settle/period will write them) and ranks.
	appendEvent(t, e.db, sms.EventSettlementApproved, sms.SettlementEvent{Period: "2026-05", Run: 7, Members: []sms.SettlementMember{
		{Code: "ALICE", Amount: goodstest.D("1280.5")}, {Code: "BOB", Amount: goodstest.D("12")}, {Code: "ROOT", Amount: goodstest.D("0")}}})
	appendEvent(t, e.db, sms.EventSettlementPaid, sms.SettlementEvent{Period: "2026-05", Run: 7, Members: []sms.SettlementMember{
		{Code: "ALICE", Amount: goodstest.D("1280.5")}}})
	appendEvent(t, e.db, sms.EventRankAdvanced, sms.RankEvent{Period: "2026-05", Members: []sms.RankAdvance{{Code: "BOB", Rank: "Silver", Previous: "Bronze"}}})
	e.notify(t)
	wantTo(t, e, alicePhone, "2026-05 期奖金已核准：1280.50 元", "2026-05 期奖金 1280.50 元已发放")
	wantTo(t, e, bobPhone, "Your bonus for 2026-05 is approved: 12.00", "Congratulations! You advanced to Silver in 2026-05")
	wantTo(t, e, rootPhone) // nothing for a zero amount
	e.twilio.Reset()

	// Low stock: to the staff of the warehouse's owner (HQ: admins and warehouse staff).
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (login, password_hash, role) VALUES ('wh.li', 'x', 'warehouse'), ('fin.wu', 'x', 'finance')`); err != nil {
			return err
		}
		if err := sms.SetStaffPhone(ctx, tx, "wh.li", staffPhone, "zh-CN"); err != nil {
			return err
		}
		if err := sms.SetStaffPhone(ctx, tx, "fin.wu", "+8613900000008", "en"); err != nil {
			return err
		}
		return stock.EmitLow(ctx, tx, []stock.LowStock{{Warehouse: goodstest.HQ, SKU: "VC-100", Available: 3, Threshold: 10}})
	})
	e.notify(t)
	wantTo(t, e, staffPhone, "库存预警："+goodstest.HQ+" 的 VC-100 可用 3，低于 10")
	wantTo(t, e, "+8613900000008") // finance does not hear of stock

	// Nothing is queued twice.
	e.twilio.Reset()
	if k := e.notify(t); k != 0 || len(e.twilio.Messages()) != 0 {
		t.Fatalf("a second catch-up queued %d and sent %d", k, len(e.twilio.Messages()))
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE outbox_consumers SET seq = 0 WHERE name = 'sms'`); err != nil {
		t.Fatal(err)
	}
	if k := e.notify(t); k != 0 {
		t.Fatalf("replaying the whole outbox queued %d messages", k)
	}
}

// Templates edited by HQ are used, and show their segment count.
func TestTemplates(t *testing.T) {
	e := newEnv(t)
	v, err := sms.SetTemplate(ctx, e.db.Pool, sms.TplWelcome, "en", "Hi {name}, you are member {code}.", "hq")
	if err != nil {
		t.Fatal(err)
	}
	if v.Segments.Encoding != sms.UCS2 || v.Segments.Count != 1 { // the example name is Chinese
		t.Errorf("view %+v", v)
	}
	if _, err := sms.SetTemplate(ctx, e.db.Pool, sms.TplWelcome, "en", "Hi {nmae}", "hq"); err == nil {
		t.Error("a template with an unknown placeholder was taken")
	}
	register(t, e.db, "ROOT", "Rose", rootPhone, "en", "")
	e.notify(t)
	wantTo(t, e, rootPhone, "Hi Rose, you are member ROOT.")
	tpl, err := sms.LoadTemplates(ctx, e.db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range tpl.View() {
		if v.Segments.Count > 2 {
			t.Errorf("template %s/%s takes %d segments: %q", v.Kind, v.Lang, v.Segments.Count, v.Example)
		}
		if strings.Contains(v.Example, "{") {
			t.Errorf("template %s/%s example leaves a placeholder: %q", v.Kind, v.Lang, v.Example)
		}
	}
}
