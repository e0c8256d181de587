package user

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CreateMemberAccounts gives every member without an account one: login
// their member code, role member, password hash hash (a HashPassword result
// shared by all, for seeding thousands of accounts in seconds). It returns
// how many it created.
func CreateMemberAccounts(ctx context.Context, tx pgx.Tx, hash string) (int, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO users (login, password_hash, role, member_id)
		SELECT m.code, $1, 'member', m.id FROM members m
		WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.member_id = m.id) ORDER BY m.id`, hash)
	if err != nil {
		return 0, fmt.Errorf("create member accounts: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
