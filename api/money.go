package api

import (
	"bytes"
	"fmt"
	"io"
	"reflect"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"downline/api/explorer"
)

// Money is an amount of money on the wire: an exact decimal string with two
// decimals ("1234.50", "-3.00"), never a JSON number, which clients read as
// binary floating point.
type Money decimal.Decimal

const moneyPattern = `^-?[0-9]+\.[0-9]{2}$`

var moneyType = reflect.TypeFor[Money]()

func money(d decimal.Decimal) Money { return Money(d) }

// MarshalJSON writes the amount with two decimals. Amounts in the ledger
// are cents (plans settle at a scale of at most 2), so nothing is rounded.
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(`"` + decimal.Decimal(m).StringFixed(2) + `"`), nil
}

// UnmarshalJSON reads what MarshalJSON wrote (stored idempotent results
// are read back).
func (m *Money) UnmarshalJSON(b []byte) error { return (*decimal.Decimal)(m).UnmarshalJSON(b) }

// download is a handler's answer that is a file, not JSON: the route
// declares its content type (Route.Produces).
type download struct {
	ContentType string
	Filename    string
	Write       func(io.Writer) error
}

// send writes the file. It is built in memory first, so that a failure
// still answers a problem and a bank never receives a file cut short (a
// payout of a million members is some 60 MB).
func (d download) send(g *gin.Context, code int) {
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		writeProblem(g, err)
		return
	}
	g.Header("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, d.Filename))
	g.Header("Cache-Control", "no-store")
	g.Data(code, d.ContentType, buf.Bytes())
}

// Volume is a PV or GV in hundredths on the wire: an exact decimal string
// with two decimals, like Money, printed without decimal arithmetic (the
// explorer writes thousands of them a second).
type Volume int64

var volumeType = reflect.TypeFor[Volume]()

// MarshalJSON writes the volume with two decimals.
func (v Volume) MarshalJSON() ([]byte, error) { return v.appendJSON(make([]byte, 0, 16)), nil }

func (v Volume) appendJSON(b []byte) []byte {
	b = append(b, '"')
	b = explorer.Amount(v).Append(b)
	return append(b, '"')
}
