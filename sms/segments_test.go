package sms

import (
	"strings"
	"testing"
)

func TestCount(t *testing.T) {
	for _, c := range []struct {
		name, body string
		enc        Encoding
		units, n   int
	}{
		{"empty", "", GSM7, 0, 1},
		{"ascii 160", strings.Repeat("a", 160), GSM7, 160, 1},
		{"ascii 161", strings.Repeat("a", 161), GSM7, 161, 2},
		{"ascii 306", strings.Repeat("a", 306), GSM7, 306, 2},
		{"ascii 307", strings.Repeat("a", 307), GSM7, 307, 3},
		{"extension chars take two septets", strings.Repeat("€", 80), GSM7, 160, 1},
		{"extension 81", strings.Repeat("{", 81), GSM7, 162, 2},
		{"gsm accents", "Ça coûte 5€? ", UCS2, 13, 1}, // û is not GSM-7
		{"gsm basic accents", "àéèù ÄÖÑÜ ¿¡ £$¥", GSM7, 16, 1},
		{"chinese 70", strings.Repeat("余", 70), UCS2, 70, 1},
		{"chinese 71", strings.Repeat("余", 71), UCS2, 71, 2},
		{"chinese 134", strings.Repeat("余", 134), UCS2, 134, 2},
		{"chinese 135", strings.Repeat("余", 135), UCS2, 135, 3},
		{"one chinese makes it UCS-2", strings.Repeat("a", 100) + "元", UCS2, 101, 2},
		{"emoji is two units", strings.Repeat("😀", 35), UCS2, 70, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Count(c.body)
			if s.Encoding != c.enc || s.Units != c.units || s.Count != c.n {
				t.Fatalf("Count = %+v, want %s %d units %d segments", s, c.enc, c.units, c.n)
			}
			if s.Left != s.Count*s.PerPart-s.Units || s.Left < 0 {
				t.Fatalf("left %d inconsistent: %+v", s.Left, s)
			}
		})
	}
}

func FuzzCount(f *testing.F) {
	f.Add("hello")
	f.Add("余额 12.00")
	f.Fuzz(func(t *testing.T, body string) {
		s := Count(body)
		if s.Count < 1 || s.Left < 0 || s.Units < 0 {
			t.Fatalf("Count(%q) = %+v", body, s)
		}
	})
}
