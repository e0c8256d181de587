import { useState } from 'preact/hooks';
import { request, seg } from '../api';
import { t } from '../i18n';
import { dateTime, number } from '../format';
import { base, navigate } from '../router';
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
  recall: Holding[];
  flows?: FlowEdge[];
  flows_folded?: number;
}

export const lotTrace = (sku: string, batch: string) =>
  request<Trace>('GET', `/analytics/lots/${seg(sku)}/${seg(batch)}/trace?flows=200`);

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
  const trace = useLoad(() => lotTrace(sku, batch), [sku, batch]);
  const [holdingOnly, setHoldingOnly] = useState(false);
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
          const recall = holdingOnly ? tr.recall.filter((h) => h.holds > 0) : tr.recall;
          return (
            <>
              <section class="card" id="lot-summary">
                <dl class="figures">
                  <Fig name="produced" label={m.lotProduced} value={number(tr.produced)} />
                  <Fig name="circulation" label={m.lotInCirculation} value={number(tr.in_circulation)} />
                  <Fig name="written-off" label={m.lotWrittenOff} value={number(tr.written_off)} />
                  <Fig name="movements" label={m.lotMovements} value={number(tr.movements)} />
                  <Fig name="recipients" label={m.lotRecipients} value={number(tr.recall.length)} />
                </dl>
                <Flow tr={tr} />
              </section>
              <FlowPanel flows={tr.flows ?? []} folded={tr.flows_folded ?? 0} />
              <section class="card">
                <h2>{m.lotHolders}</h2>
                <Holdings id="lot-holders" rows={tr.holders} />
              </section>
              <section class="card">
                <div class="queue-head">
                  <h2>{m.lotRecall}</h2>
                  <div class="queue-tools">
                    <label class="check">
                      <input
                        type="checkbox"
                        id="holding-only"
                        checked={holdingOnly}
                        onChange={(e) => setHoldingOnly((e.currentTarget as HTMLInputElement).checked)}
                      />{' '}
                      {m.lotHoldingOnly}
                    </label>
                    <button type="button" class="ghost" id="recall-csv" onClick={() => downloadCSV(tr, recall)}>
                      {m.exportCsv}
                    </button>
                  </div>
                </div>
                <p class="hint">{m.lotRecallHint}</p>
                <Holdings id="lot-recall" rows={recall} />
              </section>
            </>
          );
        })()
      )}
    </main>
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
    { key: 'end', label: m.lotStageRecipients, hs: tr.recall },
  ]
    .filter((s) => s.hs.length > 0)
    .map((s) => ({ ...s, received: sum(s.hs, (h) => h.received), holds: sum(s.hs, (h) => h.holds) }));
  const max = Math.max(1, ...stages.map((s) => s.received));
  const pct = (v: number) => `${Math.max(v > 0 ? 1 : 0, (100 * v) / max)}%`;
  return (
    <figure class="lot-flow" id="lot-flow">
      <ol class="lot-stages">
        {stages.map((s) => (
          <li key={s.key} data-stage={s.key}>
            <div class="lot-stage-head">
              <span>{s.label}</span>
              <span class="mono">{number(s.hs.length)}</span>
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
        {stages.map((s) => m.lotStageLine(s.label, number(s.hs.length), number(s.received), number(s.holds))).join(' → ')}
      </figcaption>
    </figure>
  );
}

// downloadCSV saves the recall list with a byte-order mark, so that a
// spreadsheet opens Chinese names right; a cell that starts like a formula
// is quoted with an apostrophe.
function downloadCSV(tr: Trace, rows: Holding[]) {
  const cell = (v: string | number) => {
    let s = String(v);
    if (/^[=+\-@]/.test(s)) s = "'" + s;
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [
    ['kind', 'holder', 'name', 'received', 'sent_on', 'holds', 'first', 'last'].join(','),
    ...rows.map((h) => [h.kind, h.id, h.name ?? '', h.received, h.sent_on, h.holds, h.first, h.last].map(cell).join(',')),
  ];
  const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `recall-${tr.sku}-${tr.batch}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
