import { useEffect, useRef, useState } from 'preact/hooks';
import { request, seg } from '../api';
import { locale, t } from '../i18n';
import type { Messages } from '../i18n/en';
import { companyDate, dateTime, number } from '../format';
import { base, navigate, query } from '../router';
import { useLoad } from '../load';
import { downloadCsv } from './lists';
import { forward, Sankey, type FlowEdge } from './sankey';

// The analysts' tracing pages: back traces, an agency's reconciliation,
// diversion, stock ageing, and the search for lots. Each page keeps its
// question in the address (?by=order&q=SO…), so a link or a reload asks it
// again.

interface Ref {
  kind: string;
  id: string;
}

interface Receipt {
  warehouse: string;
  qty: number;
  at: string;
}

interface BackLine {
  sku: string;
  batch: string;
  lot: string;
  from: Ref;
  qty: number;
  returned: number;
  first: string;
  last: string;
  orders: string[];
  agencies: Ref[];
  warehouses: Ref[];
  receipts: Receipt[];
}

interface BackTrace {
  holder: Ref;
  order?: string;
  lines: BackLine[];
}

interface ReconLine {
  sku: string;
  batch: string;
  lot: string;
  opening: number;
  in: number;
  out: number;
  closing: number;
  ledger: number | null;
  difference: number;
  flagged: boolean;
}

interface Reconciliation {
  holder: Ref;
  lines: ReconLine[];
  in: number;
  out: number;
  differences: number;
}

interface Diversion {
  territory: { agency: string; serves: string[]; member: string; region: string; sku: string; batch: string; qty: number; order: string; at: string }[];
  loading: { member: string; received: number; returned: number; load: number; allowance: number; orders: string[] }[];
  cross_returns: { from: Ref; to: Ref; sold_by: Ref[]; sku: string; batch: string; qty: number; order: string; at: string }[];
}

interface AgeingLine {
  holder: Ref;
  sku: string;
  batch: string;
  lot: string;
  holds: number;
  expires?: string;
  days_to_expiry: number | null;
  received: string;
  last_out: string | null;
  idle_days: number;
  slow: boolean;
}

interface Ageing {
  lines: AgeingLine[];
  slow: number;
  expired: number;
}

interface Lot {
  lot: string;
  sku: string;
  batch: string;
}

const params = () => new URLSearchParams(query.value);
const go = (page: string, q: Record<string, string>) => navigate(`${base}analytics/${page}?${new URLSearchParams(q)}`);
export const backHref = (by: 'order' | 'member' | 'holder', q: string) => `${base}analytics/back?${new URLSearchParams({ by, q })}`;
const lotHref = (sku: string, batch: string) => `${base}analytics/lots/${seg(sku)}/${seg(batch)}`;

function link(href: string, text: string, cls = 'mono') {
  return (
    <a
      href={href}
      class={cls}
      onClick={(e) => {
        e.preventDefault();
        navigate(href);
      }}
    >
      {text}
    </a>
  );
}

// Who shows a holder: its kind as a chip, its id linked to its back trace.
function Who({ r }: { r: Ref }) {
  const m = t.value;
  const traceable = r.kind !== 'supplier' && r.kind !== 'writeoff';
  return (
    <span class="who">
      <span class="chip">{m.circKind[r.kind] ?? r.kind}</span>{' '}
      {traceable ? link(r.kind === 'member' ? backHref('member', r.id) : backHref('holder', `${r.kind}:${r.id}`), r.id) : null}
    </span>
  );
}

const orderLinks = (orders: string[]) => orders.map((o, i) => <span key={o}>{i > 0 && ' '}{link(backHref('order', o), o)}</span>);

function day(d: string | undefined): string {
  if (!d) return '';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(d.slice(0, 10) + 'T00:00:00Z'));
}

// An error kept as a function of the catalogue: it follows a switch of language.
type Err = (m: Messages) => string;

