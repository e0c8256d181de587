// The client of /api/v1. The browser signs in with the session cookie the
// API sets on sign-in; writes carry the double-submit CSRF token (the
// downline_csrf cookie, readable by this origin's script) in X-CSRF-Token.

// The API writes every object with snake_case keys.
export interface User {
  id: number;
  login: string;
  role: string;
  member?: string;
  agency?: string;
  status: string;
}

export interface Member {
  code: string;
  name: string;
  status: string;
  joined_at: string;
  sponsor?: string;
  placement?: string;
  side?: string;
}

export interface Wallet {
  member: string;
  wallet: string;
  bonus_payable: string;
}

export interface Team {
  tree: string;
  total: number;
  active: number;
  depth: number;
  legs: { head: string; side?: string; total: number; active: number }[];
}

export interface Order {
  no: string;
  kind: string;
  status: string;
  total: string;
  pv: string;
  placed_at: string;
  paid_at?: string;
  confirmed_at?: string;
  shipped_at?: string;
  delivered_at?: string;
  cancelled_at?: string;
  shipment?: string;
  tracking?: string;
  carrier?: string;
}

export interface Product {
  sku: string;
  name_zh: string;
  name_en: string;
  description_zh?: string;
  description_en?: string;
  member_price: string;
  pv: string;
  status: string;
  starter_kit?: boolean;
}

export interface ProductPage {
  items: Product[];
  next?: string;
}

export interface Payment {
  no: string;
  order: string;
  method: string;
  amount: string;
  status: string;
}

export interface OrderPage {
  items: Order[];
  next?: string;
}

// ExplorerNode is a member as the genealogy explorer draws it. The fields
// after NodeView's come with the explorer's reads; an older server leaves
// some out, and the explorer shows what it has.
export interface ExplorerNode {
  code: string;
  name: string;
  status: string;
  joined_at: string;
  depth: number;
  side?: string;
  sponsor?: string;
  parent?: string;
  spillover?: boolean;
  team?: number;
  active?: number;
  pv?: string;
  gv?: string;
  left_gv?: string;
  right_gv?: string;
  carry_left?: string;
  carry_right?: string;
  rank?: string;
  rank_index?: number;
  new?: boolean;
}

export type TreeKind = 'sponsor' | 'placement';

export interface ExplorerPage {
  tree: string;
  member: string;
  period: string;
  starts_at: string;
  ends_at: string;
  as_of?: string | null;
  ranks?: string[];
}

export interface ChildrenPage extends ExplorerPage {
  items: ExplorerNode[];
  next?: string;
}

export interface NodePage extends ExplorerPage {
  node: ExplorerNode;
}

export interface SearchPage {
  items: { node: ExplorerNode; path: string[] }[];
}

export interface LegEnd {
  side: string;
  node: ExplorerNode;
  path: string[];
}

export interface Upline {
  tree: string;
  items: ExplorerNode[];
}

// Performance is a member's figures for a period in one tree, with the
// rank held and the progress to the next (sponsor tree).
export interface Performance extends ExplorerPage {
  pv: string;
  gv: string;
  team: number;
  active: number;
  rank: string;
  rank_index: number;
  carry_left: string;
  carry_right: string;
  left_gv: string;
  right_gv: string;
  legs: { head: string; side?: string; total: number; active: number; gv: string; counted: string }[];
  next_rank: null | {
    name: string;
    pv: { need: string; have: string };
    qgv: { need: string; have: string; cap: string | null };
    legs: null | { need: number; rank: string; have: number };
    missing: string[];
  };
}

export interface NewMembers {
  period: string;
  items: (ExplorerNode & { pv: string })[];
}

export interface Statement {
  period: string;
  starts_at: string;
  cutoff_at: string;
  time_zone?: string;
  status: string;
  plan: string;
  member: string;
  name: string;
  currency: string;
  summary: string;
  total: string;
  lines: { bonus: string; amount: string; source?: string; level?: number; explanation: string }[];
}

// StatementEntry is a period the member has a statement of.
export interface StatementEntry {
  period: string;
  kind: string;
  starts_at: string;
  cutoff_at: string;
  time_zone?: string;
  status: string;
  lines: number;
  total: string;
}

// Node is a member in a page of a downline.
export interface Node {
  code: string;
  name: string;
  status: string;
  depth: number;
  side?: string;
  parent?: string;
}

export interface Registration {
  name: string;
  phone: string;
  lang: string;
  sponsor: string;
  placement?: string;
  side?: string;
  auto?: string;
  under?: string;
  order?: { lines: { sku: string; qty: number }[] };
}

export interface Registered {
  member: Member;
  order?: Order;
}

// ApiError is an answer other than 2xx (problem+json), no answer at all
// (status 0), or session cookies the browser would not keep (-1).
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly requestId = '',
    readonly retryAfter = 0,
  ) {
    super(detail);
  }
}

