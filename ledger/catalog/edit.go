package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
)

// FieldError is invalid input for one field of an edit, named as the API
// names it (member_price, name_en…), so that a form can show it there.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string {
	return ledger.ErrInvalid.Error() + ": " + e.Field + ": " + e.Problem
}
func (e *FieldError) Unwrap() error { return ledger.ErrInvalid }

// MaxImages is how many images a product may show.
const MaxImages = 12

// Edit is a new version of a product's texts, prices, volumes and images.
// The SKU, status and lots change by their own operations.
type Edit struct {
	SKU string
	// Revision is the version the editor started from: an edit of an older
	// one is refused rather than overwriting what someone else wrote.
	Revision      int
	NameZH        string
	NameEN        string
	DescriptionZH string
	DescriptionEN string
	Images        []string
	RetailPrice   decimal.Decimal
	MemberPrice   decimal.Decimal
	AgencyPrice   decimal.Decimal // zero: the member price
	UnitCost      decimal.Decimal
	PV            decimal.Decimal
	BV            decimal.Decimal
	StarterKit    bool
	By            string
}

// Check validates e field by field and tidies it (trimmed texts, the agency
// price defaulted), answering the first problem as a *FieldError.
func (e *Edit) Check() error {
	e.NameZH, e.NameEN = strings.TrimSpace(e.NameZH), strings.TrimSpace(e.NameEN)
	e.DescriptionZH, e.DescriptionEN = strings.TrimSpace(e.DescriptionZH), strings.TrimSpace(e.DescriptionEN)
	if e.NameZH == "" {
		return &FieldError{"name_zh", "the zh-CN name is required"}
	}
	if e.NameEN == "" {
		return &FieldError{"name_en", "the en name is required"}
	}
	if e.AgencyPrice.IsZero() {
		e.AgencyPrice = e.MemberPrice
	}
	for _, f := range []struct {
		field string
		d     decimal.Decimal
	}{{"retail_price", e.RetailPrice}, {"member_price", e.MemberPrice}, {"agency_price", e.AgencyPrice},
		{"unit_cost", e.UnitCost}, {"pv", e.PV}, {"bv", e.BV}} {
		if f.d.IsNegative() {
			return &FieldError{f.field, fmt.Sprintf("%s is negative", f.d)}
		}
		if !f.d.Equal(f.d.Round(2)) {
			return &FieldError{f.field, fmt.Sprintf("%s has more than two decimals", f.d)}
		}
	}
	if e.MemberPrice.GreaterThan(e.RetailPrice) {
		return &FieldError{"member_price", fmt.Sprintf("the member price %s is above the retail price %s", e.MemberPrice, e.RetailPrice)}
	}
	imgs := make([]string, 0, len(e.Images))
	for _, im := range e.Images {
		im = strings.TrimSpace(im)
		switch {
		case im == "":
			continue
		case strings.ContainsAny(im, " \t\n\"'<>"):
			return &FieldError{"images", fmt.Sprintf("image %q is neither a media id nor a URL", im)}
		case !strings.HasPrefix(im, "/") && !strings.HasPrefix(im, "https://") && strings.Contains(im, ":"):
			return &FieldError{"images", fmt.Sprintf("image %q must be a media id, a path on this site or an https URL", im)}
		}
		if slices.Contains(imgs, im) {
			return &FieldError{"images", fmt.Sprintf("image %q is listed twice", im)}
		}
		imgs = append(imgs, im)
	}
	if len(imgs) > MaxImages {
		return &FieldError{"images", fmt.Sprintf("%d images: at most %d", len(imgs), MaxImages)}
	}
	e.Images = imgs
	return nil
}

func (e Edit) same(p Product) bool {
	return e.NameZH == p.NameZH && e.NameEN == p.NameEN && e.DescriptionZH == p.DescriptionZH && e.DescriptionEN == p.DescriptionEN &&
		slices.Equal(e.Images, p.Images) && e.RetailPrice.Equal(p.RetailPrice) && e.MemberPrice.Equal(p.MemberPrice) &&
		e.AgencyPrice.Equal(p.AgencyPrice) && e.UnitCost.Equal(p.UnitCost) && e.PV.Equal(p.PV) && e.BV.Equal(p.BV) &&
		e.StarterKit == p.StarterKit
}

