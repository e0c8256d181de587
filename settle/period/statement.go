package period

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
)

// StatementLine is one line of a member's statement: a bonus line, a
// clawback or a manual adjustment, with a plain explanation.
type StatementLine struct {
	Bonus       string // binary, matching, pool, referral, unilevel, clawback, manual
	Amount      decimal.Decimal
	Source      string `json:",omitempty"`
	Level       int    `json:",omitempty"`
	Explanation string
}

// Statement is what one member earned in one period, and why.
type Statement struct {
	Period  Period
	Status  string
	Plan    string
	Member  string
	Name    string
	Lang    string
	Summary string // rank, activity, volumes
	Lines   []StatementLine
	Total   decimal.Decimal
	Scale   int32
	Curr    string
}

type words struct {
	title, member, active, inactive, total, none, beforeCap         string
	bonus                                                           map[string]string
	referral, unilevel, binary, binaryCap, matching, pool, clawback string
	volumes, binaryVol, head                                        string
}

var vocab = map[string]words{
	"en": {
		title:  "Bonus statement, period %s (%s to %s), plan %s, %s",
		member: "Member %s (%s): rank %s, %s", active: "active (PV %s >= %s)", inactive: "inactive (PV %s < %s)",
		volumes: "PV %s, BV %s, GV %s", binaryVol: "binary: left %s, right %s (carry-in %s / %s), carry-out %s / %s",
		head: "bonus\tamount\tsource\tlevel\texplanation", total: "total: %s %s", none: "no bonus this period",
		beforeCap: " (%s before the payout cap)",
		bonus:     map[string]string{"binary": "binary", "matching": "matching", "pool": "pool", "referral": "referral", "unilevel": "unilevel", "clawback": "clawback", "manual": "adjustment"},
		referral:  "%s%% of %s's registration BV %s",
		unilevel:  "level %d: %s%% of %s's BV %s",
		binary:    "%s%% of the weaker leg %s (left %s, right %s)",
		binaryCap: ", capped at %s for %s",
		matching:  "level %d: %s%% of %s's binary bonus %s",
		pool:      "%s%% of the period's total BV %s, shared by ranks %s and above: %s share(s) for %s",
		clawback:  "period %s recomputed with the returns confirmed after its approval: %s %s",
	},
	"zh-CN": {
		title:  "奖金明细：期间 %s（%s 至 %s），方案 %s，%s",
		member: "会员 %s（%s）：级别 %s，%s", active: "活跃（PV %s ≥ %s）", inactive: "不活跃（PV %s < %s）",
		volumes: "个人 PV %s，BV %s，团队业绩 GV %s", binaryVol: "对碰：左区 %s，右区 %s（上期结转 %s / %s），结转下期 %s / %s",
		head: "奖项\t金额\t来源\t层级\t说明", total: "合计：%s %s", none: "本期无奖金",
		beforeCap: "（封顶前 %s）",
		bonus:     map[string]string{"binary": "对碰奖", "matching": "领导奖", "pool": "分红", "referral": "推荐奖", "unilevel": "层级奖", "clawback": "退货追回", "manual": "人工调整"},
		referral:  "%[2]s 的注册 BV %[3]s 的 %[1]s%%",
		unilevel:  "第 %[1]d 层：%[3]s 的 BV %[4]s 的 %[2]s%%",
		binary:    "较弱区业绩 %[2]s 的 %[1]s%%（左区 %[3]s，右区 %[4]s）",
		binaryCap: "，%[2]s 级别封顶 %[1]s",
		matching:  "第 %[1]d 层：%[3]s 的对碰奖 %[4]s 的 %[2]s%%",
		pool:      "本期总 BV %[2]s 的 %[1]s%%，由 %[3]s 及以上级别分享：%[5]s 级别 %[4]s 份",
		clawback:  "期间 %s 审批后确认的退货，重新计算后的差额：%s %s",
	},
}

var statusWords = map[string]map[string]string{
	"en":    {Draft: "draft (not approved)", Approved: "approved", Paid: "paid"},
	"zh-CN": {Draft: "草稿（未审批）", Approved: "已审批", Paid: "已发放"},
}

