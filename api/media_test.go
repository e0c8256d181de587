package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// upload posts data as the multipart field field, named filename and
// claimed to be of type ctype.
func (w *world) upload(token, field, filename, ctype string, data []byte) resp {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	hdr := make(map[string][]string)
	hdr["Content-Disposition"] = []string{`form-data; name="` + field + `"; filename="` + filename + `"`}
	hdr["Content-Type"] = []string{ctype}
	part, err := mw.CreatePart(hdr)
	if err != nil {
		w.t.Fatal(err)
	}
	part.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", "/api/v1/media", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// noise is a w × h picture of random pixels (it does not compress).
func noise(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for i := range img.Pix {
		img.Pix[i] = byte(r.UintN(256))
	}
	return img
}

func pngOf(t *testing.T, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpLossless is the header of a lossless WebP of w × h pixels: enough
// for its size to be read.
func webpLossless(w, h int) []byte {
	vp8l := []byte{0x2f, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(vp8l[1:], uint32(w-1)|uint32(h-1)<<14)
	vp8l = append(vp8l, make([]byte, 16)...)
	chunk := append([]byte("VP8L"), binary.LittleEndian.AppendUint32(nil, uint32(len(vp8l)))...)
	chunk = append(chunk, vp8l...)
	riff := append([]byte("WEBP"), chunk...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(riff)))...), riff...)
}

