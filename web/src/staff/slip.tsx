import { useRef } from 'preact/hooks';
import { locale, t } from '../i18n';
import { en, type Messages } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';
import type { Product } from '../api';
import type { Msg } from '../errors';
import { number } from '../format';
import type { ToShip } from './api';
import type { Balance } from './hqapi';
import { today } from './lists';

// Picks are the lots chosen instead of the reserved ones: a batch per line
// number (the whole line from that lot).
export type Picks = Record<number, string>;

const day = (iso?: string) => (iso ? iso.slice(0, 10) : '');

// availableFor is what the order may take of a lot: what is available plus
// what this order itself holds reserved there (shipping from other lots
// gives that reservation back).
function availableFor(o: ToShip, b: Balance): number {
  const own = o.lots.filter((l) => l.sku === b.sku && l.batch === b.batch).reduce((n, l) => n + l.qty, 0);
  return b.available + own;
}

// lineProblem is why the lot picked for a line cannot ship it, if it cannot.
function lineProblem(o: ToShip, line: { no: number; sku: string; qty: number }, batch: string, stock: Balance[]): Msg | null {
  const b = stock.find((x) => x.sku === line.sku && x.batch === batch);
  const avail = b ? availableFor(o, b) : 0;
  if (b?.expires_on && day(b.expires_on) < today()) {
    const d = b.expires_on;
    return (m) => m.slExpired(line.sku, batch, utc(d));
  }
  if (avail < line.qty) return (m) => m.slShort(line.sku, batch, avail, line.qty);
  return null;
}

// pickProblems is the first reason the picks cannot ship, if any.
export function pickProblems(o: ToShip, picks: Picks, stock: Balance[]): Msg | null {
  for (const l of o.lines) {
    const p = picks[l.no] && lineProblem(o, l, picks[l.no], stock);
    if (p) return p;
  }
  return null;
}

function utc(iso: string): string {
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso));
}

