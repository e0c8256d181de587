package sms_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/goodstest"
	"downline/ledger/journal"
	"downline/ledger/order"
	"downline/sms"
	"downline/sms/smstest"
)

const publicURL = "https://downline.example.com"

type inbound struct {
	t   *testing.T
	e   *env
	srv *httptest.Server
}

func newInbound(t *testing.T, e *env) *inbound { return newInboundAt(t, e, nil) }

// newInboundAt answers texts as at the time now gives (nil: the system's).
func newInboundAt(t *testing.T, e *env, now func() time.Time) *inbound {
	w := &sms.Webhooks{DB: e.db, AuthToken: testToken, PublicURL: publicURL, Now: now}
	mux := http.NewServeMux()
	mux.HandleFunc("/sms/inbound", w.Inbound)
	mux.HandleFunc("/sms/status", w.Status)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &inbound{t, e, srv}
}

// post sends a webhook signed as Twilio would for path (sig "": a valid
// signature; "-": none).
func (in *inbound) post(path string, form url.Values, sig string) *http.Response {
	in.t.Helper()
	if sig == "" {
		sig = smstest.Sign(testToken, publicURL+path, form)
	}
	req, _ := http.NewRequest(http.MethodPost, in.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "-" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	return res
}

// text sends body from phone and returns the TwiML reply's text.
func (in *inbound) text(from, body string) string {
	in.t.Helper()
	res := in.post("/sms/inbound", url.Values{"From": {from}, "To": {testFrom}, "Body": {body}, "MessageSid": {"SMin1"}, "AccountSid": {testSID}}, "")
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml") {
		in.t.Fatalf("%s %q: %d %s", from, body, res.StatusCode, res.Header.Get("Content-Type"))
	}
	var r struct {
		XMLName xml.Name `xml:"Response"`
		Message []string `xml:"Message"`
	}
	if err := xml.NewDecoder(res.Body).Decode(&r); err != nil || len(r.Message) != 1 {
		in.t.Fatalf("TwiML: %+v, %v", r, err)
	}
	return r.Message[0]
}