let csrfFromLogin = '';

export function csrf(): string {
  const m = document.cookie.match(/(?:^|;\s*)downline_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : csrfFromLogin;
}

// key is the Idempotency-Key of a write that moves money or stock: a retry
// under the same key answers the first request's result instead of
// repeating it.
export async function request<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (key) headers['Idempotency-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf();
  let res: Response;
  try {
    res = await fetch('/api/v1' + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the status
  }
  if (!res.ok) {
    throw new ApiError(
      res.status,
      data?.detail ?? res.statusText,
      data?.request_id ?? res.headers.get('X-Request-Id') ?? '',
      Number(res.headers.get('Retry-After') ?? 0),
    );
  }
  return data as T;
}

export const seg = encodeURIComponent;

// explorerQuery is the tree and, unless it is the current one (""), the period.
function explorerQuery(tree: TreeKind, period: string): string {
  return `tree=${tree}${period ? `&period=${seg(period)}` : ''}`;
}

export const api = {
  me: () => request<User>('GET', '/auth/me'),
  async login(login: string, password: string): Promise<User> {
    const r = await request<{ csrf_token: string; user: User }>('POST', '/auth/login', { login, password });
    csrfFromLogin = r.csrf_token;
    // The API's cookies are Secure: a browser keeps them over https and on
    // 127.0.0.1 or localhost, not over plain http to another address, where
    // every next request would be anonymous.
    if (!/(?:^|;\s*)downline_csrf=/.test(document.cookie)) throw new ApiError(-1, 'cookies refused');
    return r.user;
  },
  logout: () => request<void>('POST', '/auth/logout'),
  // changePassword ends every session of the user, this one included.
  changePassword: (current: string, next: string) =>
    request<void>('POST', '/auth/password', { current, new: next }),
  member: (code: string) => request<Member>('GET', `/members/${seg(code)}`),
  wallet: (code: string) => request<Wallet>('GET', `/members/${seg(code)}/wallet`),
  team: (code: string, tree: 'sponsor' | 'placement') => request<Team>('GET', `/members/${seg(code)}/team?tree=${tree}`),
  orders: (code: string, limit: number) => request<OrderPage>('GET', `/members/${seg(code)}/orders?limit=${limit}`),
  ordersAfter: (code: string, limit: number, cursor: string) =>
    request<OrderPage>('GET', `/members/${seg(code)}/orders?limit=${limit}&cursor=${seg(cursor)}`),
  products: (cursor = '') =>
    request<ProductPage>('GET', `/products?limit=500${cursor ? `&cursor=${seg(cursor)}` : ''}`),
  placeRepeatOrder: (lines: { sku: string; qty: number }[], key: string) =>
    request<Order>('POST', '/orders', { kind: 'repeat', lines }, key),
  payOnline: (no: string, amount: string, key: string) =>
    request<Payment>('POST', `/orders/${seg(no)}/payments`, { method: 'online', amount }, key),
  statements: (code: string) => request<StatementEntry[]>('GET', `/members/${seg(code)}/statements`),
  placementDownline: (code: string, depth: number) =>
    request<{ items: Node[] }>('GET', `/members/${seg(code)}/downline?tree=placement&depth=${depth}&limit=100`),
  register: (r: Registration, key: string) => request<Registered>('POST', '/members', r, key),
  node: (code: string, tree: TreeKind, period: string) =>
    request<NodePage>('GET', `/members/${seg(code)}/node?${explorerQuery(tree, period)}`),
  children: (code: string, tree: TreeKind, period: string, cursor = '') =>
    request<ChildrenPage>(
      'GET',
      `/members/${seg(code)}/children?${explorerQuery(tree, period)}${cursor ? `&cursor=${seg(cursor)}` : ''}`,
    ),
  search: (code: string, tree: TreeKind, q: string, limit: number) =>
    request<SearchPage>('GET', `/members/${seg(code)}/search?tree=${tree}&q=${seg(q)}&limit=${limit}`),
  legEnd: (code: string, side: 'L' | 'R', period: string) =>
    request<LegEnd>('GET', `/members/${seg(code)}/leg-end?side=${side}${period ? `&period=${seg(period)}` : ''}`),
  upline: (code: string, tree: TreeKind) => request<Upline>('GET', `/members/${seg(code)}/upline?tree=${tree}`),
  performance: (code: string, tree: TreeKind) => request<Performance>('GET', `/members/${seg(code)}/performance?tree=${tree}`),
  newMembers: (code: string, limit: number) => request<NewMembers>('GET', `/members/${seg(code)}/new-members?limit=${limit}`),
  statement: (code: string, period: string, lang: string) =>
    request<Statement>('GET', `/members/${seg(code)}/statements/${seg(period)}?lang=${seg(lang)}`),
};