// A text field with its label and its error, the error next to it.
function Field(props: { id: string; label: string; value: string; set: (v: string) => void; error?: Err; type?: 'text' | 'date'; inputmode?: string }) {
  const error = props.error?.(t.value);
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        {...({ type: props.type ?? 'text', inputMode: props.inputmode } as any)}
        id={props.id}
        value={props.value}
        autocomplete="off"
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${props.id}-error` : undefined}
        onInput={(e) => props.set((e.currentTarget as HTMLInputElement).value)}
      />
      {error && (
        <p class="field-error" id={`${props.id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function Loaded<T>({ load, children }: { load: { done: boolean; data?: T; error?: (m: Messages) => string }; children: (d: T) => any }) {
  const m = t.value;
  if (!load.done) return <p class="loading">{m.loading}</p>;
  if (load.error)
    return (
      <p class="form-error" role="alert" id="circ-error">
        {load.error(m)}
      </p>
    );
  return children(load.data as T);
}

const holderRE = /^(warehouse|agency|member|customer):\S+$/;

function holderPath(v: string): string {
  const i = v.indexOf(':');
  return `${seg(v.slice(0, i))}/${seg(v.slice(i + 1))}`;
}

// BackTracePage is /staff/analytics/back: an order, a member or a holder
// traced back to the agencies, HQ warehouses and receipts of its lots.
export function BackTracePage() {
  const m = t.value;
  const p = params();
  const by = (p.get('by') as 'order' | 'member' | 'holder') || 'order';
  const q = p.get('q') ?? '';
  const [b, setB] = useState(by);
  const [v, setV] = useState(q);
  const [error, setError] = useState<Err | undefined>();
  const load = useLoad<BackTrace | null>(() => {
    if (!q) return Promise.resolve(null);
    const path =
      by === 'order' ? `/analytics/orders/${seg(q)}/lots` : by === 'member' ? `/analytics/members/${seg(q)}/lots` : `/analytics/holders/${holderPath(q)}/lots`;
    return request<BackTrace>('GET', path);
  }, [by, q]);
  function submit(e: Event) {
    e.preventDefault();
    const x = v.trim();
    if (!x) return setError(() => (m: Messages) => m.circValueRequired);
    if (b === 'holder' && !holderRE.test(x)) return setError(() => (m: Messages) => m.circHolderInvalid);
    setError(undefined);
    go('back', { by: b, q: x });
  }
  return (
    <main class="staff-page circ-page">
      <section class="card">
        <h1>{m.circBack}</h1>
        <p class="hint">{m.circBackHint}</p>
        <form class="lot-finder" id="back-form" onSubmit={submit} noValidate>
          <div class="field">
            <label for="back-by">{m.circBy}</label>
            <select id="back-by" value={b} onChange={(e) => setB((e.currentTarget as HTMLSelectElement).value as typeof b)}>
              <option value="order">{m.circByOrder}</option>
              <option value="member">{m.circByMember}</option>
              <option value="holder">{m.circByHolder}</option>
            </select>
          </div>
          <Field id="back-q" label={m.circValue} value={v} set={setV} error={error} />
          <button type="submit" id="back-go">
            {m.circTraceBack}
          </button>
        </form>
      </section>
      {q && (
        <section class="card" id="back-result">
          <Loaded load={load}>
            {(bt) =>
              bt && (
                <>
                  <div class="queue-head">
                    <h2 id="back-title">{m.circBackOf(bt.order ? `${bt.order}` : `${m.circKind[bt.holder.kind] ?? bt.holder.kind} ${bt.holder.id}`)}</h2>
                    <div class="queue-tools">
                      <button type="button" class="ghost" id="back-csv" onClick={() => backCsv(bt)}>
                        {m.exportCsv}
                      </button>
                    </div>
                  </div>
                  <BackTable bt={bt} />
                </>
              )
            }
          </Loaded>
        </section>
      )}
    </main>
  );
}

function BackTable({ bt }: { bt: BackTrace }) {
  const m = t.value;
  if (bt.lines.length === 0) return <p class="empty">{m.circNothingReceived}</p>;
  return (
    <table class="queue" id="back-lines">
      <thead>
        <tr>
          <th scope="col">{m.circLot}</th>
          <th scope="col">{m.circFrom}</th>
          <th scope="col" class="num">
            {m.circQty}
          </th>
          <th scope="col" class="num">
            {m.circReturned}
          </th>
          <th scope="col">{m.circAgencies}</th>
          <th scope="col">{m.circReceipts}</th>
          <th scope="col">{m.circOrders}</th>
          <th scope="col">{m.circDate}</th>
        </tr>
      </thead>
      <tbody>
        {bt.lines.map((l) => (
          <tr key={l.lot + l.from.kind + l.from.id} data-lot={l.lot}>
            <td data-label={m.circLot}>{link(lotHref(l.sku, l.batch), `${l.sku} ${l.batch}`)}</td>
            <td data-label={m.circFrom}>
              <Who r={l.from} />
            </td>
            <td data-label={m.circQty} class="num">
              {number(l.qty)}
            </td>
            <td data-label={m.circReturned} class="num">
              {number(l.returned)}
            </td>
            <td data-label={m.circAgencies}>
              {l.agencies.map((a) => (
                <Who key={a.id} r={a} />
              ))}
            </td>
            <td data-label={m.circReceipts} class="receipts">
              {l.receipts.map((r, i) => (
                <span key={i} class="receipt">
                  {m.circReceipt(r.warehouse, number(r.qty), companyDate(r.at))}
                </span>
              ))}
            </td>
            <td data-label={m.circOrders}>{orderLinks(l.orders)}</td>
            <td data-label={m.circDate}>{dateTime(l.first)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function backCsv(bt: BackTrace) {
  downloadCsv(`back-${bt.order || bt.holder.id}.csv`, [
    ['sku', 'batch', 'lot', 'from_kind', 'from', 'qty', 'returned', 'agencies', 'warehouses', 'receipts', 'orders', 'first'],
    ...bt.lines.map((l) => [
      l.sku,
      l.batch,
      l.lot,
      l.from.kind,
      l.from.id,
      l.qty,
      l.returned,
      l.agencies.map((a) => a.id).join(' '),
      l.warehouses.map((w) => w.id).join(' '),
      l.receipts.map((r) => `${r.warehouse} ${r.qty} ${r.at}`).join('; '),
      l.orders.join(' '),
      l.first,
    ]),
  ]);
}

// ReconcilePage is /staff/analytics/reconcile: what passed through a
// warehouse or an agency in a period, against the ledger.
export function ReconcilePage() {
  const m = t.value;
  const p = params();
  const holder = p.get('holder') ?? '';
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const [h, setH] = useState(holder);
  const [f, setF] = useState(from);
  const [tt, setT] = useState(to);
  const [errors, setErrors] = useState<{ holder?: Err; from?: Err; to?: Err }>({});
  const load = useLoad<Reconciliation | null>(
    () => (holder ? request<Reconciliation>('GET', `/analytics/holders/${holderPath(holder)}/reconciliation?${new URLSearchParams({ from, to })}`) : Promise.resolve(null)),
    [holder, from, to],
  );
  function submit(e: Event) {
    e.preventDefault();
    const errs: typeof errors = {};
    if (!/^(warehouse|agency):\S+$/.test(h.trim())) errs.holder = (m) => m.circHolderInvalid;
    if (!f || !tt) errs[!f ? 'from' : 'to'] = (m) => m.circDateRequired;
    else if (tt <= f) errs.to = (m) => m.circDatesOrder;
    setErrors(errs);
    if (Object.keys(errs).length) return;
    go('reconcile', { holder: h.trim(), from: f, to: tt });
  }
  return (
    <main class="staff-page circ-page">
      <section class="card">
        <h1>{m.circReconcile}</h1>
        <p class="hint">{m.circReconcileHint}</p>
        <form class="lot-finder" id="recon-form" onSubmit={submit} noValidate>
          <Field id="recon-holder" label={m.circHolder} value={h} set={setH} error={errors.holder} />
          <Field id="recon-from" label={m.circFromDate} value={f} set={setF} error={errors.from} type="date" />
          <Field id="recon-to" label={m.circToDate} value={tt} set={setT} error={errors.to} type="date" />
          <button type="submit" id="recon-go">
            {m.circShow}
          </button>
        </form>
      </section>
      {holder && (
        <section class="card" id="recon-result">
          <Loaded load={load}>
            {(r) =>
              r && (
                <>
                  <div class="queue-head">
                    <p id="recon-summary" class={r.differences ? 'form-error' : 'ok'}>
                      {m.circDifferences(r.differences)} {m.circTotals(number(r.in), number(r.out))}
                    </p>
                    <div class="queue-tools">
                      <button
                        type="button"
                        class="ghost"
                        id="recon-csv"
                        onClick={() =>
                          downloadCsv(`reconciliation-${r.holder.id}.csv`, [
                            ['sku', 'batch', 'lot', 'opening', 'in', 'out', 'closing', 'ledger', 'difference'],
                            ...r.lines.map((l) => [l.sku, l.batch, l.lot, l.opening, l.in, l.out, l.closing, l.ledger ?? '', l.difference]),
                          ])
                        }
                      >
                        {m.exportCsv}
                      </button>
                    </div>
                  </div>
                  <ReconTable lines={r.lines} />
                </>
              )
            }
          </Loaded>
        </section>
      )}
    </main>
  );
}

function ReconTable({ lines }: { lines: ReconLine[] }) {
  const m = t.value;
  if (lines.length === 0) return <p class="empty">{m.circNone}</p>;
  const num = (label: string, v: number | null) => (
    <td data-label={label} class="num">
      {v === null ? '' : number(v)}
    </td>
  );
  return (
    <table class="queue" id="recon-lines">
      <thead>
        <tr>
          <th scope="col">{m.circLot}</th>
          {[m.circOpening, m.circIn, m.circOut, m.circClosing, m.circLedger, m.circDifference].map((h) => (
            <th key={h} scope="col" class="num">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => (
          <tr key={l.lot} data-lot={l.lot} class={l.flagged ? 'refused' : undefined}>
            <td data-label={m.circLot}>{link(lotHref(l.sku, l.batch), `${l.sku} ${l.batch}`)}</td>
            {num(m.circOpening, l.opening)}
            {num(m.circIn, l.in)}
            {num(m.circOut, l.out)}
            {num(m.circClosing, l.closing)}
            {num(m.circLedger, l.ledger)}
            {num(m.circDifference, l.difference)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// A whole-number field's value within [lo, hi], or null.
function whole(v: string, lo: number, hi: number): number | null {
  if (!/^\d+$/.test(v.trim())) return null;
  const n = Number(v);
  return n >= lo && n <= hi ? n : null;
}

// DiversionPage is /staff/analytics/diversion: the three diversion
// reports, each order a link to its back trace.
export function DiversionPage() {
  const m = t.value;
  const p = params();
  const months = p.get('months') ?? '3';
  const use = p.get('use') ?? '20';
  const factor = p.get('factor') ?? '2';
  const [mo, setMo] = useState(months);
  const [u, setU] = useState(use);
  const [fa, setFa] = useState(factor);
  const [errors, setErrors] = useState<{ months?: Err; use?: Err; factor?: Err }>({});
  const load = useLoad(() => request<Diversion>('GET', `/analytics/diversion?${new URLSearchParams({ months, use, factor })}`), [months, use, factor]);
  function submit(e: Event) {
    e.preventDefault();
    const errs: typeof errors = {};
    const range = (lo: number, hi: number) => (m: Messages) => m.circParamInvalid(number(lo), number(hi));
    if (whole(mo, 1, 36) === null) errs.months = range(1, 36);
    if (whole(u, 0, 1000000) === null) errs.use = range(0, 1000000);
    if (whole(fa, 1, 1000) === null) errs.factor = range(1, 1000);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    go('diversion', { months: mo.trim(), use: u.trim(), factor: fa.trim() });
  }
  return (
    <main class="staff-page circ-page">
      <section class="card">
        <h1>{m.circDiversion}</h1>
        <p class="hint">{m.circDiversionHint}</p>
        <form class="lot-finder" id="div-form" onSubmit={submit} noValidate>
          <Field id="div-months" label={m.circMonths} value={mo} set={setMo} error={errors.months} inputmode="numeric" />
          <Field id="div-use" label={m.circUse} value={u} set={setU} error={errors.use} inputmode="numeric" />
          <Field id="div-factor" label={m.circFactor} value={fa} set={setFa} error={errors.factor} inputmode="numeric" />
          <button type="submit" id="div-go">
            {m.circShow}
          </button>
        </form>
      </section>
      <Loaded load={load}>
        {(d) => (
          <>
            <section class="card" id="div-territory">
              <h2>
                {m.circTerritory} <span class="mono">({number(d.territory.length)})</span>
              </h2>
              {d.territory.length === 0 ? (
                <p class="empty">{m.circNone}</p>
              ) : (
                <table class="queue">
                  <thead>
                    <tr>
                      {[m.circAgency, m.circServes, m.circMember, m.circRegion, m.circProduct, m.circQty, m.circOrders, m.circDate].map((h) => (
                        <th key={h} scope="col">
                          {h}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {d.territory.map((x, i) => (
                      <tr key={i} data-order={x.order}>
                        <td data-label={m.circAgency}>
                          <Who r={{ kind: 'agency', id: x.agency }} />
                        </td>
                        <td data-label={m.circServes}>{x.serves.join(', ')}</td>
                        <td data-label={m.circMember}>
                          <Who r={{ kind: 'member', id: x.member }} />
                        </td>
                        <td data-label={m.circRegion}>{x.region}</td>
                        <td data-label={m.circProduct}>{link(lotHref(x.sku, x.batch), `${x.sku} ${x.batch}`)}</td>
                        <td data-label={m.circQty} class="num">
                          {number(x.qty)}
                        </td>
                        <td data-label={m.circOrders}>{orderLinks([x.order])}</td>
                        <td data-label={m.circDate}>{dateTime(x.at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section class="card" id="div-loading">
              <h2>
                {m.circLoading} <span class="mono">({number(d.loading.length)})</span>
              </h2>
              {d.loading.length === 0 ? (
                <p class="empty">{m.circNone}</p>
              ) : (
                <table class="queue">
                  <thead>
                    <tr>
                      <th scope="col">{m.circMember}</th>
                      {[m.circQty, m.circReturned, m.circLoad, m.circAllowance].map((h) => (
                        <th key={h} scope="col" class="num">
                          {h}
                        </th>
                      ))}
                      <th scope="col">{m.circOrders}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.loading.map((x) => (
                      <tr key={x.member} data-member={x.member}>
                        <td data-label={m.circMember}>
                          <Who r={{ kind: 'member', id: x.member }} />
                        </td>
                        <td data-label={m.circQty} class="num">
                          {number(x.received)}
                        </td>
                        <td data-label={m.circReturned} class="num">
                          {number(x.returned)}
                        </td>
                        <td data-label={m.circLoad} class="num">
                          {number(x.load)}
                        </td>
                        <td data-label={m.circAllowance} class="num">
                          {number(x.allowance)}
                        </td>
                        <td data-label={m.circOrders} class="orders">
                          {orderLinks(x.orders)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section class="card" id="div-returns">
              <h2>
                {m.circCrossReturns} <span class="mono">({number(d.cross_returns.length)})</span>
              </h2>
              {d.cross_returns.length === 0 ? (
                <p class="empty">{m.circNone}</p>
              ) : (
                <table class="queue">
                  <thead>
                    <tr>
                      {[m.circFrom, m.circReturnedTo, m.circSoldBy, m.circProduct, m.circQty, m.circOrders, m.circDate].map((h) => (
                        <th key={h} scope="col">
                          {h}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {d.cross_returns.map((x, i) => (
                      <tr key={i} data-order={x.order}>
                        <td data-label={m.circFrom}>
                          <Who r={x.from} />
                        </td>
                        <td data-label={m.circReturnedTo}>
                          <Who r={x.to} />
                        </td>
                        <td data-label={m.circSoldBy}>
                          {x.sold_by.map((s) => (
                            <Who key={s.id} r={s} />
                          ))}
                        </td>
                        <td data-label={m.circProduct}>{link(lotHref(x.sku, x.batch), `${x.sku} ${x.batch}`)}</td>
                        <td data-label={m.circQty} class="num">
                          {number(x.qty)}
                        </td>
                        <td data-label={m.circOrders}>{x.order && orderLinks([x.order])}</td>
                        <td data-label={m.circDate}>{dateTime(x.at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          </>
        )}
      </Loaded>
    </main>
  );
}

// AgeingPage is /staff/analytics/ageing: every warehouse's and agency's
// holdings by lot, soonest expiry first, slow movers marked.
export function AgeingPage() {
  const m = t.value;
  const p = params();
  const slowDays = p.get('slow_days') ?? '60';
  const [sd, setSd] = useState(slowDays);
  const [error, setError] = useState<Err | undefined>();
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<'expiry' | 'idle'>('expiry');
  const load = useLoad(() => request<Ageing>('GET', `/analytics/ageing?slow_days=${seg(slowDays)}`), [slowDays]);
  function submit(e: Event) {
    e.preventDefault();
    if (whole(sd, 1, 3650) === null) return setError(() => (m: Messages) => m.circParamInvalid(number(1), number(3650)));
    setError(undefined);
    go('ageing', { slow_days: sd.trim() });
  }
  return (
    <main class="staff-page circ-page">
      <section class="card">
        <h1>{m.circAgeing}</h1>
        <p class="hint">{m.circAgeingHint}</p>
        <form class="lot-finder" id="age-form" onSubmit={submit} noValidate>
          <Field id="age-slow" label={m.circSlowDays} value={sd} set={setSd} error={error} inputmode="numeric" />
          <button type="submit" id="age-go">
            {m.circShow}
          </button>
        </form>
      </section>
      <section class="card" id="age-result">
        <Loaded load={load}>
          {(a) => {
            const f = filter.trim().toLowerCase();
            const rows = a.lines
              .filter((l) => !f || `${l.holder.id} ${l.sku} ${l.batch}`.toLowerCase().includes(f))
              .sort((x, y) => (sort === 'idle' ? y.idle_days - x.idle_days : 0));
            return (
              <>
                <div class="queue-head">
                  <p id="age-summary">{m.circAgeingSummary(a.lines.length, a.slow, a.expired)}</p>
                  <div class="queue-tools">
                    <label>
                      {m.circAgeingFilter}{' '}
                      <input id="age-filter" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
                    </label>
                    <label>
                      {m.hqSortBy}{' '}
                      <select id="age-sort" value={sort} onChange={(e) => setSort((e.currentTarget as HTMLSelectElement).value as typeof sort)}>
                        <option value="expiry">{m.circDaysLeft}</option>
                        <option value="idle">{m.circIdle}</option>
                      </select>
                    </label>
                    <button
                      type="button"
                      class="ghost"
                      id="age-csv"
                      onClick={() =>
                        downloadCsv('stock-ageing.csv', [
                          ['holder_kind', 'holder', 'sku', 'batch', 'lot', 'holds', 'expires', 'days_to_expiry', 'last_out', 'idle_days', 'slow'],
                          ...rows.map((l) => [l.holder.kind, l.holder.id, l.sku, l.batch, l.lot, l.holds, l.expires ?? '', l.days_to_expiry ?? '', l.last_out ?? '', l.idle_days, String(l.slow)]),
                        ])
                      }
                    >
                      {m.exportCsv}
                    </button>
                  </div>
                </div>
                {rows.length === 0 ? (
                  <p class="empty">{m.circNone}</p>
                ) : (
                  <table class="queue" id="age-lines">
                    <thead>
                      <tr>
                        <th scope="col">{m.lotHolder}</th>
                        <th scope="col">{m.circLot}</th>
                        <th scope="col" class="num">
                          {m.circHolds}
                        </th>
                        <th scope="col">{m.circExpires}</th>
                        <th scope="col" class="num" aria-sort={sort === 'expiry' ? 'ascending' : undefined}>
                          {m.circDaysLeft}
                        </th>
                        <th scope="col">{m.circLastOut}</th>
                        <th scope="col" class="num" aria-sort={sort === 'idle' ? 'descending' : undefined}>
                          {m.circIdle}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((l) => (
                        <tr key={l.holder.id + l.lot} data-lot={l.lot} data-holder={l.holder.id} class={l.days_to_expiry !== null && l.days_to_expiry < 0 ? 'refused' : undefined}>
                          <td data-label={m.lotHolder}>
                            <Who r={l.holder} />
                          </td>
                          <td data-label={m.circLot}>{link(lotHref(l.sku, l.batch), `${l.sku} ${l.batch}`)}</td>
                          <td data-label={m.circHolds} class="num">
                            {number(l.holds)}
                          </td>
                          <td data-label={m.circExpires}>{day(l.expires)}</td>
                          <td data-label={m.circDaysLeft} class="num">
                            {l.days_to_expiry === null ? '' : number(l.days_to_expiry)}{' '}
                            {l.days_to_expiry !== null && l.days_to_expiry < 0 && <span class="chip warn">{m.circExpired}</span>}
                          </td>
                          <td data-label={m.circLastOut}>{l.last_out ? dateTime(l.last_out) : m.circNever}</td>
                          <td data-label={m.circIdle} class="num">
                            {number(l.idle_days)} {l.slow && <span class="chip warn">{m.circSlow}</span>}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            );
          }}
        </Loaded>
      </section>
    </main>
  );
}

// LotSearch finds lots by part of a product code or batch and links each
// to its journey.
export function LotSearch() {
  const m = t.value;
  const q = params().get('q') ?? '';
  const [v, setV] = useState(q);
  const load = useLoad(() => request<Lot[]>('GET', `/analytics/lots?q=${seg(q)}`), [q]);
  return (
    <section class="card" id="lot-search">
      <h2>{m.circLotSearch}</h2>
      <form
        class="lot-finder"
        onSubmit={(e) => {
          e.preventDefault();
          go('lots', { q: v.trim() });
        }}
      >
        <Field id="lot-q" label={m.circLotSearchLabel} value={v} set={setV} />
        <button type="submit" id="lot-search-go">
          {m.circSearch}
        </button>
      </form>
      <Loaded load={load}>
        {(lots) => (
          <>
            <p class="hint">{m.circLotsFound(lots.length)}</p>
            <ul class="lot-list" id="lot-results">
              {lots.slice(0, 200).map((l) => (
                <li key={l.lot}>{link(lotHref(l.sku, l.batch), `${l.sku} ${l.batch}`)}</li>
              ))}
            </ul>
          </>
        )}
      </Loaded>
    </section>
  );
}

// FlowPanel is a lot's flow: the Sankey of its forward flows, and every
// flow (returns and write-offs too) as a table beside it.
export function FlowPanel({ flows, folded }: { flows: FlowEdge[]; folded: number }) {
  const m = t.value;
  const back = flows.filter((e) => e.from.kind !== 'supplier' && !forward(e));
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return (
    <section class="card" id="lot-flows">
      <h2>{m.circFlow}</h2>
      <p class="hint">{m.circFlowHint}</p>
      {/* The picture's room is kept before its width is known, so what is
          below does not move when it is drawn (a click there would miss). */}
      <div class="sankey-wrap" ref={wrap} style={width === 0 && flows.some(forward) ? { minHeight: '260px' } : undefined}>
        {width > 0 && <Sankey edges={flows} width={width} folded={folded} />}
      </div>
      {back.length > 0 && (
        <>
          <h3>{m.circReturns}</h3>
          <ul class="lot-list" id="lot-returns">
            {back.map((e) => (
              <li key={e.from.kind + e.from.id + e.to.kind + e.to.id}>
                <Who r={e.from} /> → <Who r={e.to} />: {number(e.qty)}
              </li>
            ))}
          </ul>
        </>
      )}
      <details>
        <summary>{m.circFlowEdges}</summary>
        <table class="queue" id="lot-flow-table">
          <thead>
            <tr>
              <th scope="col">{m.circFrom}</th>
              <th scope="col">→</th>
              <th scope="col" class="num">
                {m.circQty}
              </th>
              <th scope="col">{m.circDate}</th>
            </tr>
          </thead>
          <tbody>
            {flows.map((e) => (
              <tr key={e.from.kind + e.from.id + e.to.kind + e.to.id}>
                <td data-label={m.circFrom}>
                  <Who r={e.from} />
                </td>
                <td data-label="→">
                  <Who r={e.to} />
                </td>
                <td data-label={m.circQty} class="num">
                  {number(e.qty)}
                </td>
                <td data-label={m.circDate}>{dateTime(e.first)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
