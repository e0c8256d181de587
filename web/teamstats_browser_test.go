package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/api/explorer"
	"downline/clock"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/user"
	"downline/projection"
	"downline/settle/period"
	"downline/web"
)

// teamStatsOffice is a company whose members joined on the dates that
// bite, in Shanghai: AAA half an hour before New Year 2024, BBB ten minutes
// after it, AAA1 on 29 February, AAA2 at midnight on 1 March. Orders (PV
// 50 a unit): AAA 2 in January, BBB 2 late on 29 February, AAA1 1 in March.
// January is settled under a plan with active_pv 10 (AAA Bronze). The
// server's clock runs from 15 March 2024.
//
//	ROOT1 ── AAA (王芳) ── AAA1 (李雷), AAA2 (韩梅梅)
//	      └─ BBB (Bob) ── BBB1 (Ben)
func teamStatsOffice(t *testing.T) string {
	t.Helper()
	loc, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	tx := func(when string, fn func(ctx context.Context, tx pgx.Tx) error) {
		t.Helper()
		ctx := clock.With(context.Background(), clock.Fixed(at(when)))
		if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return fn(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
	}
	tx("2023-11-01 09:00", func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range []member.Registration{
			{Code: "ROOT1", Name: "Root", Phone: "+8613800000001", JoinedAt: at("2023-11-01 09:00")},
			{Code: "AAA", Name: "王芳", Phone: "+8613800000002", Sponsor: "ROOT1", JoinedAt: at("2023-12-31 23:30")},
			{Code: "BBB", Name: "Bob", Phone: "+8613800000003", Sponsor: "ROOT1", JoinedAt: at("2024-01-01 00:10")},
			{Code: "BBB1", Name: "Ben", Phone: "+8613800000004", Sponsor: "BBB", JoinedAt: at("2024-01-15 10:00")},
			{Code: "AAA1", Name: "李雷", Phone: "+8613800000005", Sponsor: "AAA", JoinedAt: at("2024-02-29 22:00")},
			{Code: "AAA2", Name: "韩梅梅", Phone: "+8613800000006", Sponsor: "AAA", JoinedAt: at("2024-03-01 00:00")},
		} {
			r.By = "test"
			if _, err := member.Register(ctx, tx, r); err != nil {
				return fmt.Errorf("register %s: %w", r.Code, err)
			}
		}
		for _, u := range []user.New{
			{Login: "analyst", Role: user.Analyst}, {Login: "wangfang", Role: user.Member, Member: "AAA"},
		} {
			u.Password = password
			if _, err := user.Create(ctx, tx, u); err != nil {
				return err
			}
		}
		_, err := period.UploadPlan(ctx, tx, []byte(ladder), at("2023-12-01 00:00"), "finance")
		return err
	})
	for _, b := range []struct {
		when, member string
		qty          int64
	}{{"2024-01-10 12:00", "AAA", 2}, {"2024-02-29 23:00", "BBB", 2}, {"2024-03-05 12:00", "AAA1", 1}} {
		tx(b.when, func(ctx context.Context, tx pgx.Tx) error {
			_, err := goodstest.Buy(ctx, tx, "buy-"+b.member, b.member, b.qty)
			return err
		})
	}
	store := memory.New()
	if err := projection.Sync(context.Background(), db, store, nil); err != nil {
		t.Fatal(err)
	}
	settled := clock.With(context.Background(), clock.Fixed(at("2024-02-02 09:00")))
	if _, err := period.Ensure(settled, db, "2024-01", loc, time.Time{}, "finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := (&period.Runner{DB: db, Graph: store}).Run(settled, "2024-01", "finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := period.Approve(settled, db, "2024-01", "finance2", "checked"); err != nil {
		t.Fatal(err)
	}
	srv := &api.Server{DB: db, Graph: store, Feed: &projection.Feed{DB: db, Store: store}, UI: web.Handler(),
		Explorer: &explorer.Cache{SyncBelow: time.Hour}}
	clk, next := clock.Starting(at("2024-03-15 10:00")), srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(clock.With(r.Context(), clk)))
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// wantExact waits until the element of sel shows exactly want (trimmed).
func wantExact(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void](
		`(sel, want) => { const el = document.querySelector(sel); return !!el && el.innerText.trim() === want; }`,
		chromedp.WithPollingArgs(sel, want), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		got, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](fmt.Sprintf(
			`(document.querySelector(%q) || {innerText: '(no such element)'}).innerText`, sel)))
		t.Fatalf("%s never showed exactly %q: it shows %q", sel, want, got)
	}
}

