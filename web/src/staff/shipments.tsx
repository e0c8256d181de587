import { useEffect, useRef, useState } from 'preact/hooks';
import { locale, t } from '../i18n';
import type { Messages } from '../i18n/en';
import { dateTime } from '../format';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { newKey } from '../cart';
import { staffApi, type ToShip } from './api';
import { duration } from './payments';
import { hqApi, type Balance } from './hqapi';
import type { Product } from '../api';
import { LotPicker, PackingSlip, pickProblems, type Picks } from './slip';

const carriers = ['顺丰速运 SF Express', '中国邮政 EMS', '京东物流 JD Logistics', '中通快递 ZTO', '圆通速递 YTO'];

// ShipQueue is the warehouse's queue: confirmed orders, oldest first, each
// shipped with a tracking number from the lots reserved for it.
export function ShipQueue() {
  const m = t.value;
  const [cursors, setCursors] = useState<string[]>(['']);
  const [page, setPage] = useState<{ items: ToShip[]; next?: string } | null>(null);
  const [error, setError] = useState<Msg | null>(null);
  const cursor = cursors[cursors.length - 1];
  const [products, setProducts] = useState<Product[]>([]);
  useEffect(() => {
    hqApi.products().then(setProducts, () => setProducts([]));
  }, []);
  useEffect(() => {
    setError(null);
    staffApi.shipQueue(20, cursor).then(setPage, (e) => !lost(e) && setError(() => describe(e)));
  }, [cursor]);
  return (
    <main class="staff-page">
      <section class="card" id="ship-queue" aria-labelledby="ship-title">
        <h1 id="ship-title">{m.shipQueue}</h1>
        {error && (
          <p class="form-error" role="alert">
            {error(m)}
          </p>
        )}
        {page && !page.items.length && <p id="ship-empty">{m.shipQueueEmpty}</p>}
        <datalist id="carriers">
          {carriers.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <ol class="ship-list">
          {page?.items.map((o) => <ShipCard key={o.no} o={o} m={m} products={products} />)}
        </ol>
        <nav class="pager" aria-label={m.shipQueue}>
          <button type="button" class="ghost" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
            {m.previousPage}
          </button>
          <button type="button" class="ghost" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
            {m.nextPage}
          </button>
        </nav>
      </section>
    </main>
  );
}

function expiry(d: string): string {
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(d));
}

