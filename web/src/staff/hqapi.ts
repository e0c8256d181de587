import { request, seg, type Member, type OrderPage, type Product, type ProductPage, type Team, type User } from '../api';

// The staff console's HQ administration and warehouse stock: members,
// users, the audit log, stock by lot, receipts and low-stock thresholds.

export interface StaffMember extends Member {
  phone?: string;
  lang?: string;
}

export interface MemberPage {
  items: StaffMember[];
  next?: string;
}

export interface Ancestor {
  code: string;
  name: string;
}

export interface MovePreview {
  member: StaffMember;
  tree: 'sponsor' | 'placement';
  subtree: number;
  from_parent?: string;
  from_side?: string;
  upline: Ancestor[];
}

export interface MoveRecord {
  tree: number;
  from_parent: string;
  to_parent: string;
  to_side?: number;
  at: string;
  by: string;
  reason: string;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  status: number;
  idem_key?: string;
  ip?: string;
  detail?: string;
}

export interface Warehouse {
  id: number;
  code: string;
  name: string;
  agency_code?: string;
}

export interface Balance {
  lot: number;
  sku: string;
  batch: string;
  expires_on?: string;
  on_hand: number;
  reserved: number;
  available: number;
}

// StockFilter is the stock list's filter and order.
export interface StockFilter {
  product: string;
  lot: string;
  expiresBefore: string;
  sort: 'expiry' | 'sku';
}

function stockQuery(f: StockFilter): string {
  const q = [`sort=${f.sort}`];
  if (f.product) q.push(`product=${encodeURIComponent(f.product)}`);
  if (f.lot) q.push(`lot=${encodeURIComponent(f.lot)}`);
  if (f.expiresBefore) q.push(`expires_before=${f.expiresBefore}`);
  return q.join('&');
}

export interface LowStock {
  warehouse: string;
  sku: string;
  available: number;
  threshold: number;
}

export interface Receipt {
  sku: string;
  batch: string;
  qty: number;
  produced_on: string;
  expires_on?: string;
}

const paged = (cursor: string, limit: number) => `limit=${limit}${cursor ? `&cursor=${seg(cursor)}` : ''}`;

export const hqApi = {
  searchMembers: (q: string, limit: number, cursor = '') =>
    request<MemberPage>('GET', `/members?q=${seg(q)}&${paged(cursor, limit)}`),
  member: (code: string) => request<StaffMember>('GET', `/members/${seg(code)}`),
  upline: (code: string, tree: 'sponsor' | 'placement') =>
    request<{ items: Ancestor[] }>('GET', `/members/${seg(code)}/upline?tree=${tree}`),
  team: (code: string, tree: 'sponsor' | 'placement') => request<Team>('GET', `/members/${seg(code)}/team?tree=${tree}`),
  orders: (code: string, limit: number, cursor = '') =>
    request<OrderPage>('GET', `/members/${seg(code)}/orders?${paged(cursor, limit)}`),
  setStatus: (code: string, status: string, reason: string) =>
    request<StaffMember>('POST', `/members/${seg(code)}/status`, { status, reason }),
  previewMove: (code: string, tree: string, to: string, side: string) =>
    request<MovePreview>(
      'GET',
      `/members/${seg(code)}/move-preview?tree=${tree}&to=${seg(to)}${side ? `&side=${side}` : ''}`,
    ),
  move: (code: string, tree: string, to: string, side: string, reason: string) =>
    request<StaffMember>('POST', `/members/${seg(code)}/move`, side ? { tree, to, side, reason } : { tree, to, reason }),
  users: (limit: number, cursor = '') => request<{ items: User[]; next?: string }>('GET', `/users?${paged(cursor, limit)}`),
  addUser: (u: { login: string; password: string; role: string; agency?: string; member?: string }) =>
    request<User>('POST', '/users', u),
  setUserStatus: (login: string, status: string) => request<User>('POST', `/users/${seg(login)}/status`, { status }),
  setPassword: (login: string, password: string) => request<void>('POST', `/users/${seg(login)}/password`, { password }),
  audit: (limit: number, cursor = '') => request<{ items: AuditRecord[]; next?: string }>('GET', `/audit?${paged(cursor, limit)}`),
  warehouses: () => request<Warehouse[]>('GET', '/warehouses'),
  stock: (code: string, f: StockFilter, cursor = '', limit = 100) =>
    request<{ warehouse: string; items: Balance[]; next?: string }>('GET', `/warehouses/${seg(code)}/stock?${stockQuery(f)}&${paged(cursor, limit)}`),
  // stockOf is every lot of some products in a warehouse, all pages read
  // (a ship card's lots to pick from).
  stockOf: async (code: string, skus: string[]): Promise<Balance[]> => {
    const out: Balance[] = [];
    for (const sku of [...new Set(skus)]) {
      let cursor = '';
      do {
        const p = await hqApi.stock(code, { product: sku, lot: '', expiresBefore: '', sort: 'expiry' }, cursor, 500);
        out.push(...p.items.filter((b) => b.sku === sku));
        cursor = p.next ?? '';
      } while (cursor);
    }
    return out;
  },
  stockCsv: (code: string, f: StockFilter) => `/api/v1/warehouses/${seg(code)}/stock.csv?${stockQuery(f)}`,
  products: async (): Promise<Product[]> => {
    const out: Product[] = [];
    let cursor = '';
    do {
      const p = await request<ProductPage>('GET', `/products?${paged(cursor, 500)}`);
      out.push(...p.items);
      cursor = p.next ?? '';
    } while (cursor);
    return out;
  },
  receive: (warehouse: string, r: Receipt, key: string) =>
    request<{ on_hand: number; qty: number; batch: string }>('POST', `/warehouses/${seg(warehouse)}/receipts`, r, key),
  warnings: () => request<LowStock[]>('GET', '/stock/warnings'),
  setThreshold: (warehouse: string, sku: string, min: number) =>
    request<unknown>('POST', `/warehouses/${seg(warehouse)}/thresholds`, { sku, min_available: min }),
};
