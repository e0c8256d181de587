package agency

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// SetTerritory replaces the regions an agency serves (none: it serves
// everywhere, and no sale of it is flagged).
//
// Errors: ledger.ErrNotFound (no such agency); ledger.ErrInvalid (an empty region).
func SetTerritory(ctx context.Context, tx pgx.Tx, code string, regions []string) error {
	a, err := Get(ctx, tx, code)
	if err != nil {
		return err
	}
	for _, r := range regions {
		if strings.TrimSpace(r) == "" {
			return fmt.Errorf("%w: agency %s: a region must not be empty", ledger.ErrInvalid, code)
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM agency_territories WHERE agency_id = $1`, a.ID); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO agency_territories (agency_id, region) SELECT DISTINCT $1::bigint, btrim(r)
		FROM unnest($2::text[]) AS r`, a.ID, regions)
	return err
}

// SetMemberRegion records where a member lives ("" forgets it).
//
// Errors: ledger.ErrNotFound (no such member).
func SetMemberRegion(ctx context.Context, tx pgx.Tx, member, region string) error {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM members WHERE code = $1`, member).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: unknown member %q", ledger.ErrNotFound, member)
	}
	if err != nil {
		return err
	}
	region = strings.TrimSpace(region)
	if region == "" {
		_, err := tx.Exec(ctx, `DELETE FROM member_regions WHERE member_id = $1`, id)
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO member_regions (member_id, region) VALUES ($1, $2)
		ON CONFLICT (member_id) DO UPDATE SET region = EXCLUDED.region`, id, region)
	return err
}

// Territories returns the regions each agency serves, by its warehouse's
// code (the name circulation knows it by).
func Territories(ctx context.Context, q ledger.Querier) (map[string][]string, error) {
	rows, err := q.Query(ctx, `SELECT w.code, t.region FROM agency_territories t JOIN warehouses w ON w.agency_id = t.agency_id
		ORDER BY w.code, t.region`)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	var code, region string
	_, err = pgx.ForEachRow(rows, []any{&code, &region}, func() error {
		out[code] = append(out[code], region)
		return nil
	})
	return out, err
}

// MemberRegions returns the region of every member that has one, by code.
func MemberRegions(ctx context.Context, q ledger.Querier) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT m.code, r.region FROM member_regions r JOIN members m ON m.id = r.member_id`)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var code, region string
	_, err = pgx.ForEachRow(rows, []any{&code, &region}, func() error {
		out[code] = region
		return nil
	})
	return out, err
}

// SpreadMemberRegions gives every member without a region one of regions,
// by member id (member id modulo len(regions)): a deterministic spread for
// demonstrations and tests.
func SpreadMemberRegions(ctx context.Context, tx pgx.Tx, regions []string) error {
	if len(regions) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO member_regions (member_id, region)
		SELECT m.id, ($1::text[])[1 + m.id % cardinality($1::text[])] FROM members m
		ON CONFLICT (member_id) DO NOTHING`, regions)
	return err
}
