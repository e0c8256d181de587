package user_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/user"
)

// Every member without an account gets one, signing in with its code and
// the shared password; a member who has one keeps it.
func TestCreateMemberAccounts(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	for _, code := range []string{"M001", "M002", "M003"} {
		goodstest.Member(t, db, code)
	}
	var n int
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := user.Create(ctx, tx, user.New{Login: "m2-own", Role: user.Member, Member: "M002", Password: "own password 2"}); err != nil {
			return err
		}
		var err error
		n, err = user.CreateMemberAccounts(ctx, tx, user.HashPassword("shared password"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("created %d accounts, want 2 (M002 has one)", n)
	}
	for login, password := range map[string]string{"M001": "shared password", "M003": "shared password", "m2-own": "own password 2"} {
		if u, err := user.Authenticate(ctx, db.Pool, login, password); err != nil || u.Role != user.Member || u.Member != login && login != "m2-own" {
			t.Errorf("%s signs in as %+v, %v", login, u, err)
		}
	}
	if _, err := user.Get(ctx, db.Pool, "M002"); err == nil {
		t.Error("M002, who has an account, got a second one")
	}
}
