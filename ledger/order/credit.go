package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/idempotency"
)

// Members' accounts at agencies. An agency may sell to one of its members
// on account (a counter sale with Method OnCredit): the goods go out as in
// any counter sale and the member owes the agency the total until paying
// it. That money is the agency's, not the company's, so like the cash an
// agency takes for its own stock it stays out of the company's journal:
// each agency keeps its own book of what members owe it. Every entry is
// whole and balanced (one amount, debited to one account and credited to
// another) and none is changed or removed; a correction is a new entry.

// OnCredit is a counter sale an agency makes to a member on account.
const OnCredit Method = "credit"

// CreditKind is what an entry of an agency's book of members' accounts
// records.
type CreditKind string

const (
	CreditSale      CreditKind = "sale"      // receivable / sales: goods sold on account
	CreditPayment   CreditKind = "payment"   // cash / receivable: the member paid the agency
	CreditAllowance CreditKind = "allowance" // sales / receivable: the agency forgave part of a debt (a return, a mistake)
)

// creditSides are the accounts an entry of each kind debits and credits.
var creditSides = map[CreditKind][2]string{
	CreditSale:      {"receivable", "sales"},
	CreditPayment:   {"cash", "receivable"},
	CreditAllowance: {"sales", "receivable"},
}

// CreditEntry is one entry of an agency's book of members' accounts.
type CreditEntry struct {
	ID        int64           `json:"id"`
	Agency    string          `json:"agency"`
	Member    string          `json:"member"`
	Kind      CreditKind      `json:"kind"`
	Debit     string          `json:"debit"`
	Credit    string          `json:"credit"`
	Amount    decimal.Decimal `json:"amount"`
	Owes      decimal.Decimal `json:"owes"` // what the entry adds to the member's debt (negative: takes off)
	Order     string          `json:"order,omitempty"`
	Reference string          `json:"reference,omitempty"`
	By        string          `json:"by"`
	At        time.Time       `json:"at"`
}

// CreditBalance is what one member owes an agency.
type CreditBalance struct {
	Member string          `json:"member"`
	Name   string          `json:"name"`
	Owes   decimal.Decimal `json:"owes"`
	Sales  int             `json:"sales"` // sales on account, paid or not
	Last   time.Time       `json:"last"`  // the newest entry
}

// queueCreditSale books sale o, just placed and confirmed, to the buying
// member's account at the selling agency.
func queueCreditSale(ctx context.Context, b *pgx.Batch, o Order, key string) {
	b.Queue(`INSERT INTO agency_credit_entries (agency_id, member_id, kind, debit, credit, amount, order_id, op_key, entered_by, entered_at)
		VALUES ($1, $2, 'sale', 'receivable', 'sales', $3, $4, $5, $6, $7)`,
		o.sellerAgencyID, o.memberID, o.Total, o.ID, "sale:"+key, o.EnteredBy, clock.Now(ctx))
}

// checkCredit refuses a sale on account to anyone but a member (that the
// seller is an agency is checked once the order knows its warehouse).
func checkCredit(s CounterSale) error {
	if s.Order.Member == "" || s.Order.Customer != nil {
		return fmt.Errorf("%w: member: a sale on credit is to a member; name the member", ledger.ErrInvalid)
	}
	return nil
}

// CreditMove is a member's payment to an agency (Kind CreditPayment) or an
// allowance the agency grants (CreditAllowance, a reason required).
type CreditMove struct {
	Key       string // idempotency key
	Kind      CreditKind
	Agency    string
	Member    string
	Amount    decimal.Decimal
	Reference string `json:",omitempty"` // the receipt's number; an allowance's reason
	By        string
}

