package sms

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Template kinds: one per notification and per inbound answer.
const (
	TplWelcome            = "welcome"             // to a new member: {name} {code}
	TplSponsorNewMember   = "sponsor_new_member"  // to the sponsor: {name} {member_name} {member_code}
	TplPaymentConfirmed   = "payment_confirmed"   // {order} {payment} {amount}
	TplShipped            = "shipped"             // {order} {tracking}
	TplReturnReceived     = "return_received"     // {order} {return} {amount}
	TplSettlementApproved = "settlement_approved" // {period} {amount}
	TplSettlementPaid     = "settlement_paid"     // {period} {amount}
	TplRankAdvanced       = "rank_advanced"       // {period} {rank}
	TplProductLaunched    = "product_launched"    // {product} {sku} {price}
	TplStockLow           = "stock_low"           // {warehouse} {sku} {available} {threshold}
	TplProductAnnounced   = "product_announced"   // a new-product announcement of the portal: {title} {sku}

	TplReplyBalance       = "reply_balance"        // {code} {wallet} {bonus} {last}
	TplReplyLastNone      = "reply_last_none"      // the {last} of reply_balance without any settlement
	TplReplyLast          = "reply_last"           // {period} {amount}: the {last} of reply_balance
	TplReplyVolume        = "reply_volume"         // {code} {period} {pv}
	TplReplyOrder         = "reply_order"          // {order} {status} {tracking}
	TplReplyOrderNotFound = "reply_order_notfound" // {order}
	TplReplyHelp          = "reply_help"
	TplReplyUnknownSender = "reply_unknown_sender"
	TplReplyStopped       = "reply_stopped"
	TplReplyStarted       = "reply_started"
)

// builtin holds the default texts, zh-CN and en.
var builtin = map[string][2]string{
	TplWelcome:            {"欢迎加入，{name}！您的会员编号是 {code}。短信回复 帮助 查看可用指令。", "Welcome, {name}! Your member number is {code}. Text HELP for what you can ask."},
	TplSponsorNewMember:   {"{name}，您推荐的新会员 {member_name}（{member_code}）已注册成功。", "{name}, your new member {member_name} ({member_code}) is registered."},
	TplPaymentConfirmed:   {"订单 {order} 的付款 {amount} 元已确认。", "Payment of {amount} for order {order} is confirmed."},
	TplShipped:            {"订单 {order} 已发货，快递单号 {tracking}。", "Order {order} has shipped, tracking number {tracking}."},
	TplReturnReceived:     {"订单 {order} 的退货 {return} 已收到，退款 {amount} 元。", "Return {return} of order {order} received; refund {amount}."},
	TplSettlementApproved: {"{period} 期奖金已核准：{amount} 元。", "Your bonus for {period} is approved: {amount}."},
	TplSettlementPaid:     {"{period} 期奖金 {amount} 元已发放。", "Your bonus for {period}, {amount}, has been paid."},
	TplRankAdvanced:       {"恭喜！您在 {period} 期晋升为 {rank}。", "Congratulations! You advanced to {rank} in {period}."},
	TplProductLaunched:    {"新品上市：{product}，会员价 {price} 元。", "New product: {product}, member price {price}."},
	TplProductAnnounced:   {"新品发布：{title}。登录会员办公室查看详情。", "New product: {title}. See it in your member office."},
	TplStockLow:           {"库存预警：{warehouse} 的 {sku} 可用 {available}，低于 {threshold}。", "Low stock: {sku} in {warehouse} has {available} available, below {threshold}."},

	TplReplyBalance:       {"会员 {code}：钱包余额 {wallet} 元，待发奖金 {bonus} 元。{last}", "Member {code}: wallet {wallet}, bonus payable {bonus}. {last}"},
	TplReplyLastNone:      {"尚无结算记录。", "No settlement yet."},
	TplReplyLast:          {"最近结算：{period} 期 {amount} 元。", "Last settlement: {period}, {amount}."},
	TplReplyVolume:        {"会员 {code}：{period} 期个人业绩 PV {pv}。团队业绩 GV 和级别在结算后公布。", "Member {code}: PV {pv} in {period}. GV and rank appear after settlement."},
	TplReplyOrder:         {"订单 {order}：{status}{tracking}", "Order {order}: {status}{tracking}"},
	TplReplyOrderNotFound: {"未找到您的订单 {order}。", "No order {order} of yours was found."},
	TplReplyHelp:          {"指令：余额（BAL）、业绩（PV）、订单 单号（ORDER 单号）、帮助（HELP）。回复 STOP 退订，START 恢复。", "Text BAL for your balance, PV for this period's volume, ORDER <number> for an order, HELP for this list. STOP to opt out, START to resume."},
	TplReplyUnknownSender: {"抱歉，此号码未登记为会员号码，无法提供查询。", "Sorry, this number is not registered with us, so we cannot answer queries from it."},
	TplReplyStopped:       {"您已退订，将不再收到通知短信。回复 START 恢复。", "You are unsubscribed and will get no more notifications. Text START to resume."},
	TplReplyStarted:       {"您已恢复接收通知短信。", "You will receive notifications again."},
}

