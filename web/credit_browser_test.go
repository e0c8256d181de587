package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// An agency sells to a member on credit and sees what the member owes;
// the member pays part (the first answer lost and retried, booked once),
// an allowance without a reason is named at its field, and one with a
// reason clears the debt. Another agency sees none of it.
func TestStaffAgencyCredit(t *testing.T) {
	requireBrowser(t)
	a := newAgencyOffice(t)
	owes := func() string {
		t.Helper()
		var s string
		if err := a.db.Pool.QueryRow(context.Background(), `SELECT coalesce(sum(CASE WHEN debit = 'receivable' THEN amount ELSE -amount END), 0)::text
			FROM agency_credit_entries e JOIN members m ON m.id = e.member_id WHERE m.code = 'AAA1'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	entries := func() int {
		t.Helper()
		var n int
		if err := a.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM agency_credit_entries`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	ctx := browser(t, "en-US")
	run(t, ctx, "open the agency console", desktop(), chromedp.Navigate(a.url+"/staff/agency"))
	run(t, ctx, "sign in as agency1", signIn("agency1", password))
	wantText(t, ctx, "#debts-none", "No member owes the agency anything.")
	run(t, ctx, "sell 3 on credit", typeInto("#sale-member", "AAA1"), typeInto("#sale-sku-0", "VC-100"), typeInto("#sale-qty-0", "3"),
		click(`#sale-paid input[value="credit"]`))
	wantText(t, ctx, "#sell", "Sell on credit")
	run(t, ctx, "sell", click("#sell"))
	wantText(t, ctx, "#sale-result", "sold on credit: the member owes CN¥300.00 more.")
	if got := owes(); got != "300.00" {
		t.Fatalf("AAA1 owes %s after the sale, want 300.00", got)
	}
	wantText(t, ctx, `#debts-list tr[data-member="AAA1"] .owes`, "CN¥300.00")
	run(t, ctx, "open the account", click(`#debts-list tr[data-member="AAA1"] button`))
	wantText(t, ctx, `#debt-entries tr[data-kind="sale"]`, "Sale on credit")

	// Bad input at its field; nothing booked.
	run(t, ctx, "pay without a member", click("#debt-submit"))
	wantText(t, ctx, "#debt-member-error", "Choose the member.")
	wantText(t, ctx, "#debt-amount-error", "Enter an amount above zero")
	run(t, ctx, "pay more than owed", choose("#debt-member", "AAA1"), typeInto("#debt-amount", "300.01"), click("#debt-submit"))
	wantText(t, ctx, "#debt-amount-error", "owes agency AG1 300.00")
	if n := entries(); n != 1 {
		t.Fatalf("%d entries after refusals, want 1", n)
	}

	// A payment whose first answer is lost: the retry books it once.
	dropFirstAnswer(t, ctx, "*/credit/payments")
	run(t, ctx, "pay 120.50", typeInto("#debt-amount", "120.50"), typeInto("#debt-reference", "R-001"), click("#debt-submit"))
	wantText(t, ctx, "#debt-error", "cannot be reached")
	run(t, ctx, "pay again", click("#debt-submit"))
	wantText(t, ctx, "#debt-result", "AAA1 paid CN¥120.50.")
	if got, n := owes(), entries(); got != "179.50" || n != 2 {
		t.Fatalf("after the payment AAA1 owes %s in %d entries, want 179.50 in 2", got, n)
	}
	wantText(t, ctx, `#debts-list tr[data-member="AAA1"] .owes`, "CN¥179.50")
	wantText(t, ctx, `#debt-entries tr[data-kind="payment"]`, "R-001")
	screenshot(t, ctx, "staff-agency-credit-en")

	// An allowance needs a reason; with one it clears the debt.
	run(t, ctx, "an allowance", click(`#debt-form input[value="allowances"]`), choose("#debt-member", "AAA1"), typeInto("#debt-amount", "179.50"),
		click("#debt-submit"))
	wantText(t, ctx, "#debt-reference-error", "An allowance needs a reason.")
	run(t, ctx, "with a reason", typeInto("#debt-reference", "one box damaged"), click("#debt-submit"))
	wantText(t, ctx, "#debts-none", "No member owes the agency anything.")
	if got := owes(); got != "0.00" {
		t.Fatalf("after the allowance AAA1 owes %s", got)
	}

	// Another agency sees none of AG1's book, in Chinese on a phone.
	ctx2 := browser(t, "zh-CN")
	run(t, ctx2, "open as agency2", phone(), chromedp.Navigate(a.url+"/staff/agency"))
	run(t, ctx2, "sign in as agency2", signIn("agency2", password))
	wantText(t, ctx2, "#debts-none", "目前没有会员欠本店款项。")
	noHorizontalScroll(t, ctx2, "the agency console with its members' accounts")
	for _, p := range []string{"/api/v1/agencies/AG1/credit", "/api/v1/agencies/AG1/credit/AAA1"} {
		if s := status(t, ctx2, p); s != 404 {
			t.Errorf("agency2 reads %s: %d, want 404", p, s)
		}
	}
	screenshot(t, ctx2, "staff-agency-credit-phone-zh")
}
