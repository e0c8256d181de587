package sms

import "unicode/utf16"

// Encoding is how a message body travels: GSM-7 when every character is in
// the GSM 03.38 alphabet (with its extension table), UCS-2 otherwise (any
// Chinese character makes a message UCS-2).
type Encoding string

const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Segments is what a body costs: its encoding, its length in that encoding's
// units (septets or UTF-16 code units), how many segments it is billed as,
// and how many units the last segment still has room for.
type Segments struct {
	Encoding Encoding `json:"encoding"`
	Units    int      `json:"units"`
	Count    int      `json:"segments"`
	PerPart  int      `json:"per_segment"`
	Left     int      `json:"left_in_last"`
}

// gsmBasic is the GSM 03.38 basic character set (without the escape).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension characters take two septets (escape + character).
const gsmExtension = "^{}\\[~]|€\f"

var gsmCost = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// Count measures body. A single segment holds 160 GSM-7 septets or 70 UCS-2
// units; a longer message is split into parts of 153 or 67 (the rest of each
// part carries the concatenation header). An empty body is one segment.
func Count(body string) Segments {
	septets, gsm := 0, true
	for _, r := range body {
		c, ok := gsmCost[r]
		if !ok {
			gsm = false
			break
		}
		septets += c
	}
	if gsm {
		return split(GSM7, septets, 160, 153)
	}
	return split(UCS2, len(utf16.Encode([]rune(body))), 70, 67)
}

func split(enc Encoding, units, single, multi int) Segments {
	s := Segments{Encoding: enc, Units: units, Count: 1, PerPart: single}
	if units > single {
		s.PerPart = multi
		s.Count = (units + multi - 1) / multi
	}
	s.Left = s.Count*s.PerPart - units
	return s
}
