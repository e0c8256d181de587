package api

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"downline/analytics/export"
	"downline/ledger/user"
)

// exportRoutes are the files analysts take into their own tools
// (docs/exports.md): HQ-wide, so only analysts and admins.
func (s *Server) exportRoutes() []Route {
	who := roles(user.Admin, user.Analyst)
	return []Route{
		{Method: GET, Path: "/analytics/exports", Tag: "analytics",
			Summary: "The datasets that can be exported: their columns with types and meanings, and the filters each takes",
			Roles:   who, Response: []export.Dataset{}, Handle: s.exportDatasets},
		{Method: GET, Path: "/analytics/exports/{file}", Tag: "analytics",
			Summary: "A dataset as a file, streamed: {file} is DATASET.FORMAT (members, links, orders, order_lines, lot_moves, bonus_lines; " +
				"parquet, arrow (Arrow IPC file format) or csv), e.g. orders.parquet",
			Roles: who, Audit: true, Query: []Param{
				{"period", "string", "orders, order_lines, lot_moves: a month YYYY-MM (company zone); bonus_lines: a settlement period's code (its approved or paid run)"},
				{"from", "string", "members (joined), orders and order_lines (placed), lot_moves (moved): from this date, YYYY-MM-DD in the company zone"},
				{"to", "string", "the same: up to and including this date"},
				{"as_of", "string", "links: the trees as they stood at this moment (a date: its end; default now)"},
				{"run", "integer", "bonus_lines: a settlement run's id (any status)"},
				{"sku", "string", "lot_moves: one product's"},
				{"batch", "string", "lot_moves: one lot's (with sku)"},
			},
			Produces: strings.Join([]string{export.Parquet.ContentType(), export.Arrow.ContentType(), export.CSV.ContentType()}, ", "),
			Handle:   s.exportFile},
	}
}

func (s *Server) exportDatasets(c *call) (any, error) { return export.Datasets, nil }

// exportFile opens the export before answering, so a bad filter or an
// unknown run answers a problem; once rows flow, a failure cuts the
// connection (the client sees an incomplete transfer, never a short file
// that looks whole).
func (s *Server) exportFile(c *call) (any, error) {
	file := c.Param("file")
	name, ext, ok := strings.Cut(file, ".")
	if !ok {
		return nil, errStatus(404, fmt.Sprintf("export %q: want DATASET.FORMAT, e.g. members.parquet", file))
	}
	format, err := export.ParseFormat(ext)
	if err == nil {
		_, err = export.Lookup(name)
	}
	if err != nil { // a file that is not there, rather than a bad request
		return nil, errStatus(404, strings.TrimPrefix(err.Error(), export.ErrInvalid.Error()+": "))
	}
	f := export.Filters{Period: c.Query("period"), From: c.Query("from"), To: c.Query("to"), AsOf: c.Query("as_of"),
		Run: c.Query("run"), SKU: c.Query("sku"), Batch: c.Query("batch")}
	e, err := export.Open(c.ctx(), s.DB, name, f)
	if err != nil {
		return nil, wrap("export", err)
	}
	return stream{ContentType: format.ContentType(), Filename: file, Write: func(w io.Writer) error {
		defer e.Close()
		_, err := e.Write(c.ctx(), w, format, nil)
		return err
	}}, nil
}

// stream is a handler's answer that is a file written as it is produced,
// never held whole in memory (see download for files that are).
type stream struct {
	ContentType string
	Filename    string
	Write       func(io.Writer) error
}

func (st stream) send(g *gin.Context, code int) {
	g.Header("Content-Type", st.ContentType)
	g.Header("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, st.Filename))
	g.Header("Cache-Control", "no-store")
	g.Header("X-Content-Type-Options", "nosniff")
	g.Status(code)
	if err := st.Write(g.Writer); err != nil {
		if !g.Writer.Written() { // nothing sent yet: a problem can still be
			g.Writer.Header().Del("Content-Disposition")
			writeProblem(g, err)
			return
		}
		slog.Error("export cut short", "path", g.Request.URL.Path, "err", err)
		// Close the connection without the end of the chunked body (gin
		// refuses to hijack once a body is written; net/http does not).
		if u, ok := g.Writer.(interface{ Unwrap() http.ResponseWriter }); ok {
			if h, ok := u.Unwrap().(http.Hijacker); ok {
				if conn, _, err := h.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
		}
	}
}
