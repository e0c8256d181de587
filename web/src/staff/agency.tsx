import { useEffect, useState } from 'preact/hooks';
import { ReturnDesk } from './returns';
import { MemberDebts } from './credit';
import { locale, t } from '../i18n';
import type { Messages } from '../i18n/en';
import { api, ApiError, request, seg, type Order, type OrderPage, type Product } from '../api';
import { companyZone, date, dateTime, money, number } from '../format';
import { describe, type Msg } from '../errors';
import { lost, user } from '../session';
import { newKey } from '../cart';
import { useKeptKey } from '../keptkey';
import { csvHref } from './csv';

// The agency's console: its own stock, counter sales to members, purchases
// from HQ and the goods-payment statement. The API scopes every read to the
// signed-in agency; another agency's data answers 404.

interface Agency {
  code: string;
  name: string;
  warehouse: { code: string; name: string };
}

interface StockLine {
  sku: string;
  batch: string;
  expires_on?: string;
  on_hand: number;
  reserved: number;
  available: number;
}

interface LowStock {
  warehouse: string;
  sku: string;
  available: number;
  threshold: number;
}

interface StatementLine {
  entry: number;
  kind: string;
  ref: string;
  posted_at: string;
  amount: string;
}

export interface Statement {
  id?: number;
  agency: string;
  from: string;
  to: string;
  opening: string;
  charges: string;
  credits: string;
  closing: string;
  lines?: StatementLine[];
  issued_at: string;
  hq_confirmed_at?: string;
  agency_confirmed_at?: string;
}

interface AgencyOrder extends Order {
  member?: string;
  buyer_agency?: string;
  seller?: string;
}

const agencyApi = {
  agency: (code: string) => request<Agency>('GET', `/agencies/${seg(code)}`),
  // An agency's stock is a few lots: every page of it, sorted here.
  stock: async (wh: string) => {
    const out: StockLine[] = [];
    let cursor = '';
    do {
      const p = await request<{ items: StockLine[]; next?: string }>(
        'GET',
        `/warehouses/${seg(wh)}/stock?limit=500${cursor ? `&cursor=${seg(cursor)}` : ''}`,
      );
      out.push(...p.items);
      cursor = p.next ?? '';
    } while (cursor);
    return out;
  },
  warnings: () => request<LowStock[]>('GET', '/stock/warnings'),
  orders: (code: string, cursor: string) =>
    request<OrderPage>('GET', `/agencies/${seg(code)}/orders?limit=10${cursor ? `&cursor=${seg(cursor)}` : ''}`),
  draft: (code: string, from: string, to: string) =>
    request<Statement>('GET', `/agencies/${seg(code)}/statement?from=${from}&to=${to}`),
  statements: (code: string) => request<Statement[]>('GET', `/agencies/${seg(code)}/statements`),
  confirm: (code: string, id: number) => request<Statement>('POST', `/agencies/${seg(code)}/statements/${id}/confirm`, {}),
  sell: (member: string, lines: Line[], credit: boolean, key: string) =>
    request<{ order: Order; payment?: { no: string } }>(
      'POST',
      '/counter-sales',
      { order: { kind: 'repeat', member, lines }, method: credit ? 'credit' : 'cash_agency' },
      key,
    ),
  buy: (lines: Line[], key: string) => request<Order>('POST', '/orders', { kind: 'agency', lines }, key),
  charge: (no: string, amount: string, key: string) =>
    request<{ no: string }>('POST', `/orders/${seg(no)}/payments`, { method: 'account', amount }, key),
};

interface Line {
  sku: string;
  qty: number;
}

// currentPeriod is the calendar month of today in the company's zone, as
// from (inclusive) and to (exclusive) dates.
export function currentPeriod(now = new Date()): { from: string; to: string } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: companyZone, year: 'numeric', month: '2-digit' }).formatToParts(now);
  const y = Number(parts.find((p) => p.type === 'year')!.value);
  const mo = Number(parts.find((p) => p.type === 'month')!.value);
  const pad = (n: number) => String(n).padStart(2, '0');
  const next = mo === 12 ? `${y + 1}-01-01` : `${y}-${pad(mo + 1)}-01`;
  return { from: `${y}-${pad(mo)}-01`, to: next };
}

