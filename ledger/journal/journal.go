// Package journal is the double-entry book of the ledger: a fixed chart of
// accounts and append-only entries whose lines balance. The database refuses
// an unbalanced entry at the end of the statement that inserts it (so an
// entry and its lines go in one statement), and any update or delete. A
// correction is a reversing entry.
package journal

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
)

// Account is a code of the chart of accounts (table accounts).
type Account string

// The chart of accounts. Accounts marked per holder are kept per agency or
// member code (Line.Holder).
const (
	Bank              Account = "1000"
	OnlineClearing    Account = "1010"
	AgencyReceivable  Account = "1100" // per agency: goods bought and cash collected for HQ, less payments and returns
	Inventory         Account = "1200"
	MemberWallet      Account = "2000" // per member
	BonusPayable      Account = "2100" // per member
	DeferredRevenue   Account = "2200" // paid and confirmed, not yet shipped
	SupplierPayable   Account = "2300"
	Equity            Account = "3000"
	Revenue           Account = "4000"
	SalesReturns      Account = "4100"
	CostOfGoods       Account = "5000"
	CommissionExpense Account = "5100"
	WriteOffs         Account = "5200"
)

var perHolder = map[Account]bool{AgencyReceivable: true, MemberWallet: true, BonusPayable: true}

// Line is one posting: a positive Amount is a debit, a negative one a credit.
type Line struct {
	Account Account
	Holder  string `json:",omitempty"`
	Amount  decimal.Decimal
}

// Dr is a debit of amount to account.
func Dr(a Account, holder string, amount decimal.Decimal) Line {
	return Line{Account: a, Holder: holder, Amount: amount}
}

// Cr is a credit of amount to account.
func Cr(a Account, holder string, amount decimal.Decimal) Line {
	return Line{Account: a, Holder: holder, Amount: amount.Neg()}
}

// Entry is one balanced journal entry.
type Entry struct {
	ID       int64
	Kind     string // what posted it: payment.confirmed, shipment, return, ...
	Ref      string // the business document: an order, payment or return number
	Memo     string `json:",omitempty"`
	OpKey    string `json:",omitempty"` // idempotency key of the operation
	Reverses int64  `json:",omitempty"`
	// ReversedBy is the entry that reverses this one (read by Get and Find).
	ReversedBy int64 `json:",omitempty"`
	By         string
	PostedAt   time.Time
	Lines      []Line
}

// Post validates e and appends it in tx. Lines with a zero amount are
// dropped; an entry left with no lines is not posted and returns ID 0.
//
// Errors: ledger.ErrInvalid for lines that do not balance, an amount with
// more than two decimals, an unknown or holder-less per-holder account.
func Post(ctx context.Context, tx pgx.Tx, e Entry) (Entry, error) {
	b := &pgx.Batch{}
	posted, err := Queue(b, e)
	if err != nil || len(b.QueuedQueries) == 0 {
		return Entry{}, err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return Entry{}, err
	}
	return *posted, nil
}

// Queue validates e and queues its insert in b, for callers that send it
// with their other writes; the entry returned gets its ID and time when
// b's results are read. An entry with no lines left queues nothing.
//
// Errors: those of Post; the insert's errors come from b.
func Queue(b *pgx.Batch, e Entry) (*Entry, error) {
	lines, err := check(e)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return &Entry{}, nil
	}
	accts := make([]string, len(lines))
	holders := make([]string, len(lines))
	amounts := make([]string, len(lines))
	for i, l := range lines {
		accts[i], holders[i], amounts[i] = string(l.Account), l.Holder, l.Amount.StringFixed(2)
	}
	var rev *int64
	if e.Reverses != 0 {
		rev = &e.Reverses
	}
	e.Lines = lines
	out := &e
	b.Queue(`WITH e AS (
			INSERT INTO journal_entries (kind, ref, memo, op_key, reverses, posted_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, posted_at),
		l AS (
			INSERT INTO journal_lines (entry_id, account, holder, amount)
			SELECT e.id, a, h, m FROM e, unnest($7::text[], $8::text[], $9::numeric[]) AS u(a, h, m))
		SELECT id, posted_at FROM e`,
		e.Kind, e.Ref, e.Memo, e.OpKey, rev, e.By, accts, holders, amounts).QueryRow(func(r pgx.Row) error {
		err := r.Scan(&out.ID, &out.PostedAt)
		if err == nil {
			return nil
		}
		if c, ok := ledger.IsUniqueViolation(err); ok && c == "journal_entries_reverses_key" {
			return fmt.Errorf("%w: journal entry %d is already reversed", ledger.ErrConflict, e.Reverses)
		}
		var pe interface{ SQLState() string }
		if errors.As(err, &pe) && pe.SQLState() == "23503" {
			return fmt.Errorf("%w: journal %s %s names an account outside the chart of accounts", ledger.ErrInvalid, e.Kind, e.Ref)
		}
		return fmt.Errorf("post journal %s %s: %w", e.Kind, e.Ref, err)
	})
	return out, nil
}

