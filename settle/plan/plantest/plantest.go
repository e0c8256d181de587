// Package plantest holds compensation plans that tests of several packages
// settle with, so that each test world pays by the same rules.
package plantest

// Office pays referral, unilevel and binary bonuses to members with 10 PV
// or more, under a payout cap of 60 %: one rank, two unilevel levels, a
// binary cap and a carry cap.
const Office = `name: Office
currency: CNY
scale: 2
active_pv: 10
ranks:
  - name: Member
bonuses:
  referral: {pct: 20}
  unilevel:
    levels: [10, 5]
    depth_by_rank: {Member: 2}
  binary:
    pct: 10
    cap_by_rank: {Member: 1000}
    carry_cap: 1000
payout_cap_pct: 60
`
