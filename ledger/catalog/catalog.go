// Package catalog keeps the product catalogue: products with their names and
// descriptions in zh-CN and en, prices, PV and BV, status and launch date, and
// the lots (production batches) that stock is counted in.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
)

// Status is where a product is in its life.
type Status string

const (
	Draft        Status = "draft"
	Active       Status = "active" // orderable
	Discontinued Status = "discontinued"
)

// Product is a catalogue entry.
type Product struct {
	ID            int64
	SKU           string
	NameZH        string
	NameEN        string
	DescriptionZH string
	DescriptionEN string
	Images        []string
	RetailPrice   decimal.Decimal // the public shop's price
	MemberPrice   decimal.Decimal // what members pay
	AgencyPrice   decimal.Decimal // what agencies pay HQ; zero means the member price
	UnitCost      decimal.Decimal // standard cost, for inventory and cost of goods
	PV            decimal.Decimal
	BV            decimal.Decimal
	Status        Status
	LaunchDate    time.Time
	// StarterKit marks a product a new member's registration order is
	// usually made of: the member office offers it first.
	StarterKit bool
	// Revision numbers the version in force (1 at creation, one more per
	// edit); UpdatedBy and UpdatedAt say who wrote it and when (empty for
	// the first).
	Revision  int
	UpdatedBy string     `json:",omitempty"`
	UpdatedAt *time.Time `json:",omitempty"`
}

// Lot is one production batch of a product.
type Lot struct {
	ID         int64
	ProductID  int64
	SKU        string
	Batch      string
	ProducedOn time.Time
	ExpiresOn  time.Time // zero when the product does not expire
}

var skuRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

func money(name string, d decimal.Decimal) error {
	if d.IsNegative() {
		return fmt.Errorf("%w: %s %s is negative", ledger.ErrInvalid, name, d)
	}
	if !d.Equal(d.Round(2)) {
		return fmt.Errorf("%w: %s %s has more than two decimals", ledger.ErrInvalid, name, d)
	}
	return nil
}

