package stock

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// EventLotMoved is the outbox kind of a circulation event: units of a lot
// went from one holder to another. The graph store builds lot paths from it.
const EventLotMoved = "lot.moved"

// Holder is who holds goods: a warehouse ("warehouse" for HQ's,
// "agency_warehouse"), a "member", a shop "customer", the "supplier" (goods
// produced) or "writeoff" (goods destroyed).
type Holder struct {
	Kind string
	ID   int64  `json:",omitempty"`
	Code string `json:",omitempty"`
}

// LotMoved is the payload of a lot.moved event.
type LotMoved struct {
	Lot      int64
	SKU      string
	Batch    string
	From     Holder
	To       Holder
	Qty      int64
	Order    string `json:",omitempty"`
	Shipment string `json:",omitempty"`
	Return   string `json:",omitempty"`
	At       time.Time
}

// EmitLotMoved writes one lot.moved outbox event per movement, keyed by lot
// id. Call it at the end of the transaction (it appends to the outbox).
func EmitLotMoved(ctx context.Context, tx pgx.Tx, moved []LotMoved) error {
	for _, m := range moved {
		if _, err := ledger.AppendOutbox(ctx, tx, EventLotMoved, strconv.FormatInt(m.Lot, 10), m); err != nil {
			return err
		}
	}
	return nil
}
