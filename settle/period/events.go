package period

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
)

// Outbox events for notifications (package sms reads them): written in the
// approving or paying transaction, so a member hears of exactly what was
// committed. A run may hold a million members: they go out in chunks.
const (
	EventApproved = "settlement.approved"
	EventPaid     = "settlement.paid"
	eventChunk    = 5_000
)

type eventMember struct {
	Code   string          `json:"code"`
	Amount decimal.Decimal `json:"amount"`
}

type settlementEvent struct {
	Period  string        `json:"period"`
	Run     int64         `json:"run"`
	Members []eventMember `json:"members"`
}

// announce writes kind events for the members with a positive amount.
func announce(ctx context.Context, tx pgx.Tx, kind, code string, run int64, ms []memberAmount) error {
	var chunk []eventMember
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		_, err := ledger.AppendOutbox(ctx, tx, kind, "settle:"+code, settlementEvent{Period: code, Run: run, Members: chunk})
		chunk = nil
		return err
	}
	for _, m := range ms {
		if !m.Amount.IsPositive() {
			continue
		}
		chunk = append(chunk, eventMember{Code: m.Member, Amount: m.Amount})
		if len(chunk) == eventChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