// Update writes a new version of a product: the version it replaces goes
// into the product's history first, so nothing is lost. Orders keep the
// prices and volumes of their lines; only orders placed after the edit see
// the new ones. An edit that changes nothing (a retry of one that went
// through) answers the product as it is.
//
// Errors: *FieldError (ledger.ErrInvalid) for a bad field; ledger.ErrNotFound
// for an unknown SKU; ledger.ErrConflict when the product is no longer at
// e.Revision (someone else edited it).
func Update(ctx context.Context, tx pgx.Tx, e Edit) (Product, error) {
	if err := e.Check(); err != nil {
		return Product{}, err
	}
	if strings.TrimSpace(e.By) == "" {
		return Product{}, fmt.Errorf("%w: an edit must say who made it", ledger.ErrInvalid)
	}
	p, err := scanProduct(tx.QueryRow(ctx, `SELECT `+productCols+` FROM products WHERE sku = $1 FOR UPDATE`, e.SKU))
	if errors.Is(err, pgx.ErrNoRows) {
		return Product{}, UnknownSKU(e.SKU)
	}
	if err != nil {
		return Product{}, err
	}
	if e.same(p) {
		return p, nil
	}
	if e.Revision != p.Revision {
		return Product{}, fmt.Errorf("%w: %s is at revision %d since %s edited it; the edit was made on revision %d: reload and edit again",
			ledger.ErrConflict, p.SKU, p.Revision, orCreation(p.UpdatedBy), e.Revision)
	}
	now := clock.Now(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO product_revisions (product_id, revision, name_zh, name_en, description_zh, description_en,
			images, retail_price, member_price, agency_price, unit_cost, pv, bv, starter_kit, written_by, written_at, replaced_by, replaced_at)
		SELECT id, revision, name_zh, name_en, description_zh, description_en, images, retail_price, member_price, agency_price,
			unit_cost, pv, bv, starter_kit, updated_by, updated_at, $2, $3 FROM products WHERE id = $1`, p.ID, e.By, now); err != nil {
		return Product{}, fmt.Errorf("keep revision %d of %s: %w", p.Revision, p.SKU, err)
	}
	p, err = scanProduct(tx.QueryRow(ctx, `UPDATE products SET name_zh = $2, name_en = $3, description_zh = $4, description_en = $5,
			images = $6, retail_price = $7, member_price = $8, agency_price = $9, unit_cost = $10, pv = $11, bv = $12, starter_kit = $13,
			revision = revision + 1, updated_by = $14, updated_at = $15
		WHERE id = $1 RETURNING `+productCols, p.ID, e.NameZH, e.NameEN, e.DescriptionZH, e.DescriptionEN, e.Images,
		e.RetailPrice, e.MemberPrice, e.AgencyPrice, e.UnitCost, e.PV, e.BV, e.StarterKit, e.By, now))
	if err != nil {
		return Product{}, fmt.Errorf("edit product %s: %w", e.SKU, err)
	}
	return p, nil
}

func orCreation(by string) string {
	if by == "" {
		return "its creation"
	}
	return by
}

// Revision is one version of a product's prices, volumes and texts, and the
// time it was in force: from WrittenAt (nil: since creation) until
// ReplacedAt (nil: in force now).
type Revision struct {
	Revision      int
	NameZH        string
	NameEN        string
	DescriptionZH string
	DescriptionEN string
	Images        []string
	RetailPrice   decimal.Decimal
	MemberPrice   decimal.Decimal
	AgencyPrice   decimal.Decimal
	UnitCost      decimal.Decimal
	PV            decimal.Decimal
	BV            decimal.Decimal
	StarterKit    bool
	WrittenBy     string     `json:",omitempty"`
	WrittenAt     *time.Time `json:",omitempty"`
	ReplacedBy    string     `json:",omitempty"`
	ReplacedAt    *time.Time `json:",omitempty"`
}

// Revisions lists a product's versions, the one in force first.
//
// Errors: ledger.ErrNotFound for an unknown SKU.
func Revisions(ctx context.Context, q ledger.Querier, sku string) ([]Revision, error) {
	p, err := Get(ctx, q, sku)
	if err != nil {
		return nil, err
	}
	out := []Revision{{Revision: p.Revision, NameZH: p.NameZH, NameEN: p.NameEN, DescriptionZH: p.DescriptionZH, DescriptionEN: p.DescriptionEN,
		Images: p.Images, RetailPrice: p.RetailPrice, MemberPrice: p.MemberPrice, AgencyPrice: p.AgencyPrice, UnitCost: p.UnitCost,
		PV: p.PV, BV: p.BV, StarterKit: p.StarterKit, WrittenBy: p.UpdatedBy, WrittenAt: p.UpdatedAt}}
	rows, err := q.Query(ctx, `SELECT revision, name_zh, name_en, description_zh, description_en, images, retail_price, member_price,
			agency_price, unit_cost, pv, bv, starter_kit, written_by, written_at, replaced_by, replaced_at
		FROM product_revisions WHERE product_id = $1 ORDER BY revision DESC`, p.ID)
	if err != nil {
		return nil, err
	}
	var r Revision
	if _, err := pgx.ForEachRow(rows, []any{&r.Revision, &r.NameZH, &r.NameEN, &r.DescriptionZH, &r.DescriptionEN, &r.Images,
		&r.RetailPrice, &r.MemberPrice, &r.AgencyPrice, &r.UnitCost, &r.PV, &r.BV, &r.StarterKit, &r.WrittenBy, &r.WrittenAt,
		&r.ReplacedBy, &r.ReplacedAt}, func() error {
		out = append(out, r)
		r = Revision{}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// Lots lists a product's lots, the first to expire first (those that do
// not expire last).
//
// Errors: ledger.ErrNotFound for an unknown SKU.
func Lots(ctx context.Context, q ledger.Querier, sku string) ([]Lot, error) {
	p, err := Get(ctx, q, sku)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT id, product_id, batch, produced_on, expires_on FROM lots
		WHERE product_id = $1 ORDER BY expires_on NULLS LAST, produced_on, id`, p.ID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Lot, error) {
		l := Lot{SKU: p.SKU}
		var exp *time.Time
		err := r.Scan(&l.ID, &l.ProductID, &l.Batch, &l.ProducedOn, &exp)
		if exp != nil {
			l.ExpiresOn = *exp
		}
		return l, err
	})
}
