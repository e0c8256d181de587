import { useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import { dateTime, money, number } from '../format';
import { describe, type Msg } from '../errors';
import { lost } from '../session';
import { useKeptKey } from '../keptkey';
import { downloadCsv, ErrorLine, FieldError, usePaged } from './lists';
import { goodsApi, type Returnable, type ReturnLine } from './goodsapi';
import { utcDate } from './catalogue';

// Returns: goods coming back on a shipped order, each lot either back on
// the shelf (restock) or destroyed (write-off), refunded at the price the
// order was placed at. The warehouse takes HQ's; an agency takes its
// members' returns and sends its own purchases back to HQ.

export function ReturnsPage() {
  const m = t.value;
  return (
    <main class="staff-page">
      <ReturnDesk title={m.rtTitle} />
    </main>
  );
}

// ReturnDesk finds an order, takes a return of it, and lists the returns
// the caller may see.
export function ReturnDesk(props: { title: string; hint?: string; sub?: boolean; onDone?: () => void }) {
  const { title, hint, sub } = props;
  const [version, setVersion] = useState(0);
  return (
    <>
      <section class="card" id="rt-desk" aria-labelledby="rt-title">
        {sub ? <h2 id="rt-title">{title}</h2> : <h1 id="rt-title">{title}</h1>}
        {hint && <p class="hint">{hint}</p>}
        <TakeReturn
          onDone={() => {
            setVersion(version + 1);
            props.onDone?.();
          }}
        />
      </section>
      <ReturnList version={version} />
    </>
  );
}

type Row = { qty: string; writeOff: boolean };

function TakeReturn({ onDone }: { onDone: () => void }) {
  const m = t.value;
  const [no, setNo] = useState('');
  const [noError, setNoError] = useState<Msg | null>(null);
  const [order, setOrder] = useState<Returnable | null>(null);
  const [rows, setRows] = useState<Record<string, Row>>({});
  const [errors, setErrors] = useState<Record<string, Msg>>({});
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<Msg | null>(null);
  const [done, setDone] = useState<{ no: string; refund: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // The key of a return sent and not answered, kept for its retry.
  const attempt = useKeptKey('return');
  // shown is the order last looked up.
  const shown = useRef('');

  async function find(e: Event) {
    e.preventDefault();
    setNoError(null);
    setFailure(null);
    setDone(null);
    setOrder(null);
    const n = no.trim().toUpperCase();
    shown.current = n;
    if (!n) {
      setNoError(() => (m: Messages) => m.rtOrderRequired);
      return;
    }
    try {
      const r = await goodsApi.returnable(n);
      setOrder(r);
      setRows({});
      setErrors({});
    } catch (err) {
      if (!lost(err)) setNoError(() => describe(err, { 404: (m) => m.rtUnknownOrder(n) }));
    }
  }

  const keyOf = (l: { line: number; batch: string }) => `${l.line}/${l.batch}`;

  async function take(e: Event) {
    e.preventDefault();
    if (!order) return;
    setFailure(null);
    setDone(null);
    const errs: Record<string, Msg> = {};
    const lines: ReturnLine[] = [];
    for (const l of order.lots) {
      const r = rows[keyOf(l)];
      const raw = r?.qty.trim() ?? '';
      if (!raw || raw === '0') continue;
      const q = Number(raw);
      if (!/^\d+$/.test(raw)) errs[keyOf(l)] = (m) => m.rtQtyInvalid;
      else if (q > l.left) errs[keyOf(l)] = (m) => m.rtQtyTooMany(l.left);
      else lines.push({ line: l.line, batch: l.batch, qty: q, ...(r.writeOff ? { write_off: true } : {}) });
    }
    setErrors(errs);
    if (Object.keys(errs).length) return;
    if (!lines.length) {
      setFailure(() => (m: Messages) => m.rtNothing);
      return;
    }
    const key = attempt.key({ order: order.order, lines, reason: reason.trim() });
    setBusy(true);
    try {
      const r = await goodsApi.takeReturn(order.order, lines, reason.trim(), key);
      attempt.done();
      // What is left to return, unless another order was looked up meanwhile.
      const left = await goodsApi.returnable(order.order).catch(() => null);
      if (left && shown.current === left.order) setOrder(left);
      setRows({});
      setReason('');
      setDone(r);
      onDone();
    } catch (err) {
      if (!lost(err)) setFailure(() => describe(err, { 409: (m) => m.rtStockGone, 422: (m) => m.rtRefused }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <form class="ship-form" id="rt-find" onSubmit={find} noValidate>
        <div class="field">
          <label for="rt-order">{m.rtOrderNo}</label>
          <input
            id="rt-order"
            value={no}
            autocomplete="off"
            aria-invalid={noError ? 'true' : undefined}
            aria-describedby={noError ? 'rt-order-error' : undefined}
            onInput={(e) => setNo(e.currentTarget.value)}
          />
          <FieldError id="rt-order-error" error={noError} m={m} />
        </div>
        <button type="submit" id="rt-find-go">
          {m.rtFind}
        </button>
      </form>
      {order && (
        <form id="rt-form" onSubmit={take} noValidate>
          <p id="rt-order-head">
            <strong class="mono">{order.order}</strong> · {order.member ?? order.buyer_agency ?? order.customer ?? ''} ·{' '}
            {order.window_ends ? (order.open ? m.rtWindowOpen(dateTime(order.window_ends)) : m.rtWindowClosed(dateTime(order.window_ends))) : m.rtNotShipped}
          </p>
          {order.lots.length > 0 && (
            <table class="queue recent" id="rt-lots">
              <thead>
                <tr>
                  <th scope="col">{m.cgSku}</th>
                  <th scope="col">{m.lotBatch}</th>
                  <th scope="col" class="num">
                    {m.rtShipped}
                  </th>
                  <th scope="col" class="num">
                    {m.rtLeft}
                  </th>
                  <th scope="col">{m.rtQty}</th>
                  <th scope="col">{m.rtWhereTo}</th>
                </tr>
              </thead>
              <tbody>
                {order.lots.map((l) => {
                  const k = keyOf(l);
                  const id = `rt-qty-${l.line}-${l.batch}`;
                  const r = rows[k] ?? { qty: '', writeOff: false };
                  return (
                    <tr key={k} data-line={l.line} data-batch={l.batch}>
                      <td data-label={m.cgSku} class="mono">
                        {l.sku}
                      </td>
                      <td data-label={m.lotBatch}>
                        <span>
                          <span class="mono">{l.batch}</span>
                          {l.expires_on && <small> · {m.expires(utcDate(l.expires_on))}</small>}
                        </span>
                      </td>
                      <td data-label={m.rtShipped} class="num">
                        {number(l.shipped)}
                      </td>
                      <td data-label={m.rtLeft} class="num" data-left={l.left}>
                        {number(l.left)}
                      </td>
                      <td data-label={m.rtQty}>
                        <label class="sr-only" for={id}>
                          {m.rtQtyOf(l.sku, l.batch)}
                        </label>
                        <input
                          id={id}
                          class="rt-qty"
                          inputMode="numeric"
                          size={4}
                          value={r.qty}
                          disabled={l.left === 0 || !order.open}
                          aria-invalid={errors[k] ? 'true' : undefined}
                          aria-describedby={errors[k] ? `${id}-error` : undefined}
                          onInput={(e) => {
                            const qty = e.currentTarget.value;
                            setRows((rs) => ({ ...rs, [k]: { ...(rs[k] ?? { writeOff: false }), qty } }));
                          }}
                        />
                        <FieldError id={`${id}-error`} error={errors[k]} m={m} />
                      </td>
                      <td data-label={m.rtWhereTo}>
                        <select
                          class="rt-where"
                          aria-label={m.rtWhereOf(l.sku, l.batch)}
                          value={r.writeOff ? 'writeoff' : 'restock'}
                          disabled={l.left === 0 || !order.open}
                          onChange={(e) => {
                            const writeOff = e.currentTarget.value === 'writeoff';
                            setRows((rs) => ({ ...rs, [k]: { ...(rs[k] ?? { qty: '' }), writeOff } }));
                          }}
                        >
                          <option value="restock">{m.rtRestock}</option>
                          <option value="writeoff">{m.rtWriteOff}</option>
                        </select>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {order.open && order.lots.some((l) => l.left > 0) && (
            <div class="ship-form">
              <div class="field">
                <label for="rt-reason">{m.rtReason}</label>
                <input id="rt-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
              </div>
              <button type="submit" id="rt-take" disabled={busy}>
                {m.rtTake}
              </button>
            </div>
          )}
        </form>
      )}
      {done && (
        <p class="result" role="status" id="rt-done">
          {m.rtTaken(done.no, money(done.refund))}
        </p>
      )}
      <ErrorLine error={failure} id="rt-error" />
    </>
  );
}

function ReturnList({ version }: { version: number }) {
  const m = t.value;
  const list = usePaged((cursor) => goodsApi.returns(25, cursor), [version]);
  const items = list.page?.items ?? [];
  return (
    <section class="card" id="rt-returns" aria-labelledby="rt-list-title">
      <div class="queue-head">
        <h2 id="rt-list-title">{m.rtList}</h2>
        <button
          type="button"
          class="ghost"
          id="rt-csv"
          onClick={() =>
            downloadCsv('returns.csv', [
              ['return', 'order', 'buyer', 'seller', 'confirmed_at', 'sku', 'batch', 'qty', 'disposition', 'refund', 'by'],
              ...items.flatMap((r) =>
                r.lines.map((l) => [r.no, r.order, r.buyer, r.seller ?? 'HQ', r.confirmed_at, l.sku, l.batch, l.qty, l.write_off ? 'writeoff' : 'restock', r.refund, r.by]),
              ),
            ])
          }
        >
          {m.exportCsv}
        </button>
      </div>
      <ErrorLine error={list.error} />
      {list.page && !items.length && <p class="empty">{m.rtNone}</p>}
      {items.length > 0 && (
        <table class="queue recent" id="rt-list">
          <thead>
            <tr>
              <th scope="col">{m.rtReturn}</th>
              <th scope="col">{m.rtOrderNo}</th>
              <th scope="col">{m.rtBuyer}</th>
              <th scope="col">{m.rtGoods}</th>
              <th scope="col" class="num">
                {m.rtRefund}
              </th>
              <th scope="col">{m.rtWhen}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.no} data-return={r.no} data-order={r.order}>
                <td data-label={m.rtReturn} class="mono">
                  {r.no}
                </td>
                <td data-label={m.rtOrderNo} class="mono">
                  {r.order}
                </td>
                <td data-label={m.rtBuyer}>
                  <span>
                    {r.buyer}
                    {r.seller && <small> · {m.rtSoldBy(r.seller)}</small>}
                  </span>
                </td>
                <td data-label={m.rtGoods}>
                  <span class="rt-goods">
                  {r.lines.map((l) => (
                    <span key={`${l.line}-${l.batch}`} class={`chip${l.write_off ? ' warn' : ''}`} data-disposition={l.write_off ? 'writeoff' : 'restock'}>
                      {l.sku} {m.lotLine(l.batch, l.qty)} · {l.write_off ? m.rtWriteOff : m.rtRestock}
                    </span>
                  ))}
                  </span>
                </td>
                <td data-label={m.rtRefund} class="num">
                  {money(r.refund)}
                </td>
                <td data-label={m.rtWhen}>
                  {dateTime(r.confirmed_at)} · {r.by}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.pager(m.rtList, 'rt')}
    </section>
  );
}
