package portal

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"downline/clock"
	"downline/ledger/content"
)

// The Atom feed of a language's news: the 20 latest items.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
	Content atomText `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

func (p *Portal) feed(w http.ResponseWriter, r *http.Request) {
	l := langOf(r)
	list, err := content.Latest(r.Context(), p.db.Pool, l, "", 20)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	lang := "?lang=" + url.QueryEscape(string(l))
	f := atomFeed{Lang: string(l), Title: words[l]["company"] + " · " + words[l]["news"], ID: base + "/news" + lang,
		Updated: clock.Now(r.Context()).UTC().Format(time.RFC3339),
		Links:   []atomLink{{Rel: "self", Href: base + "/news/feed.xml" + lang}, {Rel: "alternate", Href: base + "/news" + lang}}}
	if len(list.Items) > 0 {
		f.Updated = list.Items[0].PublishAt.UTC().Format(time.RFC3339)
	}
	for _, it := range list.Items {
		link := base + "/news/" + strconv.FormatInt(it.ID, 10) + lang
		f.Entries = append(f.Entries, atomEntry{Title: it.Title(l), ID: link, Updated: it.PublishAt.UTC().Format(time.RFC3339),
			Link: atomLink{Href: link}, Summary: describe(it.Summary(l), it.Body(l)), Content: atomText{Type: "text", Text: it.Body(l)}})
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	cache(w, 300)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(xml.Header))
		_, _ = w.Write(out)
	}
}
