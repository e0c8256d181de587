package ledger

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// DevelopmentMark is the comment that dev/pg and the test databases put on a
// database they create: `downline seed --reset` empties such a database, and
// only such a one, without being told its name. No migration and no command
// sets it, so a database set up any other way (a production one) never
// carries it unless someone marks it by hand. dev/pg repeats the text.
const DevelopmentMark = "downline development database: seed --reset may empty it"

// Development reports the name of the database db is connected to and
// whether it carries DevelopmentMark.
func (db *DB) Development(ctx context.Context) (name string, marked bool, err error) {
	err = db.Pool.QueryRow(ctx, `SELECT current_database(),
		coalesce(shobj_description(d.oid, 'pg_database') = $1, false)
		FROM pg_database d WHERE d.datname = current_database()`, DevelopmentMark).Scan(&name, &marked)
	return name, marked, err
}

// MarkDevelopment puts DevelopmentMark on database name (the caller owns it).
func MarkDevelopment(ctx context.Context, q Querier, name string) error {
	_, err := q.Exec(ctx, `COMMENT ON DATABASE `+pgx.Identifier{name}.Sanitize()+` IS '`+DevelopmentMark+`'`)
	return err
}
