import { request, seg, type Order, type Statement } from '../api';

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
  warehouse: string;
  ship_to?: string;
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
  ship: (order: string, tracking: string, carrier: string, key: string, lots: { line: number; batch: string; qty: number }[] = []) =>
    request<{ no: string }>(
      'POST',
      `/orders/${seg(order)}/shipments`,
      { tracking, ...(carrier ? { carrier } : {}), ...(lots.length ? { lots } : {}) },
      key,
    ),
};

// Settlement: plans, runs (background jobs), breakdowns, approval and payout.

export interface Plan {
  id: number;
  name: string;
  version: number;
  effective_from: string;
  uploaded_by: string;
  uploaded_at: string;
}

export interface Run {
  period: string;
  starts_at: string;
  cutoff_at: string;
  time_zone?: string;
  status: string;
  attempt: number;
  plan_id: number;
  run_by: string;
  run_at: string;
  members: number;
  active: number;
  lines: number;
  total_bv: string;
  before_cap: string;
  bonus_total: string;
  clawback_total: string;
  approved_by?: string;
  approved_at?: string;
  approve_reason?: string;
  paid_by?: string;
  paid_at?: string;
  manual_adjustments?: { count: number; total: string };
}

// PeriodEntry is a period with where its settlement stands; an open month
// not defined yet is defined by its first run.
export interface PeriodEntry {
  period: string;
  kind: string;
  starts_at: string;
  cutoff_at: string;
  time_zone?: string;
  defined: boolean;
  status: 'open' | 'draft' | 'approved' | 'paid';
  plan?: Plan;
  run?: Run;
}

export interface RunJob {
  id: number;
  period: string;
  status: 'running' | 'succeeded' | 'failed';
  stage: string;
  requested_by: string;
  replaced?: boolean;
  error?: { status: number; detail: string };
  run?: Run;
}

export interface Breakdown {
  run: Run;
  baseline?: Run;
  bonuses: { bonus: string; amount: string; baseline: string }[];
  ranks: { rank: string; members: number; amount: string; baseline_members: number; baseline_amount: string }[];
  movers: { member: string; rank?: string; amount: string; baseline: string; change: string }[];
}

export interface Adjustment {
  id: number;
  member: string;
  amount: string;
  reason: string;
  entered_by: string;
  entered_at: string;
}

export interface Payout {
  period: string;
  currency: string;
  min_payout: string;
  paid_total: string;
  paid_count: number;
  carried_total: string;
  carried_count: number;
  paid_by: string;
  paid_at: string;
  csv: string;
  xlsx: string;
}

const period = (code: string) => `/periods/${seg(code)}`;

export const settleApi = {
  plans: () => request<Plan[]>('GET', '/plans'),
  upload: (document: string, effective: string) => request<Plan>('POST', '/plans', { document, effective }),
  periods: () => request<PeriodEntry[]>('GET', '/periods'),
  start: (code: string, key: string) => request<RunJob>('POST', `${period(code)}/run`, {}, key),
  job: (id: number) => request<RunJob>('GET', `/run-jobs/${id}`),
  breakdown: (code: string) => request<Breakdown>('GET', `${period(code)}/breakdown?movers=10`),
  adjustments: (code: string) => request<Adjustment[]>('GET', `${period(code)}/adjustments`),
  adjust: (code: string, member: string, amount: string, reason: string, key: string) =>
    request<Adjustment>('POST', `${period(code)}/adjustments`, { member, amount, reason }, key),
  approve: (code: string, reason: string, key: string) => request<Run>('POST', `${period(code)}/approve`, { reason }, key),
  pay: (code: string, min: string, key: string) => request<Payout>('POST', `${period(code)}/pay`, { min_payout: min }, key),
  payout: (code: string) => request<Payout>('GET', `${period(code)}/payout`),
  statement: (member: string, code: string, lang: string) =>
    request<Statement>('GET', `/members/${seg(member)}/statements/${seg(code)}?lang=${seg(lang)}`),
};
