package clock

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestContextCarriesTheClock(t *testing.T) {
	leap := time.Date(2024, 2, 29, 23, 59, 0, 0, time.UTC)
	ctx := With(context.Background(), Fixed(leap))
	if got := Now(ctx); !got.Equal(leap) {
		t.Errorf("fixed clock in the context: %s, want %s", got, leap)
	}
	if got := Now(context.Background()); got.Year() < 2025 {
		t.Errorf("without a clock, Now is the system's: %s", got)
	}
	start := Now(With(ctx, Starting(leap)))
	if d := start.Sub(leap); d < 0 || d > time.Minute {
		t.Errorf("a clock starting at %s read %s", leap, start)
	}
}

func TestParse(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]time.Time{
		"2024-02-29T23:59:00+08:00": time.Date(2024, 2, 29, 15, 59, 0, 0, time.UTC),
		"2024-02-29 23:59":          time.Date(2024, 2, 29, 15, 59, 0, 0, time.UTC),
		"2026-12-31T23:59:59":       time.Date(2026, 12, 31, 15, 59, 59, 0, time.UTC),
		"2027-01-01":                time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC),
	} {
		got, err := Parse(in, sh)
		if err != nil || !got.Equal(want) {
			t.Errorf("Parse(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := Parse("29/02/2024", sh); err == nil || !strings.Contains(err.Error(), `"29/02/2024" is not a time`) {
		t.Errorf("a malformed time: %v", err)
	}
}
