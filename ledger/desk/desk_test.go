package desk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/desk"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/media"
	"downline/ledger/member"
	"downline/ledger/user"
	"downline/network"
)

// at runs fn in a transaction under a clock stopped at when.
func at(t *testing.T, db *ledger.DB, when time.Time, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	ctx := clock.With(context.Background(), clock.Fixed(when))
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

type world struct {
	db         *ledger.DB
	ann, ben   member.Member
	customer   int64
	zone       *time.Location
	monthEnd   time.Time // 31 January 2026, 20:00 in the company's zone
	firstOfFeb time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{db: ledgertest.DB(t)}
	var err error
	if w.zone, err = ledger.CompanyZone(); err != nil {
		t.Fatal(err)
	}
	w.monthEnd = time.Date(2026, 1, 31, 20, 0, 0, 0, w.zone)
	w.firstOfFeb = time.Date(2026, 2, 1, 0, 0, 0, 0, w.zone)
	w.ann = goodstest.Register(t, w.db, member.Registration{Code: "ANN", Name: "安", Phone: "+8613800000101", Lang: "zh-CN", Auto: network.Balanced, By: "test"})
	w.ben = goodstest.Register(t, w.db, member.Registration{Code: "BEN", Name: "Ben", Phone: "+447700900102", Lang: "en", Sponsor: "ANN", Auto: network.Balanced, By: "test"})
	goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := user.Create(ctx, tx, user.New{Login: "hq.li", Password: "password1", Role: user.Admin}); err != nil {
			return err
		}
		c, err := user.Create(ctx, tx, user.New{Login: "shopper", Password: "password1", Role: user.Customer})
		w.customer = c.ID
		return err
	})
	return w
}

// A complaint opened on the evening of 31 January is due 24 hours later,
// on 1 February: it is not overdue at 23:59 on the 31st nor at 19:59 on the
// 1st, it is at 20:01, and the background check escalates it then, once.
func TestOverdueAcrossAMonthEnd(t *testing.T) {
	w := newWorld(t)
	var tk desk.Ticket
	at(t, w.db, w.monthEnd, func(ctx context.Context, tx pgx.Tx) (err error) {
		tk, err = desk.Open(ctx, tx, desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: desk.Complaint, Text: "货物破损\n第二行"},
			desk.Source{By: "user:ANN", Channel: "web", Lang: "zh-CN"})
		return err
	})
	if want := w.monthEnd.Add(24 * time.Hour); !tk.DueAt.Equal(want) || tk.DueAt.In(w.zone).Month() != time.February {
		t.Errorf("due at %v, want %v", tk.DueAt.In(w.zone), want)
	}
	if tk.No != desk.FormatNo(tk.ID) || tk.Subject != "货物破损" || tk.State != desk.StateOpen || tk.Member != "ANN" || tk.Overdue {
		t.Errorf("a new ticket: %+v", tk)
	}
	// A delivery question opened at the same time is due as its own SLA says.
	at(t, w.db, w.monthEnd, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := desk.SetSLA(ctx, tx, desk.Bonus, 6, "user:hq.li"); err != nil {
			return err
		}
		b, err := desk.Open(ctx, tx, desk.Owner{Member: w.ben.ID}, desk.NewTicket{Category: desk.Bonus, Text: "Where is my bonus?"},
			desk.Source{By: "user:BEN", Lang: "en"})
		if err == nil && !b.DueAt.Equal(w.monthEnd.Add(6*time.Hour)) {
			t.Errorf("a bonus question with a 6 h SLA is due at %v", b.DueAt.In(w.zone))
		}
		return err
	})
	overdue := func(when time.Time) []string {
		var nos []string
		at(t, w.db, when, func(ctx context.Context, tx pgx.Tx) error {
			p, err := desk.List(ctx, tx, desk.Filter{Overdue: true})
			for _, x := range p.Items {
				nos = append(nos, x.No)
			}
			return err
		})
		return nos
	}
	if got := overdue(w.firstOfFeb.Add(-time.Minute)); len(got) != 0 {
		t.Errorf("overdue at 23:59 on 31 January: %v", got)
	}
	if got := overdue(w.firstOfFeb.Add(19*time.Hour + 59*time.Minute)); len(got) != 1 {
		t.Errorf("overdue at 19:59 on 1 February: %v, want only the bonus question", got)
	}
	if got := overdue(w.firstOfFeb.Add(20*time.Hour + time.Minute)); len(got) != 2 {
		t.Errorf("overdue at 20:01 on 1 February: %v, want both", got)
	}
	// The board puts the overdue first: due order.
	at(t, w.db, w.firstOfFeb.Add(20*time.Hour+time.Minute), func(ctx context.Context, tx pgx.Tx) error {
		p, err := desk.List(ctx, tx, desk.Filter{})
		if err == nil && (len(p.Items) != 2 || p.Items[0].Category != desk.Bonus || !p.Items[0].Overdue || !p.Items[1].Overdue) {
			t.Errorf("the board by due time: %+v", p.Items)
		}
		return err
	})
	var first, again []string
	at(t, w.db, w.firstOfFeb.Add(21*time.Hour), func(ctx context.Context, tx pgx.Tx) (err error) {
		first, err = desk.EscalateOverdue(ctx, tx)
		return err
	})
	at(t, w.db, w.firstOfFeb.Add(22*time.Hour), func(ctx context.Context, tx pgx.Tx) (err error) {
		again, err = desk.EscalateOverdue(ctx, tx)
		return err
	})
	if len(first) != 2 || len(again) != 0 {
		t.Errorf("escalated %v, then %v; want both once", first, again)
	}
	at(t, w.db, w.firstOfFeb.Add(22*time.Hour), func(ctx context.Context, tx pgx.Tx) error {
		got, err := desk.Get(ctx, tx, tk.ID, true)
		if err != nil {
			return err
		}
		n := 0
		for _, e := range got.Events {
			if e.Kind == desk.KindEscalated {
				n++
				if e.By != desk.SLABy || !strings.Contains(e.Body, "overdue since 2026-02-01T12:00:00Z") {
					t.Errorf("the escalation: %+v", e)
				}
			}
		}
		if n != 1 || !got.Escalated {
			t.Errorf("escalations recorded: %d, escalated %v", n, got.Escalated)
		}
		p, err := desk.List(ctx, tx, desk.Filter{State: "escalated"})
		if err == nil && len(p.Items) != 2 {
			t.Errorf("escalated filter: %d tickets", len(p.Items))
		}
		return err
	})
}

