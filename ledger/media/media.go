// Package media keeps the images Downline serves: pictures for the portal's
// content and photos attached to tickets, in Postgres.
//
// An image is stored once, named by the SHA-256 of its bytes: its address
// (/media/{id}) always shows the same picture, so it is cached for ever,
// and uploading the same file twice stores it once. Every upload is
// recorded with who made it. Nothing is changed or deleted (the database
// refuses it).
//
// Only JPEG, PNG, GIF and WebP are taken, judged by decoding the image's
// header, never by its file name or the Content-Type the client claims: a
// text file renamed photo.png is refused, and so is SVG (it can carry
// script).
package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers the formats image.DecodeConfig knows
	_ "image/jpeg"
	_ "image/png"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	_ "golang.org/x/image/webp"

	"downline/clock"
	"downline/ledger"
)

// DefaultMaxBytes is the largest image taken unless configured otherwise: 5 MiB.
const DefaultMaxBytes = 5 << 20

// MaxPixels bounds an image's width × height (a 12,000 × 8,000 picture is
// already more than any page shows).
const MaxPixels = 100_000_000

// Types are the content types taken, by the format's name in package image.
var Types = map[string]string{"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}

var (
	// ErrNotImage: the bytes are not a JPEG, PNG, GIF or WebP image.
	ErrNotImage = errors.New("not an image of a type taken")
	// ErrTooLarge: the file is larger than the limit.
	ErrTooLarge = errors.New("image too large")
)

// Image is a stored image as the API answers it.
type Image struct {
	ID          string `json:"id"`  // the SHA-256 of the bytes, hex
	URL         string `json:"url"` // where it is served: /media/{id}
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	ContentType string `json:"content_type"`
	Bytes       int    `json:"bytes"`
}

// URL is the address an image of that id is served at.
func URL(id string) string { return "/media/" + id }

var idPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidID says whether s has the form of an image id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// Inspect decodes the header of data and says what image it is. An error
// wraps ErrNotImage and names what was found instead.
func Inspect(data []byte) (Image, error) {
	if len(data) == 0 {
		return Image{}, fmt.Errorf("%w: the file is empty", ErrNotImage)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	ct, ok := Types[format]
	switch {
	case err != nil && format == "":
		return Image{}, fmt.Errorf("%w: the file is not a JPEG, PNG, GIF or WebP image (its content looks like %s)", ErrNotImage, sniffed(data))
	case err != nil || !ok:
		return Image{}, fmt.Errorf("%w: the %s image's header cannot be read", ErrNotImage, format)
	case cfg.Width <= 0 || cfg.Height <= 0:
		return Image{}, fmt.Errorf("%w: the image is %d × %d pixels", ErrNotImage, cfg.Width, cfg.Height)
	case int64(cfg.Width)*int64(cfg.Height) > MaxPixels:
		return Image{}, fmt.Errorf("%w: the image is %d × %d pixels; at most %d million pixels are taken", ErrTooLarge, cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])
	return Image{ID: id, URL: URL(id), Width: cfg.Width, Height: cfg.Height, ContentType: ct, Bytes: len(data)}, nil
}

// sniffed names what data looks like, for the error message.
func sniffed(data []byte) string {
	head := data[:min(len(data), 512)]
	switch {
	case bytes.Contains(bytes.ToLower(head), []byte("<svg")):
		return "SVG, which is not taken: it can carry script"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "a PDF document"
	case isText(head):
		return "text"
	}
	return "other binary data"
}

func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x09 || (c > 0x0d && c < 0x20) {
			return false
		}
	}
	return true
}

// Put stores data, which must be an image of a type taken and at most max
// bytes, recording the upload by by. Storing an image already there
// records the upload and answers the same image.
func Put(ctx context.Context, tx pgx.Tx, data []byte, max int64, by string) (Image, error) {
	if int64(len(data)) > max {
		return Image{}, fmt.Errorf("%w: the file is %d bytes; at most %s are taken", ErrTooLarge, len(data), Size(max))
	}
	img, err := Inspect(data)
	if err != nil {
		return Image{}, err
	}
	now := clock.Now(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO media (sha256, content_type, width, height, bytes, data, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING`,
		img.ID, img.ContentType, img.Width, img.Height, img.Bytes, data, now); err != nil {
		return Image{}, fmt.Errorf("store image: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO media_uploads (sha256, by, at) VALUES ($1, $2, $3)`, img.ID, by, now); err != nil {
		return Image{}, fmt.Errorf("record upload: %w", err)
	}
	return img, nil
}

// Get reads an image and its bytes.
func Get(ctx context.Context, q ledger.Querier, id string) (Image, []byte, time.Time, error) {
	if !ValidID(id) {
		return Image{}, nil, time.Time{}, fmt.Errorf("%w: no image %q (an image id is 64 hex digits)", ledger.ErrNotFound, id)
	}
	img := Image{ID: id, URL: URL(id)}
	var data []byte
	var at time.Time
	err := q.QueryRow(ctx, `SELECT content_type, width, height, bytes, data, created_at FROM media WHERE sha256 = $1`, id).
		Scan(&img.ContentType, &img.Width, &img.Height, &img.Bytes, &data, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return Image{}, nil, time.Time{}, fmt.Errorf("%w: no image %s", ledger.ErrNotFound, id)
	}
	if err != nil {
		return Image{}, nil, time.Time{}, fmt.Errorf("read image: %w", err)
	}
	return img, data, at, nil
}

// Describe reads an image's description without its bytes.
func Describe(ctx context.Context, q ledger.Querier, id string) (Image, error) {
	if !ValidID(id) {
		return Image{}, fmt.Errorf("%w: no image %q (an image id is 64 hex digits)", ledger.ErrNotFound, id)
	}
	img := Image{ID: id, URL: URL(id)}
	err := q.QueryRow(ctx, `SELECT content_type, width, height, bytes FROM media WHERE sha256 = $1`, id).
		Scan(&img.ContentType, &img.Width, &img.Height, &img.Bytes)
	if errors.Is(err, pgx.ErrNoRows) {
		return Image{}, fmt.Errorf("%w: no image %s", ledger.ErrNotFound, id)
	}
	return img, err
}

// Size writes a limit for people: 5 MiB (5242880 bytes), 512 KiB (524288
// bytes), 2000 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}
