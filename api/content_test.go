package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"downline/clock"
)

// An editor writes, schedules and publishes; the public reads what is live
// and nothing else; members write nothing.
func TestContentOverTheAPI(t *testing.T) {
	w := newWorld(t)
	ed := w.token("editor")
	body := `{"kind":"news","title_zh":"新闻","title_en":"News","summary_en":"s","body_zh":"<script>alert(1)</script>","body_en":"<script>alert(1)</script>"}`
	res := w.call("POST", "/api/v1/content", ed, body)
	if res.status != 201 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	id := int64(res.json(t)["id"].(float64))
	if r := w.call("POST", "/api/v1/content", w.token("AAA"), body); r.status != 403 {
		t.Errorf("a member creates content: %d", r.status)
	}
	if r := w.call("POST", "/api/v1/content", ed, `{"kind":"news","title_en":""}`); r.status != 422 || !strings.Contains(string(r.body), "title") {
		t.Errorf("no title: %d %s", r.status, r.body)
	}
	path := fmt.Sprintf("/api/v1/news/%d", id)
	if r := w.call("GET", path, "", nil); r.status != 404 {
		t.Errorf("a draft is public: %d %s", r.status, r.body)
	}
	when := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	if r := w.call("POST", fmt.Sprintf("/api/v1/content/%d/schedule", id), ed, `{"publish_at":"`+when.Format(time.RFC3339)+`"}`); r.status != 200 {
		t.Fatalf("schedule: %d %s", r.status, r.body)
	}
	if r := w.call("GET", path, "", nil); r.status != 404 {
		t.Errorf("a scheduled item is public before its time: %d", r.status)
	}
	later := clock.With(context.Background(), clock.Starting(when.Add(time.Minute)))
	if r := w.callOn(later, w.h, "GET", path, "", nil); r.status != 200 || r.json(t)["body_en"] != "<script>alert(1)</script>" ||
		strings.Contains(string(r.body), "user:editor") {
		t.Errorf("the item after its time (the staff's logins kept back): %d %s", r.status, r.body)
	}
	r := w.callOn(later, w.h, "GET", "/api/v1/news?lang=en&limit=5", "", nil)
	var list struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || r.status != 200 || len(list.Items) != 1 || list.Items[0].ID != id {
		t.Errorf("the list after its time: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/news?lang=fr", "", nil); r.status != 400 {
		t.Errorf("lang=fr: %d", r.status)
	}
	base := fmt.Sprintf("/api/v1/content/%d", id)
	if r := w.callOn(later, w.h, "POST", base+"/revisions", ed, `{"title_en":"News, revised","body_en":"b"}`); r.status != 201 || r.json(t)["revision"] != 2.0 {
		t.Errorf("a revision: %d %s", r.status, r.body)
	}
	if r := w.callOn(later, w.h, "POST", base+"/publish", w.token("admin"), nil); r.status != 200 || r.json(t)["live_rev"] != 2.0 {
		t.Errorf("publish: %d %s", r.status, r.body)
	}
	if r := w.callOn(later, w.h, "GET", path+"?lang=en", "", nil); r.json(t)["title_en"] != "News, revised" {
		t.Errorf("the public after the revision is published: %s", r.body)
	}
	if r := w.callOn(later, w.h, "POST", base+"/archive", ed, nil); r.status != 200 {
		t.Errorf("archive: %d %s", r.status, r.body)
	}
	if r := w.callOn(later, w.h, "POST", base+"/archive", ed, nil); r.status != 409 {
		t.Errorf("archive twice: %d %s", r.status, r.body)
	}
	if r := w.callOn(later, w.h, "GET", path, "", nil); r.status != 404 {
		t.Errorf("an archived item is public: %d", r.status)
	}
	hist := w.call("GET", base, ed, nil)
	var h struct {
		Revisions []map[string]any `json:"revisions"`
		Events    []struct {
			Status, By string
		} `json:"events"`
	}
	if err := json.Unmarshal(hist.body, &h); err != nil || hist.status != 200 || len(h.Revisions) != 2 || len(h.Events) != 3 ||
		h.Events[0].Status != "scheduled" || h.Events[1].By != "user:admin" || h.Events[2].Status != "archived" {
		t.Errorf("the history: %d %s", hist.status, hist.body)
	}
}
