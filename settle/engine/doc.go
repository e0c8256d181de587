// Package engine computes one settlement period exactly as docs/compensation-plan.md
// defines it: volumes, ranks, every bonus line and the payout cap.
//
// The input is two Arrow record batches (see Input): the members, with the index
// of their sponsor and placement parents (-1 for a root) and their side, and the
// period's per-member volumes as Decimal128 columns. Rows may come in any order;
// Run validates both trees (ids, cycles, slots, sides) and finds its own
// traversal orders, which costs nothing when parents already come before
// children. The period loader reads Postgres straight into these columns;
// Builder makes them from rows in arbitrary order (the CSV path) and names the
// file and line of any bad row.
//
// Run returns a Result: the bonus lines as an Arrow record batch sorted as
// bonuses.csv is, one summary row per member, the carry-out and the totals.
// All passes are linear (or n log n for sorting by id) over plain slices taken
// from the columns, iterative (no recursion, so any depth is fine), and
// deterministic. Money is exact: volumes run as int64 fixed point at a scale
// large enough for every input and plan number, with overflow detected and the
// whole period recomputed with arbitrary-precision decimals when it happens.
package engine
