package member

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/network"
)

// Generated is one member of a synthetic network. Sponsor and Parent are
// indexes into the generated slice (-1 for the root); every parent comes
// before its children.
type Generated struct {
	Code    string
	Name    string
	Phone   string
	Lang    string
	Status  network.Status
	Joined  time.Time
	Sponsor int32
	Parent  int32
	Side    network.Side
}

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红鹏辉婷雪琳晨宇浩然子轩欣怡梓涵思远佳琪俊杰雨桐博文诗雅嘉怡天宇")
	enFirst  = []string{"Amy", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Henry", "Ivy", "Jack", "Kate", "Leo", "Mia", "Noah", "Olivia", "Peter"}
	enLast   = []string{"Tan", "Lim", "Ng", "Wong", "Lee", "Chan", "Ho", "Goh", "Ong", "Teo"}
)

// GenerateNetwork makes a realistic, deterministic network of n members from
// seed: team sizes are heavy-tailed (a new member is most often recruited by
// someone close to an already busy recruiter), a few long recruiting chains
// run deep, and most members recruit few or none. Placement follows the
// sponsor: its own free slot first, else the bottom of its outer left or
// right leg, the usual spill-over. It runs in O(n) time with no recursion.
func GenerateNetwork(n int, seed uint64, start time.Time) []Generated {
	var chains [4]int32
	return generate(n, seed, start, func(rng *rand.Rand, out []Generated, i int) int32 {
		switch r := rng.IntN(100); {
		case r < 6: // one of a few long recruiting chains grows at its end
			k := rng.IntN(len(chains))
			sp := chains[k]
			chains[k] = int32(i)
			return sp
		case r < 55: // preferential: the sponsor of someone already in
			j := int32(rng.IntN(i))
			if sp := out[j].Sponsor; sp >= 0 {
				return sp
			}
			return j
		default:
			return int32(rng.IntN(i))
		}
	})
}

// CompanyLeaders is how many leaders the company's top member sponsors
// first in GenerateCompany.
const CompanyLeaders = 6

// GenerateCompany makes a deterministic network of n members shaped like a
// direct-selling company's, for the demo: the top member (the company's own
// account) sponsors a few leaders first, and every member brings a talent
// for recruiting that stays with it: half never recruit, a few recruit
// dozens. A new member is recruited by a member drawn in proportion to that
// talent, so a leader's team grows in a few big legs, deep and wide, rather
// than evenly. Placement and everything else is as in GenerateNetwork.
func GenerateCompany(n int, seed uint64, start time.Time) []Generated {
	// tickets holds each member's index once per unit of its talent: a
	// uniform draw from it is a draw in proportion to talent.
	tickets := make([]int32, 0, n*2)
	talent := func(rng *rand.Rand) int {
		switch r := rng.IntN(100); {
		case r < 50:
			return 0
		case r < 80:
			return 1
		case r < 93:
			return 3
		case r < 98:
			return 8
		default:
			return 30
		}
	}
	return generate(n, seed, start, func(rng *rand.Rand, out []Generated, i int) int32 {
		sp := int32(0)
		switch {
		case i <= CompanyLeaders:
		case len(tickets) == 0:
			sp = int32(rng.IntN(i))
		default:
			sp = tickets[rng.IntN(len(tickets))]
		}
		k := talent(rng)
		if i <= CompanyLeaders { // the leaders the company started with
			k = 20
			out[i].Status = network.Active
		}
		if out[i].Status != network.Active {
			k = 0
		}
		for ; k > 0; k-- {
			tickets = append(tickets, int32(i))
		}
		return sp
	})
}

