import { request, seg } from '../api';

// The catalogue editor's and the returns desk's reads and writes of /api/v1.

// CatalogueProduct is a product as staff read it: every field.
export interface CatalogueProduct {
  id: number;
  sku: string;
  name_zh: string;
  name_en: string;
  description_zh: string;
  description_en: string;
  images: string[];
  retail_price: string;
  member_price: string;
  agency_price: string;
  unit_cost: string;
  pv: string;
  bv: string;
  status: string;
  launch_date: string;
  starter_kit: boolean;
  revision: number;
  updated_by?: string;
  updated_at?: string;
}

// ProductFields are what the editor writes.
export interface ProductFields {
  name_zh: string;
  name_en: string;
  description_zh: string;
  description_en: string;
  images: string[];
  retail_price: string;
  member_price: string;
  agency_price: string;
  unit_cost: string;
  pv: string;
  bv: string;
  starter_kit: boolean;
}

export interface Revision extends ProductFields {
  revision: number;
  written_by?: string;
  written_at?: string;
  replaced_by?: string;
  replaced_at?: string;
}

export interface CatalogueLot {
  id: number;
  sku: string;
  batch: string;
  produced_on: string;
  expires_on: string; // year 1: does not expire
}

export interface ReturnEntry {
  id: number;
  no: string;
  order: string;
  order_kind: string;
  buyer: string;
  seller?: string;
  warehouse: string;
  refund: string;
  pv: string;
  reason?: string;
  by: string;
  confirmed_at: string;
  lines: { line: number; sku: string; batch: string; qty: number; write_off?: boolean }[];
}

export interface Returnable {
  order: string;
  kind: string;
  status: string;
  member?: string;
  buyer_agency?: string;
  customer?: string;
  seller?: string;
  warehouse: string;
  window_ends?: string;
  open: boolean;
  lots: { line: number; sku: string; batch: string; expires_on?: string; unit_price: string; shipped: number; returned: number; left: number }[];
}

export interface ReturnLine {
  line: number;
  batch: string;
  qty: number;
  write_off?: boolean;
}

const paged = (cursor: string, limit: number) => `limit=${limit}${cursor ? `&cursor=${seg(cursor)}` : ''}`;

export const goodsApi = {
  products: (limit: number, cursor = '') =>
    request<{ items: CatalogueProduct[]; next?: string }>('GET', `/products?${paged(cursor, limit)}`),
  product: (sku: string) => request<CatalogueProduct>('GET', `/products/${seg(sku)}`),
  create: (p: ProductFields & { sku: string; status: string; launch_date?: string }) =>
    request<CatalogueProduct>('POST', '/products', p),
  edit: (sku: string, revision: number, p: ProductFields) =>
    request<CatalogueProduct>('POST', `/products/${seg(sku)}`, { ...p, revision }),
  setStatus: (sku: string, status: string) => request<CatalogueProduct>('POST', `/products/${seg(sku)}/status`, { status }),
  revisions: (sku: string) => request<Revision[]>('GET', `/products/${seg(sku)}/revisions`),
  lots: (sku: string) => request<CatalogueLot[]>('GET', `/products/${seg(sku)}/lots`),
  addLot: (sku: string, l: { batch: string; produced_on: string; expires_on?: string }) =>
    request<CatalogueLot>('POST', `/products/${seg(sku)}/lots`, l),
  returns: (limit: number, cursor = '') => request<{ items: ReturnEntry[]; next?: string }>('GET', `/returns?${paged(cursor, limit)}`),
  returnable: (order: string) => request<Returnable>('GET', `/orders/${seg(order)}/returnable`),
  takeReturn: (order: string, lines: ReturnLine[], reason: string, key: string) =>
    request<{ no: string; refund: string }>('POST', `/orders/${seg(order)}/returns`, reason ? { lines, reason } : { lines }, key),
};

// noExpiry tells a lot date that stands for "does not expire".
export const noExpiry = (d?: string) => !d || d.startsWith('0001-');

// imageSrc is where an image entry is shown from: a media id is served at
// /media/{id}; a path or URL as it is.
export const imageSrc = (im: string) => (im.includes('/') ? im : `/media/${encodeURIComponent(im)}`);
