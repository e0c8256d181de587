package desk

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// WatchOverdue escalates overdue tickets (EscalateOverdue) every interval
// until ctx ends. Any number of workers may run it: each ticket is
// escalated once, whoever gets there first.
func WatchOverdue(ctx context.Context, db *ledger.DB, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var nos []string
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
			nos, err = EscalateOverdue(ctx, tx)
			return err
		})
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("service desk: escalating overdue tickets: will retry", "err", err)
		case len(nos) > 0:
			log.Info("service desk: overdue tickets escalated", "tickets", nos)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
