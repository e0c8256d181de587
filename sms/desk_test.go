package sms_test

import (
	"context"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger/desk"
	"downline/ledger/goodstest"
	"downline/ledger/shop"
	"downline/ledger/user"
)

// textAs sends body from phone as Twilio message sid and returns the reply.
func (in *inbound) textAs(sid, from, body string) string {
	in.t.Helper()
	res := in.post("/sms/inbound", url.Values{"From": {from}, "To": {testFrom}, "Body": {body}, "MessageSid": {sid}, "AccountSid": {testSID}}, "")
	defer res.Body.Close()
	var r struct {
		Message []string `xml:"Message"`
	}
	if err := xml.NewDecoder(res.Body).Decode(&r); err != nil || len(r.Message) != 1 {
		in.t.Fatalf("TwiML: %+v, %v", r, err)
	}
	return r.Message[0]
}

func tickets(t *testing.T, e *env) []desk.Ticket {
	t.Helper()
	p, err := desk.List(ctx, e.db.Pool, desk.Filter{Sort: desk.ByOldest})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// TS and 投诉 open tickets for the member whose phone texted, answered with
// the ticket number in the member's language; a retried webhook opens
// nothing twice; an unknown number gets a polite answer and no ticket.
// HQ's reply then reaches the member by text, and an opted-out number gets
// nothing.
func TestTicketsByText(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db)
	e.notify(t)
	e.twilio.Reset()
	in := newInbound(t, e)

	got := in.textAs("SMt1", alicePhone, "投诉 收到的人参茶包装破损")
	ts := tickets(t, e)
	if len(ts) != 1 {
		t.Fatalf("tickets after 投诉: %d", len(ts))
	}
	if want := "已收到您的投诉，工单号 " + ts[0].No; !strings.Contains(got, want) {
		t.Errorf("reply to 投诉: %q, want %q", got, want)
	}
	if ts[0].Member != "ALICE" || ts[0].Channel != "sms" || ts[0].Subject != "收到的人参茶包装破损" || ts[0].Category != desk.Complaint {
		t.Errorf("the texted ticket: %+v", ts[0])
	}
	// Twilio retries the same message: the same ticket answers.
	if again := in.textAs("SMt1", alicePhone, "投诉 收到的人参茶包装破损"); again != got || len(tickets(t, e)) != 1 {
		t.Errorf("a retried webhook: %q and %d tickets", again, len(tickets(t, e)))
	}
	// 投诉 glued to its text, and TS in English.
	in.textAs("SMt2", alicePhone, "投诉快递太慢")
	got = in.textAs("SMt3", bobPhone, "ts my bonus is missing")
	ts = tickets(t, e)
	if len(ts) != 3 || ts[1].Subject != "快递太慢" || ts[2].Member != "BOB" || ts[2].Lang != "en" {
		t.Fatalf("tickets: %+v", ts)
	}
	if !strings.Contains(got, "We have your ticket "+ts[2].No) {
		t.Errorf("reply to TS: %q", got)
	}
	// Without a text, and from a number not on file: no ticket.
	if got := in.textAs("SMt4", bobPhone, "TS"); !strings.Contains(got, "Write your request after TS") {
		t.Errorf("TS alone: %q", got)
	}
	if got := in.textAs("SMt5", "+8613700000000", "投诉 假冒产品"); !strings.Contains(got, "抱歉，此号码未在我们这里登记") {
		t.Errorf("投诉 from an unknown number: %q", got)
	}
	if n := len(tickets(t, e)); n != 3 {
		t.Errorf("%d tickets, want 3", n)
	}

	// HQ replies to ALICE's and BOB's; BOB has opted out.
	if got := in.textAs("SMt6", bobPhone, "STOP"); !strings.Contains(got, "unsubscribed") {
		t.Fatalf("STOP: %q", got)
	}
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := user.Create(ctx, tx, user.New{Login: "hq.wang", Password: "password1", Role: user.Admin}); err != nil {
			return err
		}
		if _, err := desk.AddNote(ctx, tx, ts[0].ID, "internal: supplier batch T1", "user:hq.wang"); err != nil {
			return err
		}
		if _, err := desk.Reply(ctx, tx, ts[0].ID, "您好，补发的人参茶今天寄出。", "user:hq.wang", true); err != nil {
			return err
		}
		_, err := desk.Reply(ctx, tx, ts[2].ID, "Your bonus is paid on the 15th.", "user:hq.wang", true)
		return err
	})
	e.notify(t)
	wantTo(t, e, alicePhone, "工单 "+ts[0].No+" 有新回复：您好，补发的人参茶今天寄出。")
	if got := e.twilio.To(bobPhone); len(got) != 0 {
		t.Errorf("the opted-out number got %q", got)
	}
	for _, m := range e.twilio.Messages() {
		if strings.Contains(m.Body, "internal") {
			t.Errorf("an internal note was texted: %q", m.Body)
		}
	}
	// Catching up again texts nothing more.
	e.twilio.Reset()
	e.notify(t)
	if n := len(e.twilio.Messages()); n != 0 {
		t.Errorf("%d more messages on a second catch-up", n)
	}
}

// A shop customer's verified phone opens a ticket of the customer's, and
// HQ's reply reaches that phone.
func TestCustomerTicketsByText(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db)
	e.notify(t)
	e.twilio.Reset()
	const phone = "+8613911112222"
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		u, err := user.Create(ctx, tx, user.New{Login: "shopper", Password: "password1", Role: user.Customer})
		if err != nil {
			return err
		}
		_, err = shop.Adopt(ctx, tx, u, phone, "Li Na", "")
		return err
	})
	in := newInbound(t, e)
	got := in.textAs("SMc1", phone, "TS the box arrived crushed")
	ts := tickets(t, e)
	if len(ts) != 1 || ts[0].Customer != "shopper" || ts[0].Member != "" || ts[0].Channel != "sms" {
		t.Fatalf("tickets after a customer's TS: %+v", ts)
	}
	if !strings.Contains(got, "We have your ticket "+ts[0].No) {
		t.Errorf("reply to the customer's TS: %q", got)
	}
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := desk.Reply(ctx, tx, ts[0].ID, "A new box is on its way.", "user:admin", true)
		return err
	})
	e.notify(t)
	wantTo(t, e, phone, "A new box is on its way.")
}
