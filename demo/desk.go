package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/desk"
)

// seedTickets opens a few service desk tickets of the first members and
// the demo customer, at their stages: one past its due time, one waiting
// for the member after HQ's reply, one closed, one just opened.
func seedTickets(ctx context.Context, db *ledger.DB) error {
	now := clock.Now(ctx)
	var members []int64
	rows, err := db.Pool.Query(ctx, `SELECT id FROM members ORDER BY id LIMIT 3`)
	if err != nil {
		return err
	}
	if members, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	var customer int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM users WHERE login = 'customer'`).Scan(&customer); err != nil {
		return err
	}
	if len(members) < 3 {
		return nil
	}
	type step func(ctx context.Context, tx pgx.Tx, id int64) error
	reply := func(text string) step {
		return func(ctx context.Context, tx pgx.Tx, id int64) error {
			_, err := desk.Reply(ctx, tx, id, text, "user:admin", true)
			return err
		}
	}
	tickets := []struct {
		owner desk.Owner
		n     desk.NewTicket
		age   time.Duration
		lang  string
		steps []step
	}{
		{desk.Owner{Member: members[0]}, desk.NewTicket{Category: desk.Delivery, Text: "上周的订单还没有收到，物流信息一直没有更新。"}, 72 * time.Hour, "zh-CN",
			[]step{func(ctx context.Context, tx pgx.Tx, id int64) error {
				_, err := desk.AddNote(ctx, tx, id, "已联系快递公司，等待回复。", "user:admin")
				return err
			}}},
		{desk.Owner{Member: members[1]}, desk.NewTicket{Category: desk.Bonus, Text: "上个月的奖金比预计的少，请帮忙核对。"}, 20 * time.Hour, "zh-CN",
			[]step{reply("您好，上月奖金已按结算明细发放，请在会员中心“奖金明细”查看各项来源。如仍有疑问请回复。")}},
		{desk.Owner{Member: members[2]}, desk.NewTicket{Category: desk.Account, Text: "How do I change the phone number on my account?"}, 50 * time.Hour, "en",
			[]step{reply("Please send us a photo of your ID and the new number; we change it within a day."),
				func(ctx context.Context, tx pgx.Tx, id int64) error {
					_, err := desk.Close(ctx, tx, id, "Phone number changed.", "user:admin")
					return err
				}}},
		{desk.Owner{Customer: customer}, desk.NewTicket{Category: desk.Quality, Text: "The tea I bought tastes different from the last box."}, 2 * time.Hour, "en", nil},
	}
	for i, tk := range tickets {
		at := clock.With(ctx, clock.Fixed(now.Add(-tk.age)))
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			t, err := desk.Open(at, tx, tk.owner, tk.n, desk.Source{By: "demo", Lang: tk.lang, Key: fmt.Sprintf("demo-ticket-%d", i)})
			if err != nil {
				return err
			}
			for j, s := range tk.steps {
				if err := s(clock.With(ctx, clock.Fixed(now.Add(-tk.age+time.Duration(j+1)*time.Hour))), tx, t.ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo ticket %d: %w", i, err)
		}
	}
	return nil
}
