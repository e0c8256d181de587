import type { Messages } from '../i18n/en';
import { levelH, Model, nodeH, nodeW, type TNode } from './model';

// Drawing the explorer's tree on a 2D canvas. Only the nodes and links that
// meet the viewport are drawn, and the detail follows the zoom: coloured
// boxes when a node is a few pixels wide (a hundred thousand of them stay
// smooth), its code from about 50 px, all its figures from about 120 px.

export interface Camera {
  x: number; // world point at the canvas's centre
  y: number;
  k: number; // pixels per world unit
}

export interface Look {
  m: Messages;
  locale: string;
  tree: string;
  ranks: string[];
  highlight: Set<string>;
  selected: TNode | null;
}

// Rank colours, lowest rank first; a member without a rank is grey.
export const rankColours = ['#7b8794', '#2f80ed', '#27ae60', '#f2994a', '#9b51e0', '#eb5757', '#00a3a3', '#c9a227', '#5b3cc4', '#d6457a'];
export const noRank = '#b8c0cc';
const accent = '#0b6bcb';

export function rankColour(i: number | undefined): string {
  return i === undefined || i < 0 ? noRank : rankColours[i % rankColours.length];
}

// compact formats a figure for a node: short forms for big numbers (1.2K,
// 1.2万); the card shows the exact figures. One formatter per locale: making
// one costs more than drawing a frame's text on a slow phone.
const compactFormats = new Map<string, (v: string | number | undefined) => string>();
function compactFormat(locale: string) {
  let fmt = compactFormats.get(locale);
  if (!fmt) {
    const f = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
    fmt = (v) => (v === undefined || v === '' ? '—' : f.format(v as number));
    compactFormats.set(locale, fmt);
  }
  return fmt;
}