function ShipCard({ o, m, products }: { o: ToShip; m: Messages; products: Product[] }) {
  const [tracking, setTracking] = useState('');
  // picks are the lots chosen instead of the reserved ones, by line.
  const [picks, setPicks] = useState<Picks>({});
  const [picking, setPicking] = useState(false);
  const [stock, setStock] = useState<Balance[] | null>(null);
  const [slip, setSlip] = useState(false);
  function openPicker() {
    setPicking(!picking);
    if (!stock) hqApi.stockOf(o.warehouse, o.lines.map((l) => l.sku)).then(setStock, (e) => !lost(e) && setFormError(() => describe(e)));
  }
  const [carrier, setCarrier] = useState('');
  const [error, setError] = useState<Msg | null>(null);
  const [formError, setFormError] = useState<Msg | null>(null);
  const [busy, setBusy] = useState(false);
  const [shipped, setShipped] = useState('');
  // The key of a shipment sent and not answered, for its retry.
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const id = o.no;

  async function ship(e: Event) {
    e.preventDefault();
    setFormError(null);
    const tr = tracking.trim();
    if (!tr) {
      setError(() => (m: Messages) => m.trackingRequired);
      (document.getElementById(`tracking-${id}`) as HTMLInputElement | null)?.focus();
      return;
    }
    setError(null);
    const problem = stock ? pickProblems(o, picks, stock) : null;
    if (problem) {
      setFormError(() => problem);
      return;
    }
    const lots = Object.entries(picks).map(([line, batch]) => ({ line: Number(line), batch, qty: o.lines.find((l) => l.no === Number(line))!.qty }));
    // Lots picked for some lines: the others ship from their reserved lots.
    const all = lots.length
      ? [...lots, ...o.lots.filter((l) => !(l.line in picks)).map((l) => ({ line: l.line, batch: l.batch, qty: l.qty }))]
      : [];
    const body = JSON.stringify({ tr, carrier: carrier.trim(), all });
    const last = attempt.current;
    const key = last && last.body === body ? last.key : newKey('ship');
    attempt.current = { key, body };
    setBusy(true);
    try {
      const s = await staffApi.ship(o.no, tr, carrier.trim(), key, all);
      attempt.current = null;
      setShipped(s.no);
    } catch (err) {
      if (!lost(err))
        setFormError(() =>
          describe(err, { 409: (m) => (Object.keys(picks).length ? m.slLotShort : m.shipRefused), 422: (m) => m.slLotRefused }),
        );
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class={`ship-card${shipped ? ' decided' : ''}`} data-order={o.no}>
      <div class="ship-head">
        <strong class="mono">{o.no}</strong>
        <span>{o.member ? `${o.member} ${o.member_name ?? ''}` : o.buyer || '—'}</span>
        <span class="hint">
          {m.shipConfirmed}: {dateTime(o.confirmed_at)} · {duration(m, Date.now() - new Date(o.confirmed_at!).getTime())}
        </span>
      </div>
      <dl class="ship-goods">
        <dt>{m.shipLines}</dt>
        <dd>
          {o.lines.map((l) => (
            <span key={l.no} class="chip">
              {l.sku} × {l.qty}
            </span>
          ))}
        </dd>
        <dt>{m.shipLots}</dt>
        <dd class="lots">
          {o.lots
            .filter((l) => !(l.line in picks))
            .map((l) => (
              <span key={`${l.line}-${l.batch}`} class="chip">
                {l.sku} {m.lotLine(l.batch, l.qty)}
                {l.expires_on && <small> · {m.expires(expiry(l.expires_on))}</small>}
              </span>
            ))}
          {o.lines
            .filter((l) => l.no in picks)
            .map((l) => (
              <span key={`pick-${l.no}`} class="chip picked" data-picked={picks[l.no]}>
                {l.sku} {m.lotLine(picks[l.no], l.qty)} · {m.slPicked}
              </span>
            ))}
        </dd>
      </dl>
      {!shipped && (
        <div class="queue-tools ship-tools">
          <button type="button" class="ghost pick-lots" aria-expanded={picking} onClick={openPicker}>
            {m.slChangeLots}
          </button>
          <button type="button" class="ghost open-slip" aria-expanded={slip} onClick={() => setSlip(!slip)}>
            {m.slPackingSlip}
          </button>
        </div>
      )}
      {picking && !shipped && stock && <LotPicker o={o} stock={stock} picks={picks} onChange={(p) => (setPicks(p), setFormError(null))} />}
      {slip && <PackingSlip o={o} picks={picks} products={products} stock={stock} onClose={() => setSlip(false)} />}
      {shipped ? (
        <p class="result" role="status">
          {m.shippedAs(shipped)}
        </p>
      ) : (
        <form class="ship-form" onSubmit={ship} noValidate>
          <div class="field">
            <label for={`tracking-${id}`}>{m.trackingNo}</label>
            <input
              id={`tracking-${id}`}
              class="tracking"
              value={tracking}
              autocomplete="off"
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? `tracking-${id}-error` : undefined}
              onInput={(e) => {
                setTracking(e.currentTarget.value);
                setError(null);
              }}
            />
            {error && (
              <p class="field-error" id={`tracking-${id}-error`} role="alert">
                {error(m)}
              </p>
            )}
          </div>
          <div class="field">
            <label for={`carrier-${id}`}>{m.carrierOptional}</label>
            <input id={`carrier-${id}`} class="carrier" list="carriers" value={carrier} onInput={(e) => setCarrier(e.currentTarget.value)} />
          </div>
          <button type="submit" class="ship" disabled={busy}>
            {busy ? m.shipping : m.ship}
          </button>
          {formError && (
            <p class="form-error" role="alert">
              {formError(m)}
            </p>
          )}
        </form>
      )}
    </li>
  );
}
