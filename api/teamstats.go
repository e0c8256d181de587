package api

import (
	"errors"

	"downline/analytics/teamstats"
	"downline/api/teamdata"
	"downline/clock"
	"downline/ledger"
	"downline/ledger/user"
)

// teamStatsRoutes are the team and business statistics per month: HQ-wide
// for analysts and admins, a member's own team for the member.
func (s *Server) teamStatsRoutes() []Route {
	periods := Param{"periods", "integer", "how many months, ending with the current one (default 12, at most 36)"}
	return []Route{
		{Method: GET, Path: "/analytics/teams/stats", Tag: "analytics",
			Summary: "Every member's figures per month: joins, active members, ranks reached and lost, volume per first-level leg, retention of new members after 1, 3 and 6 months, the top growing legs",
			Roles:   roles(user.Admin, user.Analyst), Query: []Param{periods}, Response: teamstats.Stats{}, Handle: s.hqTeamStats},
		{Method: GET, Path: "/members/{code}/team-stats", Tag: "analytics",
			Summary: "A member's sponsor team's figures per month, as HQ's statistics count them",
			Roles:   roles(user.Admin, user.Analyst, user.Member), Scope: Scope{MemberTeam, "code"}, Query: []Param{periods},
			Response: teamstats.Stats{}, Handle: s.memberTeamStats},
	}
}

func (s *Server) hqTeamStats(c *call) (any, error) { return s.teamStats(c, "") }

func (s *Server) memberTeamStats(c *call) (any, error) { return s.teamStats(c, c.Param("code")) }

// teamStats computes the figures of member's team (HQ: "") over the months
// the periods parameter asks for, from data holding one month more: the
// first month's growth and rank moves compare with it.
func (s *Server) teamStats(c *call, member string) (teamstats.Stats, error) {
	n, err := intQuery(c, "periods", 12, 1, 36)
	if err != nil {
		return teamstats.Stats{}, err
	}
	loc, err := ledger.CompanyZone()
	if err != nil {
		return teamstats.Stats{}, wrap("read the company's time zone", err)
	}
	ctx := c.ctx()
	s.catchUp(ctx)
	d, err := s.teamData().Get(ctx, teamstats.Months(clock.Now(ctx), n+1, loc))
	if err != nil {
		return teamstats.Stats{}, wrap("load the team statistics", err)
	}
	st, err := teamstats.Compute(ctx, d, member, n)
	if errors.Is(err, teamstats.ErrNotFound) {
		// The same answer as for a member the caller may not see.
		return teamstats.Stats{}, memberNotFound(member)
	}
	return st, wrap("compute the team statistics", err)
}

// teamData is the cache of the statistics' data, made on first use.
func (s *Server) teamData() *teamdata.Cache {
	s.teamDataOnce.Do(func() {
		if s.TeamData == nil {
			s.TeamData = &teamdata.Cache{}
		}
		if s.TeamData.Source.DB == nil {
			s.TeamData.Source = teamdata.Source{DB: s.DB, Graph: s.Graph}
		}
	})
	return s.TeamData
}
