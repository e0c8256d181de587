package period

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/settle/plan"
)

// StoredPlan is one version of a plan document in the ledger.
type StoredPlan struct {
	ID            int64
	Name          string
	Version       int
	EffectiveFrom time.Time
	SHA256        string
	UploadedBy    string
	UploadedAt    time.Time
	Document      string `json:"-"`
}

// Parse validates the stored document again and returns the plan.
func (s StoredPlan) Parse() (*plan.Plan, error) {
	p, err := plan.Parse([]byte(s.Document))
	if err != nil {
		return nil, fmt.Errorf("plan %s v%d: %w", s.Name, s.Version, err)
	}
	return p, nil
}

// UploadPlan validates doc and stores it as the next version of its plan
// name, in force for periods starting at or after effective. The journal
// keeps cents, so a plan's money scale may be at most 2.
//
// Errors: ledger.ErrInvalid for an invalid plan (the message names the key
// and value) or a scale above 2.
func UploadPlan(ctx context.Context, tx pgx.Tx, doc []byte, effective time.Time, by string) (StoredPlan, error) {
	p, err := plan.Parse(doc)
	if err != nil {
		return StoredPlan{}, fmt.Errorf("%w: %v", ledger.ErrInvalid, err)
	}
	if p.Scale > 2 {
		return StoredPlan{}, fmt.Errorf("%w: plan %q: scale %d: the journal keeps money in cents, so scale must be at most 2", ledger.ErrInvalid, p.Name, p.Scale)
	}
	if strings.TrimSpace(by) == "" {
		return StoredPlan{}, fmt.Errorf("%w: who uploads the plan is required", ledger.ErrInvalid)
	}
	if effective.IsZero() {
		return StoredPlan{}, fmt.Errorf("%w: plan %q: the effective date is required", ledger.ErrInvalid, p.Name)
	}
	sum := sha256.Sum256(doc)
	// Versions are numbered per name; the lock serialises concurrent uploads.
	if _, err := tx.Exec(ctx, `LOCK TABLE settle_plans IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return StoredPlan{}, err
	}
	var s StoredPlan
	err = tx.QueryRow(ctx, `INSERT INTO settle_plans (name, version, effective_from, document, sha256, uploaded_by)
		SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5 FROM settle_plans WHERE name = $1
		RETURNING id, name, version, effective_from, sha256, uploaded_by, uploaded_at, document`,
		p.Name, effective, string(doc), hex.EncodeToString(sum[:]), by).
		Scan(&s.ID, &s.Name, &s.Version, &s.EffectiveFrom, &s.SHA256, &s.UploadedBy, &s.UploadedAt, &s.Document)
	if err != nil {
		return StoredPlan{}, fmt.Errorf("store plan %s: %w", p.Name, err)
	}
	return s, nil
}

const planSelect = `SELECT id, name, version, effective_from, sha256, uploaded_by, uploaded_at, document FROM settle_plans`

func scanPlan(r pgx.Row) (StoredPlan, error) {
	var s StoredPlan
	err := r.Scan(&s.ID, &s.Name, &s.Version, &s.EffectiveFrom, &s.SHA256, &s.UploadedBy, &s.UploadedAt, &s.Document)
	return s, err
}

// ListPlans lists every stored plan version, by effective date.
func ListPlans(ctx context.Context, q ledger.Querier) ([]StoredPlan, error) {
	rows, err := q.Query(ctx, planSelect+` ORDER BY effective_from, id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (StoredPlan, error) { return scanPlan(r) })
}

// PlanInForce is the plan for a period starting at start: the latest upload
// whose effective date is not after start.
//
// Errors: ledger.ErrNotFound when no plan is in force yet.
func PlanInForce(ctx context.Context, q ledger.Querier, start time.Time) (StoredPlan, error) {
	s, err := scanPlan(q.QueryRow(ctx, planSelect+` WHERE effective_from <= $1 ORDER BY effective_from DESC, id DESC LIMIT 1`, start))
	if errors.Is(err, pgx.ErrNoRows) {
		return StoredPlan{}, fmt.Errorf("%w: no plan is in force on %s: upload one (downline settle plan upload)", ledger.ErrNotFound, start.Format(time.RFC3339))
	}
	return s, err
}

func planByID(ctx context.Context, q ledger.Querier, id int64) (StoredPlan, error) {
	return scanPlan(q.QueryRow(ctx, planSelect+` WHERE id = $1`, id))
}
