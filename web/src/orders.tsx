import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Order, type OrderPage, type Product } from './api';
import {
  begin,
  cart,
  cartCount,
  cartTotal,
  cents,
  checkout,
  decimal,
  entered,
  finish,
  maxQty,
  newKey,
  openCart,
  qtyOf,
  setQty,
} from './cart';
import { describe, type Msg } from './errors';
import { date, money, number } from './format';
import { OrderFigures } from './home';
import { Panel, useLoad } from './load';
import { locale, t } from './i18n';
import { lost } from './session';

// Orders is the member's shop: the catalogue at member prices, the cart,
// checkout (a repeat order, then its online payment) and the order history.
export function Orders({ code }: { code: string }) {
  openCart(code);
  const m = t.value;
  const products = useLoad(allProducts, []);
  const [version, setVersion] = useState(0);
  const [notice, setNotice] = useState<Msg | null>(null);
  const names = new Map((products.data ?? []).map((p) => [p.sku, p]));
  const refresh = (n: Msg | null) => {
    setNotice(() => n);
    setVersion((v) => v + 1);
  };
  return (
    <main class="orders-page">
      <h1 class="page-title">{m.ordersTitle}</h1>
      {notice && (
        <p class="notice" id="order-notice" role="status">
          {notice(m)}
        </p>
      )}
      <div class="grid">
        <Panel title={m.catalogue} load={products} id="catalogue">
          {(ps: Product[]) =>
            ps.length === 0 ? (
              <p class="empty">{m.noProducts}</p>
            ) : (
              <ul class="products">
                {ps.map((p) => (
                  <ProductItem key={p.sku} p={p} />
                ))}
              </ul>
            )
          }
        </Panel>
        <CartPanel names={names} onDone={refresh} />
      </div>
      <History code={code} version={version} onPaid={refresh} />
    </main>
  );
}

// allProducts reads every page of the catalogue (members see what can be
// ordered).
export async function allProducts(): Promise<Product[]> {
  const out: Product[] = [];
  let cursor = '';
  do {
    const page = await api.products(cursor);
    out.push(...page.items);
    cursor = page.next ?? '';
  } while (cursor);
  return out;
}

export function productName(p: Product | undefined, sku: string): string {
  if (!p) return sku;
  return (locale.value === 'zh-CN' ? p.name_zh : p.name_en) || p.name_en || p.name_zh || sku;
}

function ProductItem({ p }: { p: Product }) {
  const m = t.value;
  const qty = qtyOf(p.sku);
  return (
    <li data-sku={p.sku}>
      <div class="product-name">
        <strong>{productName(p, p.sku)}</strong>
        <span class="sku">{p.sku}</span>
      </div>
      <span class="product-price">{money(p.member_price)}</span>
      <span class="product-pv">
        {number(p.pv, 2)} {m.pv}
      </span>
      <button
        class="add"
        type="button"
        disabled={qty >= maxQty}
        onClick={() => setQty(p.sku, qty + 1, p.member_price)}
      >
        {qty > 0 ? m.addOneMore(qty) : m.addToCart}
      </button>
    </li>
  );
}

// The statuses a checkout expects, in the member's words.
const orderErrors: Partial<Record<number, Msg>> = {
  409: (m) => m.orderConflict,
  422: (m) => m.orderRefused,
  503: (m) => m.orderRetry,
};
const paymentErrors: Partial<Record<number, Msg>> = {
  409: (m) => m.paymentConflict,
  422: (m) => m.paymentRefused,
};

