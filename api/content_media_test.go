package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// Editors give a revision an image from the media store and find items in
// their list by kind, status and title; the public reads announcements
// apart from news, each with its picture's address and size.
func TestContentImagesAndLists(t *testing.T) {
	w := newWorld(t)
	ed := w.token("editor")
	pic := w.upload(ed, "file", "tea.png", "image/png", pngOf(t, noise(12, 8))).json(t)
	img := pic["id"].(string)
	create := func(body string) map[string]any {
		t.Helper()
		res := w.call("POST", "/api/v1/content", ed, body)
		if res.status != 201 {
			t.Fatalf("create %s: %d %s", body, res.status, res.body)
		}
		return res.json(t)
	}
	if r := w.call("POST", "/api/v1/content", ed, `{"kind":"news","title_en":"x","body_en":"y","image":"`+strings.Repeat("ab", 32)+`"}`); r.status != 422 ||
		!strings.Contains(string(r.body), "image: no image") {
		t.Errorf("an image not in the store: %d %s", r.status, r.body)
	}
	tea := create(`{"kind":"product","sku":"VC-100","title_zh":"维C","title_en":"Vitamin C","summary_en":"s","body_zh":"b","image":"` + img + `"}`)
	if p, _ := tea["picture"].(map[string]any); p["url"] != "/media/"+img || p["width"] != 12.0 || p["height"] != 8.0 {
		t.Errorf("the item's picture: %v", tea["picture"])
	}
	story := create(`{"kind":"news","title_zh":"新闻","title_en":"Story","summary_en":"s","body_zh":"b"}`)
	create(`{"kind":"news","title_zh":"草稿","title_en":"Draft only","summary_en":"s","body_zh":"b"}`)
	for _, it := range []map[string]any{tea, story} {
		if r := w.call("POST", fmt.Sprintf("/api/v1/content/%v/publish", it["id"]), ed, nil); r.status != 200 {
			t.Fatalf("publish: %d %s", r.status, r.body)
		}
	}
	// An edit without the image drops it from the next revision only.
	if r := w.call("POST", fmt.Sprintf("/api/v1/content/%v/revisions", tea["id"]), ed, `{"title_zh":"维C","title_en":"Vitamin C","summary_en":"s2","body_zh":"b"}`); r.status != 201 || strings.Contains(string(r.body), `"picture"`) {
		t.Errorf("an edit without the image: %d %s", r.status, r.body)
	}
	h := w.call("GET", fmt.Sprintf("/api/v1/content/%v", tea["id"]), ed, nil).json(t)
	if revs := h["revisions"].([]any); len(revs) != 2 || revs[0].(map[string]any)["image"] != img || revs[1].(map[string]any)["image"] != nil ||
		revs[0].(map[string]any)["by"] != "user:editor" {
		t.Errorf("revisions: %v", revs)
	}

	titles := func(path string) []string {
		t.Helper()
		res := w.call("GET", path, ed, nil)
		if res.status != 200 {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		var out []string
		for _, it := range res.json(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["title_en"].(string))
		}
		return out
	}
	for path, want := range map[string]string{
		"/api/v1/content":                                   "Draft only,Story,Vitamin C",
		"/api/v1/content?status=draft":                      "Draft only",
		"/api/v1/content?kind=product":                      "Vitamin C",
		"/api/v1/content?kind=news&status=published":        "Story",
		"/api/v1/content?q=%E6%96%B0":                       "Story", // 新
		"/api/v1/content?q=vitamin":                         "Vitamin C",
		"/api/v1/content?limit=2":                           "Draft only,Story",
		"/api/v1/news?lang=en&kind=product":                 "Vitamin C",
		"/api/v1/news?lang=en&kind=news":                    "Story",
		"/api/v1/news?lang=en":                              "Story,Vitamin C",
		"/api/v1/content?q=%25":                             "",
		"/api/v1/content?status=archived&kind=page":         "",
		"/api/v1/content?cursor=" + fmt.Sprint(story["id"]): "Vitamin C",
	} {
		if got := strings.Join(titles(path), ","); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	// The public's copy of the live revision has the picture (the edit is not live yet).
	if r := w.call("GET", fmt.Sprintf("/api/v1/news/%v", tea["id"]), "", nil).json(t); r["image"] != img {
		t.Errorf("the public's announcement: %v", r)
	}
	for _, bad := range []string{"/api/v1/content?kind=poem", "/api/v1/content?status=gone", "/api/v1/content?cursor=x", "/api/v1/news?kind=page"} {
		if r := w.call("GET", bad, ed, nil); r.status != 422 && r.status != 400 {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
	if r := w.call("GET", "/api/v1/content", w.token("AAA"), nil); r.status != 403 {
		t.Errorf("a member lists content: %d", r.status)
	}
}
