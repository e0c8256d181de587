import { useEffect, useMemo, useState } from 'preact/hooks';
import { locale, t } from '../i18n';
import type { Messages } from '../i18n/en';
import { ApiError, type Product } from '../api';
import { number } from '../format';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { useKeptKey } from '../keptkey';
import { hqApi, type Balance, type LowStock, type StockFilter, type Warehouse } from './hqapi';
import { ErrorLine, FieldError, today, usePaged } from './lists';

// A lot expiring within this many days is highlighted.
export const soonDays = 90;

function day(d: string): string {
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(d + 'T00:00:00Z'));
}

function addDays(d: string, n: number): string {
  const x = new Date(d + 'T00:00:00Z');
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
}

const noFilter: StockFilter = { product: '', lot: '', expiresBefore: '', sort: 'expiry' };

// StockPage is /staff/warehouse/stock: what a warehouse holds by product
// and lot, filtered and paged by the API, exported by it as CSV; the
// receipt of new lots; and the low-stock board.
export function StockPage() {
  const m = t.value;
  const [warehouses, setWarehouses] = useState<Warehouse[]>([]);
  const [products, setProducts] = useState<Product[]>([]);
  const [warnings, setWarnings] = useState<LowStock[] | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const [tick, setTick] = useState(0);
  const [where, setWhere] = useState('');
  const [draft, setDraft] = useState<StockFilter>(noFilter);
  const [filter, setFilter] = useState<StockFilter>(noFilter);
  useEffect(() => {
    let live = true;
    const fail = (e: unknown) => live && !lost(e) && setError(() => describe(e));
    hqApi.products().then((p) => live && setProducts(p), fail);
    hqApi.warehouses().then((ws) => live && setWarehouses(ws), fail);
    hqApi.warnings().then((w) => live && setWarnings(w), fail);
    return () => {
      live = false;
    };
  }, [tick]);
  // The first HQ warehouse until another is chosen.
  const wh = where || warehouses.find((w) => !w.agency_code)?.code || warehouses[0]?.code || '';
  const list = usePaged<Balance>(
    (cursor) => (wh ? hqApi.stock(wh, filter, cursor) : new Promise(() => {})),
    [wh, JSON.stringify(filter), tick],
  );
  const reload = () => setTick(tick + 1);
  const name = useMemo(() => {
    const by = new Map(products.map((p) => [p.sku, p]));
    return (sku: string) => {
      const p = by.get(sku);
      return p ? (locale.value === 'zh-CN' ? p.name_zh : p.name_en) : '';
    };
  }, [products, locale.value]);
  const now = today();
  const soon = addDays(now, soonDays);
  const rows = list.page?.items ?? [];
  const set = (k: keyof StockFilter) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setDraft({ ...draft, [k]: e.currentTarget.value });
  return (
    <main class="staff-page">
      <ErrorLine error={error ?? list.error} />
      <section class="card" id="stock" aria-labelledby="stock-title">
        <div class="queue-head">
          <h1 id="stock-title">{m.hqStock}</h1>
          <div class="queue-tools">
            <button type="button" class="ghost" id="stock-refresh" onClick={reload}>
              {m.refresh}
            </button>
            <a class="ghost button" id="stock-export" href={wh ? hqApi.stockCsv(wh, filter) : undefined} download>
              {m.exportCsv}
            </a>
          </div>
        </div>
        <form
          class="ship-form filters"
          id="stock-filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter({ ...draft, product: draft.product.trim(), lot: draft.lot.trim() });
          }}
        >
          <div class="field">
            <label for="stock-warehouse">{m.hqWarehouse}</label>
            <select id="stock-warehouse" value={wh} onChange={(e) => setWhere(e.currentTarget.value)}>
              {warehouses.map((w) => (
                <option key={w.code} value={w.code}>
                  {w.code} · {w.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="stock-product">{m.stkProduct}</label>
            <input id="stock-product" type="search" value={draft.product} onInput={set('product')} />
          </div>
          <div class="field">
            <label for="stock-lot">{m.hqBatch}</label>
            <input id="stock-lot" type="search" value={draft.lot} onInput={set('lot')} />
          </div>
          <div class="field">
            <label for="stock-expires-before">{m.stkExpiresBefore}</label>
            <input id="stock-expires-before" type="date" value={draft.expiresBefore} onInput={set('expiresBefore')} />
          </div>
          <div class="field">
            <label for="stock-sort">{m.hqSortBy}</label>
            <select id="stock-sort" value={draft.sort} onChange={set('sort')}>
              <option value="expiry">{m.hqExpires}</option>
              <option value="sku">SKU</option>
            </select>
          </div>
          <button type="submit" id="stock-apply">
            {m.bkApply}
          </button>
        </form>
        <p class="hint">{m.hqSoonHint(soonDays)}</p>
        {list.page && !rows.length && <p id="stock-empty">{m.hqNoStock}</p>}
        {rows.length > 0 && (
          <table class="queue recent" id="stock-table">
            <thead>
              <tr>
                <th scope="col">{m.hqWarehouse}</th>
                <th scope="col">{m.hqProduct}</th>
                <th scope="col">{m.hqBatch}</th>
                <th scope="col">{m.hqExpires}</th>
                <th scope="col" class="num">
                  {m.hqOnHand}
                </th>
                <th scope="col" class="num">
                  {m.hqReserved}
                </th>
                <th scope="col" class="num">
                  {m.hqAvailable}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const exp = r.expires_on?.slice(0, 10);
                const state = !exp ? '' : exp < now ? 'expired' : exp <= soon ? 'soon' : '';
                return (
                  <tr key={r.lot} data-lot={`${wh}/${r.sku}/${r.batch}`} class={state}>
                    <td data-label={m.hqWarehouse}>{wh}</td>
                    <td data-label={m.hqProduct}>
                      <span>
                        <span class="mono">{r.sku}</span> {name(r.sku)}
                      </span>
                    </td>
                    <td data-label={m.hqBatch} class="mono">
                      {r.batch}
                    </td>
                    <td data-label={m.hqExpires}>
                      <span>
                        {exp ? day(exp) : m.hqNoExpiry}
                        {state && <span class={`badge ${state}`}>{state === 'expired' ? m.hqExpired : m.hqExpiringSoon}</span>}
                      </span>
                    </td>
                    <td data-label={m.hqOnHand} class="num">
                      {number(r.on_hand)}
                    </td>
                    <td data-label={m.hqReserved} class="num">
                      {number(r.reserved)}
                    </td>
                    <td data-label={m.hqAvailable} class="num">
                      {number(r.available)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {list.pager(m.hqStock, 'stock')}
      </section>
      <ReceiveLot warehouses={warehouses.filter((w) => !w.agency_code)} products={products} onDone={reload} />
      <LowStockBoard warnings={warnings} warehouses={warehouses} products={products} name={name} onDone={reload} />
    </main>
  );
}

type ReceiptForm = { warehouse: string; sku: string; batch: string; produced: string; expires: string; qty: string };
type ReceiptField = 'sku' | 'batch' | 'produced' | 'expires' | 'qty';

function ReceiveLot(props: { warehouses: Warehouse[]; products: Product[]; onDone: () => void }) {
  const m = t.value;
  const { warehouses, products } = props;
  const [f, setF] = useState<ReceiptForm>({ warehouse: '', sku: '', batch: '', produced: today(), expires: '', qty: '' });
  const [errors, setErrors] = useState<Partial<Record<ReceiptField, Msg>>>({});
  const [error, setError] = useState<Msg | null>(null);
  const [done, setDone] = useState<{ batch: string; qty: number; on_hand: number } | null>(null);
  const [busy, setBusy] = useState(false);
  // The key of a receipt sent and not answered: the same receipt again is
  // a retry and goes under it.
  const attempt = useKeptKey('receipt');
  const wh = f.warehouse || warehouses[0]?.code || '';
  const set = (k: keyof ReceiptForm, v: string) => {
    setF((f) => ({ ...f, [k]: v }));
    setErrors((es) => ({ ...es, [k]: undefined }));
    setDone(null);
  };
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    setDone(null);
    const es: typeof errors = {};
    const qty = Number(f.qty);
    if (!f.sku) es.sku = (m) => m.hqPickProduct;
    if (!f.batch.trim()) es.batch = (m) => m.hqBatchRequired;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f.produced)) es.produced = (m) => m.hqDateRequired;
    else if (f.produced > today()) es.produced = (m) => m.hqProducedFuture;
    if (f.expires && f.expires <= f.produced) es.expires = (m) => m.hqExpiresBeforeProduced;
    if (!Number.isInteger(qty) || qty < 1 || qty > 1_000_000) es.qty = (m) => m.hqQtyInvalid;
    setErrors(es);
    const first = (['sku', 'batch', 'produced', 'expires', 'qty'] as const).find((k) => es[k]);
    if (first) {
      document.getElementById(`receipt-${first}`)?.focus();
      return;
    }
    const body = {
      sku: f.sku,
      batch: f.batch.trim().toUpperCase(),
      qty,
      produced_on: f.produced,
      ...(f.expires ? { expires_on: f.expires } : {}),
    };
    setBusy(true);
    try {
      const r = await hqApi.receive(wh, body, attempt.key([wh, body]));
      attempt.done();
      setDone({ batch: r.batch, qty: r.qty, on_hand: r.on_hand });
      setF({ ...f, batch: '', expires: '', qty: '' });
      props.onDone();
    } catch (e) {
      if (!lost(e)) {
        setError(() =>
          describe(e, { 409: (m) => m.hqBatchOtherDates, 422: (m) => m.hqReceiptRefused, 400: (m) => m.hqReceiptRefused }),
        );
        // Refused (4xx): nothing was received, and a corrected receipt is
        // another one. Unanswered (no answer, 5xx): the retry keeps the key.
        if (e instanceof ApiError && e.status >= 400 && e.status < 500) attempt.done();
      }
    } finally {
      setBusy(false);
    }
  }
  const input = (k: ReceiptField, label: string, type: 'text' | 'date' | 'number' | 'password' = 'text', extra: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={`receipt-${k}`}>{label}</label>
      <input
        id={`receipt-${k}`}
        type={type as 'text'}
        value={f[k]}
        aria-invalid={errors[k] ? 'true' : undefined}
        aria-describedby={errors[k] ? `receipt-${k}-error` : undefined}
        onInput={(e) => set(k, e.currentTarget.value)}
        {...extra}
      />
      <FieldError id={`receipt-${k}-error`} error={errors[k]} m={m} />
    </div>
  );
  return (
    <section class="card" id="receive" aria-labelledby="receive-title">
      <h2 id="receive-title">{m.hqReceiveLot}</h2>
      <form class="ship-form" onSubmit={submit} noValidate>
        <div class="field">
          <label for="receipt-warehouse">{m.hqWarehouse}</label>
          <select id="receipt-warehouse" value={wh} onChange={(e) => set('warehouse', e.currentTarget.value)}>
            {warehouses.map((w) => (
              <option key={w.code} value={w.code}>
                {w.code} · {w.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="receipt-sku">{m.hqProduct}</label>
          <select
            id="receipt-sku"
            value={f.sku}
            aria-invalid={errors.sku ? 'true' : undefined}
            aria-describedby={errors.sku ? 'receipt-sku-error' : undefined}
            onChange={(e) => set('sku', e.currentTarget.value)}
          >
            <option value="">{m.hqPickProductOption}</option>
            {products.map((p) => (
              <option key={p.sku} value={p.sku}>
                {p.sku} · {locale.value === 'zh-CN' ? p.name_zh : p.name_en}
              </option>
            ))}
          </select>
          <FieldError id="receipt-sku-error" error={errors.sku} m={m} />
        </div>
        {input('batch', m.hqBatch, 'text', { autocomplete: 'off' })}
        {input('produced', m.hqProducedOn, 'date')}
        {input('expires', m.hqExpiresOptional, 'date')}
        {input('qty', m.hqQty, 'number', { min: 1, step: 1, inputMode: 'numeric' })}
        <button type="submit" id="receipt-save" disabled={busy || !wh}>
          {busy ? m.deciding : m.hqReceive}
        </button>
      </form>
      <ErrorLine error={error} id="receipt-error" />
      {done && (
        <p class="notice" role="status" id="receipt-done">
          {m.hqReceived(done.batch, done.qty, done.on_hand)}
        </p>
      )}
    </section>
  );
}

function LowStockBoard(props: {
  warnings: LowStock[] | null;
  warehouses: Warehouse[];
  products: Product[];
  name: (sku: string) => string;
  onDone: () => void;
}) {
  const m = t.value;
  const { warnings, name } = props;
  return (
    <section class="card" id="low-stock" aria-labelledby="low-title">
      <h2 id="low-title">{m.hqLowStock}</h2>
      {warnings && !warnings.length && <p id="low-none">{m.hqNoLowStock}</p>}
      {warnings && warnings.length > 0 && (
        <table class="queue recent" id="low-table">
          <thead>
            <tr>
              <th scope="col">{m.hqWarehouse}</th>
              <th scope="col">{m.hqProduct}</th>
              <th scope="col" class="num">
                {m.hqAvailable}
              </th>
              <th scope="col">{m.hqThreshold}</th>
            </tr>
          </thead>
          <tbody>
            {warnings.map((w) => (
              <tr key={`${w.warehouse}/${w.sku}`} data-low={`${w.warehouse}/${w.sku}`}>
                <td data-label={m.hqWarehouse}>{w.warehouse}</td>
                <td data-label={m.hqProduct}>
                  <span>
                    <span class="mono">{w.sku}</span> {name(w.sku)}
                  </span>
                </td>
                <td data-label={m.hqAvailable} class="num short">
                  {number(w.available)}
                </td>
                <td data-label={m.hqThreshold}>
                  <Threshold warehouse={w.warehouse} sku={w.sku} value={w.threshold} m={m} onDone={props.onDone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <NewThreshold warehouses={props.warehouses} products={props.products} onDone={props.onDone} />
    </section>
  );
}

function useThreshold(onDone: () => void) {
  const [error, setError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  async function save(warehouse: string, sku: string, raw: string, field: string): Promise<boolean> {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < 0 || n > 1_000_000_000) {
      setError(() => (m: Messages) => m.hqThresholdInvalid);
      document.getElementById(field)?.focus();
      return false;
    }
    setError(null);
    setBusy(true);
    try {
      await hqApi.setThreshold(warehouse, sku, n);
      onDone();
      return true;
    } catch (e) {
      if (!lost(e)) setError(() => describe(e, { 422: (m) => m.hqThresholdRefused }));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { error, setError, busy, save };
}

function Threshold(props: { warehouse: string; sku: string; value: number; m: Messages; onDone: () => void }) {
  const { m } = props;
  const [v, setV] = useState(String(props.value));
  const { error, setError, busy, save } = useThreshold(props.onDone);
  const id = `threshold-${props.warehouse}-${props.sku}`;
  useEffect(() => setV(String(props.value)), [props.value]);
  return (
    <form
      class="inline-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        save(props.warehouse, props.sku, v, id);
      }}
    >
      <label for={id} class="sr-only">
        {m.hqThresholdOf(props.sku, props.warehouse)}
      </label>
      <input
        id={id}
        type="number"
        min={0}
        step={1}
        inputMode="numeric"
        value={v}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onInput={(e) => {
          setV(e.currentTarget.value);
          setError(null);
        }}
      />
      <button type="submit" class="ghost" disabled={busy || v === String(props.value)}>
        {m.hqSave}
      </button>
      <FieldError id={`${id}-error`} error={error} m={m} />
    </form>
  );
}

function NewThreshold(props: { warehouses: Warehouse[]; products: Product[]; onDone: () => void }) {
  const m = t.value;
  const [wh, setWh] = useState('');
  const [sku, setSku] = useState('');
  const [v, setV] = useState('');
  const [saved, setSaved] = useState(false);
  const { error, setError, busy, save } = useThreshold(props.onDone);
  const w = wh || props.warehouses[0]?.code || '';
  const s = sku || props.products[0]?.sku || '';
  return (
    <form
      class="ship-form new-threshold"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(false);
        if (await save(w, s, v, 'new-threshold')) {
          setSaved(true);
          setV('');
        }
      }}
    >
      <div class="field">
        <label for="threshold-warehouse">{m.hqWarehouse}</label>
        <select id="threshold-warehouse" value={w} onChange={(e) => setWh(e.currentTarget.value)}>
          {props.warehouses.map((x) => (
            <option key={x.code} value={x.code}>
              {x.code}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="threshold-sku">{m.hqProduct}</label>
        <select id="threshold-sku" value={s} onChange={(e) => setSku(e.currentTarget.value)}>
          {props.products.map((p) => (
            <option key={p.sku} value={p.sku}>
              {p.sku}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="new-threshold">{m.hqSetThreshold}</label>
        <input
          id="new-threshold"
          type="number"
          min={0}
          step={1}
          inputMode="numeric"
          value={v}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'new-threshold-error' : undefined}
          onInput={(e) => {
            setV(e.currentTarget.value);
            setError(null);
            setSaved(false);
          }}
        />
        <FieldError id="new-threshold-error" error={error} m={m} />
      </div>
      <button type="submit" id="threshold-save" class="ghost" disabled={busy}>
        {m.hqSave}
      </button>
      {saved && (
        <p class="notice" role="status">
          {m.hqThresholdSaved}
        </p>
      )}
    </form>
  );
}