// lastDay is the day before the exclusive end date to, at noon in the
// company's zone (the same calendar day in every browser zone).
function lastDay(to: string): string {
  return new Date(Date.parse(to + 'T12:00:00+08:00') - 86400000).toISOString();
}

export function AgencyConsole() {
  const m = t.value;
  const code = user.value?.agency ?? '';
  const [agency, setAgency] = useState<Agency | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  // version changes after every write: the sections read again.
  const [version, setVersion] = useState(0);
  const [products, setProducts] = useState<Product[]>([]);
  useEffect(() => {
    agencyApi.agency(code).then(setAgency, (e) => !lost(e) && setError(() => describe(e)));
    api.products().then((p) => setProducts(p.items), () => setProducts([]));
  }, [code]);
  const changed = () => setVersion((v) => v + 1);
  return (
    <main class="staff-page agency-page">
      <h1 id="agency-title">{agency ? m.agencyTitle(agency.name, agency.code) : m.agencyConsole}</h1>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      <datalist id="agency-skus">
        {products.map((p) => (
          <option key={p.sku} value={p.sku}>
            {locale.value === 'zh-CN' ? p.name_zh : p.name_en}
          </option>
        ))}
      </datalist>
      {agency && (
        <>
          <StockSection wh={agency.warehouse.code} version={version} />
          <CounterSale onDone={changed} />
          <Purchases code={agency.code} version={version} onDone={changed} />
          <StatementSection code={agency.code} version={version} />
          <ReturnDesk title={m.rtAgencyTitle} hint={m.rtAgencyHint} sub onDone={changed} />
          <MemberDebts code={agency.code} version={version} onDone={changed} />
        </>
      )}
    </main>
  );
}

