package content

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
)

// Filter narrows the editors' list of items.
type Filter struct {
	Kind   Kind   // "" for every kind
	Status Status // "" for every status
	// Q matches part of a title, in either language (case ignored).
	Q string
}

// Listing is a page of the editors' list, newest item first.
type Listing struct {
	Items []Item `json:"items"`
	// Next is the cursor of the following page, "" at the end.
	Next string `json:"next,omitempty"`
}

// Browse lists items with their newest revision, as editors see them,
// newest first, after cursor (a Listing.Next, or "").
func Browse(ctx context.Context, q ledger.Querier, f Filter, cursor string, limit int) (Listing, error) {
	switch f.Kind {
	case "", Page, News, Product:
	default:
		return Listing{}, fmt.Errorf("%w: kind %q must be page, news or product", ledger.ErrInvalid, f.Kind)
	}
	switch f.Status {
	case "", Draft, Scheduled, Published, Archived:
	default:
		return Listing{}, fmt.Errorf("%w: status %q must be draft, scheduled, published or archived", ledger.ErrInvalid, f.Status)
	}
	after := int64(1 << 62)
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil || n <= 0 {
			return Listing{}, fmt.Errorf("%w: cursor %q is not one this list gave out", ledger.ErrInvalid, cursor)
		}
		after = n
	}
	rows, err := q.Query(ctx, `SELECT `+itemCols+` FROM content_items i
		JOIN content_revisions r ON r.item_id = i.id AND r.rev = i.revision`+withImage+`
		WHERE i.id < $1 AND ($2 = '' OR i.kind = $2) AND ($3 = '' OR i.status = $3)
		AND ($4 = '' OR r.title_zh ILIKE $4 OR r.title_en ILIKE $4)
		ORDER BY i.id DESC LIMIT $5`, after, string(f.Kind), string(f.Status), ledger.Contains(f.Q), limit+1)
	if err != nil {
		return Listing{}, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) { return scan(r) })
	if err != nil {
		return Listing{}, err
	}
	out := Listing{Items: items}
	if len(items) > limit {
		out.Items = items[:limit]
		out.Next = strconv.FormatInt(out.Items[limit-1].ID, 10)
	}
	if out.Items == nil {
		out.Items = []Item{}
	}
	return out, nil
}

// MaxQuery is the longest search, in characters.
const MaxQuery = 100

// Search finds the public items (pages, news, announcements) with a title
// in lang whose title, summary or body in lang contains query, title
// matches first, then the newest.
//
// It matches substrings (ILIKE), not words: Chinese is written without
// spaces, so PostgreSQL's full-text parser (which splits at spaces and
// punctuation and ships no Chinese dictionary) would take a whole sentence
// for one word, and trigrams need three characters where a Chinese search
// is often two (茶叶). The portal's content is hundreds of items, not
// millions: a scan of the live revisions answers in a millisecond or two.
func Search(ctx context.Context, q ledger.Querier, l Lang, query string, limit int) ([]Item, error) {
	pat := ledger.Contains(query)
	if pat == "" {
		return []Item{}, nil
	}
	title, summary, body := "r.title_zh", "r.summary_zh", "r.body_zh"
	if l == EN {
		title, summary, body = "r.title_en", "r.summary_en", "r.body_en"
	}
	rows, err := q.Query(ctx, `SELECT `+itemCols+live+langFilter(l)+`
		AND (`+title+` ILIKE $2 OR `+summary+` ILIKE $2 OR `+body+` ILIKE $2)
		ORDER BY (`+title+` ILIKE $2) DESC, i.publish_at DESC, i.id DESC LIMIT $3`, clock.Now(ctx), pat, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) { return scan(r) })
}