// MoveCredit books m: it takes Amount off what the member owes the agency.
//
// Errors: ledger.ErrInvalid for an amount that is not positive with at most
// two decimals, more than the member owes, or an allowance without a
// reason; ledger.ErrNotFound for an unknown agency or member;
// ledger.ErrIdempotencyConflict.
func MoveCredit(ctx context.Context, tx pgx.Tx, m CreditMove) (CreditEntry, error) {
	return idempotency.Do(ctx, tx, m.Key, "agency.credit."+string(m.Kind), m, func() (CreditEntry, error) {
		sides, ok := creditSides[m.Kind]
		if !ok || m.Kind == CreditSale {
			return CreditEntry{}, fmt.Errorf("%w: an entry taken off a member's account is a payment or an allowance, not %q", ledger.ErrInvalid, m.Kind)
		}
		m.Reference = strings.TrimSpace(m.Reference)
		switch {
		case !m.Amount.IsPositive() || !m.Amount.Equal(m.Amount.Round(2)):
			return CreditEntry{}, fmt.Errorf("%w: amount %s must be positive with at most two decimals", ledger.ErrInvalid, m.Amount)
		case m.Kind == CreditAllowance && m.Reference == "":
			return CreditEntry{}, fmt.Errorf("%w: reason: an allowance needs a reason", ledger.ErrInvalid)
		}
		// The agency's row is locked so that two payments of one debt
		// cannot both pass the check below.
		var agencyID, memberID int64
		err := tx.QueryRow(ctx, `SELECT id FROM agencies WHERE code = $1 FOR UPDATE`, m.Agency).Scan(&agencyID)
		if errors.Is(err, pgx.ErrNoRows) {
			return CreditEntry{}, unknownAgency(m.Agency)
		}
		if err != nil {
			return CreditEntry{}, err
		}
		err = tx.QueryRow(ctx, `SELECT id FROM members WHERE code = $1`, m.Member).Scan(&memberID)
		if errors.Is(err, pgx.ErrNoRows) {
			return CreditEntry{}, fmt.Errorf("%w: member %q", ledger.ErrNotFound, m.Member)
		}
		if err != nil {
			return CreditEntry{}, err
		}
		owes, err := owed(ctx, tx, agencyID, memberID)
		if err != nil {
			return CreditEntry{}, err
		}
		if m.Amount.GreaterThan(owes) {
			return CreditEntry{}, fmt.Errorf("%w: amount: member %s owes agency %s %s, less than %s", ledger.ErrInvalid,
				m.Member, m.Agency, owes.StringFixed(2), m.Amount.StringFixed(2))
		}
		e := CreditEntry{Agency: m.Agency, Member: m.Member, Kind: m.Kind, Debit: sides[0], Credit: sides[1], Amount: m.Amount,
			Owes: m.Amount.Neg(), Reference: m.Reference, By: m.By}
		err = tx.QueryRow(ctx, `INSERT INTO agency_credit_entries (agency_id, member_id, kind, debit, credit, amount, reference, op_key, entered_by, entered_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, entered_at`,
			agencyID, memberID, string(m.Kind), e.Debit, e.Credit, m.Amount, m.Reference, string(m.Kind)+":"+m.Key, m.By, clock.Now(ctx)).Scan(&e.ID, &e.At)
		return e, err
	})
}

// owesSQL is what an entry adds to a member's debt.
const owesSQL = `CASE WHEN e.debit = 'receivable' THEN e.amount ELSE -e.amount END`

func owed(ctx context.Context, q ledger.Querier, agencyID, memberID int64) (decimal.Decimal, error) {
	var d decimal.Decimal
	err := q.QueryRow(ctx, `SELECT coalesce(sum(`+owesSQL+`), 0) FROM agency_credit_entries e WHERE e.agency_id = $1 AND e.member_id = $2`,
		agencyID, memberID).Scan(&d)
	return d, err
}

// CreditBalances lists the members who owe agency something, the largest
// debt first; settled tells it to list those who owe nothing any more too.
//
// Errors: ledger.ErrNotFound for an unknown agency.
func CreditBalances(ctx context.Context, q ledger.Querier, agency string, settled bool) ([]CreditBalance, error) {
	var agencyID int64
	err := q.QueryRow(ctx, `SELECT id FROM agencies WHERE code = $1`, agency).Scan(&agencyID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, unknownAgency(agency)
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT m.code, m.name, sum(`+owesSQL+`) AS owes, count(*) FILTER (WHERE e.kind = 'sale'), max(e.entered_at)
		FROM agency_credit_entries e JOIN members m ON m.id = e.member_id
		WHERE e.agency_id = $1 GROUP BY m.code, m.name
		HAVING $2 OR sum(`+owesSQL+`) <> 0
		ORDER BY owes DESC, m.code`, agencyID, settled)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CreditBalance, error) {
		var b CreditBalance
		err := r.Scan(&b.Member, &b.Name, &b.Owes, &b.Sales, &b.Last)
		return b, err
	})
}

// CreditEntries lists the entries of member's account at agency, newest
// first.
func CreditEntries(ctx context.Context, q ledger.Querier, agency, member string) ([]CreditEntry, error) {
	rows, err := q.Query(ctx, `SELECT e.id, a.code, m.code, e.kind, e.debit, e.credit, e.amount, `+owesSQL+`, coalesce(o.order_no, ''),
			e.reference, e.entered_by, e.entered_at
		FROM agency_credit_entries e JOIN agencies a ON a.id = e.agency_id JOIN members m ON m.id = e.member_id
		LEFT JOIN orders o ON o.id = e.order_id
		WHERE a.code = $1 AND m.code = $2 ORDER BY e.id DESC`, agency, member)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CreditEntry, error) {
		var e CreditEntry
		err := r.Scan(&e.ID, &e.Agency, &e.Member, &e.Kind, &e.Debit, &e.Credit, &e.Amount, &e.Owes, &e.Order, &e.Reference, &e.By, &e.At)
		return e, err
	})
}