// draw paints the model through cam on a canvas of w × h CSS pixels at
// ratio device pixels each; it answers how many nodes it drew.
export function draw(ctx: CanvasRenderingContext2D, w: number, h: number, ratio: number, cam: Camera, model: Model, look: Look): number {
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = '#f8fafc';
  ctx.fillRect(0, 0, w, h);
  const k = cam.k;
  ctx.setTransform(ratio * k, 0, 0, ratio * k, ratio * (w / 2 - cam.x * k), ratio * (h / 2 - cam.y * k));
  // The viewport in world units, with a node's margin.
  const x0 = cam.x - w / 2 / k - nodeW;
  const x1 = cam.x + w / 2 / k + nodeW;
  const y0 = cam.y - h / 2 / k - levelH;
  const y1 = cam.y + h / 2 / k + levelH;
  const inView = (t: TNode) => t.x >= x0 && t.x <= x1 && t.y >= y0 && t.y <= y1;

  const px = nodeW * k; // a node's width on screen
  // Links: a stub under the parent, a bar over its children, a stub above
  // each; none when the nodes are a few pixels wide and the links a blur.
  const links = px >= 8;
  ctx.lineWidth = Math.max(1, 1 / k);
  ctx.strokeStyle = '#aab4c3';
  ctx.beginPath();
  const spill: TNode[] = [];
  for (const t of links ? model.visible : []) {
    if (!t.open || !t.kids || !t.kids.length || t.y < y0 - levelH || t.y > y1) continue;
    const first = t.kids[0].x;
    const last = t.kids[t.kids.length - 1].x;
    if (last < x0 || first > x1) continue;
    const mid = t.y + nodeH + (levelH - nodeH) / 2;
    ctx.moveTo(t.x, t.y + nodeH);
    ctx.lineTo(t.x, mid);
    ctx.moveTo(Math.max(first, x0), mid);
    ctx.lineTo(Math.min(last, x1), mid);
    for (const c of t.kids) {
      if (c.x < x0 || c.x > x1) continue;
      if (c.n.spillover && look.tree === 'placement') spill.push(c);
      else {
        ctx.moveTo(c.x, mid);
        ctx.lineTo(c.x, c.y);
      }
    }
  }
  ctx.stroke();
  // A spillover's link is dashed: its sponsor is elsewhere.
  if (spill.length) {
    ctx.setLineDash([6, 4]);
    ctx.strokeStyle = '#d97706';
    ctx.beginPath();
    for (const c of spill) {
      ctx.moveTo(c.x, c.y - (levelH - nodeH) / 2);
      ctx.lineTo(c.x, c.y);
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }
  // The highlighted path, over the links.
  if (look.highlight.size > 1) {
    ctx.strokeStyle = accent;
    ctx.lineWidth = Math.max(3, 3 / k);
    ctx.beginPath();
    for (const t of model.visible) {
      const p = t.parent;
      if (!p || !look.highlight.has(t.n.code) || !look.highlight.has(p.n.code)) continue;
      const mid = p.y + nodeH + (levelH - nodeH) / 2;
      ctx.moveTo(p.x, p.y + nodeH);
      ctx.lineTo(p.x, mid);
      ctx.lineTo(t.x, mid);
      ctx.lineTo(t.x, t.y);
    }
    ctx.stroke();
  }

  let drawn = 0;
  if (px < 48) {
    // Boxes only, one path per colour.
    const byColour = new Map<string, TNode[]>();
    for (const t of model.visible) {
      if (!inView(t)) continue;
      drawn++;
      const c = t.more ? '#dde2ea' : t.n.status === 'active' ? rankColour(t.n.rank_index) : '#d5dae1';
      let list = byColour.get(c);
      if (!list) byColour.set(c, (list = []));
      list.push(t);
    }
    // At least a pixel and a half each, so a far view still shows where the team is.
    const bw = Math.max(nodeW, 1.5 / k);
    const bh = Math.max(nodeH, 1.5 / k);
    for (const [c, list] of byColour) {
      ctx.fillStyle = c;
      ctx.beginPath();
      for (const t of list) ctx.rect(t.x - bw / 2, t.y, bw, bh);
      ctx.fill();
    }
    ctx.lineWidth = Math.max(2, 4 / k);
    ctx.strokeStyle = accent;
    for (const t of model.visible) {
      if ((look.highlight.has(t.n.code) || t === look.selected) && inView(t)) ctx.strokeRect(t.x - nodeW / 2, t.y, nodeW, nodeH);
    }
    return drawn;
  }
  const fmt = compactFormat(look.locale);
  const full = px >= 120;
  for (const t of model.visible) {
    if (!inView(t)) continue;
    drawn++;
    drawNode(ctx, t, look, full, fmt, k);
  }
  return drawn;
}

function drawNode(ctx: CanvasRenderingContext2D, t: TNode, look: Look, full: boolean, fmt: (v: string | number | undefined) => string, k: number) {
  const m = look.m;
  const n = t.n;
  const left = t.x - nodeW / 2;
  const top = t.y;
  if (t.more) {
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = '#8a94a6';
    ctx.lineWidth = 1.5;
    ctx.fillStyle = '#fff';
    roundRect(ctx, left, top + 20, nodeW, nodeH - 40, 10);
    ctx.fill();
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = accent;
    ctx.font = '600 14px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(t.loading ? m.xLoading : m.xMore, t.x, top + nodeH / 2 + 5);
    ctx.textAlign = 'left';
    return;
  }
  const active = n.status === 'active';
  const colour = rankColour(n.rank_index);
  const on = look.highlight.has(n.code) || t === look.selected;
  ctx.fillStyle = active ? '#fff' : '#eef0f3';
  roundRect(ctx, left, top, nodeW, nodeH, 10);
  ctx.fill();
  if (!active) ctx.setLineDash([4, 3]);
  ctx.lineWidth = on ? Math.max(3, 2 / k) : 1.5;
  ctx.strokeStyle = on ? accent : active ? colour : '#9aa3af';
  ctx.stroke();
  ctx.setLineDash([]);
  // The rank's stripe on the left.
  ctx.fillStyle = colour;
  ctx.fillRect(left + 1, top + 8, 5, nodeH - 16);

  const ink = active ? '#1d2430' : '#6b7280';
  const x = left + 13;
  ctx.textAlign = 'left';
  ctx.fillStyle = ink;
  ctx.font = '700 15px system-ui, sans-serif';
  ctx.fillText(n.code, x, top + 21, nodeW - 60);
  if (full) {
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillText(n.name, x, top + 40, nodeW - 22);
    ctx.fillStyle = '#5b6678';
    ctx.font = '12px system-ui, sans-serif';
    const lines: string[] = [];
    if (n.team !== undefined) lines.push(m.xTeamLine(fmt(n.team), fmt(n.active)));
    if (look.tree === 'placement') {
      if (n.left_gv !== undefined) lines.push(m.xLegsLine(fmt(n.left_gv), fmt(n.right_gv)));
      if (n.carry_left !== undefined) lines.push(m.xCarryLine(fmt(n.carry_left), fmt(n.carry_right)));
    } else if (n.gv !== undefined) lines.push(m.xGvLine(fmt(n.gv)));
    if (lines.length < 3 && n.pv !== undefined) lines.push(m.xPvLine(fmt(n.pv)));
    lines.slice(0, 3).forEach((l, i) => ctx.fillText(l, x, top + 58 + i * 16, nodeW - 22));
    // The rank at the top right.
    ctx.textAlign = 'right';
    ctx.font = '600 11px system-ui, sans-serif';
    if (n.rank) {
      ctx.fillStyle = colour;
      ctx.fillText(n.rank, left + nodeW - 8, top + 19, 64);
    }
    ctx.textAlign = 'left';
  }
  // Badges above the box: new this period, spillover.
  let bx = left + 8;
  if (n.new) bx = badge(ctx, bx, top - 9, m.xNewBadge, '#16a34a');
  if (n.spillover && look.tree === 'placement') badge(ctx, bx, top - 9, m.xSpillBadge, '#d97706');
  // The expander under the box.
  if (Model.hasKids(t)) {
    const cy = top + nodeH;
    ctx.beginPath();
    ctx.arc(t.x, cy, 10, 0, Math.PI * 2);
    ctx.fillStyle = t.open ? '#fff' : accent;
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = accent;
    ctx.stroke();
    ctx.fillStyle = t.open ? accent : '#fff';
    ctx.font = '700 15px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(t.loading ? '…' : t.open ? '−' : '+', t.x, cy + 5);
    ctx.textAlign = 'left';
  }
}

function badge(ctx: CanvasRenderingContext2D, x: number, y: number, text: string, colour: string): number {
  ctx.font = '700 10px system-ui, sans-serif';
  const w = ctx.measureText(text).width + 10;
  ctx.fillStyle = colour;
  roundRect(ctx, x, y, w, 16, 8);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.fillText(text, x + 5, y + 12);
  return x + w + 4;
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number) {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, r);
}

