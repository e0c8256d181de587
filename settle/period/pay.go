package period

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/journal"
)

// Payout is the payment batch of an approved run.
type Payout struct {
	ID           int64
	Period       string
	MinPayout    decimal.Decimal
	Currency     string
	PaidTotal    decimal.Decimal
	PaidCount    int64
	CarriedTotal decimal.Decimal
	CarriedCount int64
	PaidBy       string
	PaidAt       time.Time
}

// PayoutItem is one member in a payout: paid, or carried to a later period
// because the balance is below the minimum.
type PayoutItem struct {
	Member  string
	Name    string
	Phone   string
	Amount  decimal.Decimal
	Carried bool
}

// Pay pays the approved run of period code: every member whose bonus
// payable balance (this period's bonus plus what earlier periods carried,
// less what clawbacks took back) reaches minPayout is paid, with one journal
// entry each (bonus payable against bank); balances above zero but below
// the minimum stay payable and are listed as carried. The run becomes paid.
//
// Errors: ledger.ErrNotFound for a period not run; ledger.ErrConflict for a
// draft or a run already paid; ledger.ErrInvalid for a negative minimum.
func Pay(ctx context.Context, db *ledger.DB, code string, minPayout decimal.Decimal, by string) (Payout, error) {
	return PayOnce(ctx, db, "", code, minPayout, by)
}

// PayOnce is Pay under an idempotency key (none: ""), claimed in the
// transaction that pays: a retry with the same key and request returns the
// first payout, also when its answer was lost after the commit, and a
// failed payout leaves the key free for the retry. A different request
// under the same key is refused with ledger.ErrIdempotencyConflict.
func PayOnce(ctx context.Context, db *ledger.DB, key, code string, minPayout decimal.Decimal, by string) (Payout, error) {
	if minPayout.IsNegative() || !minPayout.Equal(minPayout.Round(2)) {
		return Payout{}, fmt.Errorf("%w: minimum payout %s: not negative, at most two decimals", ledger.ErrInvalid, minPayout)
	}
	if strings.TrimSpace(by) == "" {
		return Payout{}, fmt.Errorf("%w: who pays is required (--by)", ledger.ErrInvalid)
	}
	p, err := Get(ctx, db.Pool, code)
	if err != nil {
		return Payout{}, err
	}
	req := struct{ Period, MinPayout, By string }{code, minPayout.StringFixed(2), by}
	var out Payout
	err = inPeriodTx(ctx, db, p, func(tx pgx.Tx) (err error) {
		out, err = underKey(ctx, tx, key, "settle.pay:"+code, req, func() (Payout, error) { return pay(ctx, tx, p, minPayout, by) })
		return err
	})
	return out, err
}

