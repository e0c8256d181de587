import { draw, fit, type Look } from './draw';
import type { Model } from './model';

// The visible subtree as a file: CSV for a spreadsheet (UTF-8 with a byte
// order mark, so Excel reads Chinese names right) and PNG for a picture.

export const csvColumns = ['code', 'name', 'parent', 'depth', 'rank', 'status', 'pv', 'gv', 'left_gv', 'right_gv', 'team', 'active'];

// cell quotes a value as RFC 4180 asks; a text starting like a formula is
// prefixed with ' so a spreadsheet shows it rather than runs it.
function cell(v: string | number | undefined, text = false): string {
  let s = v === undefined ? '' : String(v);
  if (text && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(model: Model): string {
  const rows = [csvColumns.join(',')];
  for (const t of model.visible) {
    if (t.more) continue;
    const n = t.n;
    rows.push(
      [
        cell(n.code, true),
        cell(n.name, true),
        cell(t.parent?.n.code ?? '', true),
        cell(t.level),
        cell(n.rank ?? '', true),
        cell(n.status),
        cell(n.pv),
        cell(n.gv),
        cell(n.left_gv),
        cell(n.right_gv),
        cell(n.team),
        cell(n.active),
      ].join(','),
    );
  }
  return '\ufeff' + rows.join('\r\n') + '\r\n';
}

export function download(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// png draws the whole visible subtree on a canvas of its own, at most
// 4096 px a side (a phone's limit), and answers it as PNG.
export function png(model: Model, look: Look): Promise<Blob> {
  const max = 4096;
  const pad = 40;
  const scale = Math.min(1, max / (model.width + pad), max / (model.height + pad + 20));
  const w = Math.ceil((model.width + pad) * scale);
  const h = Math.ceil((model.height + pad + 20) * scale);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const cam = fit(model, w, h);
  draw(c.getContext('2d')!, w, h, 1, { ...cam, k: scale }, model, look);
  return new Promise((ok, fail) => c.toBlob((b) => (b ? ok(b) : fail(new Error('toBlob'))), 'image/png'));
}
