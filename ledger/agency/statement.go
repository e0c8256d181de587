package agency

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/idempotency"
	"downline/ledger/journal"
)

// AccountPayment settles an agency's account with HQ: a positive Amount is
// the agency paying HQ, a negative one HQ paying the agency.
type AccountPayment struct {
	Key       string // idempotency key
	Agency    string
	Amount    decimal.Decimal
	Reference string `json:",omitempty"`
	By        string
}

// PayAccount books an account payment between HQ's bank and the agency's
// receivable.
//
// Errors: ledger.ErrInvalid for a zero or over-precise amount;
// ledger.ErrNotFound for an unknown agency; ledger.ErrIdempotencyConflict.
func PayAccount(ctx context.Context, tx pgx.Tx, p AccountPayment) (journal.Entry, error) {
	return idempotency.Do(ctx, tx, p.Key, "agency.pay", p, func() (journal.Entry, error) {
		if p.Amount.IsZero() || !p.Amount.Equal(p.Amount.Round(2)) {
			return journal.Entry{}, fmt.Errorf("%w: account payment %s for agency %s must be non-zero with at most two decimals", ledger.ErrInvalid, p.Amount, p.Agency)
		}
		if _, err := Get(ctx, tx, p.Agency); err != nil {
			return journal.Entry{}, err
		}
		return journal.Post(ctx, tx, journal.Entry{Kind: "agency.payment", Ref: p.Agency + " " + p.Reference, OpKey: p.Key, By: p.By,
			Lines: []journal.Line{journal.Dr(journal.Bank, "", p.Amount), journal.Cr(journal.AgencyReceivable, p.Agency, p.Amount)}})
	})
}

// StatementLine is one posting on the agency's account in the period.
type StatementLine struct {
	Entry    int64
	Kind     string
	Ref      string
	PostedAt time.Time
	Amount   decimal.Decimal // positive: the agency owes more; negative: less
}

// Statement is the goods-payment statement between HQ and an agency for
// [From, To): a positive Closing is what the agency owes HQ, a negative one
// what HQ owes the agency.
type Statement struct {
	ID                int64 `json:",omitempty"`
	Agency            string
	From, To          time.Time
	Opening           decimal.Decimal
	Charges           decimal.Decimal // goods bought, cash taken for HQ, HQ's payments to the agency
	Credits           decimal.Decimal // payments to HQ, goods returned to HQ, refunds made for HQ
	Closing           decimal.Decimal
	Lines             []StatementLine `json:",omitempty"`
	IssuedBy          string          `json:",omitempty"`
	IssuedAt          time.Time
	HQConfirmedBy     string     `json:",omitempty"`
	HQConfirmedAt     *time.Time `json:",omitempty"`
	AgencyConfirmedBy string     `json:",omitempty"`
	AgencyConfirmedAt *time.Time `json:",omitempty"`
}

// Compute works out the statement of agency for [from, to) from the journal,
// without storing it.
func Compute(ctx context.Context, q ledger.Querier, agency string, from, to time.Time) (Statement, error) {
	if !to.After(from) {
		return Statement{}, fmt.Errorf("%w: statement period %s to %s is empty", ledger.ErrInvalid, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	if _, err := Get(ctx, q, agency); err != nil {
		return Statement{}, err
	}
	s := Statement{Agency: agency, From: from, To: to, Charges: decimal.Zero, Credits: decimal.Zero}
	var err error
	if s.Opening, err = journal.Balance(ctx, q, journal.AgencyReceivable, agency, from); err != nil {
		return Statement{}, err
	}
	rows, err := q.Query(ctx, `SELECT e.id, e.kind, e.ref, e.posted_at, sum(l.amount)
		FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
		WHERE l.account = $1 AND l.holder = $2 AND e.posted_at >= $3 AND e.posted_at < $4
		GROUP BY e.id ORDER BY e.posted_at, e.id`, string(journal.AgencyReceivable), agency, from, to)
	if err != nil {
		return Statement{}, err
	}
	s.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatementLine, error) {
		var l StatementLine
		err := r.Scan(&l.Entry, &l.Kind, &l.Ref, &l.PostedAt, &l.Amount)
		return l, err
	})
	if err != nil {
		return Statement{}, err
	}
	for _, l := range s.Lines {
		if l.Amount.IsPositive() {
			s.Charges = s.Charges.Add(l.Amount)
		} else {
			s.Credits = s.Credits.Sub(l.Amount)
		}
	}
	s.Closing = s.Opening.Add(s.Charges).Sub(s.Credits)
	return s, nil
}

