import { ApiError, csrf, request, seg } from './api';

// The portal's content as the API gives it: news, pages and new-product
// announcements in zh-CN and en, and the images of the media store.

export interface Picture {
  id: string;
  url: string;
  width: number;
  height: number;
  content_type: string;
  bytes: number;
}

export interface ContentText {
  title_zh: string;
  title_en: string;
  summary_zh: string;
  summary_en: string;
  body_zh: string;
  body_en: string;
  image?: string;
}

export type Kind = 'page' | 'news' | 'product';
export type Status = 'draft' | 'scheduled' | 'published' | 'archived';

export interface ContentItem extends ContentText {
  id: number;
  kind: Kind;
  slug?: string;
  sku?: string;
  status: Status;
  revision: number;
  live_rev?: number;
  publish_at?: string;
  author?: string;
  editor?: string;
  created_at: string;
  rev: number;
  picture?: Picture;
}

export interface ContentRevision extends ContentText {
  by: string;
  at: string;
}

export interface ContentEvent {
  status: Status;
  rev: number;
  publish_at?: string;
  by: string;
  at: string;
}

export interface ContentHistory {
  item: ContentItem;
  revisions: ContentRevision[];
  events: ContentEvent[];
}

export interface ContentFilter {
  kind: '' | Kind;
  status: '' | Status;
  q: string;
}

const query = (f: Record<string, string | number>) =>
  Object.entries(f)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${seg(String(v))}`)
    .join('&');

export const contentApi = {
  news: (kind: '' | 'news' | 'product', lang: string, limit: number) =>
    request<{ items: ContentItem[]; next?: string }>('GET', `/news?${query({ kind, lang, limit })}`),
  list: (f: ContentFilter, limit: number, cursor = '') =>
    request<{ items: ContentItem[]; next?: string }>('GET', `/content?${query({ ...f, limit, cursor })}`),
  get: (id: number) => request<ContentHistory>('GET', `/content/${id}`),
  create: (n: ContentText & { kind: Kind; slug?: string; sku?: string }) => request<ContentItem>('POST', '/content', n),
  edit: (id: number, t: ContentText) => request<ContentItem>('POST', `/content/${id}/revisions`, t),
  schedule: (id: number, publishAt: string) => request<ContentItem>('POST', `/content/${id}/schedule`, { publish_at: publishAt }),
  publish: (id: number) => request<ContentItem>('POST', `/content/${id}/publish`),
  archive: (id: number) => request<ContentItem>('POST', `/content/${id}/archive`),
  // upload stores an image in the media store (multipart, field file).
  async upload(file: File): Promise<Picture> {
    const body = new FormData();
    body.append('file', file);
    let res: Response;
    try {
      res = await fetch('/api/v1/media', {
        method: 'POST',
        headers: { Accept: 'application/json', 'X-CSRF-Token': csrf() },
        credentials: 'same-origin',
        body,
      });
    } catch {
      throw new ApiError(0, 'network');
    }
    const data = await res.json().catch(() => undefined);
    if (!res.ok) throw new ApiError(res.status, data?.detail ?? res.statusText, data?.request_id ?? '');
    return data as Picture;
  },
};

// title is an item's title in lang, else in the other language.
export function titleIn(c: ContentText, lang: string): string {
  return (lang === 'en' ? c.title_en || c.title_zh : c.title_zh || c.title_en) || '';
}

// zonedToISO reads a datetime-local value (YYYY-MM-DDTHH:MM) as a wall
// clock time in zone and returns the instant in RFC 3339.
export function zonedToISO(local: string, zone: string): string {
  const m = local.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/);
  if (!m) return '';
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let at = wall;
  // Twice: the zone's offset at the guess, then at the instant found (a
  // change of offset between them moves it once more).
  for (let i = 0; i < 2; i++) at = wall - offset(at, zone);
  return new Date(at).toISOString();
}

// isoToZoned is an instant as a datetime-local value in zone.
export function isoToZoned(iso: string, zone: string): string {
  const d = new Date(new Date(iso).getTime() + offset(new Date(iso).getTime(), zone));
  return d.toISOString().slice(0, 16);
}

const partsFormat = new Map<string, Intl.DateTimeFormat>();

function offset(at: number, zone: string): number {
  let f = partsFormat.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormat.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(at))) if (x.type !== 'literal') p[x.type] = +x.value;
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(at / 1000) * 1000;
}
