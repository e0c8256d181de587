// Package clock is the one place Downline reads the time of day for
// business dates: when a member joined, when stock moved, which lots have
// expired, whether a return window is still open, the demo's history.
//
// The clock travels in the context. Code that dates something calls
// clock.Now(ctx); a command run with --now, the demo seeding at a chosen
// moment, or a test pinned to 29 February puts a fixed clock in the context
// with clock.With, and everything below sees that moment. Without one,
// Now is the system's time.
//
// Durations (timeouts, progress, heartbeats) are not business dates and keep
// using time.Now and time.Since directly.
package clock

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// A Clock tells the time.
type Clock interface {
	Now() time.Time
}

type system struct{}

func (system) Now() time.Time { return time.Now() }

// System is the machine's clock.
var System Clock = system{}

// Fixed is a clock stopped at a moment.
type Fixed time.Time

func (f Fixed) Now() time.Time { return time.Time(f) }

// Offset is the system clock moved by a fixed amount: a moment chosen
// with --now that then goes on ticking, so that what is written after it
// is dated after it, in order.
type Offset time.Duration

func (o Offset) Now() time.Time { return time.Now().Add(time.Duration(o)) }

// Starting returns a clock that reads t now and ticks on from there.
func Starting(t time.Time) Clock { return Offset(time.Until(t)) }

type key struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c Clock) context.Context {
	return context.WithValue(ctx, key{}, c)
}

// From returns the clock ctx carries, or System.
func From(ctx context.Context) Clock {
	if c, ok := ctx.Value(key{}).(Clock); ok && c != nil {
		return c
	}
	return System
}

// Now is the time by the clock ctx carries (the system's without one).
func Now(ctx context.Context) time.Time { return From(ctx).Now() }

// Parse reads a moment given on the command line: RFC 3339
// ("2024-02-29T23:59:00+08:00"), or a date and time without an offset
// ("2024-02-29 23:59", "2024-02-29T23:59:30", "2024-02-29"), which is read in
// zone.
func Parse(s string, zone *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC 3339 (2024-02-29T23:59:00+08:00) or a local date and time (2024-02-29 23:59) in %s", s, zone)
}
