package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// A stream that fails once bytes have gone cuts the connection: the client
// sees a broken transfer, never a file that ends early and looks whole. One
// that succeeds ends as usual; one that fails before its first byte
// answers a problem.
func TestStreamCutOnFailure(t *testing.T) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for path, fail := range map[string]bool{"/fails": true, "/ends": false} {
		r.GET(path, func(g *gin.Context) {
			stream{ContentType: "text/csv; charset=utf-8", Filename: "a.csv", Write: func(w io.Writer) error {
				for range 4 {
					if _, err := w.Write(chunk); err != nil {
						return err
					}
				}
				if fail {
					return errors.New("the ledger went away")
				}
				return nil
			}}.send(g, http.StatusOK)
		})
	}
	r.GET("/fails-at-once", func(g *gin.Context) {
		stream{ContentType: "text/csv; charset=utf-8", Filename: "a.csv", Write: func(w io.Writer) error {
			return errors.New("the ledger went away")
		}}.send(g, http.StatusOK)
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/fails-at-once")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 500 || res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("Content-Disposition") != "" {
		t.Errorf("/fails-at-once: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	for path, fail := range map[string]bool{"/fails": true, "/ends": false} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if res.Header.Get("Content-Disposition") != `attachment; filename="a.csv"` {
			t.Errorf("%s: Content-Disposition %q", path, res.Header.Get("Content-Disposition"))
		}
		if fail && err == nil {
			t.Errorf("%s: read %d bytes and a clean end, want a broken transfer", path, len(body))
		}
		if !fail && (err != nil || len(body) != 4*len(chunk)) {
			t.Errorf("%s: %d bytes, %v", path, len(body), err)
		}
	}
}