// hit finds the node under the world point (x, y), and whether the point
// is on its expander.
export function hit(model: Model, x: number, y: number): { t: TNode; toggle: boolean } | null {
  for (const t of model.visible) {
    if (Model.hasKids(t) && Math.hypot(x - t.x, y - (t.y + nodeH)) <= 14) return { t, toggle: true };
    if (x >= t.x - nodeW / 2 && x <= t.x + nodeW / 2 && y >= t.y && y <= t.y + nodeH) return { t, toggle: false };
  }
  return null;
}

// fit is the camera that shows the whole model in w × h.
export function fit(model: Model, w: number, h: number): Camera {
  const pad = 40;
  const k = Math.min(1.2, (w - pad) / model.width, (h - pad) / (model.height + 20));
  return { x: model.width / 2, y: model.height / 2 - 5, k: Math.max(k, 0.0005) };
}

// opening is the first view: the whole tree when it can be read so, else
// the root at the top at a zoom that shows a node's figures.
export function opening(model: Model, w: number, h: number): Camera {
  const c = fit(model, w, h);
  if (c.k * nodeW >= 120) return c;
  const k = Math.min(1, Math.max(120 / nodeW, c.k));
  return { x: model.root.x, y: model.root.y - 16 - (24 - h / 2) / k, k };
}
