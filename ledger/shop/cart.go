package shop

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
)

// MaxQty is the most units of one product a cart holds.
const MaxQty = 999

// Item is a product as the shop shows it: the price the visitor pays
// (retail, or the member price for a signed-in member) and the units that
// can be ordered now from the warehouse the shop ships from.
type Item struct {
	SKU           string
	NameZH        string
	NameEN        string
	DescriptionZH string `json:",omitempty"`
	DescriptionEN string `json:",omitempty"`
	Price         decimal.Decimal
	Retail        decimal.Decimal
	Available     int64
}

// itemSelect reads active products with the stock of HQ's first
// warehouse (the one shop orders ship from) in unexpired lots; $1 is
// whether member prices apply, $2 the day.
const itemCols = `SELECT p.sku, p.name_zh, p.name_en, p.description_zh, p.description_en,
		CASE WHEN $1::bool THEN p.member_price ELSE p.retail_price END, p.retail_price,
		coalesce((SELECT sum(b.on_hand - b.reserved) FROM stock_balances b JOIN lots l ON l.id = b.lot_id
			WHERE b.product_id = p.id AND (l.expires_on IS NULL OR l.expires_on >= $2::date)
			  AND b.warehouse_id = (SELECT id FROM warehouses WHERE agency_id IS NULL ORDER BY id LIMIT 1)), 0)`

const itemSelect = itemCols + ` FROM products p`

func scanItem(r pgx.Row, extra ...any) (Item, error) {
	var it Item
	err := r.Scan(append([]any{&it.SKU, &it.NameZH, &it.NameEN, &it.DescriptionZH, &it.DescriptionEN, &it.Price, &it.Retail, &it.Available}, extra...)...)
	return it, err
}

// Catalogue lists the active products by SKU with their price and stock.
func Catalogue(ctx context.Context, q ledger.Querier, member bool) ([]Item, error) {
	rows, err := q.Query(ctx, itemSelect+` WHERE p.status = 'active' ORDER BY p.sku`, member, clock.Now(ctx))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) { return scanItem(r) })
}

// Cart is what a cart holds, priced now.
type Cart struct {
	Lines []CartLine
	Total decimal.Decimal
}

// CartLine is one product in a cart; Short says the warehouse holds less
// than the quantity.
type CartLine struct {
	Item
	Qty    int64
	Amount decimal.Decimal
	Short  bool `json:",omitempty"`
}

// TokenHash is what is stored of a cart's cookie value.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte("downline cart\x00" + token))
	return h[:]
}

// GetCart reads the cart of token, priced for a member or not.
func GetCart(ctx context.Context, q ledger.Querier, token string, member bool) (Cart, error) {
	c := Cart{Lines: []CartLine{}, Total: decimal.Zero}
	if token == "" {
		return c, nil
	}
	rows, err := q.Query(ctx, itemCols+`, cl.qty FROM products p JOIN shop_cart_lines cl ON cl.product_id = p.id
		WHERE cl.token_hash = $3 ORDER BY p.sku`, member, clock.Now(ctx), TokenHash(token))
	if err != nil {
		return c, err
	}
	lines, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CartLine, error) {
		var l CartLine
		var err error
		l.Item, err = scanItem(r, &l.Qty)
		return l, err
	})
	if err != nil {
		return c, err
	}
	for _, l := range lines {
		l.Amount = l.Price.Mul(decimal.NewFromInt(l.Qty))
		l.Short = l.Qty > l.Available
		c.Total = c.Total.Add(l.Amount)
		c.Lines = append(c.Lines, l)
	}
	return c, nil
}

// SetQty puts qty units of sku in the cart of token (0 takes it out); add
// adds qty to what is there instead.
//
// Errors: *Error for an unknown or inactive SKU or a quantity outside
// 0..MaxQty.
func SetQty(ctx context.Context, q ledger.Querier, token, sku string, qty int64, add bool) error {
	if token == "" {
		return errors.New("a cart needs its cookie")
	}
	sku = strings.TrimSpace(sku)
	var pid int64
	var status string
	err := q.QueryRow(ctx, `SELECT id, status FROM products WHERE sku = $1`, sku).Scan(&pid, &status)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && status != "active") {
		return &Error{Field: "sku", Code: "sku_unknown", Msg: fmt.Sprintf("no product %q is on sale", sku), kind: ledger.ErrNotFound}
	}
	if err != nil {
		return err
	}
	if qty < 0 || qty > MaxQty || (add && qty == 0) {
		return invalid("qty", "qty_range", "quantity %d must be from 1 to %d (0 takes it out)", qty, MaxQty)
	}
	h := TokenHash(token)
	_, err = q.Exec(ctx, `WITH c AS (INSERT INTO shop_carts (token_hash, updated_at) VALUES ($1, $5)
			ON CONFLICT (token_hash) DO UPDATE SET updated_at = EXCLUDED.updated_at RETURNING token_hash),
		d AS (DELETE FROM shop_cart_lines WHERE token_hash = $1 AND product_id = $2 AND $3 = 0 AND NOT $4)
		INSERT INTO shop_cart_lines (token_hash, product_id, qty) SELECT token_hash, $2, $3 FROM c WHERE $3 > 0
		ON CONFLICT (token_hash, product_id) DO UPDATE
			SET qty = least(CASE WHEN $4 THEN shop_cart_lines.qty + EXCLUDED.qty ELSE EXCLUDED.qty END, `+fmt.Sprint(MaxQty)+`)`,
		h, pid, qty, add, clock.Now(ctx))
	return err
}

// clearCart empties the cart of token.
func clearCart(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := tx.Exec(ctx, `DELETE FROM shop_cart_lines WHERE token_hash = $1`, TokenHash(token))
	return err
}
