// Package content keeps the public portal's content: pages (about, culture,
// contact), news articles and new-product announcements, each in zh-CN and
// en.
//
// An item lives draft → scheduled → published → archived (a draft may be
// published at once, a scheduled item archived). Its text is kept in
// revisions: every edit appends a new one and none is ever changed (the
// database refuses it). Scheduling or publishing makes the newest revision
// the live one, the one the public reads; editing a published item adds a
// revision the public sees once it is published again. Every change of life
// is appended to an event history with who made it and when.
//
// A scheduled item goes public when the clock (package clock) passes its
// publish_at: readers filter on it, so no job has to flip anything.
package content

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/media"
)

// Kind is what an item is.
type Kind string

const (
	Page    Kind = "page"    // a page named by its slug: about, culture, contact
	News    Kind = "news"    // a news article
	Product Kind = "product" // a new-product announcement, naming a SKU
)

// Status is where an item is in its life.
type Status string

const (
	Draft     Status = "draft"
	Scheduled Status = "scheduled" // goes public at PublishAt
	Published Status = "published"
	Archived  Status = "archived"
)

// Lang is a content language.
type Lang string

const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// ParseLang reads a language tag: zh-CN, zh or en (any case).
func ParseLang(s string) (Lang, bool) {
	switch strings.ToLower(s) {
	case "zh-cn", "zh", "zh-hans", "zh-hans-cn":
		return ZH, true
	case "en", "en-us", "en-gb":
		return EN, true
	}
	return "", false
}

// Text is one revision's words, in both languages.
type Text struct {
	TitleZH   string `json:"title_zh"`
	TitleEN   string `json:"title_en"`
	SummaryZH string `json:"summary_zh"`
	SummaryEN string `json:"summary_en"`
	BodyZH    string `json:"body_zh"`
	BodyEN    string `json:"body_en"`
	// Image is the id of an image in the media store ("": none).
	Image string `json:"image,omitempty"`
}

// Item is a content item with the revision asked for (the newest for
// editors, the live one for the public).
type Item struct {
	ID        int64      `json:"id"`
	Kind      Kind       `json:"kind"`
	Slug      string     `json:"slug,omitempty"`
	SKU       string     `json:"sku,omitempty"`
	Status    Status     `json:"status"`
	Revision  int        `json:"revision"`           // the newest revision
	LiveRev   int        `json:"live_rev,omitempty"` // the revision the public reads
	PublishAt *time.Time `json:"publish_at,omitempty"`
	Author    string     `json:"author,omitempty"`
	Editor    string     `json:"editor,omitempty"` // who scheduled or published it last
	CreatedAt time.Time  `json:"created_at"`
	Text
	// Rev is the revision Text is from.
	Rev int `json:"rev"`
	// Picture describes Text.Image (its address and size), nil without one.
	Picture *media.Image `json:"picture,omitempty"`
}

// Title, Summary and Body are the text in lang.
func (i Item) Title(l Lang) string   { return pick(l, i.TitleZH, i.TitleEN) }
func (i Item) Summary(l Lang) string { return pick(l, i.SummaryZH, i.SummaryEN) }
func (i Item) Body(l Lang) string    { return pick(l, i.BodyZH, i.BodyEN) }

func pick(l Lang, zh, en string) string {
	if l == EN {
		return en
	}
	return zh
}

// Event is one change in an item's life.
type Event struct {
	Status    Status     `json:"status"`
	Rev       int        `json:"rev"`
	PublishAt *time.Time `json:"publish_at,omitempty"`
	By        string     `json:"by"`
	At        time.Time  `json:"at"`
}

