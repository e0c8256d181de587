// Package portal serves the company's public web site, rendered on the
// server with html/template so that a search engine or a slow phone gets
// the words in the first answer: the home page (the latest news and the
// catalogue), the news list and articles, product pages, the about,
// culture and contact pages, and an Atom feed of the news per language.
//
// The content comes from ledger/content (what is published, as the clock
// of the request's context reads it: see package clock) and the products
// from ledger/catalog. Every page speaks zh-CN or en: ?lang= chooses,
// else the browser's Accept-Language, else zh-CN; the links on a page keep
// the language. html/template escapes every stored text, so markup in a
// title or a body is shown as text, never run.
package portal

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/content"
	"downline/shop"
)

//go:embed templates/*.html
var templates embed.FS

// Paths are the addresses the portal answers, for a router to send to it:
// a path ending in / stands for every path under it.
var Paths = []string{"/", "/news", "/news/", "/products/", "/about", "/culture", "/contact", "/search", "/shop", "/shop/"}

// Portal is the public site over a ledger.
type Portal struct {
	// Shop is the online shop behind the /shop pages.
	Shop *shop.Service
	// Throttle, when set, slows repeated failed sign-ins to the shop.
	Throttle SignInThrottle
	db       *ledger.DB
	pages    map[string]*template.Template
	mux      *http.ServeMux
	homes    coalescer[homeKey]
}

// New makes the portal over db.
func New(db *ledger.DB) *Portal {
	p := &Portal{Shop: shop.New(db, nil), db: db, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	funcs := template.FuncMap{"paras": paragraphs, "fields": addressFields}
	for _, name := range []string{"home", "news", "article", "product", "page", "notfound", "search"} {
		p.pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templates, "templates/layout.html", "templates/"+name+".html"))
	}
	for _, name := range []string{"shop", "cart", "signup", "signin", "checkout", "pay", "orders", "order"} {
		p.pages[name] = template.Must(template.New("layout.html").Funcs(funcs).
			ParseFS(templates, "templates/layout.html", "templates/shopcommon.html", "templates/"+name+".html"))
	}
	p.mux.HandleFunc("GET /{$}", p.home)
	p.mux.HandleFunc("GET /news", p.newsList)
	p.mux.HandleFunc("GET /news/feed.xml", p.feed)
	p.mux.HandleFunc("GET /news/{id}", p.article)
	p.mux.HandleFunc("GET /products/{sku}", p.product)
	p.mux.HandleFunc("GET /search", p.search)
	for _, slug := range []string{"about", "culture", "contact"} {
		p.mux.HandleFunc("GET /"+slug, func(w http.ResponseWriter, r *http.Request) { p.page(w, r, slug) })
	}
	p.shopRoutes()
	p.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "only GET and HEAD are allowed here", http.StatusMethodNotAllowed)
			return
		}
		p.notFound(w, r, langOf(r))
	})
	return p
}

func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// view is what every page's template gets.
type view struct {
	Lang        content.Lang
	T           map[string]string
	Title       string
	Description string
	Path        string // the page's path, for the language switch
	// The page's own data.
	News    []newsView
	Next    string // the news list's next page, a URL
	Item    *newsView
	Page    *content.Item
	Product *productView
	Items   []productView
	// Query is what the search box holds.
	Query string
	// Shop is a shop page's own data.
	Shop *shopPage
}

type newsView struct {
	ID      int64
	Title   string
	Summary string
	Body    string
	Date    string
	ISO     string
	Kind    content.Kind
	SKU     string
	URL     string
	Image   *imageView
}

// imageView is an image with its size, so the page keeps its place while
// the image loads.
type imageView struct {
	URL           string
	Width, Height int
}

func imageOf(it content.Item) *imageView {
	if it.Picture == nil {
		return nil
	}
	return &imageView{URL: it.Picture.URL, Width: it.Picture.Width, Height: it.Picture.Height}
}

type productView struct {
	SKU, Name, Description, Retail, Member, URL string
}

// Link is path with the page's language.
func (v view) Link(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "lang=" + url.QueryEscape(string(v.Lang))
}

// Switch is this page in the other language.
func (v view) Switch() string {
	other := content.EN
	if v.Lang == content.EN {
		other = content.ZH
	}
	return view{Lang: other}.Link(v.Path)
}

func (p *Portal) newView(r *http.Request, l content.Lang) view {
	return view{Lang: l, T: words[l], Path: r.URL.Path, Description: words[l]["tagline"]}
}

