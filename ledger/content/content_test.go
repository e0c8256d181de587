package content_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/content"
	"downline/ledger/ledgertest"
)

// at runs fn in a transaction under a clock stopped at when.
func at(t *testing.T, db *ledger.DB, when time.Time, fn func(ctx context.Context, tx pgx.Tx) error) error {
	t.Helper()
	ctx := clock.With(context.Background(), clock.Fixed(when))
	return db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return fn(ctx, tx) })
}

func latest(t *testing.T, ctx context.Context, db *ledger.DB, l content.Lang, cursor string, n int) content.List {
	t.Helper()
	list, err := content.Latest(ctx, db.Pool, l, cursor, n)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

var story = content.Text{TitleZH: "新品上市", TitleEN: "A new product", SummaryZH: "摘要", SummaryEN: "Summary",
	BodyZH: "正文", BodyEN: "The body"}

// The life of a news item, with the clock stopped at a month end in
// Shanghai: scheduled for midnight of the 1st, it is absent on the 31st at
// 23:59:59 and present at 00:00:00.
func TestLifeCycleAcrossAMonthEnd(t *testing.T) {
	db := ledgertest.DB(t)
	sh, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	monthEnd := time.Date(2026, 1, 31, 23, 0, 0, 0, sh)
	firstOfMonth := time.Date(2026, 2, 1, 0, 0, 0, 0, sh)
	var id int64
	err = at(t, db, monthEnd, func(ctx context.Context, tx pgx.Tx) error {
		it, err := content.Create(ctx, tx, content.NewItem{Kind: content.News, Text: story}, "user:writer")
		if err != nil {
			return err
		}
		id = it.ID
		if it.Status != content.Draft || it.Revision != 1 || it.Author != "user:writer" {
			t.Errorf("a new item: %+v", it)
		}
		if _, err := content.Schedule(ctx, tx, id, monthEnd.Add(-time.Minute), "user:ed"); !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("scheduling in the past: %v, want ErrInvalid", err)
		}
		it, err = content.Schedule(ctx, tx, id, firstOfMonth, "user:ed")
		if err != nil {
			return err
		}
		if it.Status != content.Scheduled || it.Editor != "user:ed" || it.LiveRev != 1 {
			t.Errorf("scheduled: %+v", it)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	visible := func(when time.Time, l content.Lang) bool {
		t.Helper()
		ctx := clock.With(context.Background(), clock.Fixed(when))
		list := latest(t, ctx, db, l, "", 10)
		_, err := content.Public(ctx, db.Pool, id)
		if (err == nil) != (len(list.Items) == 1) {
			t.Errorf("at %s: the list and the item disagree: %d items, %v", when, len(list.Items), err)
		}
		return err == nil
	}
	if visible(firstOfMonth.Add(-time.Second), content.EN) {
		t.Error("a scheduled item is public a second before its time")
	}
	if !visible(firstOfMonth, content.EN) || !visible(firstOfMonth, content.ZH) {
		t.Error("a scheduled item is not public at its time")
	}

	// An edit appends revision 2; the public reads 1 until it is published again.
	after := firstOfMonth.Add(time.Hour)
	edited := story
	edited.TitleEN = "A new product, corrected"
	if err := at(t, db, after, func(ctx context.Context, tx pgx.Tx) error {
		it, err := content.Edit(ctx, tx, id, edited, "user:writer")
		if err != nil {
			return err
		}
		if it.Revision != 2 || it.TitleEN != edited.TitleEN || it.LiveRev != 1 {
			t.Errorf("edited: %+v", it)
		}
		pub, err := content.Public(ctx, tx, id)
		if err != nil || pub.TitleEN != story.TitleEN {
			t.Errorf("the public reads %q (%v) before the edit is published", pub.TitleEN, err)
		}
		it, err = content.Publish(ctx, tx, id, "user:ed")
		if err != nil {
			return err
		}
		if it.Status != content.Published || !it.PublishAt.Equal(firstOfMonth) {
			t.Errorf("published again: %+v (the date must stay %s)", it, firstOfMonth)
		}
		pub, err = content.Public(ctx, tx, id)
		if err != nil || pub.TitleEN != edited.TitleEN || pub.Rev != 2 {
			t.Errorf("after publishing the public reads %q rev %d (%v)", pub.TitleEN, pub.Rev, err)
		}
		if _, err := content.Archive(ctx, tx, id, "user:ed"); err != nil {
			return err
		}
		if _, err := content.Public(ctx, tx, id); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("an archived item is public: %v", err)
		}
		if _, err := content.Edit(ctx, tx, id, edited, "user:writer"); !errors.Is(err, ledger.ErrConflict) {
			t.Errorf("editing an archived item: %v, want ErrConflict", err)
		}
		if _, err := content.Publish(ctx, tx, id, "user:ed"); !errors.Is(err, ledger.ErrConflict) {
			t.Errorf("publishing an archived item: %v, want ErrConflict", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	revs, evs := func() ([]content.Revision, []content.Event) {
		r, e, err := content.History(context.Background(), db.Pool, id)
		if err != nil {
			t.Fatal(err)
		}
		return r, e
	}()
	if len(revs) != 2 || revs[0].TitleEN != story.TitleEN || revs[1].TitleEN != edited.TitleEN {
		t.Errorf("revisions: %+v", revs)
	}
	var path []content.Status
	for _, e := range evs {
		path = append(path, e.Status)
	}
	if len(path) != 3 || path[0] != content.Scheduled || path[1] != content.Published || path[2] != content.Archived {
		t.Errorf("events: %v", path)
	}
	// Nothing of the history is changed in place.
	for _, sql := range []string{`UPDATE content_revisions SET title_en = 'x'`, `DELETE FROM content_events`} {
		if _, err := db.Pool.Exec(context.Background(), sql); err == nil {
			t.Errorf("%s: accepted", sql)
		}
	}
}

func TestBadInputAndPages(t *testing.T) {
	db := ledgertest.DB(t)
	now := time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC)
	err := at(t, db, now, func(ctx context.Context, tx pgx.Tx) error {
		for name, n := range map[string]content.NewItem{
			"no title":          {Kind: content.News, Text: content.Text{BodyEN: "x"}},
			"unknown kind":      {Kind: "poem", Text: story},
			"page with no slug": {Kind: content.Page, Text: story},
			"bad slug":          {Kind: content.Page, Slug: "About Us", Text: story},
			"news with a slug":  {Kind: content.News, Slug: "x", Text: story},
			"product no sku":    {Kind: content.Product, Text: story},
			"unknown sku":       {Kind: content.Product, SKU: "NOPE-1", Text: story},
			"title, no words":   {Kind: content.News, Text: content.Text{TitleEN: "Only a title"}},
		} {
			if _, err := content.Create(ctx, tx, n, "user:w"); !errors.Is(err, ledger.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		p, err := content.Create(ctx, tx, content.NewItem{Kind: content.Page, Slug: "about", Text: story}, "user:w")
		if err != nil {
			return err
		}
		if _, err := content.Create(ctx, tx, content.NewItem{Kind: content.Page, Slug: "about", Text: story}, "user:w"); !errors.Is(err, ledger.ErrConflict) {
			t.Errorf("a second page about: %v, want ErrConflict", err)
		}
		if _, err := content.PageBySlug(ctx, tx, "about"); !errors.Is(err, ledger.ErrNotFound) {
			t.Errorf("a draft page is public: %v", err)
		}
		if _, err := content.Publish(ctx, tx, p.ID, "user:ed"); err != nil {
			return err
		}
		got, err := content.PageBySlug(ctx, tx, "about")
		if err != nil || got.Title(content.EN) != story.TitleEN || got.Title(content.ZH) != story.TitleZH {
			t.Errorf("the page: %+v %v", got, err)
		}
		// Pages are not news.
		if l, err := content.Latest(ctx, tx, content.EN, "", 10); err != nil || len(l.Items) != 0 {
			t.Errorf("news lists a page: %+v %v", l, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Paging walks every public item once, newest first, in the language asked
// for: an item with no English title is not in the English list.
func TestLatestPages(t *testing.T) {
	db := ledgertest.DB(t)
	start := time.Date(2026, 12, 31, 10, 0, 0, 0, time.UTC)
	err := at(t, db, start, func(ctx context.Context, tx pgx.Tx) error {
		for i := range 7 {
			txt := story
			if i == 3 {
				txt.TitleEN, txt.SummaryEN, txt.BodyEN = "", "", ""
			}
			it, err := content.Create(ctx, tx, content.NewItem{Kind: content.News, Text: txt}, "user:w")
			if err != nil {
				return err
			}
			// Two items share a publication time: the id breaks the tie.
			if _, err := content.Schedule(ctx, tx, it.ID, start.Add(time.Duration(i/2+1)*time.Minute), "user:ed"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := clock.With(context.Background(), clock.Fixed(start.Add(time.Hour)))
	for _, c := range []struct {
		lang content.Lang
		want int
	}{{content.ZH, 7}, {content.EN, 6}} {
		var seen []int64
		cursor := ""
		for pages := 0; ; pages++ {
			l := latest(t, ctx, db, c.lang, cursor, 2)
			for _, it := range l.Items {
				seen = append(seen, it.ID)
			}
			if l.Next == "" {
				break
			}
			cursor = l.Next
			if pages > 10 {
				t.Fatal("paging does not end")
			}
		}
		if len(seen) != c.want {
			t.Errorf("%s: %d items, want %d: %v", c.lang, len(seen), c.want, seen)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] >= seen[i-1] {
				t.Errorf("%s: not newest first: %v", c.lang, seen)
			}
		}
	}
	if _, err := content.Latest(ctx, db.Pool, content.EN, "garbage", 2); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("a bad cursor: %v", err)
	}
}
