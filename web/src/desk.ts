import { request, seg } from './api';

// The service desk's reads and writes of /api/v1/tickets, shared by the
// member office (a member's or customer's own tickets) and the staff
// console (HQ's board).

export const categories = ['complaint', 'quality', 'delivery', 'bonus', 'account', 'other'] as const;
export const states = ['open', 'assigned', 'waiting', 'escalated', 'closed'] as const;
export const sorts = ['due', 'newest', 'oldest'] as const;

// The longest text the API accepts, in characters (ledger/desk.MaxText).
export const maxText = 4000;
// The most photos an opening or a reply carries (ledger/desk.MaxPhotos).
export const maxPhotos = 6;

export interface TicketEvent {
  id: number;
  kind: string;
  body?: string;
  photos?: string[];
  assignee?: string;
  by: string;
  by_staff: boolean;
  at: string;
}

export interface Ticket {
  id: number;
  no: string;
  category: string;
  order?: string;
  subject: string;
  channel: string;
  state: string;
  escalated: boolean;
  overdue: boolean;
  assignee?: string;
  member?: string;
  member_name?: string;
  customer?: string;
  lang: string;
  opened_at: string;
  due_at: string;
  closed_at?: string;
  events?: TicketEvent[];
}

export interface TicketPage {
  items: Ticket[];
  next?: string;
}

export interface SLA {
  category: string;
  hours: number;
}

export interface TicketFilter {
  state?: string;
  category?: string;
  overdue?: boolean;
  q?: string;
  sort?: string;
}

function query(f: TicketFilter, limit: number, cursor: string): string {
  const p = new URLSearchParams();
  if (f.state) p.set('state', f.state);
  if (f.category) p.set('category', f.category);
  if (f.overdue) p.set('overdue', 'true');
  if (f.q) p.set('q', f.q);
  if (f.sort) p.set('sort', f.sort);
  p.set('limit', String(limit));
  if (cursor) p.set('cursor', cursor);
  return p.toString();
}

export const deskApi = {
  list: (f: TicketFilter, limit: number, cursor = '') => request<TicketPage>('GET', `/tickets?${query(f, limit, cursor)}`),
  get: (no: string) => request<Ticket>('GET', `/tickets/${seg(no)}`),
  open: (t: { category: string; order?: string; text: string; photos?: string[] }, key: string) =>
    request<Ticket>('POST', '/tickets', t, key),
  reply: (no: string, text: string, photos: string[] = []) =>
    request<Ticket>('POST', `/tickets/${seg(no)}/replies`, photos.length ? { text, photos } : { text }),
  assign: (no: string, assignee: string) => request<Ticket>('POST', `/tickets/${seg(no)}/assign`, { assignee }),
  note: (no: string, text: string) => request<Ticket>('POST', `/tickets/${seg(no)}/notes`, { text }),
  escalate: (no: string, reason: string) => request<Ticket>('POST', `/tickets/${seg(no)}/escalate`, { reason }),
  close: (no: string, resolution: string) => request<Ticket>('POST', `/tickets/${seg(no)}/close`, { resolution }),
  reopen: (no: string) => request<Ticket>('POST', `/tickets/${seg(no)}/reopen`),
  categories: () => request<SLA[]>('GET', '/ticket-categories'),
  setSLA: (category: string, hours: number) => request<SLA>('POST', `/ticket-categories/${seg(category)}`, { hours }),
};

// stateOf is the state a ticket shows: escalated while it is not closed.
export function stateOf(t: Ticket): string {
  return t.escalated && t.state !== 'closed' ? 'escalated' : t.state;
}

// ageHours is how long a ticket has been open, in whole hours.
export function ageHours(t: Ticket, now = Date.now()): number {
  const end = t.closed_at ? Date.parse(t.closed_at) : now;
  return Math.max(0, Math.floor((end - Date.parse(t.opened_at)) / 3_600_000));
}

// length counts characters as the API does (code points, not UTF-16 units).
export function length(s: string): number {
  return [...s.trim()].length;
}
