package web_test

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// The member changes the password on the account page: mistakes are named
// next to their fields in the page's language and change nothing; the
// change ends this session and every other, and only the new password
// signs in.
func TestAccountChangesThePassword(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	ctx := browser(t, "zh-CN")

	// Another device signed in before the change.
	var other struct{ Token string }
	if a := post(t, o.url+"/api/v1/auth/login", "", map[string]string{"login": "wangfang", "password": password}, &other); a.status != 200 {
		t.Fatalf("sign in from elsewhere: %d %s", a.status, a.body)
	}

	// Signed out, the account's address shows the sign-in form and then
	// the account page itself.
	run(t, ctx, "open /app/account", phone(), chromedp.Navigate(o.url+"/app/account"), signIn("wangfang", password))
	wantText(t, ctx, "#account-who", "wangfang")
	wantText(t, ctx, "#account-who", "AAA")
	wantText(t, ctx, "#nav-account[aria-current=page]", "账户")

	const newPassword = "另一个更长的密码 2027"
	fill := func(current, next, repeat string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(typeInto("#pw-current", current), typeInto("#pw-next", next), typeInto("#pw-repeat", repeat))
	}
	run(t, ctx, "a short new password that differs from its repeat", fill(password, "short", "shorter"), click("#change-password"))
	wantText(t, ctx, "#pw-next-error", "密码至少 8 个字符。")
	run(t, ctx, "repeat differs", fill(password, newPassword, newPassword+"!"), click("#change-password"))
	wantText(t, ctx, "#pw-repeat-error", "两次输入的新密码不一致。")
	screenshot(t, ctx, "account-errors-phone-zh")
	noHorizontalScroll(t, ctx, "account page")

	// The server refuses a wrong current password: named next to it.
	run(t, ctx, "a wrong current password", fill("not the password", newPassword, newPassword), click("#change-password"))
	wantText(t, ctx, "#pw-current-error", "当前密码不正确。")
	if s := status(t, ctx, "/api/v1/auth/me"); s != 200 {
		t.Fatalf("a refused change ended the session: /auth/me answers %d", s)
	}

	// In English, the right one.
	run(t, ctx, "switch to English", chromedp.SetValue(chromedp.CSS("#lang"), "en"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#lang').dispatchEvent(new Event('change', {bubbles: true}))`))
	wantText(t, ctx, "#password-form h2", "Change password")
	screenshot(t, ctx, "account-phone-en")
	run(t, ctx, "change the password", fill(password, newPassword, newPassword), click("#change-password"))
	wantText(t, ctx, "#password-changed", "Your password was changed and every session ended.")
	screenshot(t, ctx, "account-changed-phone-en")
	if s := status(t, ctx, "/api/v1/auth/me"); s != 401 {
		t.Errorf("after the change this browser's session answers %d, want 401", s)
	}
	if s := statusAs(t, o.url+"/api/v1/auth/me", other.Token); s != 401 {
		t.Errorf("the other device's session answers %d after the change, want 401", s)
	}
	if a := post(t, o.url+"/api/v1/auth/login", "", map[string]string{"login": "wangfang", "password": password}, nil); a.status != 401 {
		t.Errorf("the old password still signs in: %d", a.status)
	}

	run(t, ctx, "sign in with the new password", signIn("wangfang", newPassword))
	wantText(t, ctx, "#account-who", "wangfang")
}

// statusAs is the status a GET of url answers with a bearer token.
func statusAs(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
