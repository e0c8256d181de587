package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestHandlerCachingAndFallback(t *testing.T) {
	root := fstest.MapFS{
		"index.html":            {Data: []byte("<!doctype html><title>app</title>")},
		"assets/index-abc1.js":  {Data: []byte("console.log(1)")},
		"assets/index-abc1.css": {Data: []byte("body{}")},
		"favicon.svg":           {Data: []byte("<svg/>")},
		"staff.html":            {Data: []byte("<!doctype html><title>staff</title>")},
	}
	h := handler(root)
	for _, tc := range []struct {
		method, path     string
		status           int
		cache, typ, body string
	}{
		{"GET", "/app/", 200, "no-cache", "text/html", "<title>app</title>"},
		{"GET", "/app/index.html", 200, "no-cache", "text/html", "<title>app</title>"},
		{"GET", "/app/team/CN0000042", 200, "no-cache", "text/html", "<title>app</title>"}, // a client route
		{"GET", "/app/assets/index-abc1.js", 200, "public, max-age=31536000, immutable", "text/javascript", "console.log(1)"},
		{"GET", "/app/assets/index-abc1.css", 200, "public, max-age=31536000, immutable", "text/css", "body{}"},
		{"GET", "/app/favicon.svg", 200, "no-cache", "image/svg+xml", "<svg/>"},
		{"GET", "/app/assets/index-old.js", 404, "no-store", "text/plain", "not found"}, // a stale hash is not answered with HTML
		{"GET", "/app/../../etc/passwd", 200, "no-cache", "text/html", "<title>app</title>"},
		{"HEAD", "/app/", 200, "no-cache", "text/html", ""},
		{"GET", "/app/staff.html", 200, "no-cache", "text/html", "<title>app</title>"}, // pages only at their addresses
		{"GET", "/staff/", 200, "no-cache", "text/html", "<title>staff</title>"},
		{"GET", "/staff", 200, "no-cache", "text/html", "<title>staff</title>"},
		{"GET", "/staff/finance/payments", 200, "no-cache", "text/html", "<title>staff</title>"}, // a client route
		{"GET", "/staff/favicon.svg", 200, "no-cache", "text/html", "<title>staff</title>"},
		{"GET", "/staff/assets/index-abc1.js", 404, "no-store", "text/plain", "not found"}, // assets are under /app/
		{"HEAD", "/staff/finance/payments", 200, "no-cache", "text/html", ""},
		{"POST", "/staff/", 405, "", "text/plain", "only GET and HEAD"},
		{"POST", "/app/", 405, "", "text/plain", "only GET and HEAD"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		if got := rec.Header().Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", tc.method, tc.path, got, tc.cache)
		}
		if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, tc.typ) {
			t.Errorf("%s %s: Content-Type %q, want %s", tc.method, tc.path, got, tc.typ)
		}
		if !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s %s: body %q lacks %q", tc.method, tc.path, rec.Body.String(), tc.body)
		}
		if tc.typ == "text/html" && tc.status == 200 && rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s %s: no Content-Security-Policy on the page", tc.method, tc.path)
		}
	}
}

// The embedded tree always has an index.html: the build's, or the
// placeholder that says how to build it.
func TestEmbeddedIndex(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/app/", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<html") {
		t.Fatalf("GET /app/: %d %q", rec.Code, rec.Body.String())
	}
	if !Built() && !strings.Contains(rec.Body.String(), "make build") {
		t.Errorf("the placeholder does not say how to build the UI: %s", rec.Body.String())
	}
	rec = httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/staff/finance/payments", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "<html") {
		t.Fatalf("GET /staff/finance/payments: %d %q", rec.Code, rec.Body.String())
	}
	if Built() && !strings.Contains(rec.Body.String(), "/app/assets/staff-") {
		t.Errorf("the staff console's page does not load its script: %s", rec.Body.String())
	}
}