func TestInboundKeywords(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db)
	goodstest.World(t, e.db)
	// ALICE's order is confirmed half an hour into April in the company's
	// zone (Asia/Shanghai), still 31 March in UTC; her order of the evening
	// before counts in March. She asks for her PV half an hour later.
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	march := time.Date(2026, 3, 31, 23, 30, 0, 0, sh)
	april := time.Date(2026, 4, 1, 0, 30, 0, 0, sh)
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		ctx = clock.With(ctx, clock.Fixed(march))
		o, err := order.Place(ctx, tx, order.Request{Key: "o0", Kind: order.Repeat, Member: "ALICE", By: "ALICE",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}})
		if err != nil {
			return err
		}
		p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "p0", Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "fin"})
		if err != nil {
			return err
		}
		_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: "c0", Payment: p.No, By: "finance"})
		return err
	})
	var o order.Order
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		ctx = clock.With(ctx, clock.Fixed(april))
		o, err = order.Place(ctx, tx, order.Request{Key: "o1", Kind: order.Repeat, Member: "ALICE", By: "ALICE",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 3}}})
		if err != nil {
			return err
		}
		p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "p1", Order: o.No, Method: order.BankTransfer, Amount: goodstest.D("300"), By: "fin"})
		if err != nil {
			return err
		}
		if _, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: "c1", Payment: p.No, By: "finance"}); err != nil {
			return err
		}
		if _, err = order.Ship(ctx, tx, order.ShipRequest{Key: "s1", Order: o.No, Tracking: "SF777", By: "wh"}); err != nil {
			return err
		}
		// A wallet top-up and a settlement credit, as finance and settle/period post them.
		if _, err := journal.Post(ctx, tx, journal.Entry{Kind: "wallet.topup", Ref: "t1", OpKey: "t1", By: "fin", Lines: []journal.Line{
			journal.Dr(journal.Bank, "", goodstest.D("88.80")), journal.Cr(journal.MemberWallet, "ALICE", goodstest.D("88.80"))}}); err != nil {
			return err
		}
		_, err = journal.Post(ctx, tx, journal.Entry{Kind: "settlement.approved", Ref: "settle:2026-04", OpKey: "s", By: "fin", Lines: []journal.Line{
			journal.Dr(journal.CommissionExpense, "", goodstest.D("1280")), journal.Cr(journal.BonusPayable, "ALICE", goodstest.D("1280"))}})
		return err
	})
	var bobOrder order.Order
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		bobOrder, err = order.Place(ctx, tx, order.Request{Key: "o2", Kind: order.Repeat, Member: "BOB", By: "BOB",
			Lines: []order.LineRequest{{SKU: "TEA-200", Qty: 1}}})
		return err
	})
	in := newInboundAt(t, e, func() time.Time { return april.Add(30 * time.Minute).UTC() })
	period := "2026-04"
	for _, c := range []struct {
		name, from, body string
		want             []string
		not              []string
	}{
		{"balance zh", alicePhone, "余额", []string{"会员 ALICE：钱包余额 88.80 元，待发奖金 1280.00 元。", "最近结算：2026-04 期 1280.00 元"}, nil},
		{"BAL in any case, zh member", alicePhone, " bal ", []string{"钱包余额 88.80 元"}, nil},
		{"balance en", bobPhone, "BAL", []string{"Member BOB: wallet 0.00, bonus payable 0.00. No settlement yet."}, nil},
		{"pv zh", alicePhone, "业绩", []string{"会员 ALICE：" + period + " 期个人业绩 PV 150.00", "团队业绩 GV 和级别在结算后公布"}, nil},
		{"pv en (unconfirmed order counts nothing)", bobPhone, "PV", []string{"Member BOB: PV 0.00 in " + period, "GV and rank appear after settlement"}, nil},
		{"own order", alicePhone, "ORDER " + strings.ToLower(o.No), []string{"订单 " + o.No + "：已发货，快递单号 SF777"}, nil},
		{"own order, chinese keyword glued", alicePhone, "订单" + o.No, []string{"已发货"}, nil},
		{"own order en", bobPhone, "order " + bobOrder.No, []string{"Order " + bobOrder.No + ": placed, awaiting payment"}, nil},
		{"someone else's order", bobPhone, "ORDER " + o.No, []string{"No order " + o.No + " of yours was found."}, []string{"SF777", "shipped"}},
		{"help zh", alicePhone, "帮助", []string{"指令：余额（BAL）"}, nil},
		{"help en", bobPhone, "HELP", []string{"Text BAL for your balance"}, nil},
		{"unknown keyword is help", bobPhone, "hello?", []string{"Text BAL"}, nil},
		{"unknown sender asks an order", "+8613700000000", "ORDER " + o.No, []string{"Sorry, this number is not registered"}, []string{o.No, "SF777", "shipped"}},
		{"unknown sender in chinese", "+8613700000000", "余额", []string{"抱歉，此号码未登记"}, []string{"88.80"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in.t = t
			got := in.text(c.from, c.body)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("reply %q lacks %q", got, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(got, w) {
					t.Errorf("reply %q tells %q", got, w)
				}
			}
		})
	}
}