// NewItem is an item to create: its kind, name and first revision.
type NewItem struct {
	Kind Kind   `json:"kind"`
	Slug string `json:"slug,omitempty"` // pages only
	SKU  string `json:"sku,omitempty"`  // product announcements only
	Text
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Limits on a revision's fields, in characters.
const (
	MaxTitle   = 200
	MaxSummary = 500
	MaxBody    = 100_000
)

func (t Text) check() error {
	if strings.TrimSpace(t.TitleZH) == "" && strings.TrimSpace(t.TitleEN) == "" {
		return fmt.Errorf("%w: title_zh or title_en: give a title in at least one language", ledger.ErrInvalid)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"title_zh", t.TitleZH, MaxTitle}, {"title_en", t.TitleEN, MaxTitle},
		{"summary_zh", t.SummaryZH, MaxSummary}, {"summary_en", t.SummaryEN, MaxSummary},
		{"body_zh", t.BodyZH, MaxBody}, {"body_en", t.BodyEN, MaxBody},
	} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return fmt.Errorf("%w: %s is %d characters long; at most %d are accepted", ledger.ErrInvalid, f.name, n, f.max)
		}
		if (f.name == "title_zh" || f.name == "title_en") && strings.TrimSpace(f.v) == "" {
			continue
		}
		if (f.name == "title_zh" && strings.TrimSpace(t.BodyZH) == "" && strings.TrimSpace(t.SummaryZH) == "") ||
			(f.name == "title_en" && strings.TrimSpace(t.BodyEN) == "" && strings.TrimSpace(t.SummaryEN) == "") {
			return fmt.Errorf("%w: %s has a title but neither a summary nor a body", ledger.ErrInvalid, strings.Replace(f.name, "title_", "", 1))
		}
	}
	return nil
}

// Create adds a draft with its first revision, written by by.
//
// Errors: ledger.ErrInvalid for a bad kind, slug, SKU or text;
// ledger.ErrConflict for a slug in use.
func Create(ctx context.Context, tx pgx.Tx, n NewItem, by string) (Item, error) {
	switch n.Kind {
	case Page:
		if !slugRE.MatchString(n.Slug) {
			return Item{}, fmt.Errorf("%w: slug %q must be 1-64 lower-case letters, digits or -", ledger.ErrInvalid, n.Slug)
		}
	case News, Product:
		if n.Slug != "" {
			return Item{}, fmt.Errorf("%w: slug: only pages have a slug", ledger.ErrInvalid)
		}
	default:
		return Item{}, fmt.Errorf("%w: kind %q must be page, news or product", ledger.ErrInvalid, n.Kind)
	}
	if (n.Kind == Product) != (n.SKU != "") {
		return Item{}, fmt.Errorf("%w: sku: a product announcement names its product's SKU, and only it", ledger.ErrInvalid)
	}
	if n.SKU != "" {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM products WHERE sku = $1)`, n.SKU).Scan(&ok); err != nil {
			return Item{}, err
		}
		if !ok {
			return Item{}, fmt.Errorf("%w: sku %q is not in the catalogue", ledger.ErrInvalid, n.SKU)
		}
	}
	if err := n.Text.check(); err != nil {
		return Item{}, err
	}
	if err := checkImage(ctx, tx, n.Image); err != nil {
		return Item{}, err
	}
	now := clock.Now(ctx)
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO content_items (kind, slug, sku, author, created_at)
		VALUES ($1, NULLIF($2, ''), NULLIF($3, ''), $4, $5) ON CONFLICT (slug) DO NOTHING RETURNING id`,
		n.Kind, n.Slug, n.SKU, by, now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, fmt.Errorf("%w: slug %q is taken by another page", ledger.ErrConflict, n.Slug)
	}
	if err != nil {
		return Item{}, err
	}
	if err := addRevision(ctx, tx, id, 1, n.Text, by, now); err != nil {
		return Item{}, err
	}
	return Get(ctx, tx, id)
}

// checkImage: an image named must be in the media store.
func checkImage(ctx context.Context, q ledger.Querier, id string) error {
	if id == "" {
		return nil
	}
	if _, err := media.Describe(ctx, q, id); errors.Is(err, ledger.ErrNotFound) {
		return fmt.Errorf("%w: image: no image %q in the media store; upload it first (POST /api/v1/media)", ledger.ErrInvalid, id)
	} else if err != nil {
		return err
	}
	return nil
}