// MemberStatement explains member's bonus for period code in lang (zh-CN
// or en; empty: the member's own language): every line with its source,
// level and basis, then clawbacks and manual adjustments.
//
// Errors: ledger.ErrNotFound for a period not run or a member not in it;
// ledger.ErrInvalid for another language.
func MemberStatement(ctx context.Context, q ledger.Querier, code, member, lang string) (Statement, error) {
	r, err := GetRun(ctx, q, code)
	if err != nil {
		return Statement{}, err
	}
	var name, ownLang string
	if err := q.QueryRow(ctx, `SELECT name, lang FROM members WHERE code = $1`, member).Scan(&name, &ownLang); errors.Is(err, pgx.ErrNoRows) {
		return Statement{}, fmt.Errorf("%w: no member %q", ledger.ErrNotFound, member)
	} else if err != nil {
		return Statement{}, err
	}
	if lang == "" {
		lang = ownLang
	}
	w, ok := vocab[lang]
	if !ok {
		return Statement{}, fmt.Errorf("%w: language %q: zh-CN or en", ledger.ErrInvalid, lang)
	}
	sp, err := planByID(ctx, q, r.PlanID)
	if err != nil {
		return Statement{}, err
	}
	pl, err := sp.Parse()
	if err != nil {
		return Statement{}, err
	}
	type summary struct {
		pv, bv, reg, gv, lv, rv, cil, cir, cl, cr, earn decimal.Decimal
		active                                          bool
		rank                                            string
	}
	get := func(m string) (summary, error) {
		var s summary
		err := q.QueryRow(ctx, `SELECT pv, bv, reg, gv, active, rank, left_volume, right_volume, carry_in_left, carry_in_right,
			carry_left, carry_right, earnings FROM settle_run_members WHERE run_id = $1 AND member = $2`, r.ID, m).
			Scan(&s.pv, &s.bv, &s.reg, &s.gv, &s.active, &s.rank, &s.lv, &s.rv, &s.cil, &s.cir, &s.cl, &s.cr, &s.earn)
		if errors.Is(err, pgx.ErrNoRows) {
			return s, fmt.Errorf("%w: member %s is not in period %s (joined after its cut-off)", ledger.ErrNotFound, m, code)
		}
		return s, err
	}
	me, err := get(member)
	if err != nil {
		return Statement{}, err
	}
	st := Statement{Period: r.Period, Status: r.Status, Plan: fmt.Sprintf("%s v%d", sp.Name, sp.Version), Member: member, Name: name,
		Lang: lang, Scale: pl.Scale, Curr: pl.Currency, Total: decimal.Zero}
	const tf = "2006-01-02 15:04"
	act := fmt.Sprintf(w.inactive, me.pv, pl.ActivePV)
	if me.active {
		act = fmt.Sprintf(w.active, me.pv, pl.ActivePV)
	}
	var b strings.Builder
	// The boundaries read in the zone the period was defined in (the
	// company's), as the member knows its months.
	loc := time.UTC
	if r.Period.TimeZone != "" {
		if l, err := ledger.LoadZone(r.Period.TimeZone); err == nil {
			loc = l
		}
	}
	fmt.Fprintf(&b, w.title+"\n", code, r.Period.StartsAt.In(loc).Format(tf), r.Period.CutoffAt.In(loc).Format(tf), st.Plan, statusWords[lang][r.Status])
	fmt.Fprintf(&b, w.member+"\n", member, name, me.rank, act)
	fmt.Fprintf(&b, w.volumes+"\n", me.pv, me.bv, me.gv)
	if pl.Binary != nil {
		fmt.Fprintf(&b, w.binaryVol+"\n", me.lv, me.rv, me.cil, me.cir, me.cl, me.cr)
	}
	st.Summary = b.String()

	rows, err := q.Query(ctx, `SELECT bonus, amount, before_cap, coalesce(source, ''), level FROM settle_run_lines
		WHERE set_id = $1 AND member = $2 ORDER BY bonus, source NULLS FIRST, level`, r.LinesSet, member)
	if err != nil {
		return Statement{}, err
	}
	type line struct {
		bonus, source  string
		amount, before decimal.Decimal
		level          int
	}
	lines, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (line, error) {
		var l line
		err := row.Scan(&l.bonus, &l.amount, &l.before, &l.source, &l.level)
		return l, err
	})
	if err != nil {
		return Statement{}, err
	}
	for _, l := range lines {
		var why string
		switch l.bonus {
		case "referral":
			s, err := get(l.source)
			if err != nil {
				return Statement{}, err
			}
			why = fmt.Sprintf(w.referral, pl.Referral.Pct, l.source, s.reg)
		case "unilevel":
			s, err := get(l.source)
			if err != nil {
				return Statement{}, err
			}
			why = fmt.Sprintf(w.unilevel, l.level, pl.Unilevel.Levels[l.level-1], l.source, s.bv)
		case "binary":
			why = fmt.Sprintf(w.binary, pl.Binary.Pct, decimal.Min(me.lv, me.rv), me.lv, me.rv)
			if pl.Binary.CapByRank != nil {
				why += fmt.Sprintf(w.binaryCap, pl.Binary.CapByRank[pl.RankIndex(me.rank)], me.rank)
			}
		case "matching":
			var bin decimal.Decimal
			if err := q.QueryRow(ctx, `SELECT before_cap FROM settle_run_lines WHERE set_id = $1 AND member = $2 AND bonus = 'binary'`,
				r.LinesSet, l.source).Scan(&bin); err != nil {
				return Statement{}, fmt.Errorf("binary line of %s: %w", l.source, err)
			}
			why = fmt.Sprintf(w.matching, l.level, pl.Matching.Levels[l.level-1], l.source, bin.StringFixed(pl.Scale))
		case "pool":
			ri := pl.RankIndex(me.rank)
			why = fmt.Sprintf(w.pool, pl.Pool.Pct, r.TotalBV, pl.Ranks[pl.Pool.MinRank].Name, pl.Pool.Shares(ri), me.rank)
		}
		if !l.amount.Equal(l.before) {
			why += fmt.Sprintf(w.beforeCap, l.before.StringFixed(pl.Scale))
		}
		st.Lines = append(st.Lines, StatementLine{Bonus: l.bonus, Amount: l.amount, Source: l.source, Level: l.level, Explanation: why})
		st.Total = st.Total.Add(l.amount)
	}

	rows, err = q.Query(ctx, `SELECT p.code, a.bonus, a.amount FROM settle_run_adjustments a JOIN settle_periods p ON p.id = a.target_period
		WHERE a.run_id = $1 AND a.member = $2 ORDER BY p.starts_at, a.bonus`, r.ID, member)
	if err != nil {
		return Statement{}, err
	}
	var target, bonus string
	var amount decimal.Decimal
	_, err = pgx.ForEachRow(rows, []any{&target, &bonus, &amount}, func() error {
		st.Lines = append(st.Lines, StatementLine{Bonus: "clawback", Amount: amount,
			Explanation: fmt.Sprintf(w.clawback, target, w.bonus[bonus], amount.StringFixed(pl.Scale))})
		st.Total = st.Total.Add(amount)
		return nil
	})
	if err != nil {
		return Statement{}, err
	}
	rows, err = q.Query(ctx, `SELECT amount, reason, entered_by FROM settle_manual_adjustments
		WHERE period_id = $1 AND member = $2 ORDER BY id`, r.Period.ID, member)
	if err != nil {
		return Statement{}, err
	}
	var reason, by string
	_, err = pgx.ForEachRow(rows, []any{&amount, &reason, &by}, func() error {
		st.Lines = append(st.Lines, StatementLine{Bonus: "manual", Amount: amount, Explanation: reason + " (" + by + ")"})
		st.Total = st.Total.Add(amount)
		return nil
	})
	return st, err
}

