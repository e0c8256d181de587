import { useState } from 'preact/hooks';
import { ErrorLine, usePaged } from './lists';
import { request, seg } from '../api';
import { t } from '../i18n';
import { dateTime, number } from '../format';
import { base, navigate } from '../router';
import { user } from '../session';
import { useLoad } from '../load';
import type { FlowEdge } from './sankey';
import { FlowPanel } from './circulation';

// A lot's forward trace, as GET /analytics/lots/{sku}/{batch}/trace
// answers it.
export interface Holding {
  kind: 'warehouse' | 'agency' | 'member' | 'customer';
  id: string;
  name?: string;
  received: number;
  sent_on: number;
  holds: number;
  moves: number;
  first: string;
  last: string;
}

export interface Trace {
  sku: string;
  batch: string;
  lot: string;
  produced: number;
  written_off: number;
  in_circulation: number;
  movements: number;
  holders: Holding[];
  // The whole recall list's size and sums; recall is its first page, next
  // the cursor of the page after.
  recipients: { count: number; holding: number; received: number; holds: number };
  recall: Holding[];
  next?: string;
  flows?: FlowEdge[];
  flows_folded?: number;
}

const lotPath = (sku: string, batch: string) => `/analytics/lots/${seg(sku)}/${seg(batch)}`;

export const lotTrace = (sku: string, batch: string, per: number) =>
  request<Trace>('GET', `${lotPath(sku, batch)}/trace?flows=200&limit=${per}`);

const lotRecall = (sku: string, batch: string, cursor: string, per: number) =>
  request<{ recall: Holding[]; next?: string }>(
    'GET',
    `${lotPath(sku, batch)}/recall?limit=${per}&cursor=${encodeURIComponent(cursor)}`,
  );

// The recall list's page length: 50, or ?per=N on the page's address (1 to 1000).
function recallPer(): number {
  const n = Number(new URLSearchParams(location.search).get('per'));
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 50;
}

export const lotsBase = () => `${base}analytics/lots`;

// LotFinder asks for a product and a batch and opens the lot's journey.
export function LotFinder({ sku = '', batch = '' }: { sku?: string; batch?: string }) {
  const m = t.value;
  const [s, setS] = useState(sku);
  const [b, setB] = useState(batch);
  const [errors, setErrors] = useState<{ sku?: boolean; batch?: boolean }>({});
  function submit(e: Event) {
    e.preventDefault();
    const errs = { sku: !s.trim(), batch: !b.trim() };
    setErrors(errs);
    if (errs.sku || errs.batch) return;
    navigate(`${lotsBase()}/${encodeURIComponent(s.trim())}/${encodeURIComponent(b.trim())}`);
  }
  const field = (id: 'sku' | 'batch', label: string, value: string, set: (v: string) => void) => (
    <div class="field">
      <label for={`lot-${id}`}>{label}</label>
      <input
        id={`lot-${id}`}
        value={value}
        autocomplete="off"
        aria-invalid={errors[id] ? 'true' : undefined}
        aria-describedby={errors[id] ? `lot-${id}-error` : undefined}
        onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
      />
      {errors[id] && (
        <p class="field-error" id={`lot-${id}-error`} role="alert">
          {id === 'sku' ? m.lotSkuRequired : m.lotBatchRequired}
        </p>
      )}
    </div>
  );
  return (
    <form class="lot-finder" id="lot-finder" onSubmit={submit} noValidate>
      {field('sku', m.lotSku, s, setS)}
      {field('batch', m.lotBatch, b, setB)}
      <button type="submit" id="lot-trace">
        {m.lotTraceButton}
      </button>
    </form>
  );
}

// LotJourney is one lot's way from the warehouse that received it through
// agencies to the members and customers who got it: a picture of the
// stages, the holders, and the recall list to take away.
export function LotJourney({ sku, batch }: { sku: string; batch: string }) {
  const m = t.value;
  const per = recallPer();
  const trace = useLoad(() => lotTrace(sku, batch, per), [sku, batch, per]);
  return (
    <main class="staff-page lot-page">
      <section class="card">
        <h1 id="lot-title">{m.lotJourneyTitle(sku, batch)}</h1>
        <LotFinder sku={sku} batch={batch} />
      </section>
      {!trace.done ? (
        <p class="loading">{m.loading}</p>
      ) : trace.error ? (
        <section class="card">
          <p class="form-error" id="lot-error" role="alert">
            {trace.error(m)}
          </p>
        </section>
      ) : (
        (() => {
          const tr = trace.data!;
          return (
            <>
              <section class="card" id="lot-summary">
                <dl class="figures">
                  <Fig name="produced" label={m.lotProduced} value={number(tr.produced)} />
                  <Fig name="circulation" label={m.lotInCirculation} value={number(tr.in_circulation)} />
                  <Fig name="written-off" label={m.lotWrittenOff} value={number(tr.written_off)} />
                  <Fig name="movements" label={m.lotMovements} value={number(tr.movements)} />
                  <Fig name="recipients" label={m.lotRecipients} value={number(tr.recipients.count)} />
                </dl>
                <Flow tr={tr} />
              </section>
              <FlowPanel flows={tr.flows ?? []} folded={tr.flows_folded ?? 0} />
              <section class="card">
                <h2>{m.lotHolders}</h2>
                <Holdings id="lot-holders" rows={tr.holders} />
              </section>
              <RecallList tr={tr} per={per} />
            </>
          );
        })()
      )}
    </main>
  );
}