function StockSection({ wh, version }: { wh: string; version: number }) {
  const m = t.value;
  const [lines, setLines] = useState<StockLine[] | null>(null);
  const [low, setLow] = useState<LowStock[]>([]);
  const [error, setError] = useState<Msg | null>(null);
  useEffect(() => {
    Promise.all([agencyApi.stock(wh), agencyApi.warnings()]).then(
      ([s, w]) => {
        setLines(s);
        setLow(w.filter((x) => x.warehouse === wh));
      },
      (e) => !lost(e) && setError(() => describe(e)),
    );
  }, [wh, version]);
  const lowOf = (sku: string) => low.find((w) => w.sku === sku);
  // The stock sorts by SKU, by expiry (first expiry first) or by what is
  // available (least first).
  const [sort, setSort] = useState<'sku' | 'expires' | 'available'>('sku');
  const sorted = [...(lines ?? [])].sort((a, b) => {
    if (sort === 'available') return a.available - b.available || a.sku.localeCompare(b.sku);
    if (sort === 'expires') return (a.expires_on ?? '9999').localeCompare(b.expires_on ?? '9999');
    return a.sku.localeCompare(b.sku) || a.batch.localeCompare(b.batch);
  });
  const csv = () =>
    csvHref([
      ['sku', 'batch', 'expires_on', 'on_hand', 'reserved', 'available', 'threshold'],
      ...sorted.map((l) => [l.sku, l.batch, l.expires_on?.slice(0, 10) ?? '', String(l.on_hand), String(l.reserved), String(l.available), String(lowOf(l.sku)?.threshold ?? '')]),
    ]);
  return (
    <section class="card" id="agency-stock" aria-labelledby="stock-title">
      <h2 id="stock-title">{m.agencyStock(wh)}</h2>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      {low.length > 0 && (
        <ul class="low-stock" id="low-stock" role="status">
          {low.map((w) => (
            <li key={w.sku}>{m.lowStock(w.sku, number(w.available), number(w.threshold))}</li>
          ))}
        </ul>
      )}
      {lines && !lines.length && <p id="stock-empty">{m.stockEmpty}</p>}
      {lines && lines.length > 0 && (
        <div class="list-tools">
          <label for="stock-sort">{m.sortBy}</label>
          <select id="stock-sort" value={sort} onChange={(e) => setSort((e.target as HTMLSelectElement).value as typeof sort)}>
            <option value="sku">{m.sku}</option>
            <option value="expires">{m.expiresOn}</option>
            <option value="available">{m.available}</option>
          </select>
          <a class="ghost button" id="stock-csv" href={csv()} download={`${wh}-stock.csv`}>
            {m.exportCsv}
          </a>
        </div>
      )}
      {lines && lines.length > 0 && (
        <table class="queue cards" id="stock-list">
          <thead>
            <tr>
              <th scope="col">{m.sku}</th>
              <th scope="col">{m.batch}</th>
              <th scope="col">{m.expiresOn}</th>
              <th scope="col" class="num">
                {m.onHand}
              </th>
              <th scope="col" class="num">
                {m.reserved}
              </th>
              <th scope="col" class="num">
                {m.available}
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((l) => (
              <tr key={l.sku + l.batch} data-sku={l.sku} data-batch={l.batch} class={lowOf(l.sku) ? 'low' : undefined}>
                <td data-label={m.sku} class="mono">
                  {l.sku}
                </td>
                <td data-label={m.batch} class="mono">
                  {l.batch}
                </td>
                <td data-label={m.expiresOn}>{date(l.expires_on)}</td>
                <td data-label={m.onHand} class="num">
                  {number(l.on_hand)}
                </td>
                <td data-label={m.reserved} class="num">
                  {number(l.reserved)}
                </td>
                <td data-label={m.available} class="num available">
                  <span>
                    {number(l.available)}
                    {lowOf(l.sku) && <span class="chip warn">{m.belowThreshold}</span>}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface LineDraft {
  sku: string;
  qty: string;
}

type LineErrors = Record<number, Msg>;

// checkLines validates the drafted lines: every line needs a SKU and a
// whole quantity from 1 to 999.
function checkLines(drafts: LineDraft[]): { lines: Line[]; errors: LineErrors } {
  const errors: LineErrors = {};
  const lines: Line[] = [];
  drafts.forEach((d, i) => {
    const sku = d.sku.trim().toUpperCase();
    const qty = Number(d.qty);
    if (!sku) errors[i] = (m) => m.skuRequired;
    else if (!/^\d+$/.test(d.qty.trim()) || qty < 1 || qty > 999) errors[i] = (m) => m.qtyRange;
    else lines.push({ sku, qty });
  });
  return { lines, errors };
}

function LinesEditor({ id, drafts, set, errors }: { id: string; drafts: LineDraft[]; set: (d: LineDraft[]) => void; errors: LineErrors }) {
  const m = t.value;
  const put = (i: number, d: Partial<LineDraft>) => set(drafts.map((x, j) => (j === i ? { ...x, ...d } : x)));
  return (
    <fieldset class="sale-lines">
      <legend>{m.saleLines}</legend>
      {drafts.map((d, i) => (
        <div class="sale-line" key={i}>
          <div class="field">
            <label for={`${id}-sku-${i}`}>{m.sku}</label>
            <input
              id={`${id}-sku-${i}`}
              list="agency-skus"
              value={d.sku}
              autocomplete="off"
              aria-invalid={errors[i] ? 'true' : undefined}
              aria-describedby={errors[i] ? `${id}-line-error-${i}` : undefined}
              onInput={(e) => put(i, { sku: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div class="field qty">
            <label for={`${id}-qty-${i}`}>{m.quantity}</label>
            <input
              id={`${id}-qty-${i}`}
              inputMode="numeric"
              value={d.qty}
              aria-invalid={errors[i] ? 'true' : undefined}
              onInput={(e) => put(i, { qty: (e.target as HTMLInputElement).value })}
            />
          </div>
          {drafts.length > 1 && (
            <button type="button" class="ghost" aria-label={m.removeLine(i + 1)} onClick={() => set(drafts.filter((_, j) => j !== i))}>
              ×
            </button>
          )}
          {errors[i] && (
            <p class="field-error" id={`${id}-line-error-${i}`} role="alert">
              {errors[i](m)}
            </p>
          )}
        </div>
      ))}
      <button type="button" class="ghost" id={`${id}-add-line`} onClick={() => set([...drafts, { sku: '', qty: '1' }])}>
        {m.addLine}
      </button>
    </fieldset>
  );
}

// attemptKey keeps one Idempotency-Key per request body: a retry of the
// same body (after a lost answer) reuses it, a changed body gets a new one.
function CounterSale({ onDone }: { onDone: () => void }) {
  const m = t.value;
  const [member, setMember] = useState('');
  const [drafts, setDrafts] = useState<LineDraft[]>([{ sku: '', qty: '1' }]);
  const [memberError, setMemberError] = useState<Msg | null>(null);
  const [lineErrors, setLineErrors] = useState<LineErrors>({});
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const [sold, setSold] = useState<Order | null>(null);
  const [credit, setCredit] = useState(false);
  const [onCredit, setOnCredit] = useState(false);
  const attempt = useKeptKey('sale');

  async function sell(e: Event) {
    e.preventDefault();
    setError(null);
    setSold(null);
    const code = member.trim().toUpperCase();
    const { lines, errors } = checkLines(drafts);
    setMemberError(code ? null : () => (m: Messages) => m.memberCodeRequired);
    setLineErrors(errors);
    if (!code) {
      document.getElementById('sale-member')?.focus();
      return;
    }
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      const r = await agencyApi.sell(code, lines, credit, attempt.key({ code, lines, credit }));
      attempt.done();
      setSold(r.order);
      setOnCredit(credit);
      setMember('');
      setDrafts([{ sku: '', qty: '1' }]);
      onDone();
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && e.status === 404 && /member/i.test(e.detail)) {
        attempt.done();
        setMemberError(() => (m: Messages) => m.memberUnknown(code));
      } else if (e instanceof ApiError && e.status === 404) {
        attempt.done();
        setError(() => (m: Messages) => m.skuUnknown);
      } else if (e instanceof ApiError && e.status === 409) {
        attempt.done();
        setError(() => (m: Messages) => m.saleShort);
      } else if (e instanceof ApiError && e.status === 422) {
        attempt.done();
        const detail = e.detail;
        setError(() => (m: Messages) => m.saleRefused(detail));
      } else setError(() => describe(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section class="card" id="counter-sale" aria-labelledby="sale-title">
      <h2 id="sale-title">{m.counterSale}</h2>
      <p class="hint">{m.counterSaleHint}</p>
      <form onSubmit={sell} noValidate>
        <div class="field">
          <label for="sale-member">{m.memberCode}</label>
          <input
            id="sale-member"
            value={member}
            autocomplete="off"
            aria-invalid={memberError ? 'true' : undefined}
            aria-describedby={memberError ? 'sale-member-error' : undefined}
            onInput={(e) => setMember((e.target as HTMLInputElement).value)}
          />
          {memberError && (
            <p class="field-error" id="sale-member-error" role="alert">
              {memberError(m)}
            </p>
          )}
        </div>
        <LinesEditor id="sale" drafts={drafts} set={setDrafts} errors={lineErrors} />
        <fieldset class="choices" id="sale-paid">
          <legend>{m.crPayHow}</legend>
          <label>
            <input type="radio" name="sale-paid" value="now" checked={!credit} onChange={() => setCredit(false)} /> {m.crPayNow}
          </label>
          <label>
            <input type="radio" name="sale-paid" value="credit" checked={credit} onChange={() => setCredit(true)} /> {m.crPayLater}
          </label>
        </fieldset>
        <button type="submit" id="sell" disabled={busy}>
          {busy ? m.selling : credit ? m.crSellOnCredit : m.sellPaid}
        </button>
      </form>
      {error && (
        <p class="form-error" id="sale-error" role="alert">
          {error(m)}
        </p>
      )}
      {sold && (
        <p class="notice" id="sale-result" role="status">
          {onCredit ? m.crSoldOnCredit(sold.no, money(sold.total)) : m.soldAs(sold.no, money(sold.total))}
        </p>
      )}
    </section>
  );
}

function Purchases({ code, version, onDone }: { code: string; version: number; onDone: () => void }) {
  const m = t.value;
  const [cursors, setCursors] = useState<string[]>(['']);
  const [page, setPage] = useState<{ items: AgencyOrder[]; next?: string } | null>(null);
  const [drafts, setDrafts] = useState<LineDraft[]>([{ sku: '', qty: '1' }]);
  const [lineErrors, setLineErrors] = useState<LineErrors>({});
  const [error, setError] = useState<Msg | null>(null);
  const [placed, setPlaced] = useState<Order | null>(null);
  const [busy, setBusy] = useState(false);
  const attempt = useKeptKey('purchase');
  // Orders charged to the account here, by order number, with the key
  // of the charge: a second click answers the same payment.
  const [charged, setCharged] = useState<Record<string, string>>({});
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    agencyApi.orders(code, cursor).then(setPage, (e) => !lost(e) && setError(() => describe(e)));
  }, [code, cursor, version]);

  async function buy(e: Event) {
    e.preventDefault();
    setError(null);
    setPlaced(null);
    const { lines, errors } = checkLines(drafts);
    setLineErrors(errors);
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      const o = await agencyApi.buy(lines, attempt.key(lines));
      attempt.done();
      setPlaced(o);
      setDrafts([{ sku: '', qty: '1' }]);
      onDone();
    } catch (e) {
      if (lost(e)) return;
      if (e instanceof ApiError && (e.status === 404 || e.status === 409 || e.status === 422)) {
        attempt.done();
        setError(() => (e.status === 404 ? (m: Messages) => m.skuUnknown : (m: Messages) => m.purchaseRefused));
      } else setError(() => describe(e));
    } finally {
      setBusy(false);
    }
  }

  async function charge(o: AgencyOrder) {
    setError(null);
    const key = charged[o.no] || newKey('charge');
    setCharged((c) => ({ ...c, [o.no]: key }));
    try {
      await agencyApi.charge(o.no, o.total, key);
      setCharged((c) => ({ ...c, [o.no]: 'done' }));
      onDone();
    } catch (e) {
      if (lost(e)) return;
      setError(() => describe(e));
    }
  }

  return (
    <section class="card" id="agency-orders" aria-labelledby="orders-title">
      <h2 id="orders-title">{m.agencyOrders}</h2>
      <form onSubmit={buy} noValidate id="purchase">
        <p class="hint">{m.purchaseHint}</p>
        <LinesEditor id="buy" drafts={drafts} set={setDrafts} errors={lineErrors} />
        <button type="submit" id="buy" disabled={busy}>
          {m.placePurchase}
        </button>
      </form>
      {placed && (
        <p class="notice" id="purchase-result" role="status">
          {m.purchasePlaced(placed.no, money(placed.total))}
        </p>
      )}
      {error && (
        <p class="form-error" id="orders-error" role="alert">
          {error(m)}
        </p>
      )}
      {page && !page.items.length && <p>{m.noOrders}</p>}
      {page && page.items.length > 0 && (
        <p class="list-tools">
          <a
            class="ghost button"
            id="orders-csv"
            download={`${code}-orders.csv`}
            href={csvHref([
              ['order', 'kind', 'member', 'total', 'status', 'placed_at'],
              ...page.items.map((o) => [o.no, o.kind, o.member ?? '', o.total, o.status, o.placed_at]),
            ])}
          >
            {m.exportCsv}
          </a>
        </p>
      )}
      {page && page.items.length > 0 && (
        <table class="queue cards" id="orders-list">
          <thead>
            <tr>
              <th scope="col">{m.orderNo}</th>
              <th scope="col">{m.orderKind}</th>
              <th scope="col">{m.orderParty}</th>
              <th scope="col" class="num">{m.orderTotal}</th>
              <th scope="col">{m.orderState}</th>
              <th scope="col">{m.placedAt}</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((o) => (
              <tr key={o.no} data-order={o.no}>
                <td data-label={m.orderNo} class="mono">
                  {o.no}
                </td>
                <td data-label={m.orderKind}>{o.kind === 'agency' ? m.purchaseFromHQ : m.saleToMember}</td>
                <td data-label={m.orderParty} class="mono">
                  {o.kind === 'agency' ? 'HQ' : o.member ?? '—'}
                </td>
                <td data-label={m.orderTotal} class="num">
                  {money(o.total)}
                </td>
                <td data-label={m.orderState} class="status">
                  <span>
                    {statusName(m, o.status)}
                    {o.kind === 'agency' && o.status === 'placed' && charged[o.no] === 'done' && (
                      <span class="hint charged"> · {m.chargedAwaiting}</span>
                    )}
                    {o.kind === 'agency' && o.status === 'placed' && charged[o.no] !== 'done' && (
                      <button type="button" class="ghost charge" onClick={() => charge(o)}>
                        {m.chargeAccount}
                      </button>
                    )}
                  </span>
                </td>
                <td data-label={m.placedAt}>{dateTime(o.placed_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label={m.agencyOrders}>
        <button type="button" class="ghost" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          {m.previousPage}
        </button>
        <button type="button" class="ghost" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
          {m.nextPage}
        </button>
      </nav>
    </section>
  );
}

function statusName(m: Messages, s: string): string {
  const names: Record<string, string> = m.orderStatus;
  return names[s] ?? s;
}

function StatementSection({ code, version }: { code: string; version: number }) {
  const m = t.value;
  const period = currentPeriod();
  const [draft, setDraft] = useState<Statement | null>(null);
  const [issued, setIssued] = useState<Statement[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [confirmed, setConfirmed] = useState(0);
  useEffect(() => {
    Promise.all([agencyApi.draft(code, period.from, period.to), agencyApi.statements(code)]).then(
      ([d, s]) => {
        setDraft(d);
        setIssued(s);
      },
      (e) => !lost(e) && setError(() => describe(e)),
    );
  }, [code, version, confirmed]);

  async function confirm(id: number) {
    setError(null);
    try {
      await agencyApi.confirm(code, id);
      setConfirmed((n) => n + 1);
    } catch (e) {
      if (!lost(e)) setError(() => describe(e));
    }
  }
  return (
    <section class="card" id="agency-statement" aria-labelledby="statement-title">
      <h2 id="statement-title">{m.goodsStatement}</h2>
      {error && (
        <p class="form-error" role="alert">
          {error(m)}
        </p>
      )}
      {draft && (
        <>
          <p class="hint">{m.statementHint}</p>
          <p class="hint">{m.statementNow(date(period.from + 'T12:00:00+08:00'), date(lastDay(period.to)))}</p>
          <Figures s={draft} id="statement-now" />
          {draft.lines && draft.lines.length > 0 && (
            <details>
              <summary>{m.statementLines(draft.lines.length)}</summary>
              <table class="queue cards" id="statement-lines">
                <thead>
                  <tr>
                    <th scope="col">{m.postedAt}</th>
                    <th scope="col">{m.entryKind}</th>
                    <th scope="col">{m.entryRef}</th>
                    <th scope="col" class="num">{m.amount}</th>
                  </tr>
                </thead>
                <tbody>
                  {draft.lines.map((l) => (
                    <tr key={l.entry}>
                      <td data-label={m.postedAt}>{dateTime(l.posted_at)}</td>
                      <td data-label={m.entryKind}>{l.kind}</td>
                      <td data-label={m.entryRef} class="mono">
                        {l.ref}
                      </td>
                      <td data-label={m.amount} class="num">
                        {money(l.amount)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
        </>
      )}
      <h3>{m.issuedStatements}</h3>
      {issued && !issued.length && <p id="no-statements">{m.noIssuedStatements}</p>}
      <ol class="statements" id="issued-statements">
        {issued?.map((s) => (
          <li key={s.id} class="statement-card" data-statement={s.id}>
            <p>
              <strong>
                {date(s.from)} – {date(s.to)}
              </strong>
            </p>
            <Figures s={s} id={`statement-${s.id}`} />
            <p class="confirmations">
              <span>{s.hq_confirmed_at ? m.hqConfirmed(dateTime(s.hq_confirmed_at)) : m.hqNotConfirmed}</span>
              <span>{s.agency_confirmed_at ? m.agencyConfirmed(dateTime(s.agency_confirmed_at)) : m.agencyNotConfirmed}</span>
            </p>
            {!s.agency_confirmed_at && (
              <button type="button" class="confirm" onClick={() => confirm(s.id!)}>
                {m.confirmStatement}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Figures({ s, id }: { s: Statement; id: string }) {
  const m = t.value;
  const owes = !s.closing.startsWith('-');
  return (
    <dl class="figures" id={id}>
      <div>
        <dt>{m.opening}</dt>
        <dd>{money(s.opening)}</dd>
      </div>
      <div>
        <dt>{m.charges}</dt>
        <dd class="charges">{money(s.charges)}</dd>
      </div>
      <div>
        <dt>{m.credits}</dt>
        <dd>{money(s.credits)}</dd>
      </div>
      <div>
        <dt>{owes ? m.closingOwed : m.closingOwedToUs}</dt>
        <dd class="closing">
          <strong>{money(owes ? s.closing : s.closing.slice(1))}</strong>
        </dd>
      </div>
    </dl>
  );
}
