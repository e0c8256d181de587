package user

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// AuditRecord is one privileged action as the API answered it.
type AuditRecord struct {
	ID      int64
	At      time.Time
	Actor   string // login; "" when anonymous
	Role    string
	Action  string // the route, e.g. "POST /api/v1/payments/{no}/confirm"
	Target  string // the path as called
	Status  int
	IdemKey string `json:",omitempty"`
	IP      string `json:",omitempty"`
	Detail  string `json:",omitempty"`
}

// Audit appends a record to the audit log.
func Audit(ctx context.Context, q ledger.Querier, r AuditRecord) error {
	_, err := q.Exec(ctx, `INSERT INTO audit_log (actor, role, action, target, status, idem_key, ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.Actor, r.Role, r.Action, r.Target, r.Status, r.IdemKey, r.IP, r.Detail)
	return err
}

// AuditLog returns up to limit records with id < before (0: from the newest), newest first.
func AuditLog(ctx context.Context, q ledger.Querier, before int64, limit int) ([]AuditRecord, error) {
	rows, err := q.Query(ctx, `SELECT id, at, actor, role, action, target, status, idem_key, ip, detail FROM audit_log
		WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditRecord, error) {
		var a AuditRecord
		err := r.Scan(&a.ID, &a.At, &a.Actor, &a.Role, &a.Action, &a.Target, &a.Status, &a.IdemKey, &a.IP, &a.Detail)
		return a, err
	})
}