// Issue computes and stores the statement of agency for [from, to), to be
// confirmed by both sides. Issue it once the period has ended.
//
// Errors: ledger.ErrConflict when the period's statement was already issued;
// those of Compute.
func Issue(ctx context.Context, tx pgx.Tx, agency string, from, to time.Time, by string) (Statement, error) {
	if strings.TrimSpace(by) == "" {
		return Statement{}, fmt.Errorf("%w: a statement must say who issued it", ledger.ErrInvalid)
	}
	s, err := Compute(ctx, tx, agency, from, to)
	if err != nil {
		return Statement{}, err
	}
	s.IssuedBy = by
	err = tx.QueryRow(ctx, `INSERT INTO agency_statements (agency_id, period_from, period_to, opening, charges, credits, closing, issued_by)
		SELECT id, $2, $3, $4, $5, $6, $7, $8 FROM agencies WHERE code = $1 RETURNING id, issued_at`,
		agency, from, to, s.Opening, s.Charges, s.Credits, s.Closing, by).Scan(&s.ID, &s.IssuedAt)
	if _, ok := ledger.IsUniqueViolation(err); ok {
		return Statement{}, fmt.Errorf("%w: the statement of agency %s for %s to %s is already issued", ledger.ErrConflict,
			agency, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	if err != nil {
		return Statement{}, fmt.Errorf("issue statement: %w", err)
	}
	return s, nil
}

// Side is a party to a statement.
type Side string

const (
	HQ         Side = "hq"
	AgencySide Side = "agency"
)

// Confirm records one side's agreement with statement id.
//
// Errors: ledger.ErrNotFound for an unknown statement; ledger.ErrConflict
// when that side has already confirmed; ledger.ErrInvalid for another side.
func Confirm(ctx context.Context, tx pgx.Tx, id int64, side Side, by string) (Statement, error) {
	if side != HQ && side != AgencySide {
		return Statement{}, fmt.Errorf("%w: statement side %q must be hq or agency", ledger.ErrInvalid, side)
	}
	if strings.TrimSpace(by) == "" {
		return Statement{}, fmt.Errorf("%w: a confirmation must say who confirmed", ledger.ErrInvalid)
	}
	s, err := getStatement(ctx, tx, id, true)
	if err != nil {
		return Statement{}, err
	}
	who, at := s.HQConfirmedBy, s.HQConfirmedAt
	if side == AgencySide {
		who, at = s.AgencyConfirmedBy, s.AgencyConfirmedAt
	}
	if at != nil {
		return Statement{}, fmt.Errorf("%w: statement %d is already confirmed by %s (%s at %s)", ledger.ErrConflict, id, side, who, at.Format(time.RFC3339))
	}
	col := "hq"
	if side == AgencySide {
		col = "agency"
	}
	if _, err := tx.Exec(ctx, `UPDATE agency_statements SET `+col+`_confirmed_by = $2, `+col+`_confirmed_at = now() WHERE id = $1`, id, by); err != nil {
		return Statement{}, err
	}
	return getStatement(ctx, tx, id, false)
}

func getStatement(ctx context.Context, q ledger.Querier, id int64, forUpdate bool) (Statement, error) {
	sql := `SELECT s.id, a.code, s.period_from, s.period_to, s.opening, s.charges, s.credits, s.closing, s.issued_by, s.issued_at,
		coalesce(s.hq_confirmed_by, ''), s.hq_confirmed_at, coalesce(s.agency_confirmed_by, ''), s.agency_confirmed_at
		FROM agency_statements s JOIN agencies a ON a.id = s.agency_id WHERE s.id = $1`
	if forUpdate {
		sql += ` FOR UPDATE OF s`
	}
	var s Statement
	err := q.QueryRow(ctx, sql, id).Scan(&s.ID, &s.Agency, &s.From, &s.To, &s.Opening, &s.Charges, &s.Credits, &s.Closing,
		&s.IssuedBy, &s.IssuedAt, &s.HQConfirmedBy, &s.HQConfirmedAt, &s.AgencyConfirmedBy, &s.AgencyConfirmedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Statement{}, fmt.Errorf("%w: unknown statement %d", ledger.ErrNotFound, id)
	}
	return s, err
}