// pay is the work of Pay, in tx, under the period lock.
func pay(ctx context.Context, tx pgx.Tx, p Period, minPayout decimal.Decimal, by string) (Payout, error) {
	code := p.Code
	r, err := lockRun(ctx, tx, p)
	if err != nil {
		return Payout{}, err
	}
	if r.Status != Approved {
		return Payout{}, fmt.Errorf("%w: period %s is %s: only an approved, unpaid run is paid", ledger.ErrConflict, code, r.Status)
	}
	sp, err := planByID(ctx, tx, r.PlanID)
	if err != nil {
		return Payout{}, err
	}
	pl, err := sp.Parse()
	if err != nil {
		return Payout{}, err
	}
	// Balances are credits on the liability: negate the sum.
	all, err := memberAmounts(ctx, tx, `SELECT holder, -sum(amount) FROM journal_lines WHERE account = $1
		GROUP BY holder HAVING sum(amount) < 0 ORDER BY holder COLLATE "C"`, string(journal.BonusPayable))
	if err != nil {
		return Payout{}, err
	}
	out := Payout{Period: code, MinPayout: minPayout, Currency: pl.Currency, PaidBy: by,
		PaidTotal: decimal.Zero, CarriedTotal: decimal.Zero}
	var paid []memberAmount
	var members, amounts []string
	var carried []bool
	for _, m := range all {
		c := m.Amount.LessThan(minPayout)
		if c {
			out.CarriedCount++
			out.CarriedTotal = out.CarriedTotal.Add(m.Amount)
		} else {
			out.PaidCount++
			out.PaidTotal = out.PaidTotal.Add(m.Amount)
			paid = append(paid, m)
		}
		members, amounts, carried = append(members, m.Member), append(amounts, m.Amount.String()), append(carried, c)
	}
	ids, err := postEach(ctx, tx, paid, "settlement.payout", "settle:"+code, "bonus payout of period "+code+" to ",
		fmt.Sprintf("settle:%d:pay:", r.ID), by, journal.BonusPayable, journal.Bank, true)
	if err != nil {
		return Payout{}, err
	}
	entries := make([]*int64, len(all))
	k := 0
	for i := range all {
		if !carried[i] {
			entries[i] = &ids[k]
			k++
		}
	}
	if err := tx.QueryRow(ctx, `INSERT INTO settle_payouts (run_id, min_payout, currency, paid_total, paid_count, carried_total, carried_count, paid_by, paid_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, paid_at`, r.ID, minPayout, out.Currency, out.PaidTotal, out.PaidCount,
		out.CarriedTotal, out.CarriedCount, by, clock.Now(ctx)).Scan(&out.ID, &out.PaidAt); err != nil {
		return Payout{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO settle_payout_items (payout_id, member, amount, carried, entry_id)
		SELECT $1, m, a, c, e FROM unnest($2::text[], $3::numeric[], $4::boolean[], $5::bigint[]) u(m, a, c, e)`,
		out.ID, members, amounts, carried, entries); err != nil {
		return Payout{}, err
	}
	if _, err = tx.Exec(ctx, `UPDATE settle_runs SET status = 'paid', paid_by = $2, paid_at = $3 WHERE id = $1`, r.ID, by, out.PaidAt); err != nil {
		return Payout{}, err
	}
	if err := announce(ctx, tx, EventPaid, code, r.ID, paid); err != nil {
		return Payout{}, err
	}
	return out, nil
}

// GetPayout reads the payout of period code with its items, paid first,
// each by member code.
func GetPayout(ctx context.Context, q ledger.Querier, code string) (Payout, []PayoutItem, error) {
	var p Payout
	err := q.QueryRow(ctx, `SELECT po.id, pe.code, po.min_payout, po.currency, po.paid_total, po.paid_count, po.carried_total,
			po.carried_count, po.paid_by, po.paid_at
		FROM settle_payouts po JOIN settle_runs r ON r.id = po.run_id JOIN settle_periods pe ON pe.id = r.period_id
		WHERE pe.code = $1`, code).Scan(&p.ID, &p.Period, &p.MinPayout, &p.Currency, &p.PaidTotal, &p.PaidCount,
		&p.CarriedTotal, &p.CarriedCount, &p.PaidBy, &p.PaidAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Payout{}, nil, fmt.Errorf("%w: period %s has not been paid", ledger.ErrNotFound, code)
	}
	if err != nil {
		return Payout{}, nil, err
	}
	rows, err := q.Query(ctx, `SELECT i.member, coalesce(m.name, ''), coalesce(m.phone, ''), i.amount, i.carried
		FROM settle_payout_items i LEFT JOIN members m ON m.code = i.member
		WHERE i.payout_id = $1 ORDER BY i.carried, i.member COLLATE "C"`, p.ID)
	if err != nil {
		return Payout{}, nil, err
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PayoutItem, error) {
		var it PayoutItem
		err := row.Scan(&it.Member, &it.Name, &it.Phone, &it.Amount, &it.Carried)
		return it, err
	})
	return p, items, err
}

var payoutHeader = []string{"member_id", "name", "phone", "amount", "currency", "period", "status"}

func (it PayoutItem) row(p Payout) []string {
	status := "pay"
	if it.Carried {
		status = "carried"
	}
	return []string{it.Member, it.Name, it.Phone, it.Amount.StringFixed(2), p.Currency, p.Period, status}
}

// WritePayoutCSV writes the bank file of a payout: one row per member, paid
// rows first, then those carried to a later period.
func WritePayoutCSV(w io.Writer, p Payout, items []PayoutItem) error {
	cw := csv.NewWriter(w)
	cw.Write(payoutHeader)
	for _, it := range items {
		cw.Write(it.row(p))
	}
	cw.Flush()
	return cw.Error()
}

// WritePayoutXLSX writes the same rows as a spreadsheet. A spreadsheet cell
// holds a binary double, so an amount is written as a number (two decimals
// shown) only when that double reads back as exactly the amount, and as
// text otherwise: the bank never receives a rounded figure.
func WritePayoutXLSX(w io.Writer, p Payout, items []PayoutItem) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Payout"
	f.SetSheetName("Sheet1", sheet)
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	head := make([]any, len(payoutHeader))
	for i, h := range payoutHeader {
		head[i] = h
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, it := range items {
		r := it.row(p)
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		// The amount cell holds the exact decimal text as a number.
		cells[3] = excelize.Cell{StyleID: style, Value: numberCell(it.Amount)}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// numberCell converts an amount for a spreadsheet cell. Spreadsheets hold
// numbers as binary floating point: the amount is written as the shortest
// float that reads back as the same decimal (exact for cents below 2^53),
// and the text is used where it would not round-trip.
func numberCell(d decimal.Decimal) any {
	f := d.InexactFloat64()
	if decimal.NewFromFloat(f).Equal(d) {
		return f
	}
	return d.StringFixed(2)
}