// CreateProduct adds p to the catalogue. An empty status means active, a zero
// launch date today, a zero agency price the member price.
//
// Errors: ledger.ErrInvalid for a malformed SKU, a missing name, a negative
// or over-precise amount; ledger.ErrConflict for a SKU already in use.
func CreateProduct(ctx context.Context, tx pgx.Tx, p Product) (Product, error) {
	p.SKU = strings.TrimSpace(p.SKU)
	if !skuRE.MatchString(p.SKU) {
		return Product{}, fmt.Errorf("%w: SKU %q must be 2-32 capital letters, digits or dashes", ledger.ErrInvalid, p.SKU)
	}
	if strings.TrimSpace(p.NameZH) == "" || strings.TrimSpace(p.NameEN) == "" {
		return Product{}, fmt.Errorf("%w: product %s needs a name in both zh-CN and en", ledger.ErrInvalid, p.SKU)
	}
	if p.AgencyPrice.IsZero() {
		p.AgencyPrice = p.MemberPrice
	}
	for _, f := range []struct {
		n string
		d decimal.Decimal
	}{{"retail price", p.RetailPrice}, {"member price", p.MemberPrice}, {"agency price", p.AgencyPrice},
		{"unit cost", p.UnitCost}, {"PV", p.PV}, {"BV", p.BV}} {
		if err := money(p.SKU+" "+f.n, f.d); err != nil {
			return Product{}, err
		}
	}
	if p.Status == "" {
		p.Status = Active
	}
	if p.Status != Draft && p.Status != Active && p.Status != Discontinued {
		return Product{}, fmt.Errorf("%w: product status %q must be draft, active or discontinued", ledger.ErrInvalid, p.Status)
	}
	if p.LaunchDate.IsZero() {
		p.LaunchDate = clock.Now(ctx)
	}
	if p.Images == nil {
		p.Images = []string{}
	}
	err := tx.QueryRow(ctx, `INSERT INTO products (sku, name_zh, name_en, description_zh, description_en, images,
			retail_price, member_price, agency_price, unit_cost, pv, bv, status, launch_date, starter_kit)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		p.SKU, p.NameZH, p.NameEN, p.DescriptionZH, p.DescriptionEN, p.Images,
		p.RetailPrice, p.MemberPrice, p.AgencyPrice, p.UnitCost, p.PV, p.BV, string(p.Status), p.LaunchDate, p.StarterKit).Scan(&p.ID)
	if _, ok := ledger.IsUniqueViolation(err); ok {
		return Product{}, fmt.Errorf("%w: SKU %s is already in the catalogue", ledger.ErrConflict, p.SKU)
	}
	if err != nil {
		return Product{}, fmt.Errorf("create product %s: %w", p.SKU, err)
	}
	p.Revision = 1
	return p, nil
}

const productCols = `id, sku, name_zh, name_en, description_zh, description_en, images,
	retail_price, member_price, agency_price, unit_cost, pv, bv, status, launch_date, starter_kit,
	revision, updated_by, updated_at`

func scanProduct(r pgx.Row) (Product, error) {
	var p Product
	var st string
	err := r.Scan(&p.ID, &p.SKU, &p.NameZH, &p.NameEN, &p.DescriptionZH, &p.DescriptionEN, &p.Images,
		&p.RetailPrice, &p.MemberPrice, &p.AgencyPrice, &p.UnitCost, &p.PV, &p.BV, &st, &p.LaunchDate, &p.StarterKit,
		&p.Revision, &p.UpdatedBy, &p.UpdatedAt)
	p.Status = Status(st)
	return p, err
}

// Get reads the product with the given SKU.
//
// Errors: ledger.ErrNotFound for an unknown SKU.
func Get(ctx context.Context, q ledger.Querier, sku string) (Product, error) {
	p, err := scanProduct(q.QueryRow(ctx, `SELECT `+productCols+` FROM products WHERE sku = $1`, sku))
	if errors.Is(err, pgx.ErrNoRows) {
		return Product{}, fmt.Errorf("%w: unknown SKU %q", ledger.ErrNotFound, sku)
	}
	return p, err
}

// GetMany reads the products with the given SKUs, keyed by SKU.
//
// Errors: ledger.ErrNotFound naming the first SKU that is not in the catalogue.
func GetMany(ctx context.Context, q ledger.Querier, skus []string) (map[string]Product, error) {
	rows, err := q.Query(ctx, `SELECT `+productCols+` FROM products WHERE sku = ANY($1)`, skus)
	if err != nil {
		return nil, err
	}
	return collectMany(rows, skus)
}

// QueueGetMany queues in b what GetMany reads, with its errors.
func QueueGetMany(b *pgx.Batch, skus []string) *ledger.Pending[map[string]Product] {
	p := &ledger.Pending[map[string]Product]{}
	b.Queue(`SELECT `+productCols+` FROM products WHERE sku = ANY($1)`, skus).Query(func(rows pgx.Rows) error {
		p.Value, p.Err = collectMany(rows, skus)
		return nil
	})
	return p
}

// UnknownSKU is the error for a SKU that is not in the catalogue.
func UnknownSKU(sku string) error { return fmt.Errorf("%w: unknown SKU %q", ledger.ErrNotFound, sku) }

// UnknownLot is the error for a batch a SKU does not have.
func UnknownLot(sku, batch string) error {
	return fmt.Errorf("%w: unknown lot: SKU %q has no batch %q", ledger.ErrNotFound, sku, batch)
}

// QueueFind queues in b the read of the products with the given SKUs, keyed
// by SKU; unknown SKUs are left out (for a batch of orders, each of which
// reports its own).
func QueueFind(b *pgx.Batch, skus []string) *ledger.Pending[map[string]Product] {
	p := &ledger.Pending[map[string]Product]{}
	b.Queue(`SELECT `+productCols+` FROM products WHERE sku = ANY($1)`, skus).Query(func(rows pgx.Rows) error {
		p.Value, p.Err = collectMany(rows, nil)
		return nil
	})
	return p
}

// LotRef names a lot by SKU and batch.
type LotRef struct{ SKU, Batch string }

// QueueLotIDs queues in b the read of the ids of the named lots; unknown
// lots are left out.
func QueueLotIDs(b *pgx.Batch, refs []LotRef) *ledger.Pending[map[LotRef]int64] {
	p := &ledger.Pending[map[LotRef]int64]{Value: map[LotRef]int64{}}
	skus, batches := make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		skus[i], batches[i] = r.SKU, r.Batch
	}
	b.Queue(`SELECT p.sku, l.batch, l.id FROM lots l JOIN products p ON p.id = l.product_id
		WHERE (p.sku, l.batch) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, skus, batches).Query(func(rows pgx.Rows) error {
		var r LotRef
		var id int64
		_, p.Err = pgx.ForEachRow(rows, []any{&r.SKU, &r.Batch, &id}, func() error {
			p.Value[r] = id
			return nil
		})
		return nil
	})
	return p
}

func collectMany(rows pgx.Rows, skus []string) (map[string]Product, error) {
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Product, error) { return scanProduct(r) })
	if err != nil {
		return nil, err
	}
	out := make(map[string]Product, len(ps))
	for _, p := range ps {
		out[p.SKU] = p
	}
	for _, s := range skus {
		if _, ok := out[s]; !ok {
			return nil, UnknownSKU(s)
		}
	}
	return out, nil
}

// SetStatus changes a product's status (draft, active, discontinued).
func SetStatus(ctx context.Context, tx pgx.Tx, sku string, s Status) error {
	if s != Draft && s != Active && s != Discontinued {
		return fmt.Errorf("%w: product status %q must be draft, active or discontinued", ledger.ErrInvalid, s)
	}
	tag, err := tx.Exec(ctx, `UPDATE products SET status = $2 WHERE sku = $1`, sku, string(s))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: unknown SKU %q", ledger.ErrNotFound, sku)
	}
	return nil
}