// langOf is ?lang=, else the first language of Accept-Language the site
// speaks, else zh-CN.
func langOf(r *http.Request) content.Lang {
	if l, ok := content.ParseLang(r.URL.Query().Get("lang")); ok {
		return l
	}
	best, bestQ := content.ZH, -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		l, ok := content.ParseLang(base)
		if ok && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// cache says how long a page may be kept: a minute, so a scheduled item
// appears on every page within a minute of its time; the answer depends
// on the browser's languages when ?lang= is absent.
func cache(w http.ResponseWriter, maxAge int) {
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(maxAge))
	w.Header().Add("Vary", "Accept-Language")
}

func (p *Portal) render(w http.ResponseWriter, r *http.Request, name string, status int, v view) {
	var b bytes.Buffer
	if err := p.pages[name].Execute(&b, v); err != nil {
		p.fail(w, r, err)
		return
	}
	p.write(w, r, status, b.Bytes(), v.Shop != nil)
}

// write sends a rendered page with the site's headers; a shop page (a
// visitor's own cart, prices and orders) is never cached.
func (p *Portal) write(w http.ResponseWriter, r *http.Request, status int, body []byte, shopPage bool) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// No script of ours runs on these pages, and none of anyone else's
	// may; forms (the search box, the shop's) go to this site only.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	if shopPage {
		w.Header().Set("Cache-Control", "no-store")
	} else if status == http.StatusOK {
		cache(w, 60)
	} else {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	slog.Error("portal", "path", r.URL.Path, "err", err)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "The site could not answer; please try again in a moment.", http.StatusInternalServerError)
}

func (p *Portal) notFound(w http.ResponseWriter, r *http.Request, l content.Lang) {
	v := p.newView(r, l)
	v.Title = v.T["notfound"]
	p.render(w, r, "notfound", http.StatusNotFound, v)
}

// readErr answers a read's error: 404 for what is not (or not yet) there.
func (p *Portal) readErr(w http.ResponseWriter, r *http.Request, l content.Lang, err error) {
	if errors.Is(err, ledger.ErrNotFound) || errors.Is(err, ledger.ErrInvalid) {
		p.notFound(w, r, l)
		return
	}
	p.fail(w, r, err)
}

// homeKey is what the home page depends on: the language, and the second
// the clock reads (what is published depends on it; a request whose clock
// is pinned shares only with requests pinned to the same second).
type homeKey struct {
	lang content.Lang
	at   int64
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	l := langOf(r)
	body, err := p.homes.do(r.Context(), homeKey{l, clock.Now(r.Context()).Unix()}, func(ctx context.Context) ([]byte, error) {
		news, err := content.Latest(ctx, p.db.Pool, l, "", 4)
		if err != nil {
			return nil, err
		}
		products, err := catalog.List(ctx, p.db.Pool, "", 12, true)
		if err != nil {
			return nil, err
		}
		v := p.newView(r, l)
		v.Title = v.T["company"] + " · " + v.T["tagline"]
		v.News = p.newsViews(l, news.Items, v)
		for _, pr := range products {
			v.Items = append(v.Items, productOf(pr, l, v))
		}
		var b bytes.Buffer
		err = p.pages["home"].Execute(&b, v)
		return b.Bytes(), err
	})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.write(w, r, http.StatusOK, body, false)
}

func (p *Portal) newsList(w http.ResponseWriter, r *http.Request) {
	l := langOf(r)
	list, err := content.Latest(r.Context(), p.db.Pool, l, r.URL.Query().Get("cursor"), 10)
	if err != nil {
		p.readErr(w, r, l, err)
		return
	}
	v := p.newView(r, l)
	v.Title = v.T["news"] + " · " + v.T["company"]
	v.Description = v.T["news_description"]
	v.News = p.newsViews(l, list.Items, v)
	if list.Next != "" {
		v.Next = v.Link("/news?cursor=" + url.QueryEscape(list.Next))
	}
	p.render(w, r, "news", http.StatusOK, v)
}

func (p *Portal) article(w http.ResponseWriter, r *http.Request) {
	l := langOf(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		p.notFound(w, r, l)
		return
	}
	it, err := content.Public(r.Context(), p.db.Pool, id)
	if err == nil && it.Title(l) == "" {
		err = ledger.ErrNotFound // not written in this language
	}
	if err != nil {
		p.readErr(w, r, l, err)
		return
	}
	v := p.newView(r, l)
	nv := p.newsViews(l, []content.Item{it}, v)[0]
	v.Item = &nv
	v.Title = nv.Title + " · " + v.T["company"]
	v.Description = describe(nv.Summary, nv.Body)
	p.render(w, r, "article", http.StatusOK, v)
}

