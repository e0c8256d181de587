package period

import (
	"bufio"
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger/journal"
)

// memberAmount is one member's money in a posting batch.
type memberAmount struct {
	Member string
	Amount decimal.Decimal
}

// postEach appends one balanced journal entry per member in tx: debit
// `debit` and credit `credit` with the member's amount (a negative amount
// turns both around), the member being the holder of whichever account is
// kept per holder. It is journal.Post in bulk: the ids are drawn from the
// entries' sequence and the rows are copied, since a million entries one
// statement each would take minutes; the database still checks every entry
// balances at commit. It returns the entry ids, in the order of ms.
func postEach(ctx context.Context, tx pgx.Tx, ms []memberAmount, kind, ref, memoPrefix, opPrefix, by string,
	debit, credit journal.Account, debitPerMember bool) ([]int64, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	for _, m := range ms {
		if !m.Amount.Equal(m.Amount.Round(2)) {
			return nil, fmt.Errorf("journal %s %s: member %s: amount %s has more than two decimals", kind, ref, m.Member, m.Amount)
		}
	}
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) FROM generate_series(1, $1)`, len(ms))
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	_, err = copyIn(ctx, tx, `COPY journal_entries (id, kind, ref, memo, op_key, posted_by) FROM STDIN`, func(w *bufio.Writer) error {
		buf := make([]byte, 0, 256)
		for i, m := range ms {
			buf = strconv.AppendInt(buf[:0], ids[i], 10)
			for _, f := range []string{kind, ref, memoPrefix + m.Member, opPrefix + m.Member, by} {
				buf = appendText(append(buf, '\t'), f)
			}
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal %s %s: %w", kind, ref, err)
	}
	_, err = copyIn(ctx, tx, `COPY journal_lines (entry_id, account, holder, amount) FROM STDIN`, func(w *bufio.Writer) error {
		buf := make([]byte, 0, 256)
		for i, m := range ms {
			dh, ch := "", m.Member
			if debitPerMember {
				dh, ch = m.Member, ""
			}
			a := m.Amount.StringFixed(2)
			na := m.Amount.Neg().StringFixed(2)
			buf = strconv.AppendInt(buf[:0], ids[i], 10)
			buf = append(buf, '\t')
			buf = append(buf, debit...)
			buf = appendText(append(buf, '\t'), dh)
			buf = append(append(buf, '\t'), a...)
			buf = append(buf, '\n')
			buf = strconv.AppendInt(buf, ids[i], 10)
			buf = append(buf, '\t')
			buf = append(buf, credit...)
			buf = appendText(append(buf, '\t'), ch)
			buf = append(append(buf, '\t'), na...)
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal %s %s: %w", kind, ref, err)
	}
	return ids, nil
}