// LotPicker lets the warehouse ship a line from another lot than the one
// reserved, showing what each lot of the warehouse has available for it.
export function LotPicker({ o, stock, picks, onChange }: { o: ToShip; stock: Balance[]; picks: Picks; onChange: (p: Picks) => void }) {
  const m = t.value;
  return (
    <fieldset class="lot-picker" data-order={o.no}>
      <legend>{m.slPickTitle}</legend>
      {o.lines.map((l) => {
        const id = `pick-${o.no}-${l.no}`;
        const reserved = o.lots.filter((x) => x.line === l.no).map((x) => m.lotLine(x.batch, x.qty));
        const problem = picks[l.no] ? lineProblem(o, l, picks[l.no], stock) : null;
        return (
          <div class="field" key={l.no}>
            <label for={id}>{m.slLineLot(l.no, l.sku, l.qty)}</label>
            <select
              id={id}
              class="lot-select"
              data-line={l.no}
              value={picks[l.no] ?? ''}
              aria-invalid={problem ? 'true' : undefined}
              aria-describedby={problem ? `${id}-error` : undefined}
              onChange={(e) => {
                const v = e.currentTarget.value;
                const next = { ...picks };
                if (v) next[l.no] = v;
                else delete next[l.no];
                onChange(next);
              }}
            >
              <option value="">{m.slAsReserved(reserved.join(', '))}</option>
              {stock
                .filter((b) => b.sku === l.sku)
                .map((b) => {
                  const expired = !!b.expires_on && day(b.expires_on) < today();
                  return (
                    <option key={b.batch} value={b.batch}>
                      {m.slLotOption(
                        b.batch,
                        b.expires_on ? utc(b.expires_on) : m.cgNoExpiry,
                        number(availableFor(o, b)),
                        expired,
                      )}
                    </option>
                  );
                })}
            </select>
            {problem && (
              <p class="field-error" id={`${id}-error`} role="alert">
                {problem(m)}
              </p>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

// both says a label of the slip in both languages: a parcel crosses
// desks that read either.
const both = (f: (m: Messages) => string) => `${f(zhCN)} ${f(en)}`;

// PackingSlip is the sheet that goes into the parcel: the order, who gets
// it and where, and each line with its lot and expiry, in zh-CN and en;
// printed on A4 alone (see the print rules of staff.css).
export function PackingSlip(props: { o: ToShip; picks: Picks; products: Product[]; stock: Balance[] | null; onClose: () => void }) {
  const { o, picks, products, stock } = props;
  const m = t.value;
  const ref = useRef<HTMLElement>(null);
  const expiryOf = (sku: string, batch: string, given?: string) =>
    given ?? stock?.find((b) => b.sku === sku && b.batch === batch)?.expires_on;
  const rows = o.lines.flatMap((l) => {
    const p = products.find((x) => x.sku === l.sku);
    const lots =
      l.no in picks
        ? [{ batch: picks[l.no], qty: l.qty, expires_on: expiryOf(l.sku, picks[l.no]) }]
        : o.lots.filter((x) => x.line === l.no).map((x) => ({ batch: x.batch, qty: x.qty, expires_on: expiryOf(l.sku, x.batch, x.expires_on) }));
    return lots.map((x, i) => ({ key: `${l.no}-${x.batch}`, line: i === 0 ? l.no : 0, sku: l.sku, zh: p?.name_zh ?? '', en: p?.name_en ?? '', ...x }));
  });
  const units = o.lines.reduce((n, l) => n + l.qty, 0);
  function print() {
    const el = ref.current;
    if (!el) return;
    el.classList.add('printing');
    document.body.classList.add('print-slip');
    const done = () => {
      el.classList.remove('printing');
      document.body.classList.remove('print-slip');
      window.removeEventListener('afterprint', done);
    };
    window.addEventListener('afterprint', done);
    window.print();
  }
  return (
    <section class="slip" ref={ref} aria-label={m.slPackingSlip} data-order={o.no}>
      <header class="slip-head">
        <h2>{both((m) => m.slTitle)}</h2>
        <p class="mono slip-no">{o.no}</p>
      </header>
      <dl class="slip-meta">
        <div>
          <dt>{both((m) => m.slOrderNo)}</dt>
          <dd class="mono">{o.no}</dd>
        </div>
        <div>
          <dt>{both((m) => m.slPlaced)}</dt>
          <dd>{today(undefined, new Date(o.placed_at))}</dd>
        </div>
        <div>
          <dt>{both((m) => m.slRecipient)}</dt>
          <dd data-slip="recipient">{o.member ? `${o.member} ${o.member_name ?? ''}` : o.buyer || '—'}</dd>
        </div>
        <div>
          <dt>{both((m) => m.slAddress)}</dt>
          <dd data-slip="address">{o.ship_to || both((m) => m.slNoAddress)}</dd>
        </div>
        <div>
          <dt>{both((m) => m.slWarehouse)}</dt>
          <dd class="mono">{o.warehouse}</dd>
        </div>
      </dl>
      <table class="slip-lines">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{both((m) => m.cgSku)}</th>
            <th scope="col">{both((m) => m.cgName)}</th>
            <th scope="col" class="num">
              {both((m) => m.hqQty)}
            </th>
            <th scope="col">{both((m) => m.lotBatch)}</th>
            <th scope="col">{both((m) => m.cgExpiresOn)}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-sku={r.sku} data-batch={r.batch}>
              <td>{r.line || ''}</td>
              <td class="mono">{r.sku}</td>
              <td>
                {r.zh}
                <br />
                <span lang="en">{r.en}</span>
              </td>
              <td class="num">{r.qty}</td>
              <td class="mono">{r.batch}</td>
              <td>{r.expires_on ? day(r.expires_on) : '—'}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={3}>{both((m) => m.slUnits)}</td>
            <td class="num">{units}</td>
            <td colSpan={2} />
          </tr>
        </tfoot>
      </table>
      <p class="slip-sign">{both((m) => m.slPackedBy)} ____________</p>
      <div class="slip-tools">
        <button type="button" class="print-slip" onClick={print}>
          {m.slPrint}
        </button>
        <button type="button" class="ghost" onClick={props.onClose}>
          {m.slClose}
        </button>
      </div>
    </section>
  );
}