func addRevision(ctx context.Context, tx pgx.Tx, id int64, rev int, t Text, by string, at time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO content_revisions
		(item_id, rev, title_zh, title_en, summary_zh, summary_en, body_zh, body_en, image, by, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, ''), $10, $11)`,
		id, rev, t.TitleZH, t.TitleEN, t.SummaryZH, t.SummaryEN, t.BodyZH, t.BodyEN, t.Image, by, at)
	return err
}

// Edit appends a revision with text t. An archived item is not edited.
// The public keeps reading the live revision until the item is published
// (or scheduled) again.
func Edit(ctx context.Context, tx pgx.Tx, id int64, t Text, by string) (Item, error) {
	it, err := lock(ctx, tx, id)
	if err != nil {
		return Item{}, err
	}
	if it.Status == Archived {
		return Item{}, fmt.Errorf("%w: item %d is archived; it is no longer edited", ledger.ErrConflict, id)
	}
	if err := t.check(); err != nil {
		return Item{}, err
	}
	if err := checkImage(ctx, tx, t.Image); err != nil {
		return Item{}, err
	}
	rev := it.Revision + 1
	if _, err := tx.Exec(ctx, `UPDATE content_items SET revision = $2 WHERE id = $1`, id, rev); err != nil {
		return Item{}, err
	}
	if err := addRevision(ctx, tx, id, rev, t, by, clock.Now(ctx)); err != nil {
		return Item{}, err
	}
	return Get(ctx, tx, id)
}

// Schedule makes the newest revision go public at at, which must be in
// the future (a time already past is Publish's job). Drafts are scheduled,
// and scheduled items moved; a published item stays published.
func Schedule(ctx context.Context, tx pgx.Tx, id int64, at time.Time, by string) (Item, error) {
	it, err := lock(ctx, tx, id)
	if err != nil {
		return Item{}, err
	}
	now := clock.Now(ctx)
	if !at.After(now) {
		return Item{}, fmt.Errorf("%w: publish_at %s is not in the future; publish the item instead", ledger.ErrInvalid, at.UTC().Format(time.RFC3339))
	}
	if it.Status != Draft && it.Status != Scheduled {
		return Item{}, fmt.Errorf("%w: item %d is %s; only drafts and scheduled items are scheduled", ledger.ErrConflict, id, it.Status)
	}
	return move(ctx, tx, it, Scheduled, at, by, now)
}

// Publish makes the newest revision public now. Publishing an item already
// public brings its newest revision live and keeps its publication date;
// an item scheduled for later is published now.
func Publish(ctx context.Context, tx pgx.Tx, id int64, by string) (Item, error) {
	it, err := lock(ctx, tx, id)
	if err != nil {
		return Item{}, err
	}
	now := clock.Now(ctx)
	if it.Status == Archived {
		return Item{}, fmt.Errorf("%w: item %d is archived", ledger.ErrConflict, id)
	}
	at := now
	if it.PublishAt != nil && !it.PublishAt.After(now) {
		at = *it.PublishAt
	}
	return move(ctx, tx, it, Published, at, by, now)
}

// Archive takes an item off the public site for good.
func Archive(ctx context.Context, tx pgx.Tx, id int64, by string) (Item, error) {
	it, err := lock(ctx, tx, id)
	if err != nil {
		return Item{}, err
	}
	if it.Status == Archived {
		return Item{}, fmt.Errorf("%w: item %d is already archived", ledger.ErrConflict, id)
	}
	at := time.Time{}
	if it.PublishAt != nil {
		at = *it.PublishAt
	}
	return move(ctx, tx, it, Archived, at, by, clock.Now(ctx))
}

func move(ctx context.Context, tx pgx.Tx, it Item, to Status, publishAt time.Time, by string, now time.Time) (Item, error) {
	var pa *time.Time
	if !publishAt.IsZero() {
		pa = &publishAt
	}
	live := it.Revision
	if to == Archived && it.LiveRev != 0 {
		live = it.LiveRev
	}
	editor := by
	if to == Archived && it.Editor != "" {
		editor = it.Editor
	}
	if to == Archived && pa == nil {
		pa = &now // a draft archived: the CHECK wants a date; it is never shown
	}
	if _, err := tx.Exec(ctx, `UPDATE content_items SET status = $2, publish_at = $3, live_rev = $4, editor = $5 WHERE id = $1`,
		it.ID, to, pa, live, editor); err != nil {
		return Item{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO content_events (item_id, status, rev, publish_at, by, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		it.ID, to, live, pa, by, now); err != nil {
		return Item{}, err
	}
	return Get(ctx, tx, it.ID)
}

const itemCols = `i.id, i.kind, COALESCE(i.slug, ''), COALESCE(i.sku, ''), i.status, i.revision, COALESCE(i.live_rev, 0),
	i.publish_at, i.author, COALESCE(i.editor, ''), i.created_at,
	r.title_zh, r.title_en, r.summary_zh, r.summary_en, r.body_zh, r.body_en, r.rev,
	COALESCE(r.image, ''), COALESCE(m.content_type, ''), COALESCE(m.width, 0), COALESCE(m.height, 0), COALESCE(m.bytes, 0)`

// withImage joins a revision r's image.
const withImage = ` LEFT JOIN media m ON m.sha256 = r.image`

func scan(row pgx.Row) (Item, error) {
	var it Item
	var pic media.Image
	err := row.Scan(&it.ID, &it.Kind, &it.Slug, &it.SKU, &it.Status, &it.Revision, &it.LiveRev,
		&it.PublishAt, &it.Author, &it.Editor, &it.CreatedAt,
		&it.TitleZH, &it.TitleEN, &it.SummaryZH, &it.SummaryEN, &it.BodyZH, &it.BodyEN, &it.Rev,
		&it.Image, &pic.ContentType, &pic.Width, &pic.Height, &pic.Bytes)
	if it.Image != "" {
		pic.ID, pic.URL = it.Image, media.URL(it.Image)
		it.Picture = &pic
	}
	return it, err
}

func notFound(id int64) error { return fmt.Errorf("%w: no content item %d", ledger.ErrNotFound, id) }

func lock(ctx context.Context, tx pgx.Tx, id int64) (Item, error) {
	var x int64
	err := tx.QueryRow(ctx, `SELECT id FROM content_items WHERE id = $1 FOR UPDATE`, id).Scan(&x)
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, notFound(id)
	}
	if err != nil {
		return Item{}, err
	}
	return Get(ctx, tx, id)
}

// Get returns an item with its newest revision, whatever its status: the
// editors' view.
func Get(ctx context.Context, q ledger.Querier, id int64) (Item, error) {
	it, err := scan(q.QueryRow(ctx, `SELECT `+itemCols+` FROM content_items i
		JOIN content_revisions r ON r.item_id = i.id AND r.rev = i.revision`+withImage+` WHERE i.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, notFound(id)
	}
	return it, err
}

