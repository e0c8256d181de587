package order

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/idempotency"
	"downline/ledger/member"
)

// RegistrationRequest enters a new member together with their first
// purchase ("报单"), by a member, an agency or HQ.
type RegistrationRequest struct {
	Key    string // idempotency key
	Member member.Registration
	// Order is the first purchase; its Kind, Member and Key are filled in.
	Order Request
}

// Registered is the result of a registration order.
type Registered struct {
	Member member.Member
	Order  Order
}

// PlaceRegistration registers r.Member (ledger/member) and places their
// registration order in the same transaction: either both exist or neither.
//
// Errors: those of member.Register and Place.
func PlaceRegistration(ctx context.Context, tx pgx.Tx, r RegistrationRequest) (Registered, error) {
	if r.Order.Kind != "" && r.Order.Kind != Registration {
		return Registered{}, fmt.Errorf("%w: a registration order has kind registration, not %s", ledger.ErrInvalid, r.Order.Kind)
	}
	return idempotency.Do(ctx, tx, r.Key, "order.register", r, func() (Registered, error) {
		if r.Member.By == "" {
			r.Member.By = r.Order.By
		}
		m, err := member.Register(ctx, tx, r.Member)
		if err != nil {
			return Registered{}, err
		}
		o := r.Order
		o.Kind, o.Member, o.Key = Registration, m.Code, r.Key
		reads := queuePlaceReads(o)
		if err := tx.SendBatch(ctx, reads.batch).Close(); err != nil {
			return Registered{}, err
		}
		placed, err := place(ctx, tx, o, reads, placing{})
		if err != nil {
			return Registered{}, err
		}
		return Registered{Member: m, Order: placed}, nil
	})
}
