package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"downline/api"
	"downline/sms"
	"downline/sms/smstest"
)

// The Twilio webhooks are mounted outside /api/v1 and checked by signature;
// the admin views list what they did.
func TestSMSWebhooksAndViews(t *testing.T) {
	w := newWorld(t)
	const token, public = "0123456789abcdef0123456789abcdef", "https://downline.example.com"
	w.srv.SMS = &api.SMS{Webhooks: &sms.Webhooks{DB: w.db, AuthToken: token, PublicURL: public}}
	w.h = w.srv.Handler()
	text := func(body, sig string) *httptest.ResponseRecorder {
		form := url.Values{"From": {"+8613800000002"}, "Body": {body}}
		if sig == "" {
			sig = smstest.Sign(token, public+"/sms/inbound", form)
		}
		req := httptest.NewRequest(http.MethodPost, "/sms/inbound", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		rec := httptest.NewRecorder()
		w.h.ServeHTTP(rec, req)
		return rec
	}
	if rec := text("BAL", "forged"); rec.Code != http.StatusForbidden {
		t.Fatalf("forged signature: %d", rec.Code)
	}
	if rec := text("余额", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), "会员 AAA：钱包余额 0.00 元") {
		t.Fatalf("balance: %d %s", rec.Code, rec.Body)
	}
	if rec := text("STOP", ""); rec.Code != 200 {
		t.Fatalf("stop: %d", rec.Code)
	}
	admin := w.token("admin")
	r := w.call("GET", "/api/v1/sms/opt-outs", admin, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"phone":"+8613800000002","keyword":"STOP"`) {
		t.Fatalf("opt-outs: %d %s", r.status, r.body)
	}
	r = w.call("POST", "/api/v1/sms/bulk/preview", admin, map[string]any{"segment": map[string]any{"team": "AAA"}, "body_en": "Hello team"})
	if r.status != 200 || r.json(t)["recipients"].(float64) != 1 { // AAA opted out: only AAA1
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	r = w.call("POST", "/api/v1/sms/bulk", admin, map[string]any{"segment": map[string]any{"team": "AAA"}, "body_zh": "团队通知"})
	if r.status != 201 {
		t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	r = w.call("GET", "/api/v1/sms/messages?state=queued", admin, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"to":"+8613800000004"`) || strings.Contains(string(r.body), `"to":"+8613800000002"`) {
		t.Fatalf("messages: %d %s", r.status, r.body)
	}
	if r = w.call("GET", "/api/v1/sms/failures", admin, nil); r.status != 200 {
		t.Fatalf("failures: %d %s", r.status, r.body)
	}
	if r = w.call("GET", "/api/v1/sms/templates", admin, nil); r.status != 200 || !strings.Contains(string(r.body), `"example_segments"`) {
		t.Fatalf("templates: %d", r.status)
	}
	if r = w.call("GET", "/api/v1/sms/notifier", admin, nil); r.status != 200 || !strings.Contains(string(r.body), `"skipped":0,"skips":[]`) {
		t.Fatalf("notifier: %d %s", r.status, r.body)
	}
	if r = w.call("GET", "/api/v1/sms/messages", w.token("finance"), nil); r.status != http.StatusForbidden {
		t.Fatalf("finance reads the SMS log: %d", r.status)
	}
}
