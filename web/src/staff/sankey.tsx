import { t } from '../i18n';
import { number } from '../format';

// A lot's flow as the trace gives it: who sent how much to whom.
export interface FlowEdge {
  from: { kind: string; id: string };
  to: { kind: string; id: string };
  qty: number;
  moves: number;
  first: string;
  last: string;
}

// The columns of the picture, left to right. The supplier is left out: its
// flows are the warehouses' receipts, the warehouses' own size.
const column: Record<string, number> = { warehouse: 0, agency: 1, member: 2, customer: 2, writeoff: 3 };

// Recipients beyond this many (by units) are drawn as one "others" node.
const MAX_RECIPIENTS = 12;

interface Node {
  key: string;
  kind: string;
  id: string;
  col: number;
  value: number;
  y: number;
  h: number;
  inOff: number;
  outOff: number;
  others?: number;
}

const NODE_W = 10;
const GAP = 8;

// forward is whether an edge runs left to right in the picture: a sale or
// a write-off. Returns run back and are listed rather than drawn.
export const forward = (e: FlowEdge) =>
  e.from.kind !== 'supplier' && column[e.from.kind] !== undefined && column[e.to.kind] !== undefined && column[e.from.kind] < column[e.to.kind];

// Sankey draws the forward flows of a lot as bands between its holders,
// laid out in columns (HQ warehouses, agencies, members and customers,
// write-offs); a band is as wide as the units it carried. Drawn at the
// width it is shown at (one unit a pixel), so its labels read as well on
// a phone as on a desktop. Written for this page: a few dozen nodes need
// no layout library.
export function Sankey({ edges, width, folded = 0, height = 260 }: { edges: FlowEdge[]; width: number; folded?: number; height?: number }) {
  const W = Math.max(280, width);
  const m = t.value;
  const fwd = edges.filter(forward);
  // The biggest recipients keep their own node; the rest share one.
  const received = new Map<string, number>();
  for (const e of fwd) if (column[e.to.kind] === 2) received.set(e.to.kind + ':' + e.to.id, (received.get(e.to.kind + ':' + e.to.id) ?? 0) + e.qty);
  // A recipient with no id is the API's own fold of the smaller ones.
  const named = [...received.entries()].filter(([k]) => !k.endsWith(':'));
  const top = new Set(named.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_RECIPIENTS).map(([k]) => k));
  const others = named.length - top.size + folded;
  const keyOf = (h: { kind: string; id: string }) => {
    const k = h.kind + ':' + h.id;
    return column[h.kind] === 2 && !top.has(k) ? 'others' : k;
  };
  const nodes = new Map<string, Node>();
  const node = (h: { kind: string; id: string }) => {
    const key = keyOf(h);
    let n = nodes.get(key);
    if (!n) {
      n = { key, kind: key === 'others' ? 'member' : h.kind, id: key === 'others' ? '' : h.id, col: column[h.kind], value: 0, y: 0, h: 0, inOff: 0, outOff: 0 };
      if (key === 'others') n.others = others;
      nodes.set(key, n);
    }
    return n;
  };
  const links = new Map<string, { from: Node; to: Node; qty: number }>();
  const ins = new Map<Node, number>();
  const outs = new Map<Node, number>();
  for (const e of fwd) {
    const f = node(e.from);
    const to = node(e.to);
    const k = f.key + '>' + to.key;
    const l = links.get(k) ?? { from: f, to, qty: 0 };
    l.qty += e.qty;
    links.set(k, l);
    outs.set(f, (outs.get(f) ?? 0) + e.qty);
    ins.set(to, (ins.get(to) ?? 0) + e.qty);
  }
  if (links.size === 0) return <p class="empty">{m.circNone}</p>;
  const cols = [...new Set([...nodes.values()].map((n) => n.col))].sort();
  const byCol = cols.map((c) => [...nodes.values()].filter((n) => n.col === c).sort((a, b) => (ins.get(b) ?? outs.get(b) ?? 0) - (ins.get(a) ?? outs.get(a) ?? 0)));
  for (const n of nodes.values()) n.value = Math.max(ins.get(n) ?? 0, outs.get(n) ?? 0);
  // One scale for every column: the fullest column fills the height.
  const scale = Math.min(...byCol.map((ns) => (height - GAP * (ns.length - 1)) / ns.reduce((a, n) => a + n.value, 0)));
  byCol.forEach((ns, i) => {
    let y = 0;
    for (const n of ns) {
      n.col = i;
      n.y = y;
      n.h = Math.max(1, n.value * scale);
      y += n.h + GAP;
    }
  });
  const x = (col: number) => (cols.length === 1 ? 0 : (col * (W - NODE_W)) / (cols.length - 1));
  const label = (n: Node) => (n.others ? m.circFlowOthers(n.others) : `${m.circKind[n.kind] ?? n.kind} ${n.id}`);
  // Bands leave and reach each node in the order of the other end's place.
  const ordered = [...links.values()].sort((a, b) => a.from.y - b.from.y || a.to.y - b.to.y);
  const bands = ordered.map((l) => {
    const w = Math.max(1, l.qty * scale);
    const y0 = l.from.y + l.from.outOff + w / 2;
    const y1 = l.to.y + l.to.inOff + w / 2;
    l.from.outOff += w;
    l.to.inOff += w;
    const x0 = x(l.from.col) + NODE_W;
    const x1 = x(l.to.col);
    const mid = (x0 + x1) / 2;
    return { l, w, d: `M${x0},${y0} C${mid},${y0} ${mid},${y1} ${x1},${y1}` };
  });
  return (
    <svg class="sankey" id="lot-sankey" viewBox={`-4 -4 ${W + 8} ${height + 8}`} role="img" aria-labelledby="lot-sankey-title">
      <title id="lot-sankey-title">
        {ordered.map((l) => m.circFlowLabel(label(l.from), label(l.to), number(l.qty))).join('; ')}
      </title>
      {bands.map(({ l, w, d }) => (
        <path key={l.from.key + l.to.key} class={`sankey-band to-${l.to.kind}`} d={d} stroke-width={w} data-from={l.from.key} data-to={l.to.key} data-qty={l.qty}>
          <title>{m.circFlowLabel(label(l.from), label(l.to), number(l.qty))}</title>
        </path>
      ))}
      {[...nodes.values()].map((n) => {
        const last = n.col === cols.length - 1 && cols.length > 1;
        return (
          <g key={n.key} class={`sankey-node kind-${n.kind}`} data-node={n.key}>
            <rect x={x(n.col)} y={n.y} width={NODE_W} height={n.h} />
            <text x={last ? x(n.col) - 4 : x(n.col) + NODE_W + 4} y={n.y + n.h / 2} dy="0.35em" text-anchor={last ? 'end' : 'start'}>
              {label(n)} · {number(n.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