// Revision is one revision's text with who wrote it and when.
type Revision struct {
	Text
	By string    `json:"by"`
	At time.Time `json:"at"`
}

// History returns an item's revisions, oldest first, and its events.
func History(ctx context.Context, q ledger.Querier, id int64) ([]Revision, []Event, error) {
	rows, err := q.Query(ctx, `SELECT title_zh, title_en, summary_zh, summary_en, body_zh, body_en, COALESCE(image, ''), by, at
		FROM content_revisions WHERE item_id = $1 ORDER BY rev`, id)
	if err != nil {
		return nil, nil, err
	}
	revs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Revision, error) {
		var t Revision
		return t, r.Scan(&t.TitleZH, &t.TitleEN, &t.SummaryZH, &t.SummaryEN, &t.BodyZH, &t.BodyEN, &t.Image, &t.By, &t.At)
	})
	if err != nil {
		return nil, nil, err
	}
	rows, err = q.Query(ctx, `SELECT status, rev, publish_at, by, at FROM content_events WHERE item_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, nil, err
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		return e, r.Scan(&e.Status, &e.Rev, &e.PublishAt, &e.By, &e.At)
	})
	return revs, evs, err
}

// live is the public's filter: scheduled or published, with the clock past
// publish_at, and the live revision.
const live = ` FROM content_items i JOIN content_revisions r ON r.item_id = i.id AND r.rev = i.live_rev` + withImage + `
	WHERE i.status IN ('scheduled', 'published') AND i.publish_at <= $1`

// langFilter keeps items with a title in lang.
func langFilter(l Lang) string {
	if l == EN {
		return ` AND r.title_en <> ''`
	}
	return ` AND r.title_zh <> ''`
}

// Anonymous is the item as the public is given it: without the staff
// logins of its author and editor.
func (i Item) Anonymous() Item {
	i.Author, i.Editor = "", ""
	return i
}

// Public returns the live item id with its live revision, as a visitor
// reads it now; ledger.ErrNotFound when it is not public (yet).
func Public(ctx context.Context, q ledger.Querier, id int64) (Item, error) {
	it, err := scan(q.QueryRow(ctx, `SELECT `+itemCols+live+` AND i.id = $2 AND i.kind <> 'page'`, clock.Now(ctx), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, notFound(id)
	}
	return it, err
}

// PageBySlug returns the live page slug.
func PageBySlug(ctx context.Context, q ledger.Querier, slug string) (Item, error) {
	it, err := scan(q.QueryRow(ctx, `SELECT `+itemCols+live+` AND i.slug = $2`, clock.Now(ctx), slug))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, fmt.Errorf("%w: no page %q", ledger.ErrNotFound, slug)
	}
	return it, err
}

// List is a page of public news.
type List struct {
	Items []Item `json:"items"`
	// Next is the cursor of the following page, "" at the end.
	Next string `json:"next,omitempty"`
}

// Latest returns up to limit public news items (articles and product
// announcements) with a title in lang, newest first, after cursor (a
// List.Next, or "" for the first page).
func Latest(ctx context.Context, q ledger.Querier, l Lang, cursor string, limit int) (List, error) {
	return LatestOf(ctx, q, l, "", cursor, limit)
}

// LatestOf is Latest of one kind of news (News or Product; "" for both).
func LatestOf(ctx context.Context, q ledger.Querier, l Lang, kind Kind, cursor string, limit int) (List, error) {
	if kind != "" && kind != News && kind != Product {
		return List{}, fmt.Errorf("%w: kind %q must be news or product", ledger.ErrInvalid, kind)
	}
	at, id := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), int64(1<<62)
	if cursor != "" {
		var err error
		if at, id, err = parseCursor(cursor); err != nil {
			return List{}, err
		}
	}
	rows, err := q.Query(ctx, `SELECT `+itemCols+live+` AND i.kind <> 'page' AND ($5 = '' OR i.kind = $5)`+langFilter(l)+`
		AND (i.publish_at, i.id) < ($2, $3) ORDER BY i.publish_at DESC, i.id DESC LIMIT $4`,
		clock.Now(ctx), at, id, limit+1, string(kind))
	if err != nil {
		return List{}, err
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) { return scan(r) })
	if err != nil {
		return List{}, err
	}
	out := List{Items: items}
	if len(items) > limit {
		out.Items = items[:limit]
		last := out.Items[limit-1]
		out.Next = strconv.FormatInt(last.PublishAt.UnixMicro(), 10) + "." + strconv.FormatInt(last.ID, 10)
	}
	if out.Items == nil {
		out.Items = []Item{}
	}
	return out, nil
}

func parseCursor(s string) (time.Time, int64, error) {
	a, b, ok := strings.Cut(s, ".")
	us, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, fmt.Errorf("%w: cursor %q is not one this list gave out", ledger.ErrInvalid, s)
	}
	return time.UnixMicro(us).UTC(), id, nil
}