// check validates e and returns its lines without the zero ones (none:
// nothing to post).
func check(e Entry) ([]Line, error) {
	lines := e.Lines[:0:0]
	sum := decimal.Zero
	for _, l := range e.Lines {
		if l.Amount.IsZero() {
			continue
		}
		if !l.Amount.Equal(l.Amount.Round(2)) {
			return nil, fmt.Errorf("%w: journal %s %s: amount %s has more than two decimals", ledger.ErrInvalid, e.Kind, e.Ref, l.Amount)
		}
		if perHolder[l.Account] && l.Holder == "" {
			return nil, fmt.Errorf("%w: journal %s %s: account %s is kept per holder and needs one", ledger.ErrInvalid, e.Kind, e.Ref, l.Account)
		}
		sum = sum.Add(l.Amount)
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return nil, nil
	}
	if len(lines) < 2 || !sum.IsZero() {
		return nil, fmt.Errorf("%w: journal %s %s does not balance: %d lines sum to %s", ledger.ErrInvalid, e.Kind, e.Ref, len(lines), sum)
	}
	if strings.TrimSpace(e.By) == "" {
		return nil, fmt.Errorf("%w: journal %s %s: who posts it is required", ledger.ErrInvalid, e.Kind, e.Ref)
	}
	return lines, nil
}

// QueueMany validates entries and queues in b the insert of all of them in
// two statements, for a batch of operations in one transaction. Each entry
// must carry its ID, taken beforehand from the identity's sequence
// (IDSequence), so that its lines can name it; entries are posted at the
// transaction's time. Reversals are not batched: use Post.
//
// Errors: those of Post; the inserts' errors come from b.
func QueueMany(b *pgx.Batch, entries []Entry) error {
	var (
		ids                  []int64
		kinds, refs, memos   []string
		keys, bys            []string
		lineIDs              []int64
		accts, holders, amts []string
	)
	for _, e := range entries {
		lines, err := check(e)
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			continue
		}
		if e.ID == 0 || e.Reverses != 0 {
			return fmt.Errorf("journal %s %s: a batched entry needs its id and cannot be a reversal", e.Kind, e.Ref)
		}
		ids, kinds, refs, memos = append(ids, e.ID), append(kinds, e.Kind), append(refs, e.Ref), append(memos, e.Memo)
		keys, bys = append(keys, e.OpKey), append(bys, e.By)
		for _, l := range lines {
			lineIDs, accts = append(lineIDs, e.ID), append(accts, string(l.Account))
			holders, amts = append(holders, l.Holder), append(amts, l.Amount.StringFixed(2))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// One statement for the entries and their lines: the balance triggers
	// (0201) check each statement's rows when it ends.
	b.Queue(`WITH e AS (INSERT INTO journal_entries (id, kind, ref, memo, op_key, posted_by) OVERRIDING SYSTEM VALUE
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]))
		INSERT INTO journal_lines (entry_id, account, holder, amount)
		SELECT * FROM unnest($7::bigint[], $8::text[], $9::text[], $10::numeric[])`,
		ids, kinds, refs, memos, keys, bys, lineIDs, accts, holders, amts)
	return nil
}

// IDSequence is the expression that takes the next journal entry id, for
// QueueMany's callers.
const IDSequence = `nextval('journal_entries_id_seq')`

// Get reads entry id with its lines.
func Get(ctx context.Context, q ledger.Querier, id int64) (Entry, error) {
	var e Entry
	var rev *int64
	err := q.QueryRow(ctx, `SELECT id, kind, ref, memo, op_key, reverses, posted_by, posted_at,
			coalesce((SELECT r.id FROM journal_entries r WHERE r.reverses = e.id), 0)
		FROM journal_entries e WHERE id = $1`, id).
		Scan(&e.ID, &e.Kind, &e.Ref, &e.Memo, &e.OpKey, &rev, &e.By, &e.PostedAt, &e.ReversedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, fmt.Errorf("%w: journal entry %d", ledger.ErrNotFound, id)
	}
	if err != nil {
		return Entry{}, err
	}
	if rev != nil {
		e.Reverses = *rev
	}
	rows, err := q.Query(ctx, `SELECT account, holder, amount FROM journal_lines WHERE entry_id = $1 ORDER BY id`, id)
	if err != nil {
		return Entry{}, err
	}
	e.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		var l Line
		err := r.Scan(&l.Account, &l.Holder, &l.Amount)
		return l, err
	})
	return e, err
}