func (p *Portal) page(w http.ResponseWriter, r *http.Request, slug string) {
	l := langOf(r)
	it, err := content.PageBySlug(r.Context(), p.db.Pool, slug)
	if err != nil {
		p.readErr(w, r, l, err)
		return
	}
	v := p.newView(r, l)
	v.Page = &it
	v.Item = &p.newsViews(l, []content.Item{it}, v)[0]
	v.Title = it.Title(l) + " · " + v.T["company"]
	v.Description = describe(it.Summary(l), it.Body(l))
	p.render(w, r, "page", http.StatusOK, v)
}

// search finds published content and active products in the visitor's
// language (see content.Search for how).
func (p *Portal) search(w http.ResponseWriter, r *http.Request) {
	l := langOf(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if rs := []rune(q); len(rs) > content.MaxQuery {
		q = string(rs[:content.MaxQuery])
	}
	v := p.newView(r, l)
	v.Query = q
	v.Title = v.T["search"] + " · " + v.T["company"]
	if q != "" {
		v.Title = q + " · " + v.T["search"] + " · " + v.T["company"]
		ctx := r.Context()
		items, err := content.Search(ctx, p.db.Pool, l, q, 20)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		products, err := catalog.Search(ctx, p.db.Pool, q, l == content.ZH, 20)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		v.News = p.newsViews(l, items, v)
		for _, pr := range products {
			v.Items = append(v.Items, productOf(pr, l, v))
		}
	}
	p.render(w, r, "search", http.StatusOK, v)
}

func (p *Portal) product(w http.ResponseWriter, r *http.Request) {
	l := langOf(r)
	pr, err := catalog.Get(r.Context(), p.db.Pool, r.PathValue("sku"))
	if err == nil && pr.Status == catalog.Draft {
		err = ledger.ErrNotFound // not launched
	}
	if err != nil {
		p.readErr(w, r, l, err)
		return
	}
	v := p.newView(r, l)
	pv := productOf(pr, l, v)
	v.Product = &pv
	v.Title = pv.Name + " · " + v.T["company"]
	v.Description = describe(pv.Description, pv.Name)
	p.render(w, r, "product", http.StatusOK, v)
}

func (p *Portal) newsViews(l content.Lang, items []content.Item, v view) []newsView {
	out := make([]newsView, 0, len(items))
	zone, err := ledger.CompanyZone()
	if err != nil {
		zone = time.UTC
	}
	for _, it := range items {
		nv := newsView{ID: it.ID, Title: it.Title(l), Summary: it.Summary(l), Body: it.Body(l), Kind: it.Kind, SKU: it.SKU,
			URL: v.Link("/news/" + strconv.FormatInt(it.ID, 10)), Image: imageOf(it)}
		if it.Kind == content.Page {
			nv.URL = v.Link("/" + it.Slug)
		}
		if it.PublishAt != nil {
			at := it.PublishAt.In(zone)
			nv.ISO = at.Format(time.RFC3339)
			nv.Date = formatDate(at, l)
		}
		out = append(out, nv)
	}
	return out
}

func productOf(pr catalog.Product, l content.Lang, v view) productView {
	name, desc := pr.NameZH, pr.DescriptionZH
	if l == content.EN {
		name, desc = pr.NameEN, pr.DescriptionEN
	}
	return productView{SKU: pr.SKU, Name: name, Description: desc, Retail: yuan(pr.RetailPrice), Member: yuan(pr.MemberPrice),
		URL: v.Link("/products/" + url.PathEscape(pr.SKU))}
}

// formatDate is a date as each language writes it.
func formatDate(t time.Time, l content.Lang) string {
	if l == content.EN {
		return t.Format("2 January 2006")
	}
	return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
}

// yuan writes an amount with two decimals and thousands separators, from
// its decimal digits.
func yuan(d decimal.Decimal) string {
	s := d.StringFixed(2)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := "¥" + b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}

// describe is a meta description: the summary, else the start of the text.
func describe(summary, body string) string {
	s := strings.Join(strings.Fields(summary), " ")
	if s == "" {
		s = strings.Join(strings.Fields(body), " ")
	}
	if r := []rune(s); len(r) > 160 {
		s = string(r[:157]) + "…"
	}
	return s
}

// paragraphs splits a text at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