// Text renders the statement for reading or printing.
func (s Statement) Text() string {
	w := vocab[s.Lang]
	var b strings.Builder
	b.WriteString(s.Summary)
	b.WriteByte('\n')
	if len(s.Lines) == 0 {
		b.WriteString(w.none + "\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, w.head)
		for _, l := range s.Lines {
			level := ""
			if l.Level > 0 {
				level = fmt.Sprint(l.Level)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", w.bonus[l.Bonus], l.Amount.StringFixed(s.Scale), l.Source, level, l.Explanation)
		}
		tw.Flush()
	}
	fmt.Fprintf(&b, w.total+"\n", s.Total.StringFixed(s.Scale), s.Curr)
	return b.String()
}

// StatementEntry is one period of a member's statements: its run's status
// and what the statement totals (bonus lines, clawbacks and manual
// adjustments, as MemberStatement adds them up).
type StatementEntry struct {
	Period Period
	Status string
	Lines  int64
	Total  decimal.Decimal
}

// MemberStatements lists the periods with an approved (or paid) run that
// member is in, newest first: the statements a member may read. Drafts are
// left out, since they change with every re-run.
func MemberStatements(ctx context.Context, q ledger.Querier, member string) ([]StatementEntry, error) {
	rows, err := q.Query(ctx, `
		SELECT p.id, p.code, p.kind, p.starts_at, p.cutoff_at, coalesce(p.time_zone, ''), r.status,
		       l.n + a.n + m.n, l.total + a.total + m.total
		FROM settle_runs r
		JOIN settle_periods p ON p.id = r.period_id
		JOIN settle_run_members sm ON sm.run_id = r.id AND sm.member = $1
		CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM settle_run_lines
		                    WHERE set_id = r.lines_set AND member = $1) l
		CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM settle_run_adjustments
		                    WHERE run_id = r.id AND member = $1) a
		CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM settle_manual_adjustments
		                    WHERE period_id = p.id AND member = $1) m
		WHERE r.status IN ('approved', 'paid')
		ORDER BY p.starts_at DESC`, member)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (StatementEntry, error) {
		var e StatementEntry
		p := &e.Period
		err := row.Scan(&p.ID, &p.Code, &p.Kind, &p.StartsAt, &p.CutoffAt, &p.TimeZone, &e.Status, &e.Lines, &e.Total)
		return e, err
	})
}