// Reverse posts the entry that undoes entry id: the same lines with opposite
// signs, referencing the original.
//
// Errors: ledger.ErrNotFound for an unknown entry; ledger.ErrConflict when it
// is already reversed (naming the reversing entry) or is itself a reversal.
func Reverse(ctx context.Context, tx pgx.Tx, id int64, by, memo, opKey string) (Entry, error) {
	orig, err := Get(ctx, tx, id)
	if err != nil {
		return Entry{}, err
	}
	if orig.Reverses != 0 {
		return Entry{}, fmt.Errorf("%w: journal entry %d is itself a reversal of %d; post a new entry instead", ledger.ErrConflict, id, orig.Reverses)
	}
	if orig.ReversedBy != 0 {
		return Entry{}, fmt.Errorf("%w: journal entry %d is already reversed by entry %d", ledger.ErrConflict, id, orig.ReversedBy)
	}
	rev := Entry{Kind: "reversal", Ref: orig.Ref, Memo: memo, OpKey: opKey, Reverses: id, By: by}
	for _, l := range orig.Lines {
		rev.Lines = append(rev.Lines, Line{Account: l.Account, Holder: l.Holder, Amount: l.Amount.Neg()})
	}
	return Post(ctx, tx, rev)
}

// ReverseOnce is Reverse under idempotency key key: a retry with the same
// entry and memo returns the reversing entry posted the first time.
//
// Errors: those of Reverse; ledger.ErrInvalid for a memo that is blank;
// ledger.ErrIdempotencyConflict for key used by another request.
func ReverseOnce(ctx context.Context, tx pgx.Tx, key string, id int64, by, memo string) (Entry, error) {
	memo = strings.TrimSpace(memo)
	if memo == "" {
		return Entry{}, fmt.Errorf("%w: a reversal needs a memo saying why", ledger.ErrInvalid)
	}
	req := struct {
		Entry int64
		Memo  string
	}{id, memo}
	return idempotency.Do(ctx, tx, key, "journal.reverse", req, func() (Entry, error) {
		e, err := Reverse(ctx, tx, id, by, memo, key)
		if err != nil {
			return e, err
		}
		return Get(ctx, tx, e.ID)
	})
}

// Balance is the sum of the lines of account (for holder, when the account is
// kept per holder) posted before the given time; a zero time means all.
func Balance(ctx context.Context, q ledger.Querier, a Account, holder string, before time.Time) (decimal.Decimal, error) {
	var b decimal.Decimal
	var t *time.Time
	if !before.IsZero() {
		t = &before
	}
	err := q.QueryRow(ctx, `SELECT coalesce(sum(l.amount), 0) FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
		WHERE l.account = $1 AND l.holder = $2 AND ($3::timestamptz IS NULL OR e.posted_at < $3)`, string(a), holder, t).Scan(&b)
	return b, err
}