// Launches lists the active products launched in [from, to), newest first,
// so new products can be announced.
func Launches(ctx context.Context, q ledger.Querier, from, to time.Time) ([]Product, error) {
	rows, err := q.Query(ctx, `SELECT `+productCols+` FROM products
		WHERE status = 'active' AND launch_date >= $1::date AND launch_date < $2::date ORDER BY launch_date DESC, sku`, from, to)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Product, error) { return scanProduct(r) })
}

// CreateLot records a production batch of l.SKU.
//
// Errors: ledger.ErrNotFound for an unknown SKU; ledger.ErrInvalid for a
// missing batch number or production date, or an expiry not after
// production; ledger.ErrConflict for a batch number the SKU already has.
func CreateLot(ctx context.Context, tx pgx.Tx, l Lot) (Lot, error) {
	l.Batch = strings.TrimSpace(l.Batch)
	if l.Batch == "" {
		return Lot{}, fmt.Errorf("%w: lot of %s needs a batch number", ledger.ErrInvalid, l.SKU)
	}
	if l.ProducedOn.IsZero() {
		return Lot{}, fmt.Errorf("%w: lot %s/%s needs a production date", ledger.ErrInvalid, l.SKU, l.Batch)
	}
	if !l.ExpiresOn.IsZero() && !l.ExpiresOn.After(l.ProducedOn) {
		return Lot{}, fmt.Errorf("%w: lot %s/%s expires (%s) before it is produced (%s)", ledger.ErrInvalid,
			l.SKU, l.Batch, l.ExpiresOn.Format(time.DateOnly), l.ProducedOn.Format(time.DateOnly))
	}
	p, err := Get(ctx, tx, l.SKU)
	if err != nil {
		return Lot{}, err
	}
	l.ProductID = p.ID
	var exp *time.Time
	if !l.ExpiresOn.IsZero() {
		exp = &l.ExpiresOn
	}
	err = tx.QueryRow(ctx, `INSERT INTO lots (product_id, batch, produced_on, expires_on) VALUES ($1, $2, $3, $4) RETURNING id`,
		p.ID, l.Batch, l.ProducedOn, exp).Scan(&l.ID)
	if _, ok := ledger.IsUniqueViolation(err); ok {
		return Lot{}, fmt.Errorf("%w: %s already has a lot with batch number %s", ledger.ErrConflict, l.SKU, l.Batch)
	}
	if err != nil {
		return Lot{}, fmt.Errorf("create lot %s/%s: %w", l.SKU, l.Batch, err)
	}
	return l, nil
}

// GetLot reads the lot of sku with the given batch number.
//
// Errors: ledger.ErrNotFound for an unknown SKU or batch.
func GetLot(ctx context.Context, q ledger.Querier, sku, batch string) (Lot, error) {
	var l Lot
	var exp *time.Time
	err := q.QueryRow(ctx, `SELECT l.id, l.product_id, p.sku, l.batch, l.produced_on, l.expires_on
		FROM lots l JOIN products p ON p.id = l.product_id WHERE p.sku = $1 AND l.batch = $2`, sku, batch).
		Scan(&l.ID, &l.ProductID, &l.SKU, &l.Batch, &l.ProducedOn, &exp)
	if errors.Is(err, pgx.ErrNoRows) {
		return Lot{}, UnknownLot(sku, batch)
	}
	if exp != nil {
		l.ExpiresOn = *exp
	}
	return l, err
}

// List returns up to limit products with SKU > after, by SKU; with
// activeOnly, only orderable ones.
func List(ctx context.Context, q ledger.Querier, after string, limit int, activeOnly bool) ([]Product, error) {
	rows, err := q.Query(ctx, `SELECT `+productCols+` FROM products
		WHERE sku > $1 AND (NOT $3 OR status = 'active') ORDER BY sku LIMIT $2`, after, limit, activeOnly)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Product, error) { return scanProduct(r) })
}

// Search finds up to limit active products whose SKU, or name or
// description in the language (zhCN or not), contains query (case
// ignored), name matches first. Like the content search it matches
// substrings, for Chinese is written without spaces between words.
func Search(ctx context.Context, q ledger.Querier, query string, zhCN bool, limit int) ([]Product, error) {
	pat := ledger.Contains(query)
	if pat == "" {
		return []Product{}, nil
	}
	name, desc := "name_zh", "description_zh"
	if !zhCN {
		name, desc = "name_en", "description_en"
	}
	rows, err := q.Query(ctx, `SELECT `+productCols+` FROM products
		WHERE status = 'active' AND (sku ILIKE $1 OR `+name+` ILIKE $1 OR `+desc+` ILIKE $1)
		ORDER BY (`+name+` ILIKE $1) DESC, sku LIMIT $2`, pat, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Product, error) { return scanProduct(r) })
}