func TestInboundSignature(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db)
	in := newInbound(t, e)
	form := url.Values{"From": {alicePhone}, "Body": {"BAL"}}
	for _, c := range []struct{ name, path, sig string }{
		{"missing", "/sms/inbound", "-"},
		{"garbage", "/sms/inbound", "bm90IGEgc2lnbmF0dXJl"},
		{"signed for another URL", "/sms/inbound", smstest.Sign(testToken, "https://evil.example.com/sms/inbound", form)},
		{"signed with another token", "/sms/inbound", smstest.Sign("ffffffffffffffffffffffffffffffff", publicURL+"/sms/inbound", form)},
		{"other params signed", "/sms/inbound", smstest.Sign(testToken, publicURL+"/sms/inbound", url.Values{"From": {alicePhone}, "Body": {"HELP"}})},
		{"status callback unsigned", "/sms/status", "-"},
	} {
		res := in.post(c.path, form, c.sig)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", c.name, res.StatusCode)
		}
	}
	var n int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM sms_inbound`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d refused texts were answered (%v)", n, err)
	}
}

// STOP stops non-essential messages to the number; START resumes them.
func TestStopStart(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db)
	e.notify(t)
	e.twilio.Reset()
	in := newInbound(t, e)
	approved := func(amount string) {
		appendEvent(t, e.db, sms.EventSettlementApproved, sms.SettlementEvent{Period: "2026-05", Members: []sms.SettlementMember{
			{Code: "BOB", Amount: goodstest.D(amount)}}})
	}
	if got := in.text(bobPhone, "stop"); !strings.Contains(got, "unsubscribed") {
		t.Fatalf("STOP answered %q", got)
	}
	approved("10")
	e.notify(t)
	wantTo(t, e, bobPhone) // nothing
	if got := in.text(bobPhone, "START"); !strings.Contains(got, "receive notifications again") {
		t.Fatalf("START answered %q", got)
	}
	approved("12")
	e.notify(t)
	wantTo(t, e, bobPhone, "approved: 12.00")
	// A message queued before STOP is held back when its turn comes.
	approved("13")
	if _, err := (&sms.Notifier{DB: e.db}).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	in.text(bobPhone, "退订")
	// Essential messages (money paid) go even to a number that opted out.
	appendEvent(t, e.db, sms.EventSettlementPaid, sms.SettlementEvent{Period: "2026-05", Members: []sms.SettlementMember{{Code: "BOB", Amount: goodstest.D("12")}}})
	appendEvent(t, e.db, sms.EventRankAdvanced, sms.RankEvent{Period: "2026-05", Members: []sms.RankAdvance{{Code: "BOB", Rank: "Gold"}}})
	e.notify(t)
	wantTo(t, e, bobPhone, "approved: 12.00", "has been paid")
	ms, err := sms.List(ctx, e.db.Pool, sms.Filter{To: bobPhone, States: []sms.State{sms.Suppressed}})
	if err != nil || len(ms) != 3 {
		t.Fatalf("%d suppressed messages, want 3 (approved 10 and 13, rank): %v", len(ms), err)
	}
}

// Status callbacks record delivery, and prove an unknown message went.
func TestStatusCallback(t *testing.T) {
	e := newEnv(t)
	in := newInbound(t, e)
	e.enqueue(t, sms.Outgoing{Key: "a", Kind: "test", To: alicePhone, Body: "x"}, sms.Outgoing{Key: "b", Kind: "test", To: bobPhone, Body: "y"})
	e.drain(t)
	a := e.message(t, alicePhone)
	cb := func(path, sid, status string) {
		res := in.post(path, url.Values{"MessageSid": {sid}, "MessageStatus": {status}, "AccountSid": {testSID}}, "")
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("status callback: %d", res.StatusCode)
		}
	}
	cb("/sms/status?m="+itoa(a.ID), a.TwilioSID, "delivered")
	cb("/sms/status?m="+itoa(a.ID), a.TwilioSID, "sent") // late, out of order
	if m := e.message(t, alicePhone); m.Delivery != "delivered" {
		t.Fatalf("delivery %q, want delivered", m.Delivery)
	}
	// A message whose send outcome was unknown: the callback names it by our id.
	b := e.message(t, bobPhone)
	if _, err := e.db.Pool.Exec(ctx, `UPDATE sms_messages SET state = 'unknown', twilio_sid = NULL WHERE id = $1`, b.ID); err != nil {
		t.Fatal(err)
	}
	cb("/sms/status?m="+itoa(b.ID), "SMfromtwilio", "sent")
	if m := e.message(t, bobPhone); m.State != sms.Sent || m.TwilioSID != "SMfromtwilio" || m.Delivery != "sent" {
		t.Fatalf("after the callback: %+v", m)
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
