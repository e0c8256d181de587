import { computed, signal } from '@preact/signals';

// The cart of the signed-in member, kept in localStorage so that it
// survives a reload, and the checkout under way: the Idempotency-Key a
// checkout sends is made once per submission of a cart and kept with it,
// so that a retry (after no answer, or a reload) cannot order twice.

export interface CartLine {
  sku: string;
  qty: number;
  price: string; // the member price when it was added, a decimal string
}

// Checkout is a submission of the cart: its key, the lines it sent, and
// the order once the API entered it.
export interface Checkout {
  key: string;
  lines: CartLine[];
  order?: { no: string; total: string };
}

interface Saved {
  lines: CartLine[];
  checkout?: Checkout;
}

export const maxQty = 999;

const owner = signal('');
export const cart = signal<CartLine[]>([]);
export const checkout = signal<Checkout | undefined>(undefined);

function storageKey(member: string) {
  return `downline.cart.${member}`;
}

// open loads the cart of member (each member on a shared browser has theirs).
export function openCart(member: string) {
  if (owner.value === member) return;
  owner.value = member;
  let saved: Saved = { lines: [] };
  try {
    saved = JSON.parse(localStorage.getItem(storageKey(member)) ?? '') as Saved;
  } catch {
    // nothing saved, or storage disabled
  }
  cart.value = Array.isArray(saved?.lines) ? saved.lines.filter(valid) : [];
  checkout.value = saved?.checkout;
}

function valid(l: CartLine): boolean {
  return typeof l?.sku === 'string' && Number.isInteger(l.qty) && l.qty > 0 && /^\d+(\.\d+)?$/.test(l.price);
}

function save() {
  try {
    localStorage.setItem(storageKey(owner.value), JSON.stringify({ lines: cart.value, checkout: checkout.value }));
  } catch {
    // kept for this page only
  }
}

// setQty sets the quantity of sku (0 removes it). A changed cart is a new
// submission: the key of an unfinished checkout that never reached an
// order is dropped with it.
export function setQty(sku: string, qty: number, price: string) {
  qty = Math.max(0, Math.min(maxQty, Math.floor(qty) || 0));
  const rest = cart.value.filter((l) => l.sku !== sku);
  const i = cart.value.findIndex((l) => l.sku === sku);
  if (qty > 0) {
    const line = { sku, qty, price };
    cart.value = i < 0 ? [...rest, line] : cart.value.map((l) => (l.sku === sku ? line : l));
  } else {
    cart.value = rest;
  }
  if (checkout.value && !checkout.value.order) checkout.value = undefined;
  save();
}

export function qtyOf(sku: string): number {
  return cart.value.find((l) => l.sku === sku)?.qty ?? 0;
}

// cents turns a decimal string into whole cents, exactly.
export function cents(amount: string): bigint {
  const [whole, frac = ''] = amount.split('.');
  return BigInt(whole) * 100n + BigInt((frac + '00').slice(0, 2));
}

// decimal turns cents back into a decimal string ("1234.50").
export function decimal(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

export const cartTotal = computed(() =>
  decimal(cart.value.reduce((sum, l) => sum + cents(l.price) * BigInt(l.qty), 0n)),
);
export const cartCount = computed(() => cart.value.reduce((n, l) => n + l.qty, 0));

// newKey is a fresh Idempotency-Key.
export function newKey(prefix: string): string {
  if (crypto.randomUUID) return `${prefix}-${crypto.randomUUID()}`;
  const b = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

// begin is the checkout of the cart as it is: the one under way when it
// was for these same lines (a retry), else a new one with a new key.
export function begin(): Checkout {
  const c = checkout.value;
  if (c && JSON.stringify(c.lines) === JSON.stringify(cart.value)) return c;
  checkout.value = { key: newKey('checkout'), lines: cart.value };
  save();
  return checkout.value;
}

// entered records the order the checkout's key entered: the cart is
// emptied, the checkout kept until it is paid.
export function entered(no: string, total: string) {
  if (!checkout.value) return;
  checkout.value = { ...checkout.value, order: { no, total } };
  cart.value = [];
  save();
}

// finish ends the checkout (paid, or left awaiting payment).
export function finish() {
  checkout.value = undefined;
  save();
}