func TestMediaUploadAndServe(t *testing.T) {
	w := newWorld(t)
	editor := w.token("editor")
	pic := pngOf(t, noise(40, 30))
	res := w.upload(editor, "file", "photo.png", "image/png", pic)
	if res.status != 201 {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
	got := res.json(t)
	sum := sha256.Sum256(pic)
	id := hex.EncodeToString(sum[:])
	if got["id"] != id || got["url"] != "/media/"+id || got["width"] != 40.0 || got["height"] != 30.0 ||
		got["content_type"] != "image/png" || got["bytes"] != float64(len(pic)) {
		t.Errorf("upload answered %v", got)
	}
	// The same file again is the same image, stored once.
	if again := w.upload(w.token("AAA"), "file", "again.png", "image/png", pic).json(t); again["id"] != id {
		t.Errorf("the same bytes uploaded again: %v", again)
	}
	var rows, uploads int
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM media), (SELECT count(*) FROM media_uploads)`).Scan(&rows, &uploads); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || uploads != 2 {
		t.Errorf("stored %d images and %d uploads, want 1 and 2", rows, uploads)
	}

	for _, path := range []string{"/media/" + id, "/api/v1/media/" + id} {
		res := w.call("GET", path, "", nil)
		if res.status != 200 || !bytes.Equal(res.body, pic) {
			t.Fatalf("GET %s: %d, %d bytes", path, res.status, len(res.body))
		}
		h := res.header
		if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Cache-Control"), "immutable") || !strings.Contains(h.Get("Cache-Control"), "max-age=31536000") ||
			h.Get("ETag") != `"`+id+`"` {
			t.Errorf("GET %s headers: %v", path, h)
		}
		if res := w.call("GET", path, "", nil, "If-None-Match", `"`+id+`"`); res.status != http.StatusNotModified || len(res.body) != 0 {
			t.Errorf("GET %s If-None-Match: %d, %d bytes", path, res.status, len(res.body))
		}
	}
	if res := w.call("GET", "/media/"+strings.Repeat("0", 64), "", nil); res.status != 404 {
		t.Errorf("a missing image: %d %s", res.status, res.body)
	}
	if res := w.call("GET", "/media/not-an-id", "", nil); res.status != 404 {
		t.Errorf("a malformed id: %d %s", res.status, res.body)
	}
}

func TestMediaTypes(t *testing.T) {
	w := newWorld(t)
	shopper := w.token("shopper")
	var jpg, gf bytes.Buffer
	if err := jpeg.Encode(&jpg, noise(17, 9), nil); err != nil {
		t.Fatal(err)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 5, 7), []color.Color{color.Black, color.White})
	if err := gif.Encode(&gf, pal, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, ctype string
		data        []byte
		w, h        float64
	}{
		{"jpeg", "image/jpeg", jpg.Bytes(), 17, 9},
		{"gif", "image/gif", gf.Bytes(), 5, 7},
		{"webp", "image/webp", webpLossless(300, 200), 300, 200},
		// The type is the content's, not what the client claims.
		{"png", "image/png", pngOf(t, noise(3, 3)), 3, 3},
	} {
		res := w.upload(shopper, "file", "x.bin", "application/octet-stream", c.data)
		if res.status != 201 {
			t.Errorf("%s: %d %s", c.name, res.status, res.body)
			continue
		}
		if got := res.json(t); got["content_type"] != c.ctype || got["width"] != c.w || got["height"] != c.h {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

func TestMediaRefused(t *testing.T) {
	w := newWorld(t)
	member := w.token("AAA")
	problem := func(res resp) string {
		t.Helper()
		if !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("answered %q", res.header.Get("Content-Type"))
		}
		d, _ := res.json(t)["detail"].(string)
		return d
	}
	big := append(pngOf(t, noise(2, 2)), make([]byte, 5<<20)...)
	cases := []struct {
		name, filename, ctype string
		data                  []byte
		status                int
		says                  []string
	}{
		{"oversized", "big.png", "image/png", big, 413, []string{"at most 5 MiB (5242880 bytes)"}},
		{"a renamed text file", "notes.png", "image/png", []byte("just some notes, not a picture\n"), 415, []string{"not a JPEG, PNG, GIF or WebP", "text"}},
		{"svg", "logo.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 415, []string{"SVG"}},
		{"pdf", "scan.jpg", "image/jpeg", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), 415, []string{"PDF"}},
		{"empty", "empty.png", "image/png", nil, 415, []string{"empty"}},
		{"a truncated png", "cut.png", "image/png", pngOf(t, noise(4, 4))[:20], 415, []string{"png image's header cannot be read"}},
	}
	for _, c := range cases {
		res := w.upload(member, "file", c.filename, c.ctype, c.data)
		if res.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, res.status, res.body, c.status)
			continue
		}
		d := problem(res)
		for _, s := range append(c.says, "file: ") {
			if !strings.Contains(d, s) {
				t.Errorf("%s: %q does not say %q", c.name, d, s)
			}
		}
	}
	if res := w.upload(member, "photo", "a.png", "image/png", pngOf(t, noise(2, 2))); res.status != 400 || !strings.Contains(problem(res), "field file") {
		t.Errorf("the wrong field: %d %s", res.status, res.body)
	}
	if res := w.call("POST", "/api/v1/media", member, `{"file": "x"}`); res.status != 400 || !strings.Contains(problem(res), "multipart/form-data") {
		t.Errorf("JSON instead of a form: %d %s", res.status, res.body)
	}

	// The limit is configurable; the message names the configured one.
	w.srv.MediaMaxBytes = 2000
	res := w.upload(member, "file", "a.png", "image/png", pngOf(t, noise(30, 30)))
	if res.status != 413 || !strings.Contains(problem(res), "at most 2000 bytes are") {
		t.Errorf("over a configured limit: %d %s", res.status, res.body)
	}
	if res := w.upload(member, "file", "a.png", "image/png", pngOf(t, noise(2, 2))); res.status != 201 {
		t.Errorf("under a configured limit: %d %s", res.status, res.body)
	}
	var n int
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM media`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d images stored (%v), want only the one taken", n, err)
	}
	// Staff who have no business uploading may not.
	if res := w.upload(w.token("finance"), "file", "a.png", "image/png", pngOf(t, noise(2, 2))); res.status != 403 {
		t.Errorf("finance uploads: %d", res.status)
	}
}