// monthCell is the selector of a cell of a month's row in table id.
func monthCell(id, period, col string) string {
	return fmt.Sprintf(`#%s [data-period="%s"] [data-col="%s"]`, id, period, col)
}

// An analyst reads HQ's statistics: members, joins and active members per
// month counted on the dates that bite, January's rank reached, retention,
// the legs; in Chinese and English, on a desktop and a phone.
func TestTeamStatsHQ(t *testing.T) {
	requireBrowser(t)
	url := teamStatsOffice(t)
	ctx := browser(t, "zh-CN")
	run(t, ctx, "open HQ's statistics", desktop(), chromedp.Navigate(url+"/staff/analytics/teams"), signIn("analyst", password))
	wantText(t, ctx, "#ts-title", "团队统计")
	wantText(t, ctx, "#nav-analytics-teams[aria-current=page]", "团队统计")
	for _, c := range []struct{ period, col, want string }{
		{"2023-12", "members", "2"}, {"2023-12", "joins", "1"}, // AAA at 23:30 on New Year's Eve
		{"2024-01", "members", "4"}, {"2024-01", "joins", "2"}, {"2024-01", "active", "1"}, {"2024-01", "growth", "+1"},
		{"2024-02", "joins", "1"}, {"2024-02", "active", "1"}, {"2024-02", "volume", "100.00"}, // AAA1 and BBB's order on 29 February
		{"2024-03", "members", "6"}, {"2024-03", "joins", "1"}, {"2024-03", "volume", "50.00"},
	} {
		wantExact(t, ctx, monthCell("ts-months", c.period, c.col), c.want)
	}
	wantText(t, ctx, `#ts-months [data-period="2024-02"] th`, "2024年2月")
	wantExact(t, ctx, `[data-figure="members"] dd`, "6")
	wantText(t, ctx, "#ts-latest", "2024年3月")
	// January: AAA reached Bronze. Retention: December's AAA active in
	// January; of January's BBB and BBB1, BBB active in February.
	wantExact(t, ctx, `#ts-rank-table [data-period="2024-01"][data-rank="Bronze"] [data-col="reached"]`, "1")
	wantExact(t, ctx, monthCell("ts-retention-table", "2023-12", "after1"), "100%")
	wantExact(t, ctx, monthCell("ts-retention-table", "2024-01", "after1"), "50%")
	wantExact(t, ctx, monthCell("ts-retention-table", "2024-01", "after3"), "—")
	wantExact(t, ctx, `#ts-leg-table [data-leg="ROOT1"] [data-col="members"]`, "6")
	if n := eval[int](t, ctx, `document.querySelectorAll('#ts-months tbody tr').length`); n != 12 {
		t.Errorf("%d months shown, want 12", n)
	}
	for _, id := range []string{"ts-members-chart", "ts-joins-chart", "ts-ranks-chart"} {
		if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#%s svg[role=img] title').textContent`, id)); got == "" {
			t.Errorf("chart %s has no title", id)
		}
	}
	screenshot(t, ctx, "teamstats-hq-desktop-zh")

	run(t, ctx, "six months", chromedp.SetValue(chromedp.CSS("#ts-periods"), "6"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#ts-periods').dispatchEvent(new Event('change', {bubbles: true}))`))
	wantExact(t, ctx, "#ts-months tbody tr:first-child th", "2023年10月")
	if n := eval[int](t, ctx, `document.querySelectorAll('#ts-months tbody tr').length`); n != 6 {
		t.Errorf("%d months shown, want 6", n)
	}

	// One leader's team, found by code; nothing typed, an unknown code.
	run(t, ctx, "find without a code", click("#ts-find"))
	wantText(t, ctx, "#ts-member-error", "请输入会员编号。")
	run(t, ctx, "find AAA's team", typeInto("#ts-member", "AAA"), click("#ts-find"))
	wantAddress(t, ctx, "/staff/analytics/teams/AAA")
	wantText(t, ctx, "#ts-title", "团队统计：王芳（AAA）")
	wantExact(t, ctx, monthCell("ts-months", "2024-03", "members"), "3")
	run(t, ctx, "an unknown code", typeInto("#ts-member", "NOPE"), click("#ts-find"))
	wantAddress(t, ctx, "/staff/analytics/teams/NOPE")
	wantText(t, ctx, "#ts-error", "未找到")
	run(t, ctx, "back to every member", click("#ts-hq"))
	wantAddress(t, ctx, "/staff/analytics/teams")

	run(t, ctx, "in English on a phone", phone(), switchLanguage("en"))
	wantText(t, ctx, "#ts-title", "Team statistics")
	wantText(t, ctx, `#ts-months [data-period="2024-02"] th`, "Feb 2024")
	wantExact(t, ctx, monthCell("ts-months", "2024-02", "volume"), "100.00")
	noHorizontalScroll(t, ctx, "HQ's team statistics")
	screenshot(t, ctx, "teamstats-hq-phone-en")
	chart, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#ts-growth .ts-pair")))
	if err != nil {
		t.Fatal(err)
	}
	save(t, "teamstats-hq-phone-en-charts", chart)

	// A member is refused the page and its data.
	m := browser(t, "en-US")
	run(t, m, "a member opens HQ's statistics", chromedp.Navigate(url+"/staff/analytics/teams"), signIn("wangfang", password))
	wantText(t, m, "#not-allowed", "Not allowed")
	if n := eval[int](t, m, `document.querySelectorAll('#ts-months').length`); n != 0 {
		t.Errorf("a member sees HQ's months")
	}
	if s := status(t, m, "/api/v1/analytics/teams/stats"); s != 403 {
		t.Errorf("a member's HQ statistics answer %d, want 403", s)
	}
}

// A leader (王芳, AAA) reads her own team's statistics in the member
// office: AAA, AAA1 and AAA2 only; another team's member code is not found.
func TestTeamStatsLeader(t *testing.T) {
	requireBrowser(t)
	url := teamStatsOffice(t)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the team's statistics", chromedp.Navigate(url+"/app/team/stats"), signIn("wangfang", password))
	wantText(t, ctx, "#ts-title", "My team's statistics: 王芳 (AAA)")
	wantText(t, ctx, "#nav-team-stats[aria-current=page]", "Team stats")
	for _, c := range []struct{ period, col, want string }{
		{"2023-12", "members", "1"},
		{"2024-01", "members", "1"}, {"2024-01", "active", "1"}, {"2024-01", "volume", "100.00"}, // BBB's team is not hers
		{"2024-02", "members", "2"}, {"2024-02", "active", "0"}, {"2024-02", "growth", "-1"},
		{"2024-03", "members", "3"}, {"2024-03", "joins", "1"}, {"2024-03", "active", "1"}, {"2024-03", "growth", "+1"},
	} {
		wantExact(t, ctx, monthCell("ts-months", c.period, c.col), c.want)
	}
	wantExact(t, ctx, `#ts-leg-table [data-leg="AAA1"] [data-col="volume"]`, "50.00")
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#ts-leg-table [data-leg]')].map(r => r.dataset.leg).sort().join(' ')`); got != "AAA1 AAA2" {
		t.Errorf("her legs: %q, want AAA1 AAA2", got)
	}
	noHorizontalScroll(t, ctx, "the team's statistics")
	screenshot(t, ctx, "teamstats-leader-phone-en")
	run(t, ctx, "in Chinese on a desktop", desktop(), switchLanguage("zh-CN"))
	wantText(t, ctx, "#ts-title", "我的团队统计：王芳（AAA）")
	wantText(t, ctx, `#ts-months [data-period="2024-03"] th`, "2024年3月")
	screenshot(t, ctx, "teamstats-leader-desktop-zh")

	// Her team, yes; Bob's team and HQ's figures, no.
	for path, want := range map[string]int{
		"/api/v1/members/AAA1/team-stats": 200,
		"/api/v1/members/BBB/team-stats":  404,
		"/api/v1/members/BBB1/team-stats": 404,
		"/api/v1/analytics/teams/stats":   403,
	} {
		if s := status(t, ctx, path); s != want {
			t.Errorf("GET %s: %d, want %d", path, s, want)
		}
	}
}
