package ledger_test

import (
	"testing"
	"time"

	"downline/ledger"
)

func TestParseWhen(t *testing.T) {
	sh, err := ledger.LoadZone("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]time.Time{
		"2026-11-01":                time.Date(2026, 11, 1, 0, 0, 0, 0, sh),
		"2026-11-01 23:30":          time.Date(2026, 11, 1, 23, 30, 0, 0, sh),
		"2026-11-01T23:30:15":       time.Date(2026, 11, 1, 23, 30, 15, 0, sh),
		"2026-11-01T15:30:00Z":      time.Date(2026, 11, 1, 15, 30, 0, 0, time.UTC),
		"2026-11-01T23:30:00+08:00": time.Date(2026, 11, 1, 23, 30, 0, 0, sh),
	} {
		got, err := ledger.ParseWhen("cutoff", in, sh)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseWhen(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	_, err = ledger.ParseWhen("cutoff", "1 Nov 2026", sh)
	if want := `cutoff "1 Nov 2026": want YYYY-MM-DD, YYYY-MM-DD HH:MM or RFC 3339`; err == nil || err.Error() != want {
		t.Errorf("ParseWhen of a bad date: %v, want %s", err, want)
	}
}
