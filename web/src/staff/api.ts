import { request, seg, type Order } from '../api';

// The staff console's reads and writes of /api/v1 (finance and warehouse).

export interface QueuedPayment {
  id: number;
  no: string;
  order: string;
  method: string;
  agency?: string;
  amount: string;
  reference?: string;
  status: string;
  recorded_by: string;
  recorded_at: string;
  decided_by?: string;
  decided_at?: string;
  reason?: string;
  member?: string;
  member_name?: string;
  buyer?: string;
  order_total: string;
  order_status: string;
}

export interface PaymentPage {
  items: QueuedPayment[];
  next?: string;
}

export interface BulkResult {
  payment: string;
  ok: boolean;
  status: number;
  detail?: string;
  result?: { status: string; reason?: string };
}

export interface BulkAnswer {
  results: BulkResult[];
  decided: number;
  refused: number;
}

export interface DayFigure {
  date: string;
  confirmed: number;
  median?: number;
  p90?: number;
}

// ToShip is a confirmed order to ship with the lots reserved for it.
export interface ToShip extends Order {
  member?: string;
  member_name?: string;
  buyer?: string;
  lines: { no: number; sku: string; qty: number }[];
  lots: { line: number; sku: string; batch: string; expires_on?: string; qty: number }[];
}

export const staffApi = {
  payments: (status: 'recorded' | 'confirmed', limit: number, cursor = '') =>
    request<PaymentPage>('GET', `/payments?status=${status}&limit=${limit}${cursor ? `&cursor=${seg(cursor)}` : ''}`),
  decide: (action: 'confirm' | 'reject', payments: string[], reason: string, key: string) =>
    request<BulkAnswer>('POST', `/payments/${action}`, reason ? { payments, reason } : { payments }, key),
  confirmationTimes: (days: number) =>
    request<{ time_zone: string; days: DayFigure[] }>('GET', `/payments/confirmation-times?days=${days}`),
  shipQueue: (limit: number, cursor = '') =>
    request<{ items: ToShip[]; next?: string }>('GET', `/ship-queue?limit=${limit}${cursor ? `&cursor=${seg(cursor)}` : ''}`),
  ship: (order: string, tracking: string, carrier: string, key: string) =>
    request<{ no: string }>('POST', `/orders/${seg(order)}/shipments`, carrier ? { tracking, carrier } : { tracking }, key),
};
