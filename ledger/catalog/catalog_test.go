package catalog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
)

func TestCatalogue(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	good := catalog.Product{SKU: "VC-100", NameZH: "维C", NameEN: "Vitamin C", RetailPrice: goodstest.D("120"), MemberPrice: goodstest.D("100"), PV: goodstest.D("50")}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	cases := []struct {
		name string
		do   func(ctx context.Context, tx pgx.Tx) error
		want error
	}{
		{"create", func(ctx context.Context, tx pgx.Tx) error { _, err := catalog.CreateProduct(ctx, tx, good); return err }, nil},
		{"duplicate SKU", func(ctx context.Context, tx pgx.Tx) error { _, err := catalog.CreateProduct(ctx, tx, good); return err }, ledger.ErrConflict},
		{"bad SKU", func(ctx context.Context, tx pgx.Tx) error {
			p := good
			p.SKU = "vc 100"
			_, err := catalog.CreateProduct(ctx, tx, p)
			return err
		}, ledger.ErrInvalid},
		{"negative price", func(ctx context.Context, tx pgx.Tx) error {
			p := good
			p.SKU, p.MemberPrice = "X-1", goodstest.D("-1")
			_, err := catalog.CreateProduct(ctx, tx, p)
			return err
		}, ledger.ErrInvalid},
		{"price in thousandths", func(ctx context.Context, tx pgx.Tx) error {
			p := good
			p.SKU, p.RetailPrice = "X-2", goodstest.D("1.001")
			_, err := catalog.CreateProduct(ctx, tx, p)
			return err
		}, ledger.ErrInvalid},
		{"lot", func(ctx context.Context, tx pgx.Tx) error {
			_, err := catalog.CreateLot(ctx, tx, catalog.Lot{SKU: "VC-100", Batch: "B1", ProducedOn: day, ExpiresOn: day.AddDate(1, 0, 0)})
			return err
		}, nil},
		{"duplicate batch", func(ctx context.Context, tx pgx.Tx) error {
			_, err := catalog.CreateLot(ctx, tx, catalog.Lot{SKU: "VC-100", Batch: "B1", ProducedOn: day})
			return err
		}, ledger.ErrConflict},
		{"lot of unknown SKU", func(ctx context.Context, tx pgx.Tx) error {
			_, err := catalog.CreateLot(ctx, tx, catalog.Lot{SKU: "NOPE", Batch: "B1", ProducedOn: day})
			return err
		}, ledger.ErrNotFound},
		{"expiry before production", func(ctx context.Context, tx pgx.Tx) error {
			_, err := catalog.CreateLot(ctx, tx, catalog.Lot{SKU: "VC-100", Batch: "B2", ProducedOn: day, ExpiresOn: day.AddDate(0, 0, -1)})
			return err
		}, ledger.ErrInvalid},
	}
	for _, c := range cases {
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return c.do(ctx, tx) })
		if (c.want == nil && err != nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	p, err := catalog.Get(ctx, db.Pool, "VC-100")
	if err != nil || !p.AgencyPrice.Equal(p.MemberPrice) || p.Status != catalog.Active {
		t.Fatalf("%+v, %v", p, err)
	}
	if p.StarterKit {
		t.Errorf("VC-100 is a starter kit, though not created as one")
	}
	// A starter kit keeps its mark.
	kit := good
	kit.SKU, kit.NameEN, kit.StarterKit = "KIT-500", "Starter kit", true
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { _, err := catalog.CreateProduct(ctx, tx, kit); return err }); err != nil {
		t.Fatal(err)
	}
	if k, err := catalog.Get(ctx, db.Pool, "KIT-500"); err != nil || !k.StarterKit {
		t.Errorf("KIT-500 read back: %+v, %v; want a starter kit", k, err)
	}
	ls, err := catalog.Launches(ctx, db.Pool, day, day.AddDate(0, 0, 1))
	if err != nil || len(ls) != 2 {
		t.Fatalf("launches today: %v, %v", ls, err)
	}
}
