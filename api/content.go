package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger/content"
	"downline/ledger/user"
)

// contentRoutes are the public portal's content: news and pages read by
// anyone, written by editors (and admins).
func (s *Server) contentRoutes() []Route {
	editors := roles(user.Admin, user.Editor)
	return []Route{
		{Method: GET, Path: "/news", Tag: "content", Summary: "Published news and product announcements in a language, newest first, a page at a time",
			Public: true, Roles: everyone, Query: []Param{
				{"lang", "string", "zh-CN (default) or en: items with a title in it"},
				{"kind", "string", "news or product (new-product announcements); default both"},
				{"cursor", "string", "the next of the previous page"},
				{"limit", "integer", "items per page, 1-100 (default 20)"},
			}, Response: content.List{}, Handle: s.newsList},
		{Method: GET, Path: "/news/{id}", Tag: "content", Summary: "One published news item, its live revision",
			Public: true, Roles: everyone, Response: content.Item{}, Handle: s.newsItem},
		{Method: GET, Path: "/pages/{slug}", Tag: "content", Summary: "One published page (about, culture, contact)",
			Public: true, Roles: everyone, Response: content.Item{}, Handle: s.pageItem},
		{Method: GET, Path: "/content", Tag: "content", Summary: "Every item as editors see it (its newest revision), newest first, by kind, status and title",
			Roles: editors, Query: []Param{
				{"kind", "string", "page, news or product (default: all)"},
				{"status", "string", "draft, scheduled, published or archived (default: all)"},
				{"q", "string", "part of a title, either language"},
				cursorParam, {"limit", "integer", "items per page, 1-100 (default 50)"},
			}, Response: content.Listing{}, Handle: s.contentList},
		{Method: POST, Path: "/content", Tag: "content", Summary: "Create a draft: a page, a news article or a product announcement, with its first revision",
			Roles: editors, Request: content.NewItem{}, Response: content.Item{}, Status: 201, Handle: s.contentCreate},
		{Method: GET, Path: "/content/{id}", Tag: "content", Summary: "An item as editors see it, whatever its status: its newest revision, every revision and every change of life",
			Roles: editors, Response: contentHistory{}, Handle: s.contentGet},
		{Method: POST, Path: "/content/{id}/revisions", Tag: "content", Summary: "Edit: append a revision (the public reads it once the item is published again)",
			Roles: editors, Request: content.Text{}, Response: content.Item{}, Status: 201, Handle: s.contentEdit},
		{Method: POST, Path: "/content/{id}/schedule", Tag: "content", Summary: "Schedule the newest revision to go public at a future time",
			Roles: editors, Request: scheduleRequest{}, Response: content.Item{}, Handle: s.contentSchedule},
		{Method: POST, Path: "/content/{id}/publish", Tag: "content", Summary: "Publish the newest revision now",
			Roles: editors, Response: content.Item{}, Handle: s.contentPublish},
		{Method: POST, Path: "/content/{id}/archive", Tag: "content", Summary: "Take an item off the public site",
			Roles: editors, Response: content.Item{}, Handle: s.contentArchive},
	}
}

type contentHistory struct {
	Item      content.Item       `json:"item"`
	Revisions []content.Revision `json:"revisions"`
	Events    []content.Event    `json:"events"`
}

type scheduleRequest struct {
	PublishAt time.Time `json:"publish_at"`
}

func contentID(c *call) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errStatus(http.StatusNotFound, "no content item "+strconv.Quote(c.Param("id")))
	}
	return id, nil
}

func langQuery(c *call) (content.Lang, error) {
	v := c.Query("lang")
	if v == "" {
		return content.ZH, nil
	}
	l, ok := content.ParseLang(v)
	if !ok {
		return "", errStatus(http.StatusBadRequest, "lang must be zh-CN or en, not "+strconv.Quote(v))
	}
	return l, nil
}

func (s *Server) newsList(c *call) (any, error) {
	l, err := langQuery(c)
	if err != nil {
		return nil, err
	}
	limit, err := intQuery(c, "limit", 20, 1, 100)
	if err != nil {
		return nil, err
	}
	list, err := content.LatestOf(c.ctx(), s.DB.Pool, l, content.Kind(c.Query("kind")), c.Query("cursor"), limit)
	for i := range list.Items {
		list.Items[i] = list.Items[i].Anonymous()
	}
	return list, wrap("list news", err)
}

func (s *Server) newsItem(c *call) (any, error) {
	id, err := contentID(c)
	if err != nil {
		return nil, err
	}
	it, err := content.Public(c.ctx(), s.DB.Pool, id)
	return it.Anonymous(), wrap("read news", err)
}

func (s *Server) pageItem(c *call) (any, error) {
	it, err := content.PageBySlug(c.ctx(), s.DB.Pool, c.Param("slug"))
	return it.Anonymous(), wrap("read page", err)
}

func (s *Server) contentList(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 50, 1, 100)
	if err != nil {
		return nil, err
	}
	f := content.Filter{Kind: content.Kind(c.Query("kind")), Status: content.Status(c.Query("status")), Q: c.Query("q")}
	list, err := content.Browse(c.ctx(), s.DB.Pool, f, c.Query("cursor"), limit)
	return list, wrap("list content", err)
}

func (s *Server) contentGet(c *call) (any, error) {
	id, err := contentID(c)
	if err != nil {
		return nil, err
	}
	var h contentHistory
	if h.Item, err = content.Get(c.ctx(), s.DB.Pool, id); err != nil {
		return nil, wrap("read content", err)
	}
	h.Revisions, h.Events, err = content.History(c.ctx(), s.DB.Pool, id)
	return h, wrap("read content history", err)
}

func (s *Server) contentCreate(c *call) (any, error) {
	var req content.NewItem
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	return s.contentWrite(c, "create content", func(tx pgx.Tx) (content.Item, error) {
		return content.Create(c.ctx(), tx, req, c.who.By())
	})
}

func (s *Server) contentEdit(c *call) (any, error) {
	id, err := contentID(c)
	if err != nil {
		return nil, err
	}
	var req content.Text
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	return s.contentWrite(c, "edit content", func(tx pgx.Tx) (content.Item, error) {
		return content.Edit(c.ctx(), tx, id, req, c.who.By())
	})
}

func (s *Server) contentSchedule(c *call) (any, error) {
	id, err := contentID(c)
	if err != nil {
		return nil, err
	}
	var req scheduleRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	if req.PublishAt.IsZero() {
		return nil, errStatus(http.StatusBadRequest, "publish_at: give the time to publish at (RFC 3339, e.g. 2026-03-01T00:00:00+08:00)")
	}
	return s.contentWrite(c, "schedule content", func(tx pgx.Tx) (content.Item, error) {
		return content.Schedule(c.ctx(), tx, id, req.PublishAt, c.who.By())
	})
}

func (s *Server) contentPublish(c *call) (any, error) {
	return s.contentMove(c, "publish content", content.Publish)
}

func (s *Server) contentArchive(c *call) (any, error) {
	return s.contentMove(c, "archive content", content.Archive)
}

func (s *Server) contentMove(c *call, op string, move func(ctx context.Context, tx pgx.Tx, id int64, by string) (content.Item, error)) (any, error) {
	id, err := contentID(c)
	if err != nil {
		return nil, err
	}
	return s.contentWrite(c, op, func(tx pgx.Tx) (content.Item, error) { return move(c.ctx(), tx, id, c.who.By()) })
}

func (s *Server) contentWrite(c *call, op string, fn func(tx pgx.Tx) (content.Item, error)) (any, error) {
	var it content.Item
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		it, err = fn(tx)
		return err
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return it, nil
}
