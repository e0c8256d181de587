package analytics

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"downline/graphstore"
)

// RecallCSVPage is how many recipients WriteRecallCSV reads from the store
// at a time.
const RecallCSVPage = 10_000

// WriteRecallCSV writes the whole recall list of the lot of sku and batch
// to w as CSV, streamed a page at a time: UTF-8 with a byte-order mark (a
// spreadsheet then opens Chinese names right), a header row, one row per
// member or customer in recall order, times in RFC 3339 UTC. A cell that
// starts like a formula is prefixed with an apostrophe. The lot is looked
// up before anything is written, so an unknown lot writes nothing.
// Errors: ErrInvalid, ErrNotFound, or w's.
func WriteRecallCSV(ctx context.Context, cs graphstore.Circulation, names Names, sku, batch string, w io.Writer) error {
	if _, err := findLot(ctx, cs, sku, batch); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write([]string{"kind", "holder", "name", "received", "sent_on", "holds", "moves", "first", "last"}); err != nil {
		return err
	}
	row := make([]string, 9)
	_, err := EachRecipient(ctx, cs, names, sku, batch, RecallCSVPage, func(h Holding) error {
		row[0], row[1], row[2] = string(h.Kind), safeCell(h.ID), safeCell(h.Name)
		row[3], row[4], row[5], row[6] = strconv.FormatInt(h.Received, 10), strconv.FormatInt(h.SentOn, 10),
			strconv.FormatInt(h.Holds, 10), strconv.FormatInt(h.Moves, 10)
		row[7], row[8] = h.First.UTC().Format(time.RFC3339), h.Last.UTC().Format(time.RFC3339)
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// safeCell keeps a spreadsheet from reading a cell as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