// generate makes n members from seed, each recruited by the sponsor that
// sponsor(rng, out, i) picks among the members before i (out[i] already has
// its name, phone, status and joining time), and places them.
func generate(n int, seed uint64, start time.Time, sponsor func(rng *rand.Rand, out []Generated, i int) int32) []Generated {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]Generated, n)
	left := make([]int32, n)
	right := make([]int32, n)
	// botL[x] / botR[x] point towards the bottom of x's outer left / right
	// chain; find() follows and compresses them like a union-find.
	botL := make([]int32, n)
	botR := make([]int32, n)
	for i := range left {
		left[i], right[i], botL[i], botR[i] = -1, -1, int32(i), int32(i)
	}
	find := func(bot, child []int32, x int32) int32 {
		root := x
		for child[root] != -1 {
			next := bot[root]
			if next == root {
				next = child[root]
			}
			root = next
		}
		for x != root {
			next := bot[x]
			if next == x {
				next = child[x]
			}
			bot[x] = root
			x = next
		}
		return root
	}
	span := 730 * 24 * time.Hour
	for i := 0; i < n; i++ {
		g := &out[i]
		g.Code = fmt.Sprintf("CN%07d", i+1)
		if rng.IntN(10) == 0 {
			g.Name = enFirst[rng.IntN(len(enFirst))] + " " + enLast[rng.IntN(len(enLast))]
			g.Lang = "en"
		} else {
			g.Name = string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))])
			if rng.IntN(2) == 0 {
				g.Name += string(given[rng.IntN(len(given))])
			}
			g.Lang = "zh-CN"
		}
		g.Phone = fmt.Sprintf("+861%d%09d", 3+rng.IntN(7), rng.IntN(1_000_000_000))
		switch r := rng.IntN(100); {
		case r < 2:
			g.Status = network.Suspended
		case r < 3:
			g.Status = network.Terminated
		default:
			g.Status = network.Active
		}
		if n > 1 {
			g.Joined = start.Add(time.Duration(int64(span) / int64(n) * int64(i)))
		} else {
			g.Joined = start
		}
		if i == 0 {
			g.Sponsor, g.Parent = -1, -1
			continue
		}
		sp := sponsor(rng, out, i)
		g.Sponsor = sp
		var parent int32
		var side network.Side
		switch {
		case left[sp] == -1:
			parent, side = sp, network.Left
		case right[sp] == -1:
			parent, side = sp, network.Right
		case rng.IntN(2) == 0:
			parent, side = find(botL, left, sp), network.Left
		default:
			parent, side = find(botR, right, sp), network.Right
		}
		g.Parent, g.Side = parent, side
		if side == network.Left {
			left[parent] = int32(i)
		} else {
			right[parent] = int32(i)
		}
	}
	return out
}

// CopyNetwork writes a generated network into an empty members table with
// COPY, in one transaction, and returns the ids given to the members.
// progress, when not nil, is called with the number of rows written so far.
func CopyNetwork(ctx context.Context, db *ledger.DB, gen []Generated, progress func(done int)) error {
	return db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var existing int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&existing); err != nil {
			return err
		}
		if existing > 0 {
			return fmt.Errorf("%w: the members table already holds %d members; seed into an empty database (seed --reset)", ledger.ErrConflict, existing)
		}
		var base int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM members`).Scan(&base); err != nil {
			return err
		}
		// Into an empty table it is several times faster to load first and
		// build the indexes and check the keys once at the end; the
		// transaction makes it all or nothing. These definitions mirror
		// migrations/0001_members.sql.
		if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB';
			ALTER TABLE members DROP CONSTRAINT members_sponsor_id_fkey, DROP CONSTRAINT members_placement_parent_id_fkey,
				DROP CONSTRAINT members_code_key, DROP CONSTRAINT members_placement_slot_key;
			DROP INDEX members_sponsor_idx, members_phone_idx`); err != nil {
			return fmt.Errorf("prepare bulk load: %w", err)
		}
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i >= len(gen) {
				return nil, nil
			}
			g := &gen[i]
			id := base + int64(i) + 1
			var sponsor, parent, side any
			if g.Sponsor >= 0 {
				sponsor = base + int64(g.Sponsor) + 1
			}
			if g.Parent >= 0 {
				parent, side = base+int64(g.Parent)+1, g.Side.String()
			}
			i++
			if progress != nil && i%50_000 == 0 {
				progress(i)
			}
			return []any{id, g.Code, g.Name, g.Phone, g.Lang, string(g.Status), g.Joined, sponsor, parent, side}, nil
		})
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"members"},
			[]string{"id", "code", "name", "phone", "lang", "status", "joined_at", "sponsor_id", "placement_parent_id", "placement_side"}, src)
		if err != nil {
			return fmt.Errorf("copy members: %w", err)
		}
		if progress != nil {
			progress(len(gen))
		}
		if _, err := tx.Exec(ctx, `ALTER TABLE members
				ADD CONSTRAINT members_code_key UNIQUE (code),
				ADD CONSTRAINT members_placement_slot_key UNIQUE (placement_parent_id, placement_side),
				ADD CONSTRAINT members_sponsor_id_fkey FOREIGN KEY (sponsor_id) REFERENCES members (id),
				ADD CONSTRAINT members_placement_parent_id_fkey FOREIGN KEY (placement_parent_id) REFERENCES members (id);
			CREATE INDEX members_sponsor_idx ON members (sponsor_id);
			CREATE INDEX members_phone_idx ON members (phone)`); err != nil {
			return fmt.Errorf("index and check the loaded members: %w", err)
		}
		_, err = tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('members', 'id'), greatest((SELECT max(id) FROM members), 1))`)
		return err
	})
}
