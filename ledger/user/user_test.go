package user_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/user"
)

func TestPasswordHash(t *testing.T) {
	h := user.HashPassword("s3cret password")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	if h == user.HashPassword("s3cret password") {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !user.CheckPassword(h, "s3cret password") || user.CheckPassword(h, "s3cret passwore") {
		t.Error("check")
	}
	for _, bad := range []string{"", "$argon2id$", h[:len(h)-3], strings.Replace(h, "m=19456", "m=99999999", 1), "$argon2i$v=19$m=1,t=1,p=1$AA$AA"} {
		if user.CheckPassword(bad, "s3cret password") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestUsersAndSessions(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	goodstest.Member(t, db, "M001")
	goodstest.Agency(t, db, "AG1")
	create := func(n user.New) (user.User, error) {
		var u user.User
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
			u, err = user.Create(ctx, tx, n)
			return err
		})
		return u, err
	}
	for _, n := range []user.New{
		{Login: "x", Password: "long enough", Role: user.Admin},         // login too short
		{Login: "ok-login", Password: "short", Role: user.Admin},        // password too short
		{Login: "ok-login", Password: "long enough", Role: "root"},      // no such role
		{Login: "ok-login", Password: "long enough", Role: user.Agency}, // agency staff without an agency
		{Login: "ok-login", Password: "long enough", Role: user.Member}, // member account without a member
		{Login: "ok-login", Password: "long enough", Role: user.Admin, Member: "M001"},
		{Login: "ok-login", Password: "long enough", Role: user.Agency, Agency: "NOPE"},
	} {
		if _, err := create(n); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", n, err)
		}
	}
	m, err := create(user.New{Login: "M001", Password: "long enough", Role: user.Member, Member: "M001"})
	if err != nil || m.Member != "M001" {
		t.Fatalf("member account: %+v %v", m, err)
	}
	if _, err := create(user.New{Login: "M001b", Password: "long enough", Role: user.Member, Member: "M001"}); !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("second account of one member: %v", err)
	}
	if _, err := create(user.New{Login: "M001", Password: "long enough", Role: user.Admin}); !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("taken login: %v", err)
	}
	if _, err := user.Authenticate(ctx, db.Pool, "M001", "wrong"); !errors.Is(err, user.ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := user.Authenticate(ctx, db.Pool, "nobody", "long enough"); !errors.Is(err, user.ErrBadCredentials) {
		t.Errorf("unknown login: %v", err)
	}
	u, err := user.Authenticate(ctx, db.Pool, "M001", "long enough")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := user.StartSession(ctx, db.Pool, u, time.Hour, "ua", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE token_hash = $1`, []byte(tok)).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the token itself is stored: %d %v", stored, err)
	}
	if s, err := user.Lookup(ctx, db.Pool, tok); err != nil || s.User.Login != "M001" {
		t.Errorf("lookup: %+v %v", s, err)
	}
	if err := user.Revoke(ctx, db.Pool, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := user.Lookup(ctx, db.Pool, tok); !errors.Is(err, user.ErrNoSession) {
		t.Errorf("revoked session: %v", err)
	}
	expired, _, _ := user.StartSession(ctx, db.Pool, u, -time.Second, "", "")
	if _, err := user.Lookup(ctx, db.Pool, expired); !errors.Is(err, user.ErrNoSession) {
		t.Errorf("expired session: %v", err)
	}
	live, _, _ := user.StartSession(ctx, db.Pool, u, time.Hour, "", "")
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { _, err := user.SetStatus(ctx, tx, "M001", "disabled"); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := user.Lookup(ctx, db.Pool, live); !errors.Is(err, user.ErrNoSession) {
		t.Errorf("session of a disabled user: %v", err)
	}
	if _, err := user.Authenticate(ctx, db.Pool, "M001", "long enough"); !errors.Is(err, user.ErrBadCredentials) {
		t.Errorf("disabled user signs in: %v", err)
	}
}