// A ticket's whole life: assigned, replied (to the outbox, with the
// member's phone), noted (hidden from the member), answered by the member,
// closed, reopened by a reply; and the history cannot be rewritten.
func TestLifeAndHistory(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var tk desk.Ticket
	at(t, w.db, w.monthEnd, func(ctx context.Context, tx pgx.Tx) (err error) {
		tk, err = desk.Open(ctx, tx, desk.Owner{Member: w.ben.ID}, desk.NewTicket{Category: desk.Delivery, Text: "<b>late</b> parcel"},
			desk.Source{By: "user:BEN", Lang: "en", Key: "k1"})
		return err
	})
	// A retry with the same key opens nothing new.
	at(t, w.db, w.monthEnd, func(ctx context.Context, tx pgx.Tx) error {
		again, err := desk.Open(ctx, tx, desk.Owner{Member: w.ben.ID}, desk.NewTicket{Category: desk.Delivery, Text: "<b>late</b> parcel"},
			desk.Source{By: "user:BEN", Lang: "en", Key: "k1"})
		if err == nil && again.ID != tk.ID {
			t.Errorf("a retry opened %s besides %s", again.No, tk.No)
		}
		return err
	})
	step := func(name string, fn func(ctx context.Context, tx pgx.Tx) (desk.Ticket, error), want desk.State) {
		t.Helper()
		at(t, w.db, w.monthEnd.Add(time.Hour), func(ctx context.Context, tx pgx.Tx) error {
			got, err := fn(ctx, tx)
			if err != nil {
				return err
			}
			if got.State != want {
				t.Errorf("%s: state %s, want %s", name, got.State, want)
			}
			return nil
		})
	}
	step("assign", func(ctx context.Context, tx pgx.Tx) (desk.Ticket, error) {
		return desk.Assign(ctx, tx, tk.ID, "hq.li", "user:hq.li")
	}, desk.StateAssigned)
	step("note", func(ctx context.Context, tx pgx.Tx) (desk.Ticket, error) {
		return desk.AddNote(ctx, tx, tk.ID, "courier says lost", "user:hq.li")
	}, desk.StateAssigned)
	step("HQ replies", func(ctx context.Context, tx pgx.Tx) (desk.Ticket, error) {
		return desk.Reply(ctx, tx, tk.ID, "We are sending another one.", "user:hq.li", true)
	}, desk.StateWaiting)
	step("the member replies", func(ctx context.Context, tx pgx.Tx) (desk.Ticket, error) {
		return desk.Reply(ctx, tx, tk.ID, "Thanks", "user:BEN", false)
	}, desk.StateAssigned)
	step("close", func(ctx context.Context, tx pgx.Tx) (desk.Ticket, error) {
		return desk.Close(ctx, tx, tk.ID, "Resent, tracking SF1", "user:hq.li")
	}, desk.StateClosed)
	step("the member writes again", func(ctx context.Context, tx pgx.Tx) (desk.Ticket, error) {
		return desk.Reply(ctx, tx, tk.ID, "It never came", "user:BEN", false)
	}, desk.StateAssigned)

	// The outbox holds HQ's reply for the member's phone.
	evs, err := w.db.ReadOutbox(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var replies []desk.ReplyEvent
	for _, e := range evs {
		if e.Kind == desk.EventReplied {
			var p desk.ReplyEvent
			if err := json.Unmarshal(e.Payload, &p); err != nil {
				t.Fatal(err)
			}
			replies = append(replies, p)
		}
	}
	if len(replies) != 1 || replies[0].Phone != w.ben.Phone || replies[0].Lang != "en" || replies[0].Ticket != tk.No {
		t.Errorf("reply events: %+v", replies)
	}

	// The member's view leaves out the note; HQ's has it.
	mine, err := desk.GetFor(ctx, w.db.Pool, tk.ID, desk.Owner{Member: w.ben.ID})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range mine.Events {
		kinds = append(kinds, string(e.Kind))
		if e.Kind == desk.KindNote {
			t.Errorf("the member sees the note %q", e.Body)
		}
	}
	if got := strings.Join(kinds, " "); got != "opened assigned replied replied closed reopened replied" {
		t.Errorf("the member's history: %s", got)
	}
	if mine.Events[0].Body != "<b>late</b> parcel" {
		t.Errorf("the text is kept as written: %q", mine.Events[0].Body)
	}
	full, err := desk.Get(ctx, w.db.Pool, tk.ID, true)
	if err != nil || len(full.Events) != len(mine.Events)+1 {
		t.Errorf("HQ's history has %d events, the member's %d (%v)", len(full.Events), len(mine.Events), err)
	}
	// Another member, and a customer, get "no such ticket".
	if _, err := desk.GetFor(ctx, w.db.Pool, tk.ID, desk.Owner{Member: w.ann.ID}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("another member reads the ticket: %v", err)
	}
	if _, err := desk.GetFor(ctx, w.db.Pool, tk.ID, desk.Owner{Customer: w.customer}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("a customer reads a member's ticket: %v", err)
	}
	// Lists are scoped.
	if p, err := desk.List(ctx, w.db.Pool, desk.Filter{Owner: desk.Owner{Member: w.ann.ID}}); err != nil || len(p.Items) != 0 {
		t.Errorf("another member's list: %+v %v", p.Items, err)
	}
	// Nothing is changed or deleted.
	for _, sql := range []string{`UPDATE ticket_events SET body = 'x'`, `DELETE FROM ticket_events`, `DELETE FROM tickets`} {
		_, err := w.db.Pool.Exec(ctx, sql)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want it refused", sql, err)
		}
	}
}

