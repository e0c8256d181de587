package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"

	"downline/ledger/media"
	"downline/ledger/user"
)

// mediaRoutes are the image store: editors upload pictures for the portal,
// members and customers photos for their tickets; anyone reads an image by
// its id (the SHA-256 of its bytes), also at /media/{id} outside the API.
func (s *Server) mediaRoutes() []Route {
	return []Route{
		{Method: POST, Path: "/media", Tag: "media", Summary: "Upload an image (JPEG, PNG, GIF or WebP, judged by its content) as the multipart field file; 413 over the size limit, 415 for anything else",
			Roles: roles(user.Admin, user.Editor, user.Member, user.Customer), Upload: "file", Status: 201,
			Response: media.Image{}, Handle: s.uploadMedia},
		{Method: GET, Path: "/media/{id}", Tag: "media", Summary: "An image's bytes, cached for ever (its id is the SHA-256 of its bytes); also served at /media/{id}",
			Public: true, Roles: everyone, Produces: "image/*", Handle: s.getMedia},
	}
}

// mediaLimit is the largest image taken.
func (s *Server) mediaLimit() int64 {
	if s.MediaMaxBytes > 0 {
		return s.MediaMaxBytes
	}
	return media.DefaultMaxBytes
}

func (s *Server) uploadMedia(c *call) (any, error) {
	limit := s.mediaLimit()
	tooLarge := errStatus(http.StatusRequestEntityTooLarge, "file: the image is larger than the limit; at most "+media.Size(limit)+" are taken")
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		return nil, errStatus(http.StatusBadRequest, "send the image as multipart/form-data in the field file")
	}
	// Room for the form's boundaries and headers around the file.
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+64<<10)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "the multipart form cannot be read: "+err.Error())
	}
	var data []byte
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, tooLarge
		case errors.Is(err, io.EOF):
			return nil, errStatus(http.StatusBadRequest, "file: no file sent; put the image in the multipart field file")
		case err != nil:
			return nil, errStatus(http.StatusBadRequest, "the multipart form cannot be read: "+err.Error())
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		data, err = io.ReadAll(io.LimitReader(part, limit+1))
		part.Close()
		if errors.As(err, &mbe) || int64(len(data)) > limit {
			return nil, tooLarge
		}
		if err != nil {
			return nil, errStatus(http.StatusBadRequest, "the file cannot be read: "+err.Error())
		}
		break
	}
	var img media.Image
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		img, err = media.Put(c.ctx(), tx, data, limit, c.who.By())
		return err
	})
	switch {
	case errors.Is(err, media.ErrTooLarge):
		return nil, errStatus(http.StatusRequestEntityTooLarge, "file: "+strings.TrimPrefix(err.Error(), media.ErrTooLarge.Error()+": "))
	case errors.Is(err, media.ErrNotImage):
		return nil, errStatus(http.StatusUnsupportedMediaType, "file: "+strings.TrimPrefix(err.Error(), media.ErrNotImage.Error()+": ")+"; JPEG, PNG, GIF and WebP images are taken")
	case err != nil:
		return nil, wrap("store image", err)
	}
	return img, nil
}

func (s *Server) getMedia(c *call) (any, error) {
	img, data, at, err := media.Get(c.ctx(), s.DB.Pool, c.Param("id"))
	if err != nil {
		return nil, wrap("read image", err)
	}
	return imageFile{img: img, data: data, at: at}, nil
}

// imageFile is an image answered with its bytes: the same id always has the
// same bytes, so it is cached for ever and revalidated by its ETag.
type imageFile struct {
	img  media.Image
	data []byte
	at   time.Time
}

func (f imageFile) serve(g *gin.Context, _ int) {
	h := g.Writer.Header()
	h.Set("Content-Type", f.img.ContentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+f.img.ID+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	// Opened on its own, an image is a document that may run nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox")
	http.ServeContent(g.Writer, g.Request, "", f.at, bytes.NewReader(f.data))
}

// mountMedia serves the images at /media/{id}, through the same route as
// /api/v1/media/{id}.
func (s *Server) mountMedia(r *gin.Engine) {
	for _, rt := range s.mediaRoutes() {
		if rt.Method == GET {
			h := s.guard(&rt)
			r.GET("/media/:id", h)
			r.HEAD("/media/:id", h)
		}
	}
}
