import { useState } from 'preact/hooks';
import { ApiError, request } from '../api';
import { t } from '../i18n';
import type { Messages } from '../i18n/en';
import { describe, type Msg } from '../errors';
import { number } from '../format';
import { useLoad } from '../load';
import { lost } from '../session';

// The datasets GET /analytics/exports lists (docs/exports.md).
export interface ExportColumn {
  name: string;
  type: string;
  nullable: boolean;
  doc: string;
}

export interface ExportDataset {
  name: string;
  doc: string;
  filters: string[];
  columns: ExportColumn[];
}

type Format = 'parquet' | 'arrow' | 'csv';
const formats: Format[] = ['parquet', 'arrow', 'csv'];
type Values = Record<string, string>;
type Errors = Record<string, Msg>;

const datasets = () => request<ExportDataset[]>('GET', '/analytics/exports');

// The page's words for a dataset: its name and what it holds.
const titles: Record<string, (m: Messages) => [string, string]> = {
  members: (m) => [m.expMembers, m.expMembersDoc],
  links: (m) => [m.expLinks, m.expLinksDoc],
  orders: (m) => [m.expOrders, m.expOrdersDoc],
  order_lines: (m) => [m.expOrderLines, m.expOrderLinesDoc],
  lot_moves: (m) => [m.expLotMoves, m.expLotMovesDoc],
  bonus_lines: (m) => [m.expBonusLines, m.expBonusLinesDoc],
};

// check finds what is wrong with a dataset's filters before asking the
// API, each error under the field it is about.
function check(ds: ExportDataset, v: Values): Errors {
  const errs: Errors = {};
  const bonus = ds.name === 'bonus_lines';
  if (v.from && v.to && v.from > v.to) errs.to = (m) => m.expToBeforeFrom;
  if (!bonus && v.period && (v.from || v.to)) errs.period = (m) => m.expPeriodOrDates;
  if (v.batch && !v.sku) errs.sku = (m) => m.expBatchNeedsSku;
  if (v.run && !/^[1-9][0-9]{0,17}$/.test(v.run)) errs.run = (m) => m.expRunNumber;
  if (bonus && !v.run && !v.period) errs.period = (m) => m.expRunOrPeriod;
  if (bonus && v.run && v.period) errs.run = (m) => m.expRunOrPeriod;
  return errs;
}