// Bad input is refused with a message naming what is wrong.
func TestRefusals(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cases := []struct {
		o    desk.Owner
		n    desk.NewTicket
		want string
	}{
		{desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: "praise", Text: "x"}, "category"},
		{desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: desk.Other, Text: "  "}, "text"},
		{desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: desk.Other, Text: strings.Repeat("长", desk.MaxText+1)}, "at most"},
		{desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: desk.Delivery, Order: "SO999", Text: "x"}, "order"},
		{desk.Owner{}, desk.NewTicket{Category: desk.Other, Text: "x"}, "one member or one customer"},
	}
	for _, c := range cases {
		err := w.db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			_, err := desk.Open(ctx, tx, c.o, c.n, desk.Source{By: "t"})
			return err
		})
		if !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want ErrInvalid naming %s", c.n, err, c.want)
		}
	}
	var tk desk.Ticket
	goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		tk, err = desk.Open(ctx, tx, desk.Owner{Customer: w.customer}, desk.NewTicket{Category: desk.Other, Text: "hello"}, desk.Source{By: "user:shopper"})
		return err
	})
	err := w.db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := desk.Assign(ctx, tx, tk.ID, "shopper", "user:hq.li")
		return err
	})
	if !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("assigning to a customer: %v", err)
	}
	if _, err := desk.SetSLA(ctx, w.db.Pool, desk.Other, 0, "x"); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("an SLA of 0 hours: %v", err)
	}
	if _, err := desk.List(ctx, w.db.Pool, desk.Filter{Cursor: "nonsense"}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("a bad cursor: %v", err)
	}
}