function CartPanel({ names, onDone }: { names: Map<string, Product>; onDone: (n: Msg | null) => void }) {
  const m = t.value;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Msg | null>(null);
  // The lines whose typed quantity is not one, with what was typed: the
  // cart keeps the last good one, and checkout waits until the field is put
  // right.
  const [bad, setBad] = useState<Map<string, string>>(new Map());
  const lines = cart.value;
  const pending = checkout.value?.order;

  function typed(sku: string, value: string, price: string) {
    const ok = /^\d+$/.test(value.trim()) && Number(value) <= maxQty;
    const next = new Map(bad);
    if (ok) next.delete(sku);
    else next.set(sku, value);
    setBad(next);
    if (ok) setQty(sku, Number(value), price);
  }

  async function submit() {
    setBusy(true);
    setError(null);
    let c = checkout.value;
    try {
      if (!c?.order) {
        c = begin();
        const o = await api.placeRepeatOrder(
          c.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
          c.key,
        );
        entered(o.no, o.total);
        c = checkout.value!;
      }
      const { no, total } = c.order!;
      try {
        await api.payOnline(no, total, c.key + '.pay');
      } catch (e) {
        if (lost(e) || retriable(e)) throw e;
        // The order stands, awaiting payment: the history offers to pay it.
        finish();
        onDone((mm) => mm.placedAwaitingPayment(no, describe(e, paymentErrors)(mm)));
        return;
      }
      finish();
      onDone((mm) => mm.placedAndPaid(no));
    } catch (e) {
      if (lost(e)) return;
      setError(() => describe(e, orderErrors));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" id="cart">
      <h2>
        {m.cart} {cartCount.value > 0 && <span class="count">({number(cartCount.value)})</span>}
      </h2>
      {pending ? (
        <p class="notice">{m.checkoutUnfinished(pending.no)}</p>
      ) : lines.length === 0 ? (
        <p class="empty">{m.cartEmpty}</p>
      ) : (
        <ul class="cart-lines">
          {lines.map((l) => (
            <li key={l.sku} data-sku={l.sku}>
              <span class="product-name">{productName(names.get(l.sku), l.sku)}</span>
              <label class="qty">
                <span class="sr-only">{m.quantity}</span>
                <input
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={maxQty}
                  step={1}
                  value={bad.get(l.sku) ?? l.qty}
                  disabled={busy}
                  aria-invalid={bad.has(l.sku)}
                  aria-describedby={bad.has(l.sku) ? `qty-error-${l.sku}` : undefined}
                  onChange={(e) => typed(l.sku, (e.target as HTMLInputElement).value, l.price)}
                />
              </label>
              <span class="line-total">{money(lineAmount(l.price, l.qty))}</span>
              <button class="link remove" type="button" disabled={busy} onClick={() => typed(l.sku, '0', l.price)}>
                {m.remove}
              </button>
              {bad.has(l.sku) && (
                <p class="field-error" id={`qty-error-${l.sku}`}>
                  {m.qtyInvalid(maxQty)}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      {!pending && lines.length > 0 && (
        <p class="cart-total">
          <span>{m.cartTotal}</span> <strong>{money(cartTotal.value)}</strong>
        </p>
      )}
      {(pending || lines.length > 0) && (
        <button id="checkout" type="button" disabled={busy || bad.size > 0} onClick={submit}>
          {busy ? m.checkingOut : pending ? m.resumePayment : m.checkoutAndPay}
        </button>
      )}
      {error && (
        <p class="form-error" id="checkout-error" role="alert">
          {error(m)}
        </p>
      )}
    </section>
  );
}

// retriable: the request may or may not have been done; the same key tries
// again safely.
function retriable(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || e.status === 503 || e.status >= 500);
}

function lineAmount(price: string, qty: number): string {
  return decimal(cents(price) * BigInt(qty));
}

const pageSize = 20;

function History({ code, version, onPaid }: { code: string; version: number; onPaid: (n: Msg | null) => void }) {
  const m = t.value;
  const first = useLoad(() => api.orders(code, pageSize), [code, version]);
  const [more, setMore] = useState<OrderPage[]>([]);
  const [moreError, setMoreError] = useState<Msg | null>(null);
  useEffect(() => setMore([]), [code, version]);
  const last = more.length ? more[more.length - 1] : first.data;

  async function loadMore() {
    setMoreError(null);
    try {
      const p = await api.ordersAfter(code, pageSize, last!.next!);
      setMore((ms) => [...ms, p]);
    } catch (e) {
      if (!lost(e)) setMoreError(() => describe(e));
    }
  }

  return (
    <Panel title={m.orderHistory} load={first} id="history">
      {(p: OrderPage) => {
        const items = [...p.items, ...more.flatMap((x) => x.items)];
        return items.length === 0 ? (
          <p class="empty">{m.noOrders}</p>
        ) : (
          <div>
            <ul class="orders">
              {items.map((o) => (
                <HistoryItem key={o.no} o={o} onPaid={onPaid} />
              ))}
            </ul>
            {last?.next && (
              <button class="link" type="button" id="more-orders" onClick={loadMore}>
                {m.moreOrders}
              </button>
            )}
            {moreError && <p class="form-error">{moreError(m)}</p>}
          </div>
        );
      }}
    </Panel>
  );
}

// payKeys keeps the Idempotency-Key of a payment tried from the history
// until it succeeds, so that a retry after no answer pays once.
const payKeys = new Map<string, string>();

function HistoryItem({ o, onPaid }: { o: Order; onPaid: (n: Msg | null) => void }) {
  const m = t.value;
  return (
    <li data-order={o.no}>
      <OrderFigures o={o} />
      {m.orderStatusHint[o.status] && m.orderStatusHint[o.status] !== m.orderStatus[o.status] && (
        <p class="order-state">{m.orderStatusHint[o.status]}</p>
      )}
      {(o.tracking || o.shipped_at) && (
        <dl class="shipment">
          {o.carrier && (
            <div data-figure="carrier">
              <dt>{m.carrier}</dt>
              <dd>{o.carrier}</dd>
            </div>
          )}
          {o.tracking && (
            <div data-figure="tracking">
              <dt>{m.tracking}</dt>
              <dd>{o.tracking}</dd>
            </div>
          )}
          {o.shipped_at && (
            <div data-figure="shipped">
              <dt>{m.shippedOn}</dt>
              <dd>{date(o.shipped_at)}</dd>
            </div>
          )}
          {o.delivered_at && (
            <div data-figure="delivered">
              <dt>{m.deliveredOn}</dt>
              <dd>{date(o.delivered_at)}</dd>
            </div>
          )}
        </dl>
      )}
      {o.status === 'placed' && <PayButton o={o} onPaid={onPaid} />}
    </li>
  );
}

// PayButton pays an order awaiting payment online, in full.
export function PayButton({ o, onPaid }: { o: Order; onPaid: (n: Msg | null) => void }) {
  const m = t.value;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Msg | null>(null);

  async function pay() {
    setBusy(true);
    setError(null);
    let key = payKeys.get(o.no);
    if (!key) {
      key = newKey('pay');
      payKeys.set(o.no, key);
    }
    try {
      await api.payOnline(o.no, o.total, key);
      payKeys.delete(o.no);
      onPaid((mm) => mm.paid(o.no));
    } catch (e) {
      if (lost(e)) return;
      if (!retriable(e)) payKeys.delete(o.no);
      setError(() => describe(e, paymentErrors));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <button class="pay" type="button" disabled={busy} onClick={pay}>
        {busy ? m.paying : m.payOnline}
      </button>
      {error && <p class="form-error order-error">{error(m)}</p>}
    </>
  );
}
