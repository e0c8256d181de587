// Package web serves Downline's browser UI: the single-page apps built by
// Vite from the TypeScript sources in this folder, embedded into the binary.
//
// The embedded folder is static/. It holds a committed placeholder
// (static/placeholder/index.html, a page saying the UI is not built and how
// to build it) and, after `make web`, Vite's output in static/dist, which is
// git-ignored. go:embed needs the folder to exist and match files, so a bare
// clone builds with the placeholder alone; when static/dist/index.html is
// present the handler serves dist instead. A build thus changes no tracked
// file and `git status` stays clean.
package web

import (
	"bytes"
	"embed"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:static
var static embed.FS

// Prefix is where the member office is served; Vite builds with this base,
// so the assets of both apps are under Prefix + "assets/".
const Prefix = "/app/"

// StaffPrefix is where the staff console is served: every address under it
// answers the console's HTML (staff.html of the build), which loads its
// assets from under Prefix.
const StaffPrefix = "/staff/"

// Built reports whether the binary carries the built UI rather than the
// placeholder.
func Built() bool {
	_, err := fs.Stat(static, "static/dist/index.html")
	return err == nil
}

// files is the tree served under Prefix: the build, else the placeholder.
func files() fs.FS {
	dir := "static/placeholder"
	if Built() {
		dir = "static/dist"
	}
	sub, err := fs.Sub(static, dir)
	if err != nil {
		panic("web: " + err.Error()) // dir is a constant inside the embedded tree
	}
	return sub
}

// Handler answers GET and HEAD under Prefix and StaffPrefix. Under Prefix:
// a file of the build when the path names one, index.html for any other
// address (the app's own routes, which it resolves in the browser), 404 for
// a missing file under assets/ (a stale hashed name must not be answered
// with HTML). Under StaffPrefix: staff.html for every address but assets/.
// The HTML pages are only ever answered as pages, with their headers.
//
// Vite names every file under assets/ by a hash of its content, so those
// are cached for a year as immutable; the HTML and the rest must be
// revalidated, so a new build reaches the browser on the next load.
func Handler() http.Handler { return handler(files()) }

func handler(root fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "only GET and HEAD are allowed here", http.StatusMethodNotAllowed)
			return
		}
		page, prefix := "index.html", Prefix
		if r.URL.Path+"/" == StaffPrefix || strings.HasPrefix(r.URL.Path, StaffPrefix) {
			page, prefix = staffPage(root), StaffPrefix
		}
		name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, prefix)), "/")
		if prefix == Prefix && name != "" && !strings.HasSuffix(name, ".html") {
			if ok := serveFile(w, r, root, name); ok {
				return
			}
		}
		if strings.HasPrefix(name, "assets/") {
			w.Header().Set("Cache-Control", "no-store")
			http.NotFound(w, r)
			return
		}
		servePage(w, r, root, page)
	})
}

// staffPage is the staff console's HTML; the placeholder has index.html only.
func staffPage(root fs.FS) string {
	if _, err := fs.Stat(root, "staff.html"); err == nil {
		return "staff.html"
	}
	return "index.html"
}

// serveFile answers with the file name of root, if there is one.
func serveFile(w http.ResponseWriter, r *http.Request, root fs.FS, name string) bool {
	f, err := root.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return false
	}
	if strings.HasPrefix(name, "assets/") {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	rs, ok := f.(io.ReadSeeker) // embedded files are
	if !ok {
		return false
	}
	http.ServeContent(w, r, name, time.Time{}, rs)
	return true
}

// servePage answers with the HTML page name, never cached without
// revalidation, under a content security policy that admits only this
// origin's scripts.
func servePage(w http.ResponseWriter, r *http.Request, root fs.FS, name string) {
	b, err := fs.ReadFile(root, name)
	if err != nil {
		http.Error(w, "the web UI has no "+name, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", csp)
	h.Set("Referrer-Policy", "same-origin")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// csp lets the page load scripts, styles, images and API answers from its
// own origin only; inline style attributes are allowed (the placeholder
// page uses one), inline scripts are not.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