// Pages follow one another without gaps or repeats in every sort.
func TestPaging(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 7; i++ {
		at(t, w.db, w.monthEnd.Add(time.Duration(i%3)*time.Hour), func(ctx context.Context, tx pgx.Tx) error {
			_, err := desk.Open(ctx, tx, desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: desk.Categories[i%len(desk.Categories)], Text: "t"},
				desk.Source{By: "user:ANN"})
			return err
		})
	}
	for _, s := range []desk.Sort{desk.ByDue, desk.ByNewest, desk.ByOldest} {
		seen, cursor, pages := map[int64]bool{}, "", 0
		for {
			p, err := desk.List(context.Background(), w.db.Pool, desk.Filter{Sort: s, Cursor: cursor, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, x := range p.Items {
				if seen[x.ID] {
					t.Errorf("%s: %s twice", s, x.No)
				}
				seen[x.ID] = true
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if len(seen) != 7 || pages != 3 {
			t.Errorf("%s: %d tickets in %d pages", s, len(seen), pages)
		}
	}
}

// pngOf is a small PNG of one colour.
func pngOf(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := 0; x < 8; x++ {
		for y := 0; y < 6; y++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Photos from the media store go with an opening and a reply, in order;
// unknown, malformed, repeated or too many images are refused.
func TestPhotos(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var red, blue media.Image
	goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		if red, err = media.Put(ctx, tx, pngOf(t, color.RGBA{R: 255, A: 255}), media.DefaultMaxBytes, "user:ANN"); err != nil {
			return err
		}
		blue, err = media.Put(ctx, tx, pngOf(t, color.RGBA{B: 255, A: 255}), media.DefaultMaxBytes, "user:ANN")
		return err
	})
	var tk desk.Ticket
	goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		tk, err = desk.Open(ctx, tx, desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: desk.Quality, Text: "see the box",
			Photos: []string{blue.ID, red.ID}}, desk.Source{By: "user:ANN"})
		if err != nil {
			return err
		}
		tk, err = desk.Reply(ctx, tx, tk.ID, "and the bottle", "user:ANN", false, red.ID)
		return err
	})
	if got := tk.Events[0].Photos; len(got) != 2 || got[0] != blue.ID || got[1] != red.ID {
		t.Errorf("the opening's photos: %v", got)
	}
	if got := tk.Events[1].Photos; len(got) != 1 || got[0] != red.ID {
		t.Errorf("the reply's photos: %v", got)
	}
	missing := strings.Repeat("ab", 32)
	for _, c := range []struct {
		photos []string
		want   string
	}{
		{[]string{missing}, "not stored"},
		{[]string{"../etc/passwd"}, "not an image id"},
		{[]string{red.ID, red.ID}, "twice"},
		{[]string{red.ID, blue.ID, missing, missing + "0", "a", "b", "c"}, "at most 6"},
	} {
		err := w.db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			_, err := desk.Open(ctx, tx, desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: desk.Quality, Text: "x", Photos: c.photos},
				desk.Source{By: "user:ANN"})
			return err
		})
		if !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("photos %v: %v, want ErrInvalid naming %q", c.photos, err, c.want)
		}
	}
	if _, err := w.db.Pool.Exec(ctx, `DELETE FROM ticket_photos`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("deleting photos: %v", err)
	}
}

// The background check escalates an overdue ticket once, however often it
// runs, and stops with its context.
func TestWatchOverdue(t *testing.T) {
	w := newWorld(t)
	at(t, w.db, w.monthEnd, func(ctx context.Context, tx pgx.Tx) error {
		_, err := desk.Open(ctx, tx, desk.Owner{Member: w.ann.ID}, desk.NewTicket{Category: desk.Account, Text: "locked out"}, desk.Source{By: "user:ANN"})
		return err
	})
	ctx, cancel := context.WithCancel(clock.With(context.Background(), clock.Fixed(w.firstOfFeb.Add(48*time.Hour))))
	done := make(chan struct{})
	go func() {
		defer close(done)
		desk.WatchOverdue(ctx, w.db, 5*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	escalations := func() (n int) {
		if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM ticket_events WHERE kind = 'escalated'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for escalations() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // several more rounds
	cancel()
	<-done
	if n := escalations(); n != 1 {
		t.Errorf("%d escalations, want 1", n)
	}
}