// Kinds lists the template kinds, sorted.
func Kinds() []string {
	out := make([]string, 0, len(builtin))
	for k := range builtin {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Templates are the texts in force: the built-in ones with HQ's edits over them.
type Templates struct {
	text map[string][2]string
}

func langIndex(lang string) int {
	if lang == "en" {
		return 1
	}
	return 0
}

// LoadTemplates reads HQ's edits over the built-in texts.
func LoadTemplates(ctx context.Context, q ledger.Querier) (*Templates, error) {
	t := &Templates{text: make(map[string][2]string, len(builtin))}
	for k, v := range builtin {
		t.text[k] = v
	}
	rows, err := q.Query(ctx, `SELECT kind, lang, body FROM sms_templates`)
	if err != nil {
		return nil, fmt.Errorf("load SMS templates: %w", err)
	}
	var kind, lang, body string
	_, err = pgx.ForEachRow(rows, []any{&kind, &lang, &body}, func() error {
		if v, ok := t.text[kind]; ok {
			v[langIndex(lang)] = body
			t.text[kind] = v
		}
		return nil
	})
	return t, err
}

// Render fills template kind in lang with vars ({name} -> vars["name"]).
func (t *Templates) Render(kind, lang string, vars map[string]string) string {
	src := t.text[kind][langIndex(lang)]
	return fill(src, vars)
}

var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

func fill(src string, vars map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(src, func(m string) string {
		if v, ok := vars[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// TemplateView is a template as an editor sees it: its text, the
// placeholders it uses, and what a typical rendering costs in segments.
type TemplateView struct {
	Kind         string   `json:"kind"`
	Lang         string   `json:"lang"`
	Body         string   `json:"body"`
	Builtin      bool     `json:"builtin"`
	Placeholders []string `json:"placeholders"`
	Example      string   `json:"example"`
	Segments     Segments `json:"example_segments"`
}

// example values of the placeholders, about as long as real ones.
var example = map[string]string{
	"name": "张伟", "code": "CN01234567", "member_name": "李娜", "member_code": "CN01234568",
	"order": "SO000012345", "payment": "PAY000012345", "amount": "1280.00", "tracking": "SF1234567890123",
	"return": "RT000001234", "period": "2026-05", "rank": "Gold", "product": "Ginseng Tea 人参茶", "sku": "TEA-GINSENG-250",
	"price": "198.00", "warehouse": "WH-SH", "available": "12", "threshold": "50", "wallet": "356.20", "bonus": "1280.00",
	"last": "Last settlement: 2026-04, 1280.00.", "pv": "420.00", "status": "shipped", "total": "1280.00",
	"title": "人参茶 Ginseng Tea 今日上市",
}

// View lists every template in force with its segment count.
func (t *Templates) View() []TemplateView {
	var out []TemplateView
	for _, k := range Kinds() {
		for i, lang := range []string{"zh-CN", "en"} {
			body := t.text[k][i]
			out = append(out, viewOf(k, lang, body, body == builtin[k][i]))
		}
	}
	return out
}

func viewOf(kind, lang, body string, isBuiltin bool) TemplateView {
	var ph []string
	for _, m := range placeholderRE.FindAllStringSubmatch(body, -1) {
		if !slices.Contains(ph, m[1]) {
			ph = append(ph, m[1])
		}
	}
	ex := fill(body, example)
	return TemplateView{Kind: kind, Lang: lang, Body: body, Builtin: isBuiltin, Placeholders: ph, Example: ex, Segments: Count(ex)}
}

// SetTemplate replaces the text of kind in lang and returns how it now
// looks to an editor; an empty body restores the built-in text.
//
// Errors: ledger.ErrInvalid for an unknown kind or language, or a
// placeholder the kind does not fill.
func SetTemplate(ctx context.Context, q ledger.Querier, kind, lang, body, by string) (TemplateView, error) {
	b, ok := builtin[kind]
	if !ok {
		return TemplateView{}, fmt.Errorf("%w: no SMS template %q (there are: %s)", ledger.ErrInvalid, kind, strings.Join(Kinds(), ", "))
	}
	if lang != "zh-CN" && lang != "en" {
		return TemplateView{}, fmt.Errorf("%w: language %q must be zh-CN or en", ledger.ErrInvalid, lang)
	}
	body = strings.TrimSpace(body)
	if body == "" {
		_, err := q.Exec(ctx, `DELETE FROM sms_templates WHERE kind = $1 AND lang = $2`, kind, lang)
		return viewOf(kind, lang, b[langIndex(lang)], true), err
	}
	allowed := placeholderRE.FindAllStringSubmatch(b[0]+b[1], -1)
	for _, m := range placeholderRE.FindAllStringSubmatch(body, -1) {
		if !slices.ContainsFunc(allowed, func(a []string) bool { return a[1] == m[1] }) {
			return TemplateView{}, fmt.Errorf("%w: template %s has no placeholder {%s}", ledger.ErrInvalid, kind, m[1])
		}
	}
	_, err := q.Exec(ctx, `INSERT INTO sms_templates (kind, lang, body, updated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, lang) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = now()`,
		kind, lang, body, by)
	return viewOf(kind, lang, body, false), err
}