// fetchFile downloads path, reporting the bytes received, and saves it
// under the name the API gives. Errors: ApiError with the problem's detail.
async function fetchFile(path: string, fallback: string, progress: (bytes: number) => void): Promise<[string, number]> {
  let res: Response;
  try {
    res = await fetch('/api/v1' + path, { credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (!res.ok) {
    let data: any;
    try {
      data = await res.json();
    } catch {
      // not a problem document: keep the status
    }
    throw new ApiError(res.status, data?.detail ?? res.statusText, data?.request_id ?? '');
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      progress(received);
    }
  } catch {
    // The server cuts the connection when an export fails midway.
    throw new ApiError(0, 'cut short');
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? fallback;
  const url = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: res.headers.get('Content-Type') ?? '' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return [name, received];
}

const bytes = (n: number) => (n < 1024 * 1024 ? `${number(Math.ceil(n / 1024))} KB` : `${number(n / 1024 / 1024, 1)} MB`);

// Exports lists the datasets an analyst can take away, each with its
// format, its filters and a download button.
export function Exports() {
  const m = t.value;
  const list = useLoad(datasets, []);
  return (
    <main class="staff-page exports-page">
      <section class="card">
        <h1 id="exp-title">{m.expTitle}</h1>
        <p class="hint">{m.expIntro}</p>
      </section>
      {!list.done ? (
        <p class="loading">{m.loading}</p>
      ) : list.error ? (
        <section class="card">
          <p class="form-error" role="alert">
            {list.error(m)}
          </p>
        </section>
      ) : (
        <div class="exports">{list.data!.filter((ds) => titles[ds.name]).map((ds) => <ExportCard key={ds.name} ds={ds} />)}</div>
      )}
    </main>
  );
}

type State = { kind: 'idle' } | { kind: 'busy'; bytes: number } | { kind: 'done'; name: string; bytes: number } | { kind: 'failed'; msg: Msg };

function ExportCard({ ds }: { ds: ExportDataset }) {
  const m = t.value;
  const [title, doc] = titles[ds.name](m);
  const [format, setFormat] = useState<Format>('parquet');
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Errors>({});
  const [state, setState] = useState<State>({ kind: 'idle' });
  const id = (f: string) => `exp-${ds.name}-${f}`;

  async function submit(e: Event) {
    e.preventDefault();
    if (state.kind === 'busy') return;
    const errs = check(ds, values);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const q = new URLSearchParams();
    for (const f of ds.filters) if (values[f]?.trim()) q.set(f, values[f].trim());
    const file = `${ds.name}.${format}`;
    setState({ kind: 'busy', bytes: 0 });
    try {
      const [name, n] = await fetchFile(`/analytics/exports/${file}${q.size ? '?' + q : ''}`, file, (b) => setState({ kind: 'busy', bytes: b }));
      setState({ kind: 'done', name, bytes: n });
    } catch (err) {
      if (lost(err)) return;
      if (err instanceof ApiError && err.status === 0 && err.message === 'cut short') {
        setState({ kind: 'failed', msg: (m) => m.expCutShort });
        return;
      }
      const msg = describe(err, { 404: (m) => (ds.name === 'bonus_lines' ? m.expNoRun : m.notFound), 422: (m) => m.expRefused });
      // A run or period the ledger does not have is the field's error.
      if (ds.name === 'bonus_lines' && err instanceof ApiError && err.status === 404) {
        setErrors(values.run ? { run: msg } : { period: msg });
        setState({ kind: 'idle' });
      } else setState({ kind: 'failed', msg });
    }
  }

  const input = (f: string, label: string, type: 'text' | 'date' | 'month', hint?: string) => (
    <div class="field">
      <label for={id(f)}>{label}</label>
      <input
        {...({ type } as preact.InputHTMLAttributes<HTMLInputElement>)}
        id={id(f)}
        value={values[f] ?? ''}
        placeholder={hint}
        autocomplete="off"
        aria-invalid={errors[f] ? 'true' : undefined}
        aria-describedby={errors[f] ? id(f) + '-error' : undefined}
        onInput={(e) => setValues({ ...values, [f]: (e.currentTarget as HTMLInputElement).value })}
      />
      {errors[f] && (
        <p class="field-error" id={id(f) + '-error'} role="alert">
          {errors[f](m)}
        </p>
      )}
    </div>
  );
  const bonus = ds.name === 'bonus_lines';
  const fields: Record<string, () => preact.JSX.Element> = {
    period: () => (bonus ? input('period', m.expSettlementPeriod, 'text', '2026-11') : input('period', m.expMonth, 'month')),
    from: () => input('from', m.expFrom, 'date'),
    to: () => input('to', m.expTo, 'date'),
    as_of: () => input('as_of', m.expAsOf, 'date'),
    run: () => input('run', m.expRun, 'text'),
    sku: () => input('sku', m.expSku, 'text'),
    batch: () => input('batch', m.expBatch, 'text'),
  };
  return (
    <section class="card export-card" id={id('card')} data-dataset={ds.name}>
      <h2>
        {title} <code class="muted">{ds.name}</code>
      </h2>
      <p class="hint">{doc}</p>
      <form class="ship-form" onSubmit={submit} noValidate aria-label={title}>
        <div class="field">
          <label for={id('format')}>{m.expFormat}</label>
          <select id={id('format')} value={format} onChange={(e) => setFormat((e.currentTarget as HTMLSelectElement).value as Format)}>
            {formats.map((f) => (
              <option value={f} key={f}>
                {m.expFormats[f]}
              </option>
            ))}
          </select>
        </div>
        {ds.filters.map((f) => fields[f]?.())}
        <button type="submit" id={id('download')} disabled={state.kind === 'busy'}>
          {m.expDownload}
        </button>
      </form>
      <p class="export-status" id={id('status')} role={state.kind === 'failed' ? 'alert' : 'status'}>
        {state.kind === 'busy' && m.expDownloading(bytes(state.bytes))}
        {state.kind === 'done' && m.expDownloaded(state.name, bytes(state.bytes))}
        {state.kind === 'failed' && <span class="form-error">{state.msg(m)}</span>}
      </p>
      <details>
        <summary>{m.expColumns(ds.columns.length)}</summary>
        <ul class="export-columns">
          {ds.columns.map((c) => (
            <li key={c.name}>
              <code>{c.name}</code> <span class="muted">{c.type}</span>
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