// RecallList pages through the lot's recall list, the trace's first page
// first; the whole list comes as a CSV streamed by the server.
function RecallList({ tr, per }: { tr: Trace; per: number }) {
  const m = t.value;
  const { page, error, pager } = usePaged<Holding>(
    (cursor) =>
      cursor
        ? lotRecall(tr.sku, tr.batch, cursor, per).then((p) => ({ items: p.recall, next: p.next }))
        : Promise.resolve({ items: tr.recall, next: tr.next }),
    [tr],
  );
  return (
    <section class="card" aria-labelledby="lot-recall-title">
      <div class="queue-head">
        <h2 id="lot-recall-title">{m.lotRecall}</h2>
        <div class="queue-tools">
          <a class="ghost button" id="recall-csv" href={`/api/v1${lotPath(tr.sku, tr.batch)}/recall.csv`} download>
            {m.exportCsv}
          </a>
          {user.value?.role === 'admin' && (
            <a
              class="ghost button"
              id="recall-sms"
              href={`${base}sms?lot_sku=${encodeURIComponent(tr.sku)}&lot_batch=${encodeURIComponent(tr.batch)}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`${base}sms?lot_sku=${encodeURIComponent(tr.sku)}&lot_batch=${encodeURIComponent(tr.batch)}`);
              }}
            >
              {m.lotTextRecipients}
            </a>
          )}
        </div>
      </div>
      <p class="hint">{m.lotRecallHint}</p>
      <p id="lot-recall-count">{m.lotRecallCount(number(tr.recipients.count), number(tr.recipients.holding))}</p>
      <ErrorLine error={error} id="lot-recall-error" />
      {page && <Holdings id="lot-recall" rows={page.items} />}
      {(tr.next || (page && page.items !== tr.recall)) && pager(m.lotRecallPages, 'recall')}
    </section>
  );
}

function Fig({ name, label, value }: { name: string; label: string; value: string }) {
  return (
    <div class="figure" data-figure={name}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function Holdings({ id, rows }: { id: string; rows: Holding[] }) {
  const m = t.value;
  if (rows.length === 0) return <p class="empty">{m.lotNone}</p>;
  return (
    <table class="queue" id={id}>
      <thead>
        <tr>
          <th scope="col">{m.lotHolder}</th>
          <th scope="col" class="num">
            {m.lotReceived}
          </th>
          <th scope="col" class="num">
            {m.lotSentOn}
          </th>
          <th scope="col" class="num">
            {m.lotHolds}
          </th>
          <th scope="col">{m.lotFirst}</th>
          <th scope="col">{m.lotLast}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((h) => (
          <tr key={h.kind + h.id} data-holder={h.id}>
            <td data-label={m.lotHolder}>
              <span class="chip">{m.lotKind[h.kind] ?? h.kind}</span> <span class="mono">{h.id}</span> {h.name}
            </td>
            <td data-label={m.lotReceived} class="num">
              {number(h.received)}
            </td>
            <td data-label={m.lotSentOn} class="num">
              {number(h.sent_on)}
            </td>
            <td data-label={m.lotHolds} class="num">
              {number(h.holds)}
            </td>
            <td data-label={m.lotFirst}>{dateTime(h.first)}</td>
            <td data-label={m.lotLast}>{dateTime(h.last)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const sum = (hs: Holding[], f: (h: Holding) => number) => hs.reduce((a, h) => a + f(h), 0);

// Flow shows the lot's stages in the order it reached them: the
// warehouses, the agencies, the members and customers; each stage's bar is
// as long as what it received beside the biggest stage, its darker part
// what it holds now. Only totals the trace states are shown: it says what
// each holder received, not from whom.
function Flow({ tr }: { tr: Trace }) {
  const m = t.value;
  const stages = [
    { key: 'warehouse', label: m.lotStageWarehouses, hs: tr.holders.filter((h) => h.kind === 'warehouse') },
    { key: 'agency', label: m.lotStageAgencies, hs: tr.holders.filter((h) => h.kind === 'agency') },
  ]
    .filter((s) => s.hs.length > 0)
    .map((s) => ({ ...s, count: s.hs.length, received: sum(s.hs, (h) => h.received), holds: sum(s.hs, (h) => h.holds) }));
  // The recipients are many: the trace sums them.
  const r = tr.recipients;
  if (r.count > 0) {
    stages.push({ key: 'end', label: m.lotStageRecipients, hs: [], count: r.count, received: r.received, holds: r.holds });
  }
  const max = Math.max(1, ...stages.map((s) => s.received));
  const pct = (v: number) => `${Math.max(v > 0 ? 1 : 0, (100 * v) / max)}%`;
  return (
    <figure class="lot-flow" id="lot-flow">
      <ol class="lot-stages">
        {stages.map((s) => (
          <li key={s.key} data-stage={s.key}>
            <div class="lot-stage-head">
              <span>{s.label}</span>
              <span class="mono">{number(s.count)}</span>
            </div>
            <div class="lot-meter" aria-hidden="true">
              <span class="lot-meter-in" style={{ width: pct(s.received) }}>
                <span class="lot-meter-held" style={{ width: s.received > 0 ? `${(100 * s.holds) / s.received}%` : '0' }} />
              </span>
            </div>
            <p class="lot-stage-figures">{m.lotStageFigures(number(s.received), number(s.holds))}</p>
          </li>
        ))}
      </ol>
      <figcaption id="lot-flow-caption" class="sr-only">
        {stages.map((s) => m.lotStageLine(s.label, number(s.count), number(s.received), number(s.holds))).join(' → ')}
      </figcaption>
    </figure>
  );
}
