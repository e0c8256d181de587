package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"downline/analytics/teamstats"
	"downline/clock"
)

// The statistics from the ledger: rankWorld's members (joined in January
// and February 2026), AAA1's March order returned in April, BBB1's April
// order, May's orders settled and approved under a plan with active_pv 10
// (AAA, AAA1 and BBB1 Bronze), June's orders live; asked on 15 June.
func TestTeamStatsFromTheLedger(t *testing.T) {
	w, june := rankWorld(t)
	stats := func(token, path string, want int) teamstats.Stats {
		t.Helper()
		res := w.callOn(june, w.h, "GET", path, token, nil)
		if res.status != want {
			t.Fatalf("GET %s: %d, want %d: %s", path, res.status, want, res.body)
		}
		var st teamstats.Stats
		if want == 200 {
			if err := json.Unmarshal(res.body, &st); err != nil {
				t.Fatal(err)
			}
		}
		return st
	}
	analyst, admin, a := w.token("analyst"), w.token("admin"), w.token("AAA")
	hq := stats(analyst, "/api/v1/analytics/teams/stats?periods=3", 200)
	if len(hq.Periods) != 3 || hq.Periods[0].Period != "2026-04" || hq.Periods[2].Period != "2026-06" || hq.Member != "" {
		t.Fatalf("HQ's months: %+v", hq)
	}
	type row struct {
		members, joins, active, growth int64
		volume                         string
	}
	got := func(ps teamstats.PeriodStats) row {
		var g int64 = -99
		if ps.Growth != nil {
			g = *ps.Growth
		}
		return row{ps.Members, ps.Joins, ps.Active, g, ps.Volume.String()}
	}
	// April has no plan: any PV is active (BBB1's 50; AAA1's return takes
	// its PV below 0, counted as 0); March had AAA1 alone. May and June
	// under active_pv 10.
	for k, want := range []row{{6, 0, 1, 0, "50"}, {6, 0, 3, 2, "250"}, {6, 0, 3, 0, "300"}} {
		if g := got(hq.Periods[k]); g != want {
			t.Errorf("HQ %s: %+v, want %+v", hq.Periods[k].Period, g, want)
		}
	}
	may := hq.Periods[1]
	if !may.Ranked || len(may.Ranks) != 3 || may.Ranks[1] != (teamstats.RankCount{Rank: "Bronze", Held: 3, Reached: 3}) || may.Ranks[0].Held != 3 {
		t.Errorf("May's ranks: %+v", may)
	}
	if hq.Periods[2].Ranked || hq.Periods[0].Ranked {
		t.Errorf("April and June have no approved run")
	}
	// HQ's legs are the roots that had joined: ROOT1 alone (the catalogue's
	// fixture members join later), so no placement sides.
	jun := hq.Periods[2]
	if jun.LegCount != 1 || jun.Legs[0].Code != "ROOT1" || jun.Legs[0].Volume.String() != "300" || jun.LeftVolume != nil {
		t.Errorf("HQ's legs in June: %+v", jun)
	}
	// ROOT1's legs: AAA's (AAA, AAA1, CCC) and BBB's.
	root := stats(admin, "/api/v1/members/ROOT1/team-stats?periods=1", 200).Periods[0]
	if root.LegCount != 2 || root.Legs[0].Code != "AAA" || root.Legs[0].Volume.String() != "250" || root.Legs[0].Members != 3 ||
		root.Legs[1].Code != "BBB" || root.Legs[1].Active != 1 || root.LeftVolume.String() != "250" || root.RightVolume.String() != "50" {
		t.Errorf("ROOT1's legs in June: %+v", root)
	}
	// No one joined in the window: empty cohorts, and June's after-1 unknown.
	if r := jun.Retention; r.Joined != 0 || r.After1 != nil || hq.Periods[0].Retention.After1 == nil {
		t.Errorf("retention: %+v", jun.Retention)
	}

	// AAA's own team: AAA, AAA1 and CCC (placed under AAA1, on the left).
	mine := stats(a, "/api/v1/members/AAA/team-stats?periods=2", 200)
	if mine.Member != "AAA" || mine.Name != "Alice" || len(mine.Periods) != 2 {
		t.Fatalf("AAA's team: %+v", mine)
	}
	if g := got(mine.Periods[1]); g != (row{3, 0, 2, 0, "250"}) || mine.Periods[1].LeftVolume.String() != "200" || mine.Periods[1].RightVolume.String() != "0" {
		t.Errorf("AAA's team in June: %+v", mine.Periods[1])
	}
	if b := mine.Periods[0].Ranks[1]; b.Held != 2 || b.Reached != 2 {
		t.Errorf("AAA's team's Bronze in May: %+v", b)
	}
	// Within the team, yes; outside it, not found; staff see any team.
	stats(a, "/api/v1/members/AAA1/team-stats", 200)
	stats(a, "/api/v1/members/BBB/team-stats", 404)
	stats(a, "/api/v1/members/NOPE/team-stats", 404)
	stats(a, "/api/v1/analytics/teams/stats", 403)
	if b := stats(analyst, "/api/v1/members/BBB/team-stats?periods=1", 200); b.Periods[0].Members != 2 {
		t.Errorf("BBB's team for the analyst: %+v", b)
	}
	stats(admin, "/api/v1/members/BBB/team-stats?periods=36", 200)
	stats(admin, "/api/v1/members/NOPE/team-stats", 404)
	for _, bad := range []string{"0", "37", "x"} {
		res := w.callOn(june, w.h, "GET", "/api/v1/analytics/teams/stats?periods="+bad, admin, nil)
		if res.status != 400 || !json.Valid(res.body) || !strings.Contains(string(res.body), "periods must be a whole number from 1 to 36") {
			t.Errorf("periods=%s: %d %s", bad, res.status, res.body)
		}
	}
	// A new order moves the ledger on: the kept data is loaded again.
	w.buy(clock.Now(june).Add(time.Hour), "BBB", 1)
	if g := got(stats(analyst, "/api/v1/analytics/teams/stats?periods=3", 200).Periods[2]); g != (row{6, 0, 4, 1, "350"}) {
		t.Errorf("HQ in June after BBB's order: %+v", g)
	}
	// Another month on the clock, another window.
	july := clock.With(june, clock.Fixed(clock.Now(june).AddDate(0, 1, 0)))
	res := w.callOn(july, w.h, "GET", "/api/v1/analytics/teams/stats?periods=1", analyst, nil)
	var later teamstats.Stats
	if err := json.Unmarshal(res.body, &later); err != nil || later.Periods[0].Period != "2026-07" || *later.Periods[0].Growth != -4 {
		t.Errorf("July: %s", res.body)
	}
}
